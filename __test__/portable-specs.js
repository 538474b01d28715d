'use strict'
// The suites that use no Linux-only tool (strace, /proc, bash's ulimit, FIFOs, devices). They
// run under every supported Node version here (scripts/test-node-versions.js), under Windows
// Node 20 and 22 in Wine (scripts/test-windows.js), and on macOS and Windows in the GitHub
// workflow; Linux runs the whole suite.

const PORTABLE_SPECS = ['contract', 'seed', 'package', 'server-api', 'binary', 'errors', 'trips', 'exit', 'budgets']

/** Jest's command-line pattern for the portable suites. */
const portableSpecsPattern = () => `__test__/(${PORTABLE_SPECS.join('|')})\\.spec`

module.exports = { PORTABLE_SPECS, portableSpecsPattern }

if (require.main === module) process.stdout.write(portableSpecsPattern())

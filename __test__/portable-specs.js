'use strict'
// The suites that use no Linux-only tool (strace, /proc, bash's ulimit, FIFOs, devices) and no
// behaviour a platform lacks (another process appending to a log a writer holds: Windows locks
// are mandatory). They run under every supported Node version here
// (scripts/test-node-versions.js) and on macOS and Windows in the GitHub workflow; Linux runs
// the whole suite.

const PORTABLE_SPECS = ['contract', 'seed', 'package', 'server-api', 'binary', 'errors', 'trips', 'exit']

/** Jest's command-line pattern for the portable suites. */
const portableSpecsPattern = () => `__test__/(${PORTABLE_SPECS.join('|')})\\.spec`

module.exports = { PORTABLE_SPECS, portableSpecsPattern }

if (require.main === module) process.stdout.write(portableSpecsPattern())

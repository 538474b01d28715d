#!/usr/bin/env node
// Builds the native addon: a release build of the crate copied to
// `incremental-writer.<platform>.node` beside binding.js, and binding.js/binding.d.ts
// regenerated, all by napi-rs's CLI (`napi build`) with its output shown as it goes.
// `npm run build` runs it, and so does npm's `prepare` step: `npm install` in a clone, and
// installing the package from a git URL.
//
// On Linux x64 with glibc, the binary is linked for glibc 2.17 and later (CentOS 7, Debian 8,
// Ubuntu 14.04 and every newer distribution), whatever glibc this machine has: `cargo zigbuild`
// builds for the target `x86_64-unknown-linux-gnu.2.17`, with zig as the linker. What that
// needs is installed when missing: zig from the `ziglang` Python package (pip, into
// node_modules/.cache unless zig or the package is already there) and cargo-zigbuild from
// crates.io (`cargo install --locked`, once, about two minutes); when both are there, checking
// for them takes a fraction of a second.
//
// Installed as a git dependency, the package is built for the machine installing it: a plain
// `cargo build`, nothing installed besides the crate's own dependencies.
//
//   node scripts/build.js                       this machine's platform; on Linux x64 with
//                                               glibc, linked for glibc 2.17 with zig
//   node scripts/build.js --host                this machine's platform with plain cargo,
//                                               linked against this machine's libc
//   node scripts/build.js --target <triple>     another Rust target with plain cargo, e.g.
//                                               x86_64-apple-darwin on a Mac (its standard
//                                               library is added with rustup when missing)
//   node scripts/build.js --target <triple> --zig   another target linked by zig, e.g.
//                                               x86_64-unknown-linux-musl or
//                                               aarch64-unknown-linux-gnu.2.17
'use strict'

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { parseArgs } = require('node:util')

const root = path.resolve(__dirname, '..')
/** Versions installed when missing; any installed version of either is used as it is. */
const ZIGLANG_VERSION = '0.17.1'
const CARGO_ZIGBUILD_VERSION = '0.24.1'
/** The oldest glibc the linux-x64-gnu binary is linked for. */
const GLIBC = '2.17'

function log(message) {
  console.error(`incremental-writer build: ${message}`)
}

function fail(message) {
  log(message)
  process.exit(1)
}

/** Runs a command with its output shown; returns whether it exited 0. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options })
  if (result.error && result.error.code !== 'ENOENT') throw result.error
  return !result.error && result.status === 0
}

/** Runs a command quietly; returns whether it exited 0 (false when it does not exist). */
function succeeds(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'ignore' })
  return !result.error && result.status === 0
}

function isGlibcLinux() {
  return process.platform === 'linux' && Boolean(process.report.getReport().header.glibcVersionRuntime)
}

/**
 * npm installs a git dependency by cloning it, running `npm install` in the clone (which runs
 * `prepare` a first time) and then `prepare` again before packing it. The first run only has
 * to let the dependencies install: the build happens in the second, whose output npm shows
 * with `--foreground-scripts`.
 */
function gitDependencyStage() {
  const { npm_package_resolved: resolved, _PACOTE_NO_PREPARE_: preparing, npm_command: command } = process.env
  if (preparing && !resolved) return 'installing-dependencies'
  if (resolved && command !== 'pack' && command !== 'publish') return 'preparing'
  return null
}

const python = process.platform === 'win32' ? 'python' : 'python3'
/** Where zig is installed when neither zig nor the `ziglang` Python package is found. */
const zigCache = path.join(root, 'node_modules', '.cache', `ziglang-${ZIGLANG_VERSION}`)

/**
 * The environment that lets cargo-zigbuild find zig: as it is when zig is on PATH or the
 * `ziglang` Python package is installed (`python3 -m ziglang`); otherwise the `ziglang`
 * package is installed with pip into node_modules/.cache (`pip install --target`, which leaves
 * the machine's Python as it is) and cargo-zigbuild pointed at its zig.
 */
function zigEnv() {
  if (succeeds('zig', ['version']) || succeeds(python, ['-c', 'import ziglang'])) return {}
  const zig = path.join(zigCache, 'ziglang', process.platform === 'win32' ? 'zig.exe' : 'zig')
  if (!fs.existsSync(zig)) {
    log(`installing zig ${ZIGLANG_VERSION} (the Python package ziglang) into ${path.relative(root, zigCache)}`)
    const pip = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', '--target', zigCache, `ziglang==${ZIGLANG_VERSION}`]
    if (process.getuid && process.getuid() === 0) pip.push('--root-user-action=ignore')
    if (!run(python, pip) || !fs.existsSync(zig)) {
      fail(`could not install zig with \`${python} -m pip install ziglang\`. Install Python 3 with pip, or zig itself, or build with \`node scripts/build.js --host\` for this machine's glibc only`)
    }
  }
  return { CARGO_ZIGBUILD_ZIG_PATH: zig }
}

function ensureCargoZigbuild() {
  if (succeeds('cargo-zigbuild', ['--help'])) return
  log(`installing cargo-zigbuild ${CARGO_ZIGBUILD_VERSION} (cargo install, once, about two minutes)`)
  if (!run('cargo', ['install', '--locked', `cargo-zigbuild@${CARGO_ZIGBUILD_VERSION}`])) {
    fail('could not install cargo-zigbuild with `cargo install --locked cargo-zigbuild`')
  }
}

/** The Rust standard library for `triple`, added with rustup when missing. */
function ensureRustTarget(triple) {
  const installed = spawnSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' })
  if (installed.error || installed.status !== 0) return // no rustup: cargo says what is missing
  if (installed.stdout.split('\n').includes(triple)) return
  log(`adding the Rust standard library for ${triple} (rustup target add)`)
  if (!run('rustup', ['target', 'add', triple])) fail(`\`rustup target add ${triple}\` failed`)
}

function napiBuild(extraArgs, env = {}) {
  const cli = require.resolve('@napi-rs/cli/package.json', { paths: [root] })
  const bin = path.join(path.dirname(cli), require(cli).bin.napi)
  const args = [bin, 'build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts', ...extraArgs]
  log(`napi ${args.slice(1).join(' ')}`)
  if (!run(process.execPath, args, { env: { ...process.env, ...env } })) fail('napi build failed')
}

function main() {
  const { values } = parseArgs({ options: { target: { type: 'string' }, zig: { type: 'boolean' }, host: { type: 'boolean' } } })
  if (!succeeds('cargo', ['--version'])) {
    fail('cargo was not found. Building the addon needs a Rust toolchain (rustup, stable Rust 1.89 or later): https://rustup.rs')
  }
  const stage = gitDependencyStage()
  if (stage === 'installing-dependencies') {
    log('installed as a git dependency: the build follows once its tools are installed')
    return
  }
  if (values.target) {
    ensureRustTarget(values.target.split('.')[0])
    if (!values.zig) return napiBuild(['--target', values.target])
    ensureCargoZigbuild()
    return napiBuild(['--cross-compile', '--target', values.target], zigEnv())
  }
  if (values.host || stage === 'preparing' || !(isGlibcLinux() && process.arch === 'x64')) {
    if (stage === 'preparing') log('installed as a git dependency: building it for this machine with cargo (a minute or two)')
    return napiBuild([])
  }
  ensureCargoZigbuild()
  napiBuild(['--cross-compile', '--target', `x86_64-unknown-linux-gnu.${GLIBC}`], zigEnv())
}

main()

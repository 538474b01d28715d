#!/usr/bin/env node
// Makes sure this platform's native binary sits beside binding.js. A packed tarball ships
// the linux-x64-gnu binary, so installing it needs no Rust; anywhere else (a fresh clone,
// another platform) the binary is built from source with cargo.
'use strict'

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const binaryName = require(path.join(root, 'package.json')).napi.binaryName

/** The suffix the napi loader (binding.js) looks for on this platform, e.g. `linux-x64-gnu`. */
function platformTag() {
  const { platform, arch } = process
  if (platform !== 'linux') return `${platform}-${arch}${platform === 'win32' ? '-msvc' : ''}`
  const glibc = process.report.getReport().header.glibcVersionRuntime
  return `${platform}-${arch}-${glibc ? 'gnu' : 'musl'}`
}

/** The file name cargo gives a cdylib on this platform. */
function cargoLibraryName() {
  const crate = binaryName.replace(/-/g, '_')
  if (process.platform === 'win32') return `${crate}.dll`
  return `lib${crate}.${process.platform === 'darwin' ? 'dylib' : 'so'}`
}

/** Cargo's target directory: the project's own in a clone, a user cache when installed as a dependency. */
function targetDir() {
  if (process.env.CARGO_TARGET_DIR) return process.env.CARGO_TARGET_DIR
  const insideNodeModules = root.split(path.sep).includes('node_modules')
  return insideNodeModules ? path.join(os.homedir(), '.cache', binaryName, 'target') : path.join(root, 'target')
}

function main() {
  const binary = path.join(root, `${binaryName}.${platformTag()}.node`)
  if (fs.existsSync(binary)) return
  console.log(`${binaryName}: no prebuilt binary for ${platformTag()}, building it with cargo`)
  const target = targetDir()
  const build = spawnSync('cargo', ['build', '--release', '--locked'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CARGO_TARGET_DIR: target },
  })
  if (build.error || build.status !== 0) {
    const why = build.error ? build.error.message : `cargo exited with ${build.status}`
    console.error(`${binaryName}: building the native addon failed (${why}); a Rust toolchain is needed on this platform`)
    process.exit(1)
  }
  fs.copyFileSync(path.join(target, 'release', cargoLibraryName()), binary)
}

main()

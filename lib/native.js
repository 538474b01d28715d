'use strict'
// The native addon, loaded once for every module of the package, with an error that helps when
// no binary loads for this platform.

const { messageOf } = require('./errors')

/**
 * The native addon, through the loader napi-rs generates (binding.js): a binary built beside it
 * (`incremental-writer.<platform>.node`, in a clone or an install from git), this platform's
 * package `incremental-writer-<platform>` (an optional dependency), or the file named by
 * `NAPI_RS_NATIVE_LIBRARY_PATH`. When none loads, the error says which platform this is, which
 * platforms have a binary and how to build one, instead of the loader's generic advice.
 */
function loadBinding() {
  try {
    return require('../binding.js')
  } catch (err) {
    throw bindingError(err)
  }
}

/** What the loader's error becomes: `ERR_NATIVE_BINARY`, the loader's error as its `cause`. */
function bindingError(loaderError) {
  const platform = platformTag()
  const { napi, repository } = require('../package.json')
  const published = napi.targets.map(platformOfTriple)
  const repo = repository.url.replace(/^git\+/, '')
  const build =
    `To build it from source (Rust 1.89 or later, https://rustup.rs), install the package from its repository, ` +
    `\`npm install git+${repo}\`, which builds it for this machine; or clone the repository, run \`npm install\` there ` +
    `and set NAPI_RS_NATIVE_LIBRARY_PATH to the incremental-writer.${platform}.node it builds.`
  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH
  let message
  if (override) {
    message = `incremental-writer: the native binary NAPI_RS_NATIVE_LIBRARY_PATH names (${override}) did not load.`
  } else if (published.includes(platform)) {
    message =
      `incremental-writer: the native binary for this platform (${platform}) did not load. It comes in the package ` +
      `incremental-writer-${platform}, which npm installs as an optional dependency: install again without ` +
      `\`--omit=optional\`, and if the lockfile was made on another platform and left it out, remove node_modules ` +
      `and package-lock.json first. ${build}`
  } else {
    message =
      `incremental-writer: no prebuilt native binary exists for this platform (${platform}); ` +
      `the packages incremental-writer-<platform> exist for ${published.join(', ')}. ${build}`
  }
  // The loader's own message comes first; what each attempt threw follows in its causes.
  const [, ...failures] = loadFailures(loaderError)
  const reason = override ? failures.find((text) => text.includes(override)) : failures.find((text) => !/^Cannot find module/.test(text))
  if (reason) message += ` ${override ? 'Loading it' : 'A binary was found, but loading it'} failed with: ${reason}`
  const error = new Error(message)
  error.code = 'ERR_NATIVE_BINARY'
  error.cause = loaderError
  return error
}

/** The messages of the loader's error and of its chain of causes. */
function loadFailures(error) {
  const messages = []
  for (let e = error, depth = 0; e && depth < 50; e = e.cause, depth++) messages.push(messageOf(e).split('\n')[0])
  return messages
}

/** This platform as napi-rs names it in binaries and packages, e.g. `linux-x64-gnu`, `darwin-arm64`. */
function platformTag() {
  const { platform, arch } = process
  if (platform === 'win32') return `win32-${arch}-msvc`
  if (platform !== 'linux') return `${platform}-${arch}`
  let glibc = true
  try {
    process.report.excludeNetwork = true
    glibc = Boolean(process.report.getReport().header.glibcVersionRuntime)
  } catch {
    // no report: assume glibc
  }
  return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
}

/** The napi-rs platform of a Rust target triple: `aarch64-unknown-linux-musl` -> `linux-arm64-musl`. */
function platformOfTriple(triple) {
  const [cpu] = triple.split('-')
  const arch = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32' }[cpu] || cpu
  if (triple.includes('-linux-')) return `linux-${arch}-${triple.endsWith('musl') ? 'musl' : 'gnu'}`
  if (triple.includes('-apple-darwin')) return `darwin-${arch}`
  if (triple.includes('-windows-msvc')) return `win32-${arch}-msvc`
  return triple
}

module.exports = loadBinding()

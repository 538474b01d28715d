#!/usr/bin/env node
// Packs the packages a release publishes, as the registry will serve them:
//
// - `incremental-writer-<version>.tgz`: the JavaScript API, the loader and the command, without
//   any native binary, depending on every `incremental-writer-<platform>` at the same version
//   through `optionalDependencies` (npm installs the one whose `os`, `cpu` and `libc` match).
// - `incremental-writer-<platform>-<version>.tgz` for each platform whose binary is at hand:
//   `npm/<platform>/incremental-writer.<platform>.node` (where the release workflow puts the
//   binaries it built) or else the one built here beside binding.js (`npm run build`).
//
// The main package is packed from a copy of the files git tracks or would track, so built
// binaries and everything else .gitignore'd stay out, exactly as in the release workflow's
// fresh checkout, and its package.json loses the `prepare` script, which only a clone or an
// install from git needs. No npm script runs: nothing is built here.
//
//   node scripts/pack.js [--out <dir>] [--require-all]
//
// --out          where the .tgz files go (default: dist/)
// --require-all  fail unless every platform in package.json's napi.targets has its binary
//
// Prints, as JSON, the packages packed, the platform packages first and the main one last, in
// the order to publish them: [{ name, version, file, platform? }].
'use strict'

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { parseArgs } = require('node:util')

const root = path.resolve(__dirname, '..')
const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function fail(message) {
  console.error(`incremental-writer pack: ${message}`)
  process.exit(1)
}

/** `npm pack` of `dir` into `out`, scripts off; returns the file name npm gave the tarball. */
function npmPack(dir, out) {
  const json = execFileSync(npmCommand, ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    shell: process.platform === 'win32',
  })
  return JSON.parse(json)[0].filename
}

/** Copies into `stage` every file git tracks or would track (not ignored), as they are on disk. */
function copyCheckout(stage) {
  let listed
  try {
    listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  } catch (err) {
    fail(`listing the repository's files with git failed (${err.message}); pack from a git checkout`)
  }
  for (const file of listed.split('\0').filter(Boolean)) {
    const from = path.join(root, file)
    if (!fs.existsSync(from)) continue // deleted in the work tree
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true })
    fs.copyFileSync(from, path.join(stage, file))
  }
}

function main() {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' }, 'require-all': { type: 'boolean' } } })
  const out = path.resolve(values.out)
  fs.mkdirSync(out, { recursive: true })
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  const { name, version } = manifest
  const { binaryName } = manifest.napi
  const platforms = fs.readdirSync(path.join(root, 'npm')).sort()
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'incremental-writer-pack-'))
  const packed = []
  try {
    for (const platform of platforms) {
      const dir = path.join(root, 'npm', platform)
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
      if (pkg.version !== version) fail(`npm/${platform}/package.json has version ${pkg.version}, not ${version}: run \`npx napi version\``)
      const binaryFile = `${binaryName}.${platform}.node`
      const binary = [path.join(dir, binaryFile), path.join(root, binaryFile)].find((file) => fs.existsSync(file))
      if (!binary) {
        if (values['require-all']) fail(`no binary for ${platform}: expected npm/${platform}/${binaryFile}`)
        continue
      }
      const staged = path.join(stage, platform)
      fs.mkdirSync(staged)
      for (const file of ['package.json', 'README.md']) fs.copyFileSync(path.join(dir, file), path.join(staged, file))
      fs.copyFileSync(path.join(root, 'LICENSE'), path.join(staged, 'LICENSE'))
      fs.copyFileSync(binary, path.join(staged, binaryFile))
      packed.push({ name: pkg.name, version, file: path.join(out, npmPack(staged, out)), platform })
    }

    const main = path.join(stage, name)
    copyCheckout(main)
    const optionalDependencies = Object.fromEntries(platforms.map((platform) => [`${name}-${platform}`, version]))
    // `prepare` builds the addon in a clone or a git install; from the registry it would do
    // nothing, yet npm 11 lists it among the install scripts it warns about. `prepublishOnly`
    // stops `npm publish` in a clone, which is not how a release is published.
    const { prepare, prepublishOnly, ...scripts } = manifest.scripts
    const published = { ...manifest, scripts, optionalDependencies }
    fs.writeFileSync(path.join(main, 'package.json'), JSON.stringify(published, null, 2) + '\n')
    packed.push({ name, version, file: path.join(out, npmPack(main, out)) })
  } finally {
    fs.rmSync(stage, { recursive: true, force: true })
  }
  console.log(JSON.stringify(packed, null, 2))
}

main()

'use strict'
// The packages as a registry user gets them: `scripts/pack.js` packs the main package and the
// linux-x64-gnu one as the release workflow does, and both install into an empty project with
// install scripts off and without Rust, load from CommonJS and ES modules with nothing printed,
// and pass the server's original spec under ts-jest with only its import line changed.

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const repoModules = path.join(root, 'node_modules')
const { version, napi } = require('../package.json')

/** PATH with every directory that holds cargo or rustc left out. */
function pathWithoutRust() {
  return process.env.PATH.split(path.delimiter)
    .filter((dir) => !['cargo', 'rustc'].some((tool) => fs.existsSync(path.join(dir, tool))))
    .join(path.delimiter)
}

/** Runs a command; returns its exit code, stdout and stderr. */
function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  if (result.error) throw result.error
  return result
}

/** The paths in a .tgz, without tar's `package/` prefix. */
function tarball(file) {
  return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''))
}

function tarballManifest(file) {
  return JSON.parse(execFileSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' }))
}

const onLinuxX64Glibc = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report.getReport().header.glibcVersionRuntime)

;(onLinuxX64Glibc ? describe : describe.skip)('the npm packages', () => {
  let project
  let packed
  let env
  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-consumer-'))
    const out = path.join(project, 'packs')
    packed = JSON.parse(execFileSync(process.execPath, [path.join(root, 'scripts', 'pack.js'), '--out', out], { encoding: 'utf8' }))
    env = { ...process.env, PATH: pathWithoutRust() }
    for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name]
  })
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }))

  const main = () => packed.find((p) => p.name === 'incremental-writer')
  const linux = () => packed.find((p) => p.platform === 'linux-x64-gnu')

  it('packs the API without a binary, sources or install scripts, depending on each platform package', () => {
    const files = tarball(main().file)
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.mjs', 'index.d.ts', 'index.d.mts', 'binding.js', 'bin/incremental-writer.js', 'LICENSE', 'README.md', 'CHANGELOG.md']))
    expect(files.filter((file) => /\.node$|^src\/|^Cargo|^build\.rs|^scripts\/|^__test__\/|^npm\/|^target\/|^node_modules\//.test(file))).toEqual([])
    const manifest = tarballManifest(main().file)
    expect(Object.keys(manifest.scripts || {}).filter((name) => /^((pre|post)?install|prepare)$/.test(name))).toEqual([])
    expect(manifest.optionalDependencies).toEqual(
      Object.fromEntries(fs.readdirSync(path.join(root, 'npm')).map((platform) => [`incremental-writer-${platform}`, version])),
    )
    expect(Object.keys(manifest.optionalDependencies)).toHaveLength(napi.targets.length)
  })

  it('packs the linux-x64-gnu binary alone, for Linux x64 with glibc', () => {
    expect(tarball(linux().file).sort()).toEqual(['LICENSE', 'README.md', 'incremental-writer.linux-x64-gnu.node', 'package.json'])
    expect(tarballManifest(linux().file)).toMatchObject({
      name: 'incremental-writer-linux-x64-gnu',
      version,
      os: ['linux'],
      cpu: ['x64'],
      libc: ['glibc'],
      main: 'incremental-writer.linux-x64-gnu.node',
    })
  })

  it('installs with scripts off and no Rust, printing no warning, and loads from CommonJS and ES modules', () => {
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
    const cargo = spawnSync('cargo', ['--version'], { env })
    expect(cargo.error ? cargo.error.code : cargo.status).toBe('ENOENT')
    const install = run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', main().file, linux().file], { cwd: project, env })
    expect(install.stderr).toBe('')
    expect(install.status).toBe(0)

    const installed = path.join(project, 'node_modules', 'incremental-writer')
    expect(fs.readdirSync(installed).filter((file) => file.endsWith('.node'))).toEqual([])
    const cjs = [
      "const { IncrementalWriter } = require('incremental-writer')",
      "const w = new IncrementalWriter('s.jsonl', 's.index.json')",
      "w.appendEvents([{ type: 'input', seq: 0, code: '1' }]).then(() => w.close()).then(() => console.log(require('fs').readFileSync('s.index.json', 'utf8').length > 0, require.resolve('incremental-writer-linux-x64-gnu')))",
    ].join(';')
    const loaded = run(process.execPath, ['-e', cjs], { cwd: project, env })
    expect(loaded.stderr).toBe('')
    expect(loaded.stdout.trim()).toBe(`true ${path.join(project, 'node_modules', 'incremental-writer-linux-x64-gnu', 'incremental-writer.linux-x64-gnu.node')}`)

    const esm = "import * as esm from 'incremental-writer'; import { createRequire } from 'node:module'; const cjs = createRequire(import.meta.url)('incremental-writer'); console.log(Object.keys(esm).filter((k) => k !== 'default').sort().join(), Object.keys(cjs).sort().join(), esm.IncrementalWriter === cjs.IncrementalWriter)"
    const imported = run(process.execPath, ['--input-type=module', '-e', esm], { cwd: project, env })
    expect(imported.stderr).toBe('')
    expect(imported.stdout.trim()).toBe('IncrementalWriter,SessionReader,repair,setDescriptorBudget,setIndexMemoryBudget,verify IncrementalWriter,SessionReader,repair,setDescriptorBudget,setIndexMemoryBudget,verify true')
  })

  it('installs with scripts on without any warning either', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-consumer-'))
    try {
      fs.writeFileSync(path.join(other, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
      const install = run('npm', ['install', '--no-audit', '--no-fund', main().file, linux().file], { cwd: other, env })
      expect(install.stderr).toBe('')
      expect(install.status).toBe(0)
      const loaded = run(process.execPath, ['-e', "console.log(typeof require('incremental-writer').verify)"], { cwd: other, env })
      expect(loaded).toMatchObject({ stdout: 'function\n', stderr: '' })
    } finally {
      fs.rmSync(other, { recursive: true, force: true })
    }
  })

  it('hides the loader behind its exports map', () => {
    const deep = run(process.execPath, ['-e', "require('incremental-writer/binding.js')"], { cwd: project, env })
    expect(deep.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/)
    expect(run(process.execPath, ['-p', "require('incremental-writer/package.json').version"], { cwd: project, env }).stdout.trim()).toBe(version)
  })

  it('has a command with --help on stdout, --version and usage errors with exit code 2', () => {
    const bin = path.join(project, 'node_modules', '.bin', 'incremental-writer')
    const help = run(bin, ['--help'], { cwd: project, env })
    expect(help).toMatchObject({ status: 0, stderr: '' })
    expect(help.stdout).toMatch(/^Usage: incremental-writer <command>/)
    expect(help.stdout).toMatch(/verify[\s\S]*Exit codes: 0 +the log and the index agree\s+1 +problems were found[\s\S]*2 +the check could not run/)
    expect(help.stdout).toMatch(/repair[\s\S]*Exit codes: 0 +repaired, or nothing to repair\s+2 +the repair could not run/)
    expect(run(bin, ['-h'], { cwd: project, env }).stdout).toBe(help.stdout)
    expect(run(bin, ['--version'], { cwd: project, env })).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' })
    for (const args of [[], ['frobnicate', 'a.jsonl'], ['verify'], ['--bogus']]) {
      const wrong = run(bin, args, { cwd: project, env })
      expect(wrong).toMatchObject({ status: 2, stdout: '' })
      expect(wrong.stderr).toMatch(/Run 'incremental-writer --help'/)
    }
  })

  it('on a platform without a binary, says which platforms have one and how to build it', () => {
    const probe = "Object.defineProperty(process, 'arch', { value: 'riscv64' }); try { require('incremental-writer') } catch (e) { console.log(e.code + ': ' + e.message) }"
    const { stdout } = run(process.execPath, ['-e', probe], { cwd: project, env })
    expect(stdout).toMatch(/^ERR_NATIVE_BINARY: incremental-writer: no prebuilt native binary exists for this platform \(linux-riscv64-gnu\)/)
    expect(stdout).toContain('linux-x64-gnu, linux-x64-musl, linux-arm64-gnu, linux-arm64-musl, darwin-x64, darwin-arm64, win32-x64-msvc')
    expect(stdout).toMatch(/npm install git\+https:\/\/\S+/)
    expect(stdout).not.toMatch(/npm has a bug/)
  })

  it('passes the original spec in a TypeScript project under ts-jest', () => {
    const server = path.join(project, 'server')
    fs.mkdirSync(server)
    fs.copyFileSync(path.join(__dirname, 'seed.spec.ts'), path.join(server, 'incremental-writer.spec.ts'))
    fs.copyFileSync(path.join(__dirname, 'types.ts'), path.join(server, 'types.ts'))
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, typeRoots: [path.join(repoModules, '@types')], types: ['jest', 'node'] },
        include: ['server'],
      }),
    )
    const config = {
      rootDir: project,
      testEnvironment: 'node',
      testMatch: ['**/server/*.spec.ts'],
      transform: { '^.+\\.ts$': [path.join(repoModules, 'ts-jest'), { tsconfig: path.join(project, 'tsconfig.json') }] },
    }
    const jest = path.join(repoModules, 'jest', 'bin', 'jest.js')
    const result = run(process.execPath, [jest, '--config', JSON.stringify(config), '--ci', '--color=false'], { cwd: project })
    expect(result.stderr).toMatch(/Tests: +6 passed, 6 total/)
    expect(result.status).toBe(0)
  })

  it('type-checks an ES module importing it under module nodenext', () => {
    const esm = path.join(project, 'esm')
    fs.mkdirSync(esm)
    fs.writeFileSync(
      path.join(esm, 'use.mts'),
      [
        "import writer, { IncrementalWriter, SessionReader, verify, repair, type SessionEvent } from 'incremental-writer'",
        "const events: SessionEvent[] = [{ type: 'input', seq: 0, code: '1', timestamp: '' }]",
        "const w: IncrementalWriter = new writer.IncrementalWriter('a.jsonl', 'a.index.json')",
        'await w.appendEvents(events)',
        "export const all = [SessionReader, verify, repair, new IncrementalWriter('b.jsonl', 'b.index.json')]",
      ].join('\n'),
    )
    fs.writeFileSync(
      path.join(esm, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', strict: true, noEmit: true, typeRoots: [path.join(repoModules, '@types')], types: ['node'] }, include: ['*.mts'] }),
    )
    const tsc = run(process.execPath, [path.join(repoModules, 'typescript', 'bin', 'tsc'), '-p', esm], { cwd: project })
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
  })
})

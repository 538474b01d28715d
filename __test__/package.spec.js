'use strict'
// The packed tarball installs into another project without Rust, and the original spec
// passes there under ts-jest with only its import line changed, as in the server.

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const repoModules = path.join(root, 'node_modules')

/** PATH with every directory that holds cargo or rustc left out. */
function pathWithoutRust() {
  return process.env.PATH.split(path.delimiter)
    .filter((dir) => !['cargo', 'rustc'].some((tool) => fs.existsSync(path.join(dir, tool))))
    .join(path.delimiter)
}

function run(command, args, options) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })
}

describe('the npm package', () => {
  let project
  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-consumer-'))
  })
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }))

  it('packs the prebuilt binary and installs it without a Rust toolchain', () => {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', project], { cwd: root }))[0]
    const files = packed.files.map((file) => file.path)
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'binding.js', 'incremental-writer.linux-x64-gnu.node']))
    expect(files.some((file) => file.startsWith('target/') || file.startsWith('node_modules/'))).toBe(false)

    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
    const env = { ...process.env, PATH: pathWithoutRust() }
    expect(() => run('cargo', ['--version'], { env })).toThrow()
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(project, packed.filename)], { cwd: project, env })

    const installed = path.join(project, 'node_modules', 'incremental-writer')
    expect(fs.existsSync(path.join(installed, 'incremental-writer.linux-x64-gnu.node'))).toBe(true)
    expect(fs.existsSync(path.join(installed, 'target'))).toBe(false)
    const probe = "const { IncrementalWriter } = require('incremental-writer'); console.log(typeof new IncrementalWriter('a.jsonl', 'b.json').appendEvents)"
    expect(run(process.execPath, ['-e', probe], { cwd: project, env }).trim()).toBe('function')
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
    const result = spawnSync(process.execPath, [jest, '--config', JSON.stringify(config), '--ci', '--color=false'], {
      cwd: project,
      encoding: 'utf8',
    })
    expect(result.stderr).toMatch(/Tests: +6 passed, 6 total/)
    expect(result.status).toBe(0)
  })
})

'use strict'
// No panic in native code reaches Node: a build with the `failpoints` feature makes writing,
// verify, repair or reading panic on demand (FAILPOINTS=<point>=panic), and each call rejects
// with ERR_INTERNAL while the process goes on.

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { tempSession } = require('./helpers')

const root = path.resolve(__dirname, '..')
let addon

beforeAll(() => {
  // A debug build shares the dependencies `cargo test` compiled; only this crate is built again.
  execFileSync('cargo', ['build', '--lib', '--features', 'failpoints', '--message-format', 'short'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  const built = path.join(root, 'target', 'debug', process.platform === 'darwin' ? 'libincremental_writer.dylib' : 'libincremental_writer.so')
  addon = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iw-failpoints-')), 'incremental-writer.node')
  fs.copyFileSync(built, addon)
}, 600_000)

afterAll(() => addon && fs.rmSync(path.dirname(addon), { recursive: true, force: true }))

/** Each call that reaches a fail point, and a call after it that shows the process lives on. */
const SCRIPT = `
  const { IncrementalWriter, SessionReader, verify, repair } = require(${JSON.stringify(root)})
  const [log, index] = process.argv.slice(1)
  const outcome = (promise) => promise.then(() => 'ok', (err) => err.code || String(err))
  ;(async () => {
    const writer = new IncrementalWriter(log, index)
    const result = {
      write: await outcome(writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 's' }])),
      writeSync: await outcome(Promise.resolve().then(() => writer.appendEventsSync([{ type: 'input', seq: 1 }]))),
      // A writer that caught a panic refuses later calls; one that did not lets the session go.
      close: await outcome(writer.close()),
      verify: await outcome(verify(log, index)),
      repair: await outcome(repair(log, index)),
      read: await outcome(new SessionReader(log, index).readEvents()),
      alive: true,
    }
    console.log(JSON.stringify(result))
  })()`

function runWith(failpoints, session) {
  if (failpoints === null) fs.writeFileSync(session.eventFile, '{"type":"checkpoint","seq":0,"reason":"r","stateId":"s"}\n')
  const env = { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: addon, FAILPOINTS: failpoints ?? '' }
  const child = spawnSync(process.execPath, ['-e', SCRIPT, session.eventFile, session.indexFile], { env, encoding: 'utf8' })
  return { status: child.status, signal: child.signal, result: child.stdout ? JSON.parse(child.stdout) : child.stderr }
}

it.each([
  ['write', { write: 'ERR_INTERNAL', writeSync: 'ERR_INTERNAL', close: 'ERR_INTERNAL' }],
  ['verify', { verify: 'ERR_INTERNAL' }],
  ['repair', { repair: 'ERR_INTERNAL' }],
  ['read', { read: 'ERR_INTERNAL' }],
])('a panic while %s rejects with ERR_INTERNAL and Node lives on', (point, expected) => {
  const session = tempSession()
  try {
    const { status, signal, result } = runWith(`${point}=panic`, session)
    expect({ status, signal }).toEqual({ status: 0, signal: null })
    expect(result).toMatchObject({ ...expected, alive: true })
  } finally {
    session.remove()
  }
})

it('the same build stores, verifies, repairs and reads when no fail point is set', () => {
  const session = tempSession()
  try {
    const { status, result } = runWith(null, session)
    expect(status).toBe(0)
    expect(result).toEqual({ write: 'ok', writeSync: 'ok', close: 'ok', verify: 'ok', repair: 'ok', read: 'ok', alive: true })
  } finally {
    session.remove()
  }
})

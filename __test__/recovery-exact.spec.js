'use strict'
// Recovery is exact and verify only reads: repair fixes any eventCount the log does not imply
// (too high, too low, negative, not a number, beyond a double), one repair makes any log of random
// bytes and lines agree with its index, and verify takes no lock, so it works while a writer in
// another process holds the session and on files it may not write.
// More random logs: RANDOM_LOGS=500 npx jest __test__/recovery-exact.spec.js

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, verify, repair } = require('incremental-writer')
const { tempSession, writeLog, random, auditSession, exited } = require('./helpers')

const RANDOM_LOGS = Number(process.env.RANDOM_LOGS || 20)
const root = path.resolve(__dirname, '..')
const cli = path.join(root, 'bin', 'incremental-writer.js')

let session
beforeEach(() => {
  session = tempSession()
})
afterEach(() => session.remove())

/** Events whose largest seq is 7: the log implies eventCount 8. */
const eightEvents = [
  { type: 'input', seq: 0, code: '(def x 1)' },
  { type: 'output', seq: 1, value: '1' },
  { type: 'checkpoint', seq: 2, reason: 'auto', stateId: 's2' },
  { type: 'input', seq: 3, code: '(+ x 1)' },
  { type: 'output', seq: 4, value: '2' },
  { type: 'checkpoint', seq: 5, reason: 'auto', stateId: 's5' },
  { type: 'input', seq: 6, code: 'é' },
  { type: 'output', seq: 7, value: 'é' },
]

/** Writes the eight events' log and an index right in everything but eventCount, whose raw JSON text is `rawCount`. */
function sessionWithCount(rawCount) {
  const text = writeLog(session.eventFile, eightEvents)
  const checkpoints = []
  let offset = 0
  for (const line of text.slice(0, -1).split('\n')) {
    const event = JSON.parse(line)
    if (event.type === 'checkpoint') checkpoints.push({ seq: event.seq, reason: event.reason, stateId: event.stateId, byteOffset: offset })
    offset += Buffer.byteLength(line) + 1
  }
  const index = JSON.stringify({ sessionId: 'session', eventCount: 8, checkpoints, states: {}, receipts: {} }, null, 2)
  fs.writeFileSync(session.indexFile, index.replace('"eventCount": 8', `"eventCount": ${rawCount}`))
}

const readIndex = () => JSON.parse(fs.readFileSync(session.indexFile, 'utf8'))

describe('an eventCount the log does not imply', () => {
  it.each(['10000', '1e400', '-5', '"x"', '3'])('eventCount %s: repair makes it 8 and says so; verify then agrees', async (rawCount) => {
    sessionWithCount(rawCount)
    const { changes } = await repair(session.eventFile)
    const verified = await verify(session.eventFile)
    expect({ changes: changes.length > 0 ? 'reported' : 'none', verified: { ok: verified.ok, problems: verified.problems }, eventCount: readIndex().eventCount }).toEqual({
      changes: 'reported',
      verified: { ok: true, problems: [] },
      eventCount: 8,
    })
  })

  it.each(['-5', '"x"', '1e400', '3'])("eventCount %s: a writer's first call (seq 8) leaves it at 9", async (rawCount) => {
    sessionWithCount(rawCount)
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'input', seq: 8, code: '(+ x 2)' }])
    await writer.close()
    const { index, problems } = await auditSession(session.eventFile, session.indexFile)
    expect({ eventCount: index && index.eventCount, problems }).toEqual({ eventCount: 9, problems: [] })
  })
})

/** A random event line, or that line cut off somewhere (without its newline). */
function randomLine(next, cut) {
  const seq = next() < 0.85 ? Math.floor(next() * 50) : [-3, 1.5, 1e21, 2 ** 53, -0][Math.floor(next() * 5)]
  const kinds = [
    { type: 'input', seq, code: `(+ ${seq} 1)` },
    { type: 'output', seq, value: 'é✓'.repeat(Math.floor(next() * 4)) },
    { type: 'checkpoint', seq, reason: 'auto', stateId: `s${Math.floor(next() * 1e6)}` },
    { type: 'llm_resp', seq, response: 'r', receiptKey: `k${seq}` },
    { type: 'session', version: 1, id: 'session', created: '2024-01-01T00:00:00.000Z' },
  ]
  const line = JSON.stringify(kinds[Math.floor(next() * kinds.length)])
  return cut ? line.slice(0, Math.floor(next() * line.length)) : line + '\n'
}

/** 0–4 KB of random bytes, newlines, whole event lines and cut-off ones. */
function randomLog(next) {
  const size = Math.floor(next() * 4096)
  const pieces = []
  let length = 0
  while (length < size) {
    const pick = next()
    let piece
    if (pick < 0.15) piece = Buffer.from(Array.from({ length: 1 + Math.floor(next() * 40) }, () => Math.floor(next() * 256)))
    else if (pick < 0.25) piece = Buffer.from('\n')
    else if (pick < 0.85) piece = Buffer.from(randomLine(next, false))
    else piece = Buffer.from(randomLine(next, true))
    pieces.push(piece)
    length += piece.length
  }
  return Buffer.concat(pieces).subarray(0, size)
}

/** A random index: random bytes, a plausible index with random numbers, or one cut short. */
function randomIndex(next) {
  const pick = next()
  if (pick < 0.3) return Buffer.from(Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256)))
  const checkpoints = Array.from({ length: Math.floor(next() * 5) }, () => ({
    seq: Math.floor(next() * 60) - 5,
    reason: 'auto',
    stateId: `s${Math.floor(next() * 1e6)}`,
    byteOffset: Math.floor(next() * 5000) - 100,
  }))
  const counts = [Math.floor(next() * 100), -1, 1e400, 'x', null, 0.5]
  const text = JSON.stringify({ sessionId: 'session', eventCount: 0, checkpoints, states: { s1: { x: 1 } }, receipts: {}, extra: [1] }, null, 2).replace(
    '"eventCount": 0',
    `"eventCount": ${JSON.stringify(counts[Math.floor(next() * counts.length)]) || '1e400'}`,
  )
  return Buffer.from(pick < 0.8 ? text : text.slice(0, Math.floor(next() * text.length)))
}

it(`makes ${RANDOM_LOGS} random logs, with and without a random index, agree in one repair`, async () => {
  const next = random(0x5eed1)
  const failures = []
  for (let n = 0; n < RANDOM_LOGS; n++) {
    const log = randomLog(next)
    const index = randomIndex(next)
    for (const withIndex of [false, true]) {
      fs.rmSync(session.dir, { recursive: true, force: true })
      fs.mkdirSync(session.dir)
      fs.writeFileSync(session.eventFile, log)
      if (withIndex) fs.writeFileSync(session.indexFile, index)
      try {
        await repair(session.eventFile, session.indexFile)
        const { ok, problems } = await verify(session.eventFile, session.indexFile)
        if (!ok) failures.push({ log: n, withIndex, problems: problems.length, first: problems.slice(0, 2) })
      } catch (err) {
        failures.push({ log: n, withIndex, error: `${err.code}: ${err.message}` })
      }
    }
  }
  expect({ failed: failures.length, of: RANDOM_LOGS * 2, first: failures.slice(0, 4) }).toEqual({ failed: 0, of: RANDOM_LOGS * 2, first: [] })
})

describe('verify only reads', () => {
  /** Runs the command and resolves to its exit status and last line of output. */
  function runCli(...args) {
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      proc.stdout.on('data', (chunk) => (out += chunk))
      proc.stderr.on('data', (chunk) => (out += chunk))
      proc.on('error', reject)
      proc.on('exit', (status) => resolve({ status, said: out.trim().split('\n').pop() }))
    })
  }

  it('works, and finds the session whole, while a writer in another process keeps appending', async () => {
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const { IncrementalWriter } = require(${JSON.stringify(root)});
         const writer = new IncrementalWriter(process.argv[1], process.argv[2]);
         let seq = 0;
         const batch = () => Array.from({ length: 5 }, (_, i) => (seq % 10 === 0 ? { type: 'checkpoint', seq: seq++, reason: 'auto', stateId: 's' + seq } : { type: 'input', seq: seq++, code: 'x'.repeat(200) }));
         const loop = () => writer.appendEvents(batch()).then(() => setTimeout(loop, 2));
         writer.appendEvents(batch()).then(() => { console.log('holding'); loop() });`,
        session.eventFile,
        session.indexFile,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const gone = exited(holder)
    try {
      await new Promise((resolve) => holder.stdout.once('data', resolve))
      const sizeBefore = fs.statSync(session.eventFile).size
      const results = []
      for (let i = 0; i < 20; i++) {
        const api = await verify(session.eventFile).then(
          ({ ok, problems }) => (ok ? 'ok' : problems.join('; ')),
          (err) => `${err.code}: ${err.message}`,
        )
        const command = await runCli('verify', session.eventFile)
        results.push({ api, command })
      }
      expect(fs.statSync(session.eventFile).size).toBeGreaterThan(sizeBefore)
      const bad = results.map((result, i) => ({ i, ...result })).filter(({ api, command }) => api !== 'ok' || command.status !== 0)
      expect({ bad: bad.length, first: bad.slice(0, 3) }).toEqual({ bad: 0, first: [] })
    } finally {
      holder.kill('SIGKILL')
      await gone
    }
  })

  it('works on a session it may not write', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents(eightEvents.slice(0, 5))
    await writer.appendEvents(eightEvents.slice(5))
    await writer.close()
    fs.chmodSync(session.dir, 0o755)
    for (const name of fs.readdirSync(session.dir)) fs.chmodSync(path.join(session.dir, name), 0o444)

    let result
    if (process.getuid() === 0) {
      // As root, permissions stop no write: verify as nobody.
      const script = `require(${JSON.stringify(root)}).verify(process.argv[1]).then((r) => console.log(JSON.stringify(r)), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`
      const proc = spawn(process.execPath, ['-e', script, session.eventFile], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      proc.stdout.on('data', (chunk) => (out += chunk))
      proc.stderr.on('data', (chunk) => (err += chunk))
      await exited(proc)
      result = out ? JSON.parse(out) : { stderr: err }
    } else {
      result = await verify(session.eventFile).catch((e) => ({ code: e.code, message: e.message }))
    }
    expect(result).toMatchObject({ ok: true, problems: [] })
  })
})

'use strict'
// What the server needs beyond the original: a synchronous exit path, states and receipts in
// the index, and reading events from a checkpoint.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, SessionReader } = require('incremental-writer')
const { main: runMigrationExample } = require('../examples/server-migration')
const { tempSession, logLines } = require('./helpers')
const { OriginalIncrementalWriter } = require('./oracle/original-writer')

let session
beforeEach(() => {
  session = tempSession()
})
afterEach(() => session.remove())

const seqs = () => logLines(session.eventFile).slice(1).map((line) => JSON.parse(line).seq)

describe("this platform's paths", () => {
  afterEach(() => jest.useRealTimers())

  it("names the session as path.basename does here (either separator on Windows), byte for byte the original's files", async () => {
    jest.useFakeTimers({ now: new Date('2026-11-26T12:41:07.123Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
    const events = [{ type: 'input', seq: 0, code: '(+ 1 2)' }, { type: 'checkpoint', seq: 1, reason: 'auto', stateId: 's1-1' }]
    // The session's own path, in this platform's spelling: C:\\...\\s1.jsonl on Windows.
    const ours = session.writer(path.join(session.dir, 's1.jsonl'), path.join(session.dir, 's1.index.json'))
    await ours.appendEvents(events)
    const originalDir = path.join(session.dir, 'original')
    fs.mkdirSync(originalDir)
    await new OriginalIncrementalWriter(path.join(originalDir, 's1.jsonl'), path.join(originalDir, 's1.index.json')).appendEvents(events)
    const [header] = logLines(path.join(session.dir, 's1.jsonl'))
    expect(header).toBe('{"type":"session","version":1,"id":"s1","created":"2026-11-26T12:41:07.123Z"}')
    for (const name of ['s1.jsonl', 's1.index.json']) {
      expect(fs.readFileSync(path.join(session.dir, name), 'utf8')).toBe(fs.readFileSync(path.join(originalDir, name), 'utf8'))
    }
  })
})

describe('a session another process writes', () => {
  const root = path.join(__dirname, '..')
  // Appends one batch, says `held`, appends another when told, says `again`, and keeps the session.
  const holderScript = `const { IncrementalWriter } = require(${JSON.stringify(root)});
    const writer = new IncrementalWriter(process.argv[1], process.argv[2]);
    writer.appendEvents([{ type: 'input', seq: 0 }]).then(() => console.log('held'));
    process.stdin.once('data', () => writer.appendEvents([{ type: 'input', seq: 2 }]).then(() => console.log('again')));`
  const said = (child, word) =>
    new Promise((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk) => (out += chunk).includes(word) && resolve())
      child.once('exit', (code) => reject(new Error(`the holder exited (${code}) before saying ${word}: ${out}`)))
    })

  it('refuses a second writer, lets others append and read, and lets the writer go on after their lines', async () => {
    const holder = spawn(process.execPath, ['-e', holderScript, session.eventFile, session.indexFile])
    try {
      await said(holder, 'held')
      await expect(session.writer().appendEvents([{ type: 'input', seq: 9 }])).rejects.toMatchObject({ code: 'ERR_SESSION_LOCKED' })
      // The server's shutdown path and its loader, while the session is held.
      fs.appendFileSync(session.eventFile, '{"type":"output","seq":1}\n')
      expect(fs.readFileSync(session.eventFile, 'utf8').split('\n')).toHaveLength(4)
      expect((await new SessionReader(session.eventFile, session.indexFile).readEvents()).map((e) => e.seq)).toEqual([undefined, 0, 1])
      holder.stdin.write('go\n')
      await said(holder, 'again')
      expect(seqs()).toEqual([0, 1, 2])
      expect(JSON.parse(fs.readFileSync(session.indexFile, 'utf8')).eventCount).toBe(3)
    } finally {
      holder.kill('SIGKILL')
      await new Promise((resolve) => holder.exitCode !== null || holder.signalCode !== null ? resolve() : holder.once('exit', resolve))
    }
    const writer = session.writer()
    await writer.appendEvents([{ type: 'input', seq: 3 }])
    expect(seqs()).toEqual([0, 1, 2, 3])
  })
})

describe('the synchronous exit path', () => {
  it('appendEventsSync lands after every earlier async call, whose promises then resolve', async () => {
    const writer = session.writer()
    const calls = [0, 1, 2].map((seq) => writer.appendEvents([{ type: 'input', seq }]))
    writer.appendEventsSync([{ type: 'input', seq: 3 }])
    expect(seqs()).toEqual([0, 1, 2, 3])
    expect(writer.getCachedIndex().eventCount).toBe(4)
    await Promise.all(calls)
    await writer.appendEvents([{ type: 'input', seq: 4 }])
    expect(seqs()).toEqual([0, 1, 2, 3, 4])
  })

  it('appendEventsSync throws what appendEvents would reject with, writing nothing', () => {
    const writer = session.writer()
    writer.appendEventsSync([{ type: 'input', seq: 0 }])
    const before = fs.readFileSync(session.eventFile)
    expect(() => writer.appendEventsSync([{ type: 'input', seq: 1 }, { seq: 2 }])).toThrow(TypeError)
    expect(() => writer.appendEventsSync([{ type: 'input', big: 1n }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_EVENT', index: 0 }))
    expect(fs.readFileSync(session.eventFile)).toEqual(before)
  })

  it('flushSync stores queued calls now; closeSync closes; later calls are refused', async () => {
    const writer = session.writer()
    const call = writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 's' }])
    writer.flushSync()
    expect(seqs()).toEqual([0])
    await call
    writer.appendEvents([{ type: 'input', seq: 1 }])
    writer.closeSync()
    expect(seqs()).toEqual([0, 1])
    expect(() => writer.appendEventsSync([{ type: 'input', seq: 2 }])).toThrow(expect.objectContaining({ code: 'ERR_WRITER_CLOSED' }))
    await expect(writer.appendEvents([{ type: 'input', seq: 2 }])).rejects.toMatchObject({ code: 'ERR_WRITER_CLOSED' })
    const next = session.writer()
    next.appendEventsSync([{ type: 'input', seq: 2 }])
    expect(seqs()).toEqual([0, 1, 2])
  })
})

describe('states and receipts', () => {
  it('records them in the index exactly as JSON.stringify writes them, in order with events', async () => {
    const writer = session.writer()
    const state = { env: { x: 1e21, y: -0, d: new Date(0), s: 'lone \ud800', f: () => 1 }, stack: [undefined, NaN], 10: 'ten', 2: 'two' }
    const receipt = { key: 'r1', request: { prompt: 'p' }, response: 'r', timestamp: 't', durationMs: 12, tokens: 3 }
    const calls = [
      writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'auto', stateId: 'state-0' }]),
      writer.recordState('state-0', state),
      writer.appendEvents([{ type: 'llm_resp', seq: 1, response: 'r', receiptKey: 'r1' }]),
      writer.recordReceipt('r1', receipt),
    ]
    await Promise.all(calls)
    const index = JSON.parse(fs.readFileSync(session.indexFile, 'utf8'))
    const expected = {
      sessionId: 'session',
      eventCount: 2,
      checkpoints: [{ seq: 0, reason: 'auto', stateId: 'state-0', byteOffset: index.checkpoints[0].byteOffset }],
      states: { 'state-0': JSON.parse(JSON.stringify(state)) },
      receipts: { r1: receipt },
    }
    expect(fs.readFileSync(session.indexFile, 'utf8')).toBe(JSON.stringify(expected, null, 2))
  })

  it('refuses values JSON.stringify refuses, changing nothing', async () => {
    const writer = session.writer()
    await writer.recordState('a', { ok: true })
    const before = fs.readFileSync(session.indexFile)
    const circular = {}
    circular.self = circular
    for (const value of [circular, 1n, undefined, () => 1]) {
      await expect(writer.recordState('b', value)).rejects.toThrow(TypeError)
    }
    await expect(writer.recordReceipt(42, {})).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    expect(fs.readFileSync(session.indexFile)).toEqual(before)
  })
})

describe('reading from a checkpoint', () => {
  /** 2,500 events (more than one read chunk), a checkpoint every 500. */
  async function longSession() {
    const writer = session.writer()
    const events = Array.from({ length: 2500 }, (_, seq) =>
      seq % 500 === 499 ? { type: 'checkpoint', seq, reason: 'auto', stateId: `s${seq}` } : { type: 'input', seq, code: 'é'.repeat(seq % 3) },
    )
    for (let i = 0; i < events.length; i += 700) await writer.appendEvents(events.slice(i, i + 700))
    return { writer, events }
  }

  it('reads from the latest checkpoint, by entry, by stateId and by offset', async () => {
    const { writer, events } = await longSession()
    const reader = new SessionReader(session.eventFile)
    const latest = await reader.latestCheckpoint()
    expect(latest).toMatchObject({ seq: 2499, stateId: 's2499' })
    const first = await reader.findCheckpointBefore(1200)
    expect(first).toMatchObject({ seq: 999 })
    const expected = events.slice(999)
    expect(await reader.readEvents({ fromCheckpoint: first })).toEqual(expected)
    expect(await reader.readEvents({ fromCheckpoint: 's999' })).toEqual(expected)
    expect(await writer.readEvents({ fromOffset: first.byteOffset, limit: 3 })).toEqual(expected.slice(0, 3))
    const iterated = []
    for await (const event of writer.events({ fromCheckpoint: latest })) iterated.push(event)
    expect(iterated).toEqual([events[2499]])
    expect(await writer.latestCheckpoint()).toEqual(latest)
  })

  it('reads from a seq, starting at the checkpoint before it', async () => {
    const { events } = await longSession()
    const reader = new SessionReader(session.eventFile, session.indexFile)
    expect(await reader.readEvents({ fromSeq: 1700, limit: 5 })).toEqual(events.slice(1700, 1705))
    expect(await reader.readEvents({ fromSeq: 10, limit: 2 })).toEqual(events.slice(10, 12))
    expect(await reader.findCheckpointBefore(100)).toBeNull()
    const all = await reader.readEvents()
    expect(all[0]).toMatchObject({ type: 'session' })
    expect(all.slice(1)).toEqual(events)
  })

  it('says clearly when an offset is not a checkpoint line', async () => {
    const { events } = await longSession()
    const reader = new SessionReader(session.eventFile, session.indexFile)
    const { byteOffset } = await reader.findCheckpointBefore(600)
    for (const fromOffset of [byteOffset + 1, byteOffset - 1, 0, 10 ** 9]) {
      await expect(reader.readEvents({ fromOffset })).rejects.toMatchObject({ code: 'ERR_NOT_A_CHECKPOINT', path: session.eventFile })
    }
    await expect(reader.readEvents({ fromCheckpoint: 'nope' })).rejects.toMatchObject({ code: 'ERR_NO_SUCH_CHECKPOINT' })
    await expect(reader.readEvents({ fromOffset: -1 })).rejects.toThrow(TypeError)
    await expect(reader.readEvents({ fromSeq: 1, fromOffset: byteOffset })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    expect(events).toHaveLength(2500)
  })
})

it('runs the migration example: periodic save, synchronous shutdown, load at a checkpoint', async () => {
  const loaded = await runMigrationExample(session.dir)
  expect(loaded.state).toEqual({ env: { x: 1 } })
  expect(loaded.checkpoint).toMatchObject({ stateId: 'alice-state-2' })
  expect(loaded.replay.map((event) => event.seq)).toEqual([3, 4, 5, 6])
})

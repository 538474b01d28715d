'use strict'
// Calls that overlap land whole and in call order; different writers work side by side.

const fs = require('node:fs')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession, logLines } = require('./helpers')

describe('overlapping calls', () => {
  let sessions = []
  afterEach(() => sessions.forEach((session) => session.remove()))

  function session(name) {
    const created = tempSession(name)
    sessions.push(created)
    return created
  }

  it('stores un-awaited calls on one writer whole, in call order, with exact offsets', async () => {
    const s = session('ordered')
    const writer = new IncrementalWriter(s.eventFile, s.indexFile)
    const calls = []
    let seq = 0
    for (let call = 0; call < 300; call++) {
      const size = 1 + (call % 4)
      const batch = []
      for (let i = 0; i < size; i++, seq++) {
        batch.push(seq % 7 === 0 ? { type: 'checkpoint', seq, reason: 'auto', stateId: `s${seq}` } : { type: 'input', seq, code: 'é'.repeat(call % 5) })
      }
      calls.push(writer.appendEvents(batch))
    }
    await Promise.all(calls)

    const lines = logLines(s.eventFile)
    expect(lines.slice(1).map((line) => JSON.parse(line).seq)).toEqual([...Array(seq).keys()])
    const log = fs.readFileSync(s.eventFile)
    const index = writer.getCachedIndex()
    expect(index.eventCount).toBe(seq)
    for (const checkpoint of index.checkpoints) {
      const line = log.subarray(checkpoint.byteOffset, log.indexOf(10, checkpoint.byteOffset)).toString('utf8')
      expect(JSON.parse(line)).toMatchObject({ type: 'checkpoint', seq: checkpoint.seq })
    }
    expect(JSON.parse(fs.readFileSync(s.indexFile, 'utf8'))).toEqual(index)
    expect(writer.getByteOffset()).toBe(log.length)
  })

  it('lets many writers save at once, as the server does with Promise.all', async () => {
    const writers = Array.from({ length: 20 }, (_, i) => {
      const s = session(`s${i}`)
      return { s, writer: new IncrementalWriter(s.eventFile, s.indexFile) }
    })
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        writers.map(({ writer }, i) =>
          writer.appendEvents([{ type: 'input', seq: round * 2, code: `w${i}` }, { type: 'output', seq: round * 2 + 1, value: 'v' }]),
        ),
      )
    }
    for (const [i, { s, writer }] of writers.entries()) {
      const lines = logLines(s.eventFile)
      expect(lines).toHaveLength(11)
      expect(JSON.parse(lines[0])).toMatchObject({ type: 'session', id: `s${i}` })
      expect(lines.slice(1).every((line) => !line.includes('"code"') || line.includes(`"w${i}"`))).toBe(true)
      expect(writer.getCachedIndex().eventCount).toBe(10)
    }
  })

  it('continues a session another writer began, without a second header', async () => {
    const s = session('continued')
    const first = new IncrementalWriter(s.eventFile, s.indexFile)
    await first.appendEvents([{ type: 'input', seq: 0 }])
    await first.close()
    const second = new IncrementalWriter(s.eventFile, s.indexFile)
    expect(second.getByteOffset()).toBe(fs.statSync(s.eventFile).size)
    expect(second.getCachedIndex()).toBeNull()
    await second.appendEvents([{ type: 'checkpoint', seq: 1, reason: 'r', stateId: 'x' }])
    const lines = logLines(s.eventFile)
    expect(lines.filter((line) => line.includes('"type":"session"'))).toHaveLength(1)
    expect(second.getCachedIndex()).toMatchObject({ eventCount: 2, checkpoints: [{ seq: 1, stateId: 'x' }] })
  })
})

describe('close from inside a call', () => {
  let s
  beforeEach(() => {
    s = tempSession('closed')
  })
  afterEach(() => s.remove())

  /** Each way a call runs the caller's code before it is queued: an event's getter or toJSON, a state's toJSON. */
  const calls = [
    ['appendEvents, from a getter', (writer, close) => writer.appendEvents([{ type: 'input', seq: 1, get code() { close(writer); return 'x' } }])],
    ['appendEvents, from toJSON', (writer, close) => writer.appendEvents([{ toJSON() { close(writer); return { type: 'input', seq: 1 } } }])],
    ['appendEventsSync, from a getter', async (writer, close) => writer.appendEventsSync([{ type: 'input', seq: 1, get code() { close(writer); return 'x' } }])],
    ['recordState, from toJSON', (writer, close) => writer.recordState('s1', { toJSON() { close(writer); return {} } })],
  ]
  const closes = [
    ['closeSync()', (writer) => writer.closeSync()],
    ['close()', (writer) => writer.close()],
  ]
  const cases = calls.flatMap(([call, run]) => closes.map(([close, how]) => [close, call, run, how]))

  it.each(cases)('%s in %s: the call is refused, nothing is stored after the close, and the lock is released', async (_close, _call, run, close) => {
    const writer = new IncrementalWriter(s.eventFile, s.indexFile)
    await writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 'a' }])
    await expect(run(writer, close)).rejects.toMatchObject({ code: 'ERR_WRITER_CLOSED' })
    await writer.close()
    // Time for a store the close did not stop to land (none should); nothing here is timed.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(logLines(s.eventFile).map((line) => JSON.parse(line).seq)).toEqual([undefined, 0])
    expect(Object.keys(JSON.parse(fs.readFileSync(s.indexFile, 'utf8')).states)).toEqual([])
    // A new session on the same files takes the lock at once: the closed one holds nothing.
    await new IncrementalWriter(s.eventFile, s.indexFile).appendEventsSync([{ type: 'input', seq: 2 }])
    expect(fs.readdirSync(s.dir).sort()).toEqual(['closed.index.json', 'closed.jsonl', 'closed.index.json.spare', 'closed.jsonl.batch'].sort())
  })
})

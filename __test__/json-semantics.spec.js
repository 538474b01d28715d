'use strict'
// One JSON reader with JSON.parse's rules for everything: lone surrogates in keys and values
// survive from JS to the files and back, a repeated key keeps its last value, and what the
// writer reads and writes back (the index, lines appended behind it) is exactly what JSON.parse
// and JSON.stringify make of the same text.

const fs = require('node:fs')
const fc = require('fast-check')
const { IncrementalWriter, SessionReader } = require('incremental-writer')
const { tempSession, logLines } = require('./helpers')

let session
beforeEach(() => {
  session = tempSession()
})
afterEach(() => session.remove())

const readIndex = () => JSON.parse(fs.readFileSync(session.indexFile, 'utf8'))

/** Strings of any UTF-16 code units, lone surrogates included. */
const anyString = fc.string({ unit: 'binary', maxLength: 8 })
/** JSON values with such strings, as JSON.parse gives them. */
const anyJson = fc.jsonValue({ maxDepth: 3 })
const anyKeyedValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, anyJson, anyString, fc.array(tie('value'), { maxLength: 3 }), tie('object')),
  object: fc.array(fc.tuple(fc.oneof(anyString, fc.constantFrom('seq', 'stateId', '0', '10')), tie('value')), { maxLength: 4 }),
}))

/** JSON text of an object with the given entries, a key repeated as often as it comes. */
function objectText(entries) {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${valueText(value)}`).join(',')}}`
}

function valueText(value) {
  if (Array.isArray(value) && value.every((entry) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string')) {
    return objectText(value)
  }
  return JSON.stringify(value)
}

describe('lone surrogates', () => {
  it('keep two state ids that differ only in a lone surrogate apart', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 's\ud800' }])
    await writer.recordState('s\ud800', { which: 'A' })
    await writer.recordState('s\udbff', { which: 'B' })
    await writer.recordReceipt('r\udc00', { key: 'r\udc00', timestamp: 1 })
    await writer.close()
    const index = readIndex()
    expect(index.states['s\ud800']).toEqual({ which: 'A' })
    expect(index.states['s\udbff']).toEqual({ which: 'B' })
    expect(Object.keys(index.receipts)).toEqual(['r\udc00'])
    const checkpoint = index.checkpoints.find((entry) => entry.stateId in index.states)
    expect(checkpoint.stateId).toBe('s\ud800')
    const events = await new SessionReader(session.eventFile).readEvents({ fromCheckpoint: 's\ud800' })
    expect(events[0]).toMatchObject({ type: 'checkpoint', stateId: 's\ud800' })
  })

  it('are stored in event keys as JSON.stringify writes them', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    const event = { type: 'x', 'k\ud800': 1, seq: 0 }
    await writer.appendEvents([event])
    expect(logLines(session.eventFile).at(-1)).toBe(JSON.stringify(event))
    expect(readIndex().eventCount).toBe(1)
  })
})

describe('lines appended behind the writer', () => {
  it('are read as JSON.parse reads them: repeated keys keep their last value, lone surrogates stay', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'input', seq: 0 }])
    const behind = ['{"type":"x","seq":1,"seq":5}', '{"type":"input","seq":6,"type":"checkpoint","stateId":"a","stateId":"s\\ud800"}', '{"type":"x","k\\udbff":1}']
    fs.appendFileSync(session.eventFile, behind.map((line) => line + '\n').join(''))
    await writer.close()
    const reopened = new IncrementalWriter(session.eventFile, session.indexFile)
    await reopened.appendEvents([{ type: 'input', seq: 7 }])
    await reopened.close()
    expect(logLines(session.eventFile).slice(2, 5)).toEqual(behind)
    const index = readIndex()
    expect(index.eventCount).toBe(8)
    expect(index.checkpoints).toEqual([{ seq: 6, stateId: 's\ud800', byteOffset: expect.any(Number) }])
    expect(fs.readdirSync(session.dir).filter((name) => name.includes('.torn-'))).toEqual([])
  })
})

describe('the reader and the printer against JSON.parse and JSON.stringify', () => {
  it('write back any index field exactly as JSON.stringify(JSON.parse(text), null, 2) does', async () => {
    await fc.assert(
      fc.asyncProperty(anyKeyedValue.object, async (entries) => {
        const text = objectText(entries)
        const indexText = `{"sessionId":"s","eventCount":0,"checkpoints":[],"states":{},"receipts":{},"extra":${text}}`
        fs.writeFileSync(session.indexFile, indexText)
        fs.rmSync(session.eventFile, { force: true })
        const writer = new IncrementalWriter(session.eventFile, session.indexFile)
        await writer.appendEvents([{ type: 'input', seq: 0 }])
        await writer.close()
        const expected = JSON.stringify({ ...JSON.parse(indexText), eventCount: 1 }, null, 2)
        expect(fs.readFileSync(session.indexFile, 'utf8')).toBe(expected)
      }),
      { numRuns: 150 },
    )
  })

  it('index each checkpoint line appended behind the writer as JSON.parse reads it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('seq', 'stateId', 'reason', 'x'), fc.oneof(anyString, fc.nat(100))), { maxLength: 6 }), async (fields) => {
        fs.rmSync(session.eventFile, { force: true })
        fs.rmSync(session.indexFile, { force: true })
        const line = objectText([['type', 'checkpoint'], ...fields])
        fs.writeFileSync(session.eventFile, line + '\n')
        const writer = new IncrementalWriter(session.eventFile, session.indexFile)
        await writer.appendEvents([{ type: 'input' }])
        await writer.close()
        const { seq, reason, stateId } = JSON.parse(line)
        const expected = JSON.parse(JSON.stringify({ seq, reason, stateId, byteOffset: 0 }))
        expect(readIndex().checkpoints).toEqual([expected])
        expect(logLines(session.eventFile)[0]).toBe(line)
      }),
      { numRuns: 150 },
    )
  })

  it('round-trip every event line byte for byte through write, recovery and read', async () => {
    const event = fc.tuple(fc.constantFrom('input', 'checkpoint', 'x'), fc.nat(50), anyKeyedValue.object).map(([type, seq, extra]) => ({ type, seq, ...Object.fromEntries(extra.map(([key, value]) => [key, value])) }))
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 6 }), async (events) => {
        fs.rmSync(session.eventFile, { force: true })
        fs.rmSync(session.indexFile, { force: true })
        const writer = new IncrementalWriter(session.eventFile, session.indexFile)
        await writer.appendEvents(events)
        await writer.close()
        fs.rmSync(session.indexFile)
        const recovering = new IncrementalWriter(session.eventFile, session.indexFile)
        await recovering.appendEvents([{ type: 'end' }])
        await recovering.close()
        const lines = logLines(session.eventFile).slice(1, -1)
        expect(lines).toEqual(events.map((e) => JSON.stringify(e)))
        const read = await new SessionReader(session.eventFile).readEvents()
        expect(read.slice(1, -1).map((e) => JSON.stringify(e))).toEqual(lines)
        const seqs = read.map((e) => e.seq).filter((seq) => typeof seq === 'number')
        expect(readIndex().eventCount).toBe(Math.max(0, ...seqs.map((seq) => seq + 1)))
      }),
      { numRuns: 100 },
    )
  })
})

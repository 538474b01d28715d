'use strict'
// Every line the writer stores is `JSON.stringify(event) + "\n"`, byte for byte, and the
// index is byte for byte what the original module writes for the same calls.

const fs = require('node:fs')
const fc = require('fast-check')
const { IncrementalWriter } = require('incremental-writer')
const { OriginalIncrementalWriter } = require('./oracle/original-writer')
const { tempSession, logLines } = require('./helpers')

/** Values JSON.stringify accepts, exotic ones included. */
const anyValue = fc.anything({
  maxDepth: 3,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
})
/** Strings of any UTF-16 code units, lone surrogates included. */
const anyString = fc.string({ unit: 'binary', maxLength: 12 })
const seq = fc.oneof(fc.nat(10_000), fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true }))
const type = fc.constantFrom('input', 'output', 'checkpoint', 'llm_req', 'llm_resp', 'error', 'step', 'effect', 'resume')
const extraFields = fc.dictionary(fc.oneof(anyString, fc.constantFrom('0', '10', '2', '__proto__x', 'ts', 'd')), anyValue, { maxKeys: 4 })

/** An event shaped like the server's, with random extra fields and values. */
const event = fc
  .record(
    {
      type,
      seq,
      reason: fc.oneof(anyString, anyValue),
      stateId: anyString,
      receiptKey: anyString,
      code: anyString,
      extra: extraFields,
    },
    { requiredKeys: ['type'] },
  )
  .map(({ extra, ...fields }) => ({ ...extra, ...fields }))

async function writeWith(Writer, session, batches) {
  const writer = new Writer(session.eventFile, session.indexFile)
  for (const batch of batches) await writer.appendEvents(batch, {})
  return writer
}

/** The log with the header's creation time blanked, since the two writers ran at different moments. */
function logWithoutTime(file) {
  const [header, ...rest] = logLines(file)
  return [header.replace(/"created":"[^"]*"/, '"created":""'), ...rest]
}

describe('byte parity with JSON.stringify and the original module', () => {
  it('writes the same log and index as the original for random batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(event, { maxLength: 8 }), { minLength: 1, maxLength: 4 }), async (batches) => {
        const ours = tempSession('prop')
        const original = tempSession('prop')
        try {
          const writer = await writeWith(IncrementalWriter, ours, batches)
          await writeWith(OriginalIncrementalWriter, original, batches)
          const events = batches.flat()
          if (events.length === 0) {
            expect(fs.existsSync(ours.eventFile)).toBe(false)
            return
          }
          const lines = logLines(ours.eventFile)
          expect(lines.slice(1)).toEqual(events.map((e) => JSON.stringify(e)))
          expect(logWithoutTime(ours.eventFile)).toEqual(logWithoutTime(original.eventFile))
          expect(fs.readFileSync(ours.indexFile, 'utf8')).toBe(fs.readFileSync(original.indexFile, 'utf8'))
          expect(writer.getByteOffset()).toBe(fs.statSync(ours.eventFile).size)
        } finally {
          ours.remove()
          original.remove()
        }
      }),
      { numRuns: 400 },
    )
  })

  it('stores thousands of random events exactly as JSON.stringify writes them', async () => {
    const events = fc.sample(event, 5000)
    const session = tempSession()
    try {
      const writer = new IncrementalWriter(session.eventFile, session.indexFile)
      for (let i = 0; i < events.length; i += 500) await writer.appendEvents(events.slice(i, i + 500))
      expect(logLines(session.eventFile).slice(1)).toEqual(events.map((e) => JSON.stringify(e)))
    } finally {
      session.remove()
    }
  })

  it('spells exotic values exactly as JSON.stringify does', async () => {
    class WithPrototypeField {
      constructor() {
        this.own = 1
      }
    }
    WithPrototypeField.prototype.inherited = 2
    const hidden = { visible: 1 }
    Object.defineProperty(hidden, 'hidden', { value: 2, enumerable: false })
    const exotic = {
      type: 'exotic',
      seq: 3,
      date: new Date(Date.UTC(2020, 1, 2, 3, 4, 5, 6)),
      custom: { toJSON: () => ({ replaced: true }) },
      dropped: undefined,
      fn: () => 1,
      sym: Symbol('s'),
      [Symbol('key')]: 'ignored',
      inArray: [undefined, () => 1, Symbol('x'), NaN],
      numbers: [NaN, Infinity, -Infinity, -0, 1e21, 1e-7, 0.1 + 0.2, 5e-324, 2 ** 53 + 2, 123456789012345680000],
      keys: { b: 1, 10: 2, a: 3, 2: 4, '-1': 5, '01': 6, 4294967295: 7, 4294967294: 8 },
      inherited: new WithPrototypeField(),
      hidden,
      boxed: [new Number(5), new String('s'), new Boolean(false)],
      surrogates: ['\ud800', '\udfff', 'a\ud83d', '\ud83d\ude00', '\u2028\u2029', '\u0000\u001f\u007f'],
      escapes: '"\\/\b\f\n\r\t',
      collections: [new Map([[1, 2]]), new Set([1]), new Uint8Array([1, 2])],
      nullProto: Object.assign(Object.create(null), { z: 1 }),
      sparse: [1, , 3], // eslint-disable-line no-sparse-arrays
    }
    const session = tempSession()
    try {
      const writer = new IncrementalWriter(session.eventFile, session.indexFile)
      await writer.appendEvents([exotic, { type: 'deep', value: nested(3000) }])
      const lines = logLines(session.eventFile)
      expect(lines[1]).toBe(JSON.stringify(exotic))
      expect(lines[2]).toBe(JSON.stringify({ type: 'deep', value: nested(3000) }))
    } finally {
      session.remove()
    }
  })

  it('keeps everything of an existing index, in the order JavaScript gives it', async () => {
    const foreign =
      '{"z":1,"sessionId":"s","states":{"b":{"x":[1.50,1E3]},"7":"\\u0041\\ud800"},"eventCount":"4",' +
      '"checkpoints":[{"seq":0,"reason":"r","stateId":"b","byteOffset":0,"note":-0}],"receipts":{"k":{"tokens":5}},"b":1,"b":2}'
    const ours = tempSession('s')
    const original = tempSession('s')
    try {
      const log = '{"type":"checkpoint","seq":0,"reason":"r","stateId":"b"}\n'
      for (const session of [ours, original]) {
        fs.writeFileSync(session.eventFile, log)
        fs.writeFileSync(session.indexFile, foreign)
      }
      const batch = [{ type: 'checkpoint', seq: 9, reason: 'auto', stateId: 'c' }]
      await writeWith(IncrementalWriter, ours, [batch])
      await writeWith(OriginalIncrementalWriter, original, [batch])
      expect(fs.readFileSync(ours.indexFile, 'utf8')).toBe(fs.readFileSync(original.indexFile, 'utf8'))
    } finally {
      ours.remove()
      original.remove()
    }
  })

  it('counts seq from the line the log holds, so a non-finite seq is not counted', async () => {
    // The original would compute Math.max(count, NaN + 1) and write `"eventCount": null`,
    // though the log holds `"seq":null`. Here the index is always a function of the log.
    const session = tempSession()
    try {
      const writer = new IncrementalWriter(session.eventFile, session.indexFile)
      await writer.appendEvents([{ type: 'input', seq: 4 }, { type: 'input', seq: NaN }, { type: 'input', seq: Infinity }])
      expect(JSON.parse(fs.readFileSync(session.indexFile, 'utf8')).eventCount).toBe(5)
      expect(logLines(session.eventFile)[2]).toBe('{"type":"input","seq":null}')
    } finally {
      session.remove()
    }
  })
})

function nested(depth) {
  let value = []
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

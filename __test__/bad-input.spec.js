'use strict'
// Bad input rejects the whole call with a TypeError that has a `code` and the offending
// event's `index`; nothing of that call reaches the files, and the writer keeps working.

const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession, logLines, readOrNull, errnoOf } = require('./helpers')

const circular = { type: 'input', seq: 1 }
circular.self = circular

const badEvents = [
  ['a non-object element', () => 42, 'ERR_INVALID_EVENT'],
  ['a null element', () => null, 'ERR_INVALID_EVENT'],
  ['a hole', () => undefined, 'ERR_INVALID_EVENT'],
  ['a string element', () => 'input', 'ERR_INVALID_EVENT'],
  ['a missing type', () => ({ seq: 1 }), 'ERR_INVALID_EVENT'],
  ['a numeric type', () => ({ type: 7 }), 'ERR_INVALID_EVENT'],
  ['a type dropped by JSON', () => ({ type: undefined }), 'ERR_INVALID_EVENT'],
  ['an array element', () => [1, 2], 'ERR_INVALID_EVENT'],
  ['a BigInt', () => ({ type: 'input', big: 1n }), 'ERR_INVALID_EVENT'],
  ['a circular object', () => circular, 'ERR_INVALID_EVENT'],
  ['a throwing getter', () => ({ type: 'input', get boom() { throw new Error('getter') } }), 'ERR_INVALID_EVENT'],
  ['a throwing toJSON', () => ({ type: 'input', toJSON() { throw new Error('toJSON') } }), 'ERR_INVALID_EVENT'],
  ['a toJSON giving a string', () => ({ toJSON: () => 'text' }), 'ERR_INVALID_EVENT'],
  ['a toJSON giving undefined', () => ({ toJSON: () => undefined }), 'ERR_INVALID_EVENT'],
  ['a Date', () => new Date(0), 'ERR_INVALID_EVENT'],
]

describe('bad input', () => {
  let session
  let writer
  let logBefore
  let indexBefore

  beforeEach(async () => {
    session = tempSession()
    writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'start', stateId: 's0' }])
    logBefore = readOrNull(session.eventFile)
    indexBefore = readOrNull(session.indexFile)
  })

  afterEach(() => session.remove())

  function expectUnchanged() {
    expect(readOrNull(session.eventFile)).toEqual(logBefore)
    expect(readOrNull(session.indexFile)).toEqual(indexBefore)
  }

  it.each(badEvents)('rejects %s with its index, writes nothing, and keeps working', async (_name, make, code) => {
    const events = [{ type: 'input', seq: 1, code: 'ok' }, { type: 'checkpoint', seq: 2, reason: 'r', stateId: 's' }]
    events[2] = make()
    const call = writer.appendEvents(events)
    await expect(call).rejects.toThrow(TypeError)
    await expect(call).rejects.toMatchObject({ code, index: 2, message: expect.stringContaining('events[2]') })
    expectUnchanged()

    await writer.appendEvents([{ type: 'input', seq: 3, code: 'after' }])
    expect(logLines(session.eventFile).slice(-1)).toEqual(['{"type":"input","seq":3,"code":"after"}'])
    expect(writer.getByteOffset()).toBe(fs.statSync(session.eventFile).size)
  })

  it.each([
    ['a number', 42],
    ['null', null],
    ['an object', { 0: { type: 'x' }, length: 1 }],
    ['a string', 'events'],
  ])('rejects events that are %s with ERR_INVALID_ARG_TYPE', async (_name, events) => {
    const call = writer.appendEvents(events)
    await expect(call).rejects.toThrow(TypeError)
    await expect(call).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    expectUnchanged()
  })

  it('rejects a bad event queued behind good calls without touching theirs', async () => {
    const calls = [
      writer.appendEvents([{ type: 'input', seq: 1 }]),
      writer.appendEvents([{ type: 'input', seq: 2 }, { seq: 3 }]),
      writer.appendEvents([{ type: 'input', seq: 4 }]),
    ]
    const [first, second, third] = await Promise.allSettled(calls)
    expect(first.status).toBe('fulfilled')
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'ERR_INVALID_EVENT', index: 1 } })
    expect(second.reason).toBeInstanceOf(TypeError)
    expect(third.status).toBe('fulfilled')
    expect(logLines(session.eventFile).slice(-2)).toEqual(['{"type":"input","seq":1}', '{"type":"input","seq":4}'])
  })

  it('throws a TypeError for paths that are not strings', () => {
    expect(() => new IncrementalWriter(42, session.indexFile)).toThrow(TypeError)
    expect(() => new IncrementalWriter(session.eventFile)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })
})

describe('file-system failures', () => {
  let session
  beforeEach(() => {
    session = tempSession()
  })
  afterEach(() => session.remove())

  it('rejects with a Node-style ENOENT when the directory is missing', async () => {
    const eventFile = path.join(session.dir, 'missing', 'x.jsonl')
    const writer = new IncrementalWriter(eventFile, path.join(session.dir, 'missing', 'x.index.json'))
    const call = writer.appendEvents([{ type: 'input', seq: 0 }])
    await expect(call).rejects.toThrow(Error)
    await expect(call).rejects.toMatchObject({
      code: 'ENOENT',
      errno: errnoOf('ENOENT'),
      syscall: 'open',
      path: eventFile,
      message: `ENOENT: no such file or directory, open '${eventFile}'`,
    })
  })

  it('takes the batch back out of the log when the index cannot be written', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'input', seq: 0 }])
    const logBefore = fs.readFileSync(session.eventFile)
    const indexBefore = fs.readFileSync(session.indexFile)
    // A directory where the index's spare goes makes writing the index fail.
    const spare = `${session.indexFile}.spare`
    fs.rmSync(spare, { force: true })
    fs.mkdirSync(spare)
    await expect(writer.appendEvents([{ type: 'checkpoint', seq: 1 }])).rejects.toMatchObject({
      code: 'EISDIR',
      syscall: 'open',
      path: spare,
    })
    expect(fs.readFileSync(session.eventFile)).toEqual(logBefore)
    expect(fs.readFileSync(session.indexFile)).toEqual(indexBefore)
    expect(writer.getByteOffset()).toBe(logBefore.length)
    fs.rmdirSync(spare)
    await writer.close()
    expect(fs.readdirSync(session.dir).sort()).toEqual(['session.index.json', 'session.jsonl'])
  })

  it('sets an index file that is not JSON aside and rebuilds the index from the log', async () => {
    fs.writeFileSync(session.eventFile, '{"type":"checkpoint","seq":0,"reason":"r","stateId":"a"}\n')
    fs.writeFileSync(session.indexFile, '{"sessionId": "s", "eventCount": ')
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'input', seq: 1 }])
    expect(writer.getCachedIndex()).toMatchObject({ eventCount: 2, checkpoints: [{ seq: 0, stateId: 'a', byteOffset: 0 }] })
    const aside = fs.readdirSync(session.dir).find((name) => name.startsWith('session.index.json.corrupt-'))
    expect(fs.readFileSync(path.join(session.dir, aside), 'utf8')).toBe('{"sessionId": "s", "eventCount": ')
  })
})

'use strict'
// Legal long names: a log or an index whose name is near the 255-byte limit of a file name
// works, because every file the writer makes beside them (the spare, a torn tail or an
// unreadable index kept aside) has a name of at most 255 bytes too.

const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, verify, repair } = require('incremental-writer')
const { tempSession, writeLog, auditSession } = require('./helpers')

const NAME_MAX = 255

let session
beforeEach(() => {
  session = tempSession('s')
})
afterEach(() => session.remove())

/** Names in the session's directory longer than a file name may be. */
const tooLong = () => fs.readdirSync(session.dir).filter((name) => Buffer.byteLength(name) > NAME_MAX)

/** Settles a call to 'resolved' or the error's code and message. */
const settled = (call) => call.then(() => 'resolved', (err) => (String(err.message).startsWith(err.code) ? err.message : `${err.code}: ${err.message}`))

const existing = [
  { type: 'input', seq: 0, code: '(def x 1)' },
  { type: 'checkpoint', seq: 1, reason: 'auto', stateId: 's1' },
  { type: 'output', seq: 2, value: '1' },
]

it('works with an index file name of 250 bytes', async () => {
  const indexFile = path.join(session.dir, 'a'.repeat(239) + '.index.json')
  expect(Buffer.byteLength(path.basename(indexFile))).toBe(250)
  const writer = new IncrementalWriter(session.eventFile, indexFile)
  const calls = []
  for (let seq = 0; seq < 4; seq++) calls.push(await settled(writer.appendEvents([{ type: 'checkpoint', seq, reason: 'auto', stateId: `s${seq}` }])))
  calls.push(await settled(writer.close()))
  expect(calls).toEqual(Array(5).fill('resolved'))
  expect(tooLong()).toEqual([])
  expect((await auditSession(session.eventFile, indexFile)).problems).toEqual([])
})

it('repairs a torn tail of a log whose name is 250 bytes, and a writer goes on', async () => {
  const eventFile = path.join(session.dir, 'b'.repeat(244) + '.jsonl')
  const indexFile = path.join(session.dir, 'b'.repeat(244) + '.index.json')
  expect([eventFile, indexFile].map((file) => Buffer.byteLength(path.basename(file)))).toEqual([250, 255])
  const whole = writeLog(eventFile, existing)
  const torn = '{"type":"input","se'
  fs.appendFileSync(eventFile, torn)

  expect(await settled(repair(eventFile, indexFile))).toBe('resolved')
  expect(await verify(eventFile, indexFile)).toMatchObject({ ok: true, problems: [] })
  expect(fs.readFileSync(eventFile, 'utf8')).toBe(whole)
  // The cut-off bytes are kept aside, in a file whose name is legal.
  const others = fs.readdirSync(session.dir).filter((name) => ![eventFile, indexFile].includes(path.join(session.dir, name)))
  expect(others.filter((name) => fs.readFileSync(path.join(session.dir, name), 'utf8') === torn)).toHaveLength(1)

  const writer = new IncrementalWriter(eventFile, indexFile)
  const calls = [await settled(writer.appendEvents([{ type: 'input', seq: 3 }])), await settled(writer.appendEvents([{ type: 'checkpoint', seq: 4, reason: 'auto', stateId: 's4' }]))]
  calls.push(await settled(writer.close()))
  expect(calls).toEqual(Array(3).fill('resolved'))
  expect(tooLong()).toEqual([])
  expect((await auditSession(eventFile, indexFile)).problems).toEqual([])
})

it('keeps an unreadable index with a 250-byte name aside and rebuilds it', async () => {
  const indexFile = path.join(session.dir, 'c'.repeat(239) + '.index.json')
  writeLog(session.eventFile, existing)
  fs.writeFileSync(indexFile, '{')

  const writer = new IncrementalWriter(session.eventFile, indexFile)
  const calls = [await settled(writer.appendEvents([{ type: 'checkpoint', seq: 3, reason: 'auto', stateId: 's3' }]))]
  calls.push(await settled(writer.close()))
  expect(calls).toEqual(['resolved', 'resolved'])
  expect(tooLong()).toEqual([])
  const others = fs.readdirSync(session.dir).filter((name) => ![session.eventFile, indexFile].includes(path.join(session.dir, name)))
  expect(others.filter((name) => fs.readFileSync(path.join(session.dir, name), 'utf8') === '{')).toHaveLength(1)
  const { index, problems } = await auditSession(session.eventFile, indexFile)
  expect(problems).toEqual([])
  expect(index).toMatchObject({ sessionId: 's', eventCount: 4, checkpoints: [{ seq: 1, stateId: 's1' }, { seq: 3, stateId: 's3' }] })
})

'use strict'
// Every failure of the public API is a Node-style error with a `code` (and `index` or `path`
// where it applies), whatever the caller passes: Proxies, throwing getters, odd thrown values,
// strings too long for V8, paths `fs` would refuse, damaged index files.

const fs = require('node:fs')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession, logLines, readOrNull } = require('./helpers')

let session
let writer
beforeEach(() => {
  session = tempSession()
  writer = new IncrementalWriter(session.eventFile, session.indexFile)
})
afterEach(() => session.remove())

/** Runs `call` as a promise (sync throws included) and returns what it rejected with. */
async function failureOf(call) {
  try {
    await call()
  } catch (err) {
    return err
  }
  throw new Error('expected the call to fail')
}

/** Expects `events` to be refused, by appendEvents and appendEventsSync alike, writing nothing. */
async function expectRefused(events, Type, fields) {
  for (const append of [() => writer.appendEvents(events), () => writer.appendEventsSync(events)]) {
    const err = await failureOf(append)
    expect(err).toBeInstanceOf(Type)
    expect(err).toMatchObject(fields)
  }
  expect(readOrNull(session.eventFile)).toBeNull()
  expect(readOrNull(session.indexFile)).toBeNull()
  await writer.appendEvents([{ type: 'input', seq: 0 }])
  expect(logLines(session.eventFile).pop()).toBe('{"type":"input","seq":0}')
}

describe('an events argument that throws when inspected', () => {
  it('a revoked Proxy is ERR_INVALID_ARG_TYPE', async () => {
    const { proxy, revoke } = Proxy.revocable([], {})
    revoke()
    await expectRefused(proxy, TypeError, { code: 'ERR_INVALID_ARG_TYPE', cause: expect.any(TypeError) })
  })

  it('a Proxy whose length trap throws is ERR_INVALID_ARG_TYPE with the thrown value as cause', async () => {
    const boom = new Error('no length')
    const events = new Proxy([{ type: 'input' }], {
      get: (target, key) => {
        if (key === 'length') throw boom
        return target[key]
      },
    })
    await expectRefused(events, TypeError, { code: 'ERR_INVALID_ARG_TYPE', cause: boom, message: expect.stringContaining('no length') })
  })

  it('an element whose access throws is ERR_INVALID_EVENT with its index and the cause', async () => {
    const boom = new Error('no element')
    const events = new Proxy([{ type: 'input', seq: 0 }, { type: 'input', seq: 1 }], {
      get: (target, key) => {
        if (key === '1') throw boom
        return target[key]
      },
    })
    await expectRefused(events, TypeError, { code: 'ERR_INVALID_EVENT', index: 1, cause: boom, message: expect.stringContaining('events[1]') })
  })
})

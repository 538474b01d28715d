'use strict'
// One trip to libuv's pool for the calls made together: the calls made on many writers in one
// turn of the event loop are stored by a few native tasks (at most one per thread the pool
// has), not one per writer, and each writer's calls still land in order, with their own errors.

const asyncHooks = require('node:async_hooks')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession, logLines } = require('./helpers')

const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE) || 4
const WRITERS = 20

let session
let writers
beforeEach(() => {
  session = tempSession('trips')
  writers = Array.from({ length: WRITERS }, (_, i) => new IncrementalWriter(path.join(session.dir, `s${i}.jsonl`), path.join(session.dir, `s${i}.json`)))
})
afterEach(async () => {
  jest.useRealTimers()
  await Promise.all(writers.map((writer) => writer.close()))
  session.remove()
})

/** The native tasks (async resources other than promises) started while `run` runs. */
async function nativeTasksDuring(run) {
  const types = []
  const hook = asyncHooks.createHook({ init: (id, type) => type !== 'PROMISE' && types.push(type) }).enable()
  try {
    await run()
  } finally {
    hook.disable()
  }
  return types.length
}

const input = (seq) => ({ type: 'input', seq, code: `(step ${seq})` })
/** The events in writer `i`'s log, after its header. */
const eventsOf = (i) => logLines(path.join(session.dir, `s${i}.jsonl`)).slice(1).map((line) => JSON.parse(line))

it(`stores the calls of ${WRITERS} writers made in one turn with at most ${POOL_THREADS} native tasks`, async () => {
  const tasks = await nativeTasksDuring(() => Promise.all(writers.map((writer, i) => writer.appendEvents([input(i)]))))
  expect(tasks).toBeGreaterThan(0)
  expect(tasks).toBeLessThanOrEqual(POOL_THREADS)
  writers.forEach((_, i) => expect(eventsOf(i)).toEqual([input(i)]))
})

it('keeps each writer in call order across the calls of one turn and the calls made while a trip runs', async () => {
  const calls = []
  for (let seq = 0; seq < 3; seq++) calls.push(...writers.map((writer) => writer.appendEvents([input(seq)])))
  await Promise.resolve()
  calls.push(...writers.map((writer) => writer.appendEvents([input(3)])))
  writers[0].appendEventsSync([input(4)])
  await Promise.all(calls)
  const expected = [0, 1, 2, 3].map(input)
  writers.forEach((_, i) => expect(eventsOf(i)).toEqual(i === 0 ? [...expected, input(4)] : expected))
})

it("fails only the failing writer's call when the writers of one trip fail and succeed together", async () => {
  fs.mkdirSync(path.join(session.dir, 's7.json'))
  const settled = await Promise.allSettled(writers.map((writer, i) => writer.appendEvents([input(i)])))
  settled.forEach((outcome, i) => {
    if (i === 7) expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'EISDIR' } })
    else expect(outcome.status).toBe('fulfilled')
  })
})

it("still completes under Jest's fake timers, which fake queueMicrotask too", async () => {
  jest.useFakeTimers()
  await Promise.all(writers.map((writer, i) => writer.appendEvents([input(i)])))
  expect(eventsOf(3)).toEqual([input(3)])
})

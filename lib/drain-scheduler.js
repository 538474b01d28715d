'use strict'
// One trip to libuv's pool for all the writers with calls waiting. The calls made on any writers
// in one turn of the event loop (the server's `Promise.all` over its dirty sessions) are stored
// by a few native tasks, one per core the pool can use, each of which completes once and settles
// all of its writers' calls: the main thread pays a hand-off and a completion per task, not per
// writer, and the pool starts writing only once the turn's calls are made, rather than
// competing with them for the CPU. Each writer's calls are still stored in its own order, with
// its own errors.

const { availableParallelism } = require('node:os')
const { drainWriters } = require('./native')
const { internalError } = require('./errors')

/**
 * Tasks a trip is split into: sessions are written in parallel, on no more threads than the
 * machine has cores or libuv's pool has threads (UV_THREADPOOL_SIZE, 4 unless set).
 */
const TASKS_PER_TRIP = Math.max(1, Math.min(availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE) || 4))

/**
 * What the trip waits on. A settled promise's reaction is V8's own microtask: unlike Node's
 * `queueMicrotask`, it makes no async-hooks resource per callback, and Jest's fake timers
 * leave it alone.
 */
const TURN_ENDED = Promise.resolve()

/** Queues (lib/ticket-queue.js) waiting for the next trip. */
let waiting = []
let scheduled = false

/** Has `queue` drained on the next trip, which leaves once the current turn's calls are made. */
function requestDrain(queue) {
  waiting.push(queue)
  if (!scheduled) {
    scheduled = true
    TURN_ENDED.then(trip)
  }
}

function trip() {
  scheduled = false
  const queues = waiting
  waiting = []
  const tasks = Math.min(queues.length, TASKS_PER_TRIP)
  for (let task = 0; task < tasks; task++) drainTogether(queues.filter((_, at) => at % tasks === task))
}

async function drainTogether(queues) {
  let drained
  try {
    drained = await drainWriters(queues.map((queue) => queue.native))
  } catch (err) {
    const failure = internalError(err)
    for (const queue of queues) queue.failed(failure)
    return
  }
  queues.forEach((queue, at) => queue.drained(drained[at]))
}

module.exports = { requestDrain }

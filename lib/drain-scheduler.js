'use strict'
// One trip to libuv's pool for all the writers with calls waiting. The calls made on any writers
// in one turn of the event loop (the server's `Promise.all` over its dirty sessions) are stored
// by one native task, which completes once and settles them all: the main thread pays one hand-off and one completion per turn, not one
// per writer. Each writer's calls are still stored in its own order, with its own errors.

const { drainWriters } = require('./native')
const { internalError } = require('./errors')

/** Queues (lib/ticket-queue.js) waiting for the next trip. */
let waiting = new Set()
let scheduled = false

/** Has `queue` drained on the next trip, which leaves once the current turn's calls are made. */
function requestDrain(queue) {
  waiting.add(queue)
  if (!scheduled) {
    scheduled = true
    queueMicrotask(trip)
  }
}

async function trip() {
  scheduled = false
  const queues = [...waiting]
  waiting = new Set()
  let drained
  try {
    drained = await drainWriters(queues.map((queue) => queue.id))
  } catch (err) {
    const failure = internalError(err)
    for (const queue of queues) queue.failed(failure)
    return
  }
  queues.forEach((queue, at) => queue.drained(drained[at]))
}

module.exports = { requestDrain }

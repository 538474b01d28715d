'use strict'
// The JS half of a writer's queue of changes; the other half is the native queue
// (src/binding/shared_writer.rs). The contract, in one place:
//
// - Every change (a batch of events, a state, a receipt) is queued in native code synchronously,
//   on the JS thread, when the call is made, and gets a ticket. Tickets increase by one in call
//   order, for async and sync calls alike.
// - A drain stores, in ticket order, every change queued so far (including those queued while
//   it runs) and reports `doneThrough`, the last ticket it got through, with the tickets that
//   failed and why. An async drain runs on libuv's pool; a sync one (`drainSync`) on the JS
//   thread, after waiting for an async drain in progress. So a sync call lands after every
//   earlier call, async or sync.
// - This queue keeps the promise callbacks of each waiting ticket, runs at most one async drain
//   loop at a time (until no ticket waits), and settles every ticket once, success or failure,
//   whichever drain got through it.

const { toCallerError, callNative, internalError } = require('./errors')

/** What a drain without failures settles calls with. */
const NO_FAILURES = new Map()

class TicketQueue {
  #native
  /** Tickets of queued changes, with their callers' promise callbacks, in ticket order. */
  #waiting = new Map()
  #draining = false
  /** Callbacks waiting for the async drain loop to stop. */
  #idleWaiters = []

  /** The queue of `native`, a `NativeWriter`. */
  constructor(native) {
    this.#native = native
  }

  /** Queues a change with `enqueue` (which returns its ticket); resolves once it is stored. */
  queue(enqueue) {
    let ticket
    try {
      ticket = callNative(enqueue)
    } catch (err) {
      return Promise.reject(err)
    }
    return new Promise((resolve, reject) => {
      this.#waiting.set(ticket, { resolve, reject })
      if (!this.#draining) this.#drain()
    })
  }

  /** Queues a change and stores every queued change now, on this thread; throws its error. */
  queueSync(enqueue) {
    const ticket = callNative(enqueue)
    const failure = this.#settle(callNative(() => this.#native.drainSync()), ticket)
    if (failure) throw failure
  }

  /** Stores every queued change now, on this thread; their promises then settle. */
  flushSync() {
    this.#settle(callNative(() => this.#native.drainSync()))
  }

  /** Resolves once no async drain is running. */
  idle() {
    return this.#draining ? new Promise((resolve) => this.#idleWaiters.push(resolve)) : Promise.resolve()
  }

  /** Drains the native queue off the main thread until no call is waiting. */
  async #drain() {
    this.#draining = true
    while (this.#waiting.size > 0) {
      let drained
      try {
        drained = await this.#native.drain()
      } catch (err) {
        const failure = internalError(err)
        for (const { reject } of this.#waiting.values()) reject(failure)
        this.#waiting.clear()
        break
      }
      this.#settle(drained)
    }
    this.#draining = false
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }

  /**
   * Settles every waiting call the drain got through (tickets are handed out in order);
   * returns the error of `ownTicket`'s change, if it failed.
   */
  #settle({ doneThrough, failures }, ownTicket) {
    const failed = failures.length === 0 ? NO_FAILURES : new Map(failures.map(({ ticket, failure }) => [ticket, toCallerError(failure)]))
    for (const [ticket, { resolve, reject }] of this.#waiting) {
      if (ticket > doneThrough) break
      this.#waiting.delete(ticket)
      if (failed.has(ticket)) reject(failed.get(ticket))
      else resolve()
    }
    return failed.get(ownTicket) || null
  }
}

module.exports = { TicketQueue }

'use strict'
// The JS half of a writer's queue of changes; the other half is the native queue
// (src/binding/shared_writer.rs). The contract, in one place:
//
// - Every change (a batch of events, a state, a receipt) is queued in native code synchronously,
//   on the JS thread, when the call is made, and gets a ticket. Tickets increase by one in call
//   order, for async and sync calls alike.
// - A drain stores, in ticket order, every change queued so far (including those queued while
//   it runs) and reports `doneThrough`, the last ticket it got through, with the tickets that
//   failed and why. An async drain runs on libuv's pool, for many writers at once
//   (lib/drain-scheduler.js); a sync one (`drainSync`) on the JS thread, after waiting for an
//   async drain in progress. So a sync call lands after every earlier call, async or sync.
// - This queue keeps the promise callbacks of each waiting ticket, has at most one async drain
//   asked for or running at a time (and asks for another while tickets wait), and settles every
//   ticket once, success or failure, whichever drain got through it.

const { toCallerError, callNative } = require('./errors')
const { requestDrain } = require('./drain-scheduler')

/** What a drain without failures settles calls with. */
const NO_FAILURES = new Map()

class TicketQueue {
  #native
  /** Tickets of queued changes, with their callers' promise callbacks, in ticket order. */
  #waiting = new Map()
  /** Whether an async drain is asked for or running. */
  #draining = false
  /** Callbacks waiting for async drains to stop. */
  #idleWaiters = []

  /** The queue of `native`, a `NativeWriter`. */
  constructor(native) {
    this.#native = native
  }

  /** The `NativeWriter` whose queue this is, which the drain scheduler drains. */
  get native() {
    return this.#native
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
      if (!this.#draining) {
        this.#draining = true
        requestDrain(this)
      }
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

  /** Takes the async drain the scheduler made; asks for another while calls wait. */
  drained(result) {
    this.#settle(result)
    if (this.#waiting.size > 0) requestDrain(this)
    else this.#stopped()
  }

  /** Fails every waiting call with `failure` (a drain that could not run). */
  failed(failure) {
    for (const { reject } of this.#waiting.values()) reject(failure)
    this.#waiting.clear()
    this.#stopped()
  }

  #stopped() {
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

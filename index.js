'use strict'
// The public IncrementalWriter: the native writer (binding.js) behind the exact API of the
// original TypeScript module. This file does the three things that must happen in the
// caller's JavaScript: V8 turns each event into its exact JSON line, calls on one writer are
// queued in call order, and errors are created in the caller's realm.

const { getSystemErrorMap } = require('node:util')
const { NativeWriter, verifySession, repairSession } = require('./binding.js')

const DURABILITY_MODES = ['none', 'data', 'full']

/**
 * Appends session events to a JSONL log and keeps its JSON index of checkpoints and counts.
 * A drop-in for the original `IncrementalWriter`.
 */
class IncrementalWriter {
  #native
  /** Batches (JSON text) waiting for the native writer, with their callers' promises. */
  #queue = []
  #draining = false
  /** Callbacks waiting for the queue to empty. */
  #idleWaiters = []
  /** Set by close(): the promise it returned. */
  #closing = null

  /**
   * `options.durability`: `'none'` (default) survives a crash of the process, `'data'` also
   * flushes the log to the disk before a call resolves, `'full'` the index and its directory too.
   */
  constructor(eventFile, indexFile, options = {}) {
    requireString('eventFile', eventFile)
    requireString('indexFile', indexFile)
    if (typeof options !== 'object' || options === null) {
      throw typeError('ERR_INVALID_ARG_TYPE', `The "options" argument must be an object. Received ${describe(options)}`)
    }
    const { durability = 'none' } = options
    if (!DURABILITY_MODES.includes(durability)) {
      throw typeError('ERR_INVALID_ARG_VALUE', `options.durability must be one of ${DURABILITY_MODES.join(', ')}. Received ${describe(durability)}`)
    }
    this.#native = new NativeWriter(eventFile, indexFile, durability)
  }

  /**
   * Appends `events` to the log, each as the line `JSON.stringify(event) + "\n"`, and updates
   * the index. Resolves once both files hold the whole batch; rejects with nothing written.
   * Calls that overlap are stored in call order.
   */
  appendEvents(events, _state) {
    if (this.#closing) return Promise.reject(closedError())
    let batch
    try {
      batch = serializeEvents(events)
    } catch (err) {
      return Promise.reject(err)
    }
    if (batch === '') return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch, resolve, reject })
      if (!this.#draining) this.#drain()
    })
  }

  /** The log's length in bytes after the last stored batch. */
  getByteOffset() {
    return this.#native.byteOffset()
  }

  /** A copy of the index as last written, or `null` before the first non-empty call. */
  getCachedIndex() {
    const json = this.#native.indexJson()
    return json === null ? null : JSON.parse(json)
  }

  /**
   * Waits for every call made before it, then closes the log and releases its lock. Calls
   * after it reject with `ERR_WRITER_CLOSED`. Calling it again returns the same promise.
   */
  close() {
    if (!this.#closing) {
      this.#closing = new Promise((resolve) => {
        if (this.#draining) this.#idleWaiters.push(resolve)
        else resolve()
      }).then(() => this.#native.close())
    }
    return this.#closing
  }

  /** Hands every queued batch to the native writer, one group at a time, in order. */
  async #drain() {
    this.#draining = true
    while (this.#queue.length > 0) {
      const jobs = this.#queue.splice(0)
      let outcomes
      try {
        outcomes = await this.#native.appendBatches(jobs.map((job) => job.batch))
      } catch (err) {
        const failure = toCallerError({ kind: 'Error', code: 'ERR_INTERNAL', message: String(err && err.message) })
        for (const job of jobs) job.reject(failure)
        continue
      }
      jobs.forEach((job, i) => {
        const failure = outcomes[i]
        if (failure == null) job.resolve()
        else job.reject(toCallerError(failure))
      })
    }
    this.#draining = false
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
  }
}

/**
 * Reads a session's log whole and compares its index with the one the log implies; changes
 * nothing. Resolves to `{ ok, problems, events, checkpoints }`.
 */
async function verify(eventFile, indexFile = defaultIndexFile(eventFile)) {
  requireString('eventFile', eventFile)
  requireString('indexFile', indexFile)
  const { failure, problems, events, checkpoints } = await verifySession(eventFile, indexFile)
  if (failure) throw toCallerError(failure)
  return { ok: problems.length === 0, problems, events, checkpoints }
}

/**
 * Applies the recovery that opening a session does (torn tail cut and kept aside, index
 * rebuilt where it is behind or unreadable) and resolves to `{ changes }`, in words.
 */
async function repair(eventFile, indexFile = defaultIndexFile(eventFile)) {
  requireString('eventFile', eventFile)
  requireString('indexFile', indexFile)
  const { failure, changes } = await repairSession(eventFile, indexFile)
  if (failure) throw toCallerError(failure)
  return { changes }
}

/** `<name>.index.json` beside `<name>.jsonl`, as the server names them. */
function defaultIndexFile(eventFile) {
  return typeof eventFile === 'string' ? eventFile.replace(/(\.jsonl)?$/, '.index.json') : undefined
}

function closedError() {
  const err = new Error('The writer is closed')
  err.code = 'ERR_WRITER_CLOSED'
  return err
}

/** Every event's exact JSON line, joined; throws a TypeError naming the first bad event. */
function serializeEvents(events) {
  if (!Array.isArray(events)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "events" argument must be an array. Received ${describe(events)}`)
  }
  let batch = ''
  for (let i = 0; i < events.length; i++) {
    const event = events[i]
    if (typeof event !== 'object' || event === null) {
      throw invalidEvent(i, `must be an object. Received ${describe(event)}`)
    }
    let line
    try {
      line = JSON.stringify(event)
    } catch (cause) {
      throw invalidEvent(i, `cannot be serialized to JSON: ${cause && cause.message}`, cause)
    }
    if (line === undefined) throw invalidEvent(i, 'serializes to nothing (its toJSON returned undefined)')
    batch += line + '\n'
  }
  return batch
}

function requireString(name, value) {
  if (typeof value !== 'string') {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type string. Received ${describe(value)}`)
  }
}

function invalidEvent(index, what, cause) {
  const err = typeError('ERR_INVALID_EVENT', `events[${index}] ${what}`, cause)
  err.index = index
  return err
}

function typeError(code, message, cause) {
  const err = cause === undefined ? new TypeError(message) : new TypeError(message, { cause })
  err.code = code
  return err
}

/** Turns the native writer's failure record into a Node-style error of this realm. */
function toCallerError(failure) {
  if (failure.errno != null) return systemError(failure)
  const err = failure.kind === 'TypeError' ? new TypeError(failure.message) : new Error(failure.message)
  err.code = failure.code
  if (failure.index != null) err.index = failure.index
  if (failure.path != null) err.path = failure.path
  return err
}

/** An error shaped like those of `fs`: `ENOENT: no such file or directory, open '/x'`. */
function systemError({ errno, syscall, path }) {
  const [code, description] = getSystemErrorMap().get(-errno) || ['UNKNOWN', `unknown error ${errno}`]
  const err = new Error(`${code}: ${description}, ${syscall} '${path}'`)
  Object.assign(err, { errno: -errno, code, syscall, path })
  return err
}

function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
  if (typeof value === 'object') return `an instance of ${(value.constructor && value.constructor.name) || 'Object'}`
  if (typeof value === 'bigint') return `type bigint (${value}n)`
  if (typeof value === 'symbol') return `type symbol (${String(value)})`
  return `type ${typeof value} (${JSON.stringify(value)})`
}

module.exports = { IncrementalWriter, verify, repair }

'use strict'
// The public API: the native writer (binding.js, loaded by lib/native.js) behind the exact interface of the original
// TypeScript module, plus what the server needs beyond it. This file is the facade: each method
// checks its arguments and hands its change to the writer's queue (lib/ticket-queue.js, where
// the ordering contract is written). What must happen in the caller's JavaScript lives in lib/:
// V8 writes each event's JSON line (serialize.js), errors are made in the caller's realm
// (errors.js), arguments are checked as Node checks them (arguments.js), and sessions are read
// with their index's offsets (session-reader.js).

const {
  verifySession,
  repairSession,
  setDescriptorBudget: setNativeDescriptorBudget,
  setIndexMemoryBudget: setNativeIndexMemoryBudget,
  DurabilityMode,
} = require('./lib/native')
const { requireString, requirePath, requireTwoFiles, readOptions, isObject, defaultIndexFile } = require('./lib/arguments')
const { typeError, closedError, toCallerError, callNativeTask, describe, messageOf } = require('./lib/errors')
const { serializeEvents } = require('./lib/serialize')
const { SessionReader } = require('./lib/session-reader')
const { acquire, release, releaseSync, cachedIndex } = require('./lib/sessions')

/** The durability modes, as the native side defines them (src/binding/durability_mode.rs). */
const DURABILITY_MODES = Object.values(DurabilityMode)

/**
 * Appends session events to a JSONL log and keeps its JSON index of checkpoints and counts.
 * A drop-in for the original `IncrementalWriter`.
 */
/**
 * Appends session events to a JSONL log and keeps its JSON index of checkpoints and counts.
 * A drop-in for the original `IncrementalWriter`.
 */
class IncrementalWriter {
  /** The session this writer shares with every other writer of its log (lib/sessions.js). */
  #session
  #native
  /** Calls waiting to be stored, in call order (see lib/ticket-queue.js). */
  #queue
  #reader
  /** Set by close() or closeSync(): the promise close() returns. */
  #closing = null

  /**
   * `options.durability`: `'none'` (default) survives a crash of the process, `'data'` also
   * flushes the log to the disk before a call resolves, `'full'` the index and its directory too.
   */
  constructor(eventFile, indexFile, options) {
    requirePath('eventFile', eventFile)
    requirePath('indexFile', indexFile)
    const files = requireTwoFiles(eventFile, indexFile)
    const { durability = 'none' } = readOptions(options, ['durability'])
    if (!DURABILITY_MODES.includes(durability)) {
      throw typeError('ERR_INVALID_ARG_VALUE', `options.durability must be one of ${DURABILITY_MODES.join(', ')}. Received ${describe(durability)}`)
    }
    this.#session = acquire(this, eventFile, indexFile, durability, files)
    this.#native = this.#session.native
    this.#queue = this.#session.queue
    this.#reader = new SessionReader(eventFile, indexFile)
  }

  /**
   * Appends `events` to the log, each as the line `JSON.stringify(event) + "\n"`, and updates
   * the index. Resolves once both files hold the whole batch; rejects with nothing written.
   * Calls are stored in call order, sync ones included.
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
    // An event's getter or toJSON may have closed the writer: the call comes after the close.
    if (this.#closing) return Promise.reject(closedError())
    // A new log's header takes the caller's clock, as the original's does (a mocked Date included).
    const created = new Date().toISOString()
    return this.#queue.queue(() => this.#native.enqueueEvents(batch, created))
  }

  /**
   * `appendEvents` for exit paths: stores the batch before returning, after every earlier call
   * (whose promises then settle). Throws what `appendEvents` would reject with.
   */
  appendEventsSync(events, _state) {
    if (this.#closing) throw closedError()
    const batch = serializeEvents(events)
    if (batch === '') return
    if (this.#closing) throw closedError()
    const created = new Date().toISOString()
    this.#queue.queueSync(() => this.#native.enqueueEvents(batch, created))
  }

  /** Stores every queued call now, on this thread; their promises then settle. */
  flushSync() {
    this.#queue.flushSync()
  }

  /**
   * Records `states[stateId] = value` in the index (the value as `JSON.stringify` writes it),
   * in order with the other calls. A loader can resume at a checkpoint whose state is recorded.
   */
  recordState(stateId, value) {
    return this.#record('stateId', stateId, value, (keyJson, json) => this.#native.enqueueState(keyJson, json))
  }

  /**
   * Records `receipts[receiptKey] = receipt` in the index, in order with the other calls. A
   * receipt is an object, as the server's are; anything else rejects with ERR_INVALID_ARG_TYPE.
   */
  recordReceipt(receiptKey, receipt) {
    if (!isObject(receipt)) {
      const expected = 'The "receipt" argument must be an object ({ key, request, response, timestamp, durationMs })'
      return Promise.reject(typeError('ERR_INVALID_ARG_TYPE', `${expected}. Received ${describe(receipt)}`))
    }
    return this.#record('receiptKey', receiptKey, receipt, (keyJson, json) => this.#native.enqueueReceipt(keyJson, json))
  }

  /** The log's length in bytes after the last stored batch. */
  getByteOffset() {
    return this.#native.byteOffset()
  }

  /**
   * The index as of the last completed call, or `null` before the first non-empty call: the same
   * object until the next call changes the index, shared by the session's writers, and never a
   * wait for calls in flight (but the first time it is asked for). Changing it changes no file:
   * use `recordState` and `recordReceipt`.
   */
  getCachedIndex() {
    return cachedIndex(this.#session)
  }

  /** See `SessionReader.events`. */
  events(options) {
    return this.#reader.events(options)
  }

  /** See `SessionReader.readEvents`. */
  readEvents(options) {
    return this.#reader.readEvents(options)
  }

  /** See `SessionReader.latestCheckpoint`. */
  latestCheckpoint() {
    return this.#reader.latestCheckpoint()
  }

  /** See `SessionReader.findCheckpointBefore`. */
  findCheckpointBefore(seq) {
    return this.#reader.findCheckpointBefore(seq)
  }

  /**
   * Waits for every call made before it; then, if no other writer in this process has the same
   * session open, closes the log, releases its lock and removes the files made beside the log
   * and the index. Calls after it reject with `ERR_WRITER_CLOSED`, a call whose event getter or
   * `toJSON` closed the writer included; the session's other writers go on working. Calling it
   * again returns the same promise.
   */
  close() {
    if (!this.#closing) {
      this.#closing = release(this.#session.key, this)
    }
    return this.#closing
  }

  /** `close` for exit paths: stores every queued call, then closes as `close` does, before returning. */
  closeSync() {
    if (this.#closing) return
    releaseSync(this.#session.key, this)
    this.#closing = Promise.resolve()
  }

  #record(keyName, key, value, enqueue) {
    if (this.#closing) return Promise.reject(closedError())
    try {
      requireString(keyName, key)
    } catch (err) {
      return Promise.reject(err)
    }
    const refused = (why, cause) => typeError('ERR_INVALID_ARG_VALUE', `The value for ${keyName} ${JSON.stringify(key)} cannot be stored as JSON: ${why}`, cause)
    // The key goes to the native side as JSON too: a JS string with a lone surrogate has no
    // lossless form as a Rust string, but its JSON text holds it exactly.
    let keyJson
    let json
    try {
      keyJson = JSON.stringify(key)
      json = JSON.stringify(value)
    } catch (cause) {
      return Promise.reject(refused(messageOf(cause), cause))
    }
    if (json === undefined) return Promise.reject(refused('JSON.stringify gives nothing for it'))
    // The value's toJSON may have closed the writer: the call comes after the close.
    if (this.#closing) return Promise.reject(closedError())
    return this.#queue.queue(() => enqueue(keyJson, json))
  }
}

/**
 * Reads a session's log whole and compares its index with the one the log implies; changes
 * nothing and takes no lock, so a session being written can be checked. Resolves to
 * `{ ok, problems, notes, events, checkpoints }`: `notes` are no damage (lines that are not
 * events, kept and not indexed; a last line still being written).
 */
async function verify(eventFile, indexFile = defaultIndexFile(eventFile)) {
  requirePath('eventFile', eventFile)
  requirePath('indexFile', indexFile)
  requireTwoFiles(eventFile, indexFile)
  const { failure, problems, notes, events, checkpoints } = await callNativeTask(() => verifySession(eventFile, indexFile))
  if (failure) throw toCallerError(failure)
  return { ok: problems.length === 0, problems, notes, events, checkpoints }
}

/**
 * Takes the session's lock and repairs it: a batch a crash cut short taken back out, the index
 * recomputed from the whole log, a last line without its newline that stopped growing cut off
 * and kept aside. Resolves to `{ changes }`, in words; `verify` agrees right after it.
 */
async function repair(eventFile, indexFile = defaultIndexFile(eventFile)) {
  requirePath('eventFile', eventFile)
  requirePath('indexFile', indexFile)
  requireTwoFiles(eventFile, indexFile)
  const { failure, changes } = await callNativeTask(() => repairSession(eventFile, indexFile))
  if (failure) throw toCallerError(failure)
  return { changes }
}

/**
 * Sets how many file descriptors this process's sessions may keep open between calls (512 by
 * default, room for the server's own under a limit of 1,024). Beyond it, the idle sessions used
 * least recently close their files (and release their lock) until their next call.
 */
function setDescriptorBudget(descriptors) {
  if (!Number.isSafeInteger(descriptors) || descriptors < 0 || descriptors > 0xffffffff) {
    throw typeError('ERR_INVALID_ARG_VALUE', `The "descriptors" argument must be a non-negative integer. Received ${describe(descriptors)}`)
  }
  setNativeDescriptorBudget(descriptors)
}

/**
 * Sets how many bytes of memory this process's sessions may hold their indexes in between calls
 * (256 MiB by default). Beyond it, the idle sessions used least recently leave their
 * checkpoints' text in their index files, keeping a few hundred bytes each, and read it back
 * only where a write moves it or a reader asks for the index.
 */
function setIndexMemoryBudget(bytes) {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw typeError('ERR_INVALID_ARG_VALUE', `The "bytes" argument must be a non-negative integer. Received ${describe(bytes)}`)
  }
  setNativeIndexMemoryBudget(bytes)
}

module.exports = { IncrementalWriter, SessionReader, verify, repair, setDescriptorBudget, setIndexMemoryBudget }

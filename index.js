'use strict'
// The public API: the native writer (binding.js) behind the exact interface of the original
// TypeScript module, plus what the server needs beyond it. This file does what must happen in
// the caller's JavaScript: V8 turns each event into its exact JSON line, and errors are created
// in the caller's realm. Ordering lives in the native queue, shared by async and sync calls.

const { getSystemErrorMap, inspect } = require('node:util')
const { realpathSync } = require('node:fs')
const { readFile } = require('node:fs/promises')
const path = require('node:path')
const { MAX_STRING_LENGTH } = require('node:buffer').constants
const { NativeWriter, verifySession, repairSession, readLogLines } = loadBinding()

const DURABILITY_MODES = ['none', 'data', 'full']
/** What a drain without failures settles calls with. */
const NO_FAILURES = new Map()
/** Lines read from the log per native call while iterating events. */
const READ_CHUNK_LINES = 1000

/**
 * Appends session events to a JSONL log and keeps its JSON index of checkpoints and counts.
 * A drop-in for the original `IncrementalWriter`.
 */
class IncrementalWriter {
  #native
  #reader
  /** Tickets of queued changes, with their callers' promise callbacks. */
  #waiting = new Map()
  #draining = false
  /** Callbacks waiting for the queue to empty. */
  #idleWaiters = []
  /** Set by close() or closeSync(): the promise close() returns. */
  #closing = null

  /**
   * `options.durability`: `'none'` (default) survives a crash of the process, `'data'` also
   * flushes the log to the disk before a call resolves, `'full'` the index and its directory too.
   */
  constructor(eventFile, indexFile, options) {
    requirePath('eventFile', eventFile)
    requirePath('indexFile', indexFile)
    requireTwoFiles(eventFile, indexFile)
    const { durability = 'none' } = readOptions(options, ['durability'])
    if (!DURABILITY_MODES.includes(durability)) {
      throw typeError('ERR_INVALID_ARG_VALUE', `options.durability must be one of ${DURABILITY_MODES.join(', ')}. Received ${describe(durability)}`)
    }
    this.#native = new NativeWriter(eventFile, indexFile, durability)
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
    return this.#wait(this.#native.enqueueEvents(batch))
  }

  /**
   * `appendEvents` for exit paths: stores the batch before returning, after every earlier call
   * (whose promises then settle). Throws what `appendEvents` would reject with.
   */
  appendEventsSync(events, _state) {
    if (this.#closing) throw closedError()
    const batch = serializeEvents(events)
    if (batch === '') return
    const ticket = this.#native.enqueueEvents(batch)
    const failure = this.#settle(this.#native.drainSync(), ticket)
    if (failure) throw failure
  }

  /** Stores every queued call now, on this thread; their promises then settle. */
  flushSync() {
    this.#settle(this.#native.drainSync())
  }

  /**
   * Records `states[stateId] = value` in the index (the value as `JSON.stringify` writes it),
   * in order with the other calls. A loader can resume at a checkpoint whose state is recorded.
   */
  recordState(stateId, value) {
    return this.#record('stateId', stateId, value, (json) => this.#native.enqueueState(stateId, json))
  }

  /** Records `receipts[receiptKey] = receipt` in the index, in order with the other calls. */
  recordReceipt(receiptKey, receipt) {
    return this.#record('receiptKey', receiptKey, receipt, (json) => this.#native.enqueueReceipt(receiptKey, json))
  }

  /** The log's length in bytes after the last stored batch. */
  getByteOffset() {
    return this.#native.byteOffset()
  }

  /** A copy of the index as last written, or `null` before the first non-empty call. */
  getCachedIndex() {
    const json = callNative(() => this.#native.indexJson())
    return json === null ? null : JSON.parse(json)
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
   * Waits for every call made before it, then closes the log and releases its lock. Calls
   * after it reject with `ERR_WRITER_CLOSED`. Calling it again returns the same promise.
   */
  close() {
    if (!this.#closing) {
      this.#closing = new Promise((resolve) => {
        if (this.#draining) this.#idleWaiters.push(resolve)
        else resolve()
      }).then(() => callNative(() => this.#native.close()))
    }
    return this.#closing
  }

  /** `close` for exit paths: stores every queued call, then closes, before returning. */
  closeSync() {
    if (this.#closing) return
    this.flushSync()
    callNative(() => this.#native.close())
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
    let json
    try {
      json = JSON.stringify(value)
    } catch (cause) {
      return Promise.reject(refused(messageOf(cause), cause))
    }
    if (json === undefined) return Promise.reject(refused('JSON.stringify gives nothing for it'))
    return this.#wait(enqueue(json))
  }

  #wait(ticket) {
    return new Promise((resolve, reject) => {
      this.#waiting.set(ticket, { resolve, reject })
      if (!this.#draining) this.#drain()
    })
  }

  /** Has the native queue drained off the main thread until no call is waiting. */
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

/**
 * Reads a session's events from its log, seeking with the index's offsets: the cost follows
 * what is read, not the size of the log. Needs no writer and takes no lock.
 */
class SessionReader {
  #eventFile
  #indexFile

  constructor(eventFile, indexFile = defaultIndexFile(eventFile)) {
    requirePath('eventFile', eventFile)
    requirePath('indexFile', indexFile)
    this.#eventFile = eventFile
    this.#indexFile = indexFile
  }

  /** The index as its file holds it now; a file that is not an index rejects with ERR_INVALID_INDEX. */
  async index() {
    const file = this.#indexFile
    const invalid = (what, cause) => nodeError(Error, 'ERR_INVALID_INDEX', `The index file '${file}' ${what}`, { cause, path: file })
    const text = await readFile(file, 'utf8')
    let index
    try {
      index = JSON.parse(text)
    } catch (cause) {
      throw invalid(`is not JSON: ${messageOf(cause)}`, cause)
    }
    const problem = indexProblem(index)
    if (problem) throw invalid(problem)
    return index
  }

  /** The last checkpoint of the index, or `null` when it has none. */
  async latestCheckpoint() {
    const { checkpoints } = await this.index()
    return checkpoints.length > 0 ? checkpoints[checkpoints.length - 1] : null
  }

  /** The last checkpoint whose `seq` is at most `seq`, or `null` when there is none. */
  async findCheckpointBefore(seq) {
    if (typeof seq !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `The "seq" argument must be of type number. Received ${describe(seq)}`)
    const { checkpoints } = await this.index()
    let found = null
    for (const checkpoint of checkpoints) if (checkpoint.seq <= seq) found = checkpoint
    return found
  }

  /**
   * The events from a starting point on, as an async iterator. Give at most one of
   * `fromCheckpoint` (an index entry, or its `stateId`), `fromOffset` (a checkpoint line's byte
   * offset) or `fromSeq` (starts at the checkpoint before it, yields events from that seq on);
   * none reads from the start. `limit` caps the number of events. An offset that does not
   * start a checkpoint line rejects with `ERR_NOT_A_CHECKPOINT`.
   */
  async *events(options) {
    const { fromCheckpoint, fromOffset, fromSeq, limit = Infinity } = readOptions(options, ['fromCheckpoint', 'fromOffset', 'fromSeq', 'limit'])
    const starts = [fromCheckpoint, fromOffset, fromSeq].filter((start) => start !== undefined)
    if (starts.length > 1) throw typeError('ERR_INVALID_ARG_VALUE', 'Give at most one of fromCheckpoint, fromOffset and fromSeq')
    if (typeof limit !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `limit must be of type number. Received ${describe(limit)}`)
    if (!(limit >= 0)) throw typeError('ERR_INVALID_ARG_VALUE', `limit must be a non-negative number. Received ${describe(limit)}`)
    let offset = 0
    let requireCheckpoint = false
    if (fromCheckpoint !== undefined) {
      offset = await this.#checkpointOffset(fromCheckpoint)
      requireCheckpoint = true
    } else if (fromOffset !== undefined) {
      offset = requireOffset('fromOffset', fromOffset)
      requireCheckpoint = true
    } else if (fromSeq !== undefined) {
      const checkpoint = await this.findCheckpointBefore(fromSeq)
      if (checkpoint) [offset, requireCheckpoint] = [checkpoint.byteOffset, true]
    }
    let reached = fromSeq === undefined
    let yielded = 0
    while (yielded < limit) {
      const chunk = await readLogLines(this.#eventFile, offset, READ_CHUNK_LINES, requireCheckpoint)
      if (chunk.failure) throw toCallerError(chunk.failure)
      requireCheckpoint = false
      for (const line of chunk.text.split('\n')) {
        if (line === '') continue
        const event = JSON.parse(line)
        if (!reached) {
          if (typeof event.seq !== 'number' || event.seq < fromSeq) continue
          reached = true
        }
        yield event
        if (++yielded >= limit) return
      }
      if (chunk.atEnd) return
      offset = chunk.nextOffset
    }
  }

  /** `events(options)`, collected into an array. */
  async readEvents(options) {
    const events = []
    for await (const event of this.events(options)) events.push(event)
    return events
  }

  /** Where `fromCheckpoint` (an index entry, or the `stateId` of one) starts in the log. */
  async #checkpointOffset(checkpoint) {
    if (typeof checkpoint === 'string') {
      const { checkpoints } = await this.index()
      const found = checkpoints.filter((entry) => entry.stateId === checkpoint).pop()
      if (found) return found.byteOffset
      const message = `The index file '${this.#indexFile}' has no checkpoint with stateId ${JSON.stringify(checkpoint)}`
      throw nodeError(Error, 'ERR_NO_SUCH_CHECKPOINT', message, { path: this.#indexFile })
    }
    const byteOffset = readArgument('fromCheckpoint', () => (typeof checkpoint === 'object' && checkpoint !== null ? checkpoint.byteOffset : undefined))
    if (typeof byteOffset !== 'number') {
      throw typeError('ERR_INVALID_ARG_TYPE', `fromCheckpoint must be a checkpoint entry or a stateId. Received ${describe(checkpoint)}`)
    }
    return requireOffset('fromCheckpoint.byteOffset', byteOffset)
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
  const { failure, problems, notes, events, checkpoints } = await verifySession(eventFile, indexFile)
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
  const { failure, changes } = await repairSession(eventFile, indexFile)
  if (failure) throw toCallerError(failure)
  return { changes }
}

/**
 * Every event's exact JSON line, joined; throws a TypeError naming the first bad event, or a
 * RangeError (ERR_STRING_TOO_LONG) naming the event at which the batch outgrows a string. An
 * event whose own JSON is too long is a bad event: JSON.stringify's RangeError is its cause.
 */
function serializeEvents(events) {
  const length = readArgument('The "events" argument', () => (Array.isArray(events) ? events.length : -1))
  if (length === -1) {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "events" argument must be an array. Received ${describe(events)}`)
  }
  let batch = ''
  for (let i = 0; i < length; i++) {
    let event
    try {
      event = events[i]
    } catch (cause) {
      throw invalidEvent(i, `cannot be read: ${messageOf(cause)}`, cause)
    }
    if (typeof event !== 'object' || event === null) {
      throw invalidEvent(i, `must be an object. Received ${describe(event)}`)
    }
    let line
    try {
      line = JSON.stringify(event)
    } catch (cause) {
      throw invalidEvent(i, `cannot be serialized to JSON: ${messageOf(cause)}`, cause)
    }
    if (line === undefined) throw invalidEvent(i, 'serializes to nothing (its toJSON returned undefined)')
    try {
      batch += line + '\n'
    } catch (cause) {
      const what = `events[${i}] makes the batch's JSON longer than a string can be (0x${MAX_STRING_LENGTH.toString(16)} characters); split the batch`
      throw nodeError(RangeError, 'ERR_STRING_TOO_LONG', what, { cause, index: i })
    }
  }
  return batch
}

/** What makes parsed JSON unusable as an index, in words, or null when it is usable. */
function indexProblem(index) {
  if (!isObject(index)) return 'is not a JSON object'
  if (!Array.isArray(index.checkpoints)) return 'is not an index: "checkpoints" is not an array'
  for (const [i, entry] of index.checkpoints.entries()) {
    if (!isObject(entry)) return `is not an index: checkpoints[${i}] is not an object`
    if (!isOffset(entry.byteOffset)) return `is not an index: checkpoints[${i}].byteOffset is not a non-negative integer`
  }
  return null
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A byte offset in a file. */
function isOffset(value) {
  return Number.isSafeInteger(value) && value >= 0
}

/** `<name>.index.json` beside `<name>.jsonl`, as the server names them. */
function defaultIndexFile(eventFile) {
  return typeof eventFile === 'string' ? eventFile.replace(/(\.jsonl)?$/, '.index.json') : undefined
}

function requireString(name, value) {
  if (typeof value !== 'string') {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type string. Received ${describe(value)}`)
  }
}

/** A path as `fs` takes it: a string without null bytes. */
function requirePath(name, value) {
  requireString(name, value)
  if (value.includes('\0')) {
    throw typeError('ERR_INVALID_ARG_VALUE', `The argument '${name}' must be a string without null bytes. Received ${describe(value)}`)
  }
}

/** Refuses a log and an index that are one file, however the two paths name it. */
function requireTwoFiles(eventFile, indexFile) {
  const file = realPath(eventFile)
  if (realPath(indexFile) === file) {
    throw typeError('ERR_INVALID_ARG_VALUE', `The argument 'indexFile' must not name the same file as 'eventFile' ('${file}'). Received ${describe(indexFile)}`)
  }
}

/**
 * The file a path names: its realpath, else (it does not exist yet) its directory's realpath
 * joined with its name, else the path resolved.
 */
function realPath(file) {
  try {
    return realpathSync.native(file)
  } catch {
    try {
      return path.join(realpathSync.native(path.dirname(file)), path.basename(file))
    } catch {
      return path.resolve(file)
    }
  }
}

/**
 * `read()`, which inspects an argument; what it throws (a revoked Proxy, a throwing trap or
 * getter) becomes ERR_INVALID_ARG_TYPE: "`what` cannot be read".
 */
function readArgument(what, read) {
  try {
    return read()
  } catch (cause) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${what} cannot be read: ${messageOf(cause)}`, cause)
  }
}

/** The fields `keys` of an options argument, each read once; `undefined` has none. */
function readOptions(options, keys) {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null) {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "options" argument must be an object. Received ${describe(options)}`)
  }
  return readArgument('The "options" argument', () => Object.fromEntries(keys.map((key) => [key, options[key]])))
}

function requireOffset(name, value) {
  if (!isOffset(value)) throw typeError('ERR_INVALID_ARG_VALUE', `${name} must be a non-negative integer. Received ${describe(value)}`)
  return value
}

function invalidEvent(index, what, cause) {
  return nodeError(TypeError, 'ERR_INVALID_EVENT', `events[${index}] ${what}`, { cause, index })
}

function typeError(code, message, cause) {
  return nodeError(TypeError, code, message, { cause })
}

/** A Node-style error: a `Type` with `code` and `fields`, whose `cause` becomes the error's cause. */
function nodeError(Type, code, message, { cause, ...fields } = {}) {
  const err = cause === undefined ? new Type(message) : new Type(message, { cause })
  return Object.assign(err, { code }, fields)
}

function closedError() {
  return nodeError(Error, 'ERR_WRITER_CLOSED', 'The writer is closed')
}

/**
 * Turns the native side's failure record into a Node-style error of this realm. A failed
 * file-system call the OS gave no errno for (the record has no code either) is ERR_IO.
 */
function toCallerError(failure) {
  if (failure.errno != null) return systemError(failure)
  const err = failure.kind === 'TypeError' ? new TypeError(failure.message) : new Error(failure.message)
  err.code = failure.code || 'ERR_IO'
  for (const field of ['index', 'syscall', 'path']) if (failure[field] != null) err[field] = failure[field]
  return err
}

/** `call()` on the binding; what it throws (a broken writer: never expected) is ERR_INTERNAL. */
function callNative(call) {
  try {
    return call()
  } catch (err) {
    throw internalError(err)
  }
}

function internalError(err) {
  return nodeError(Error, 'ERR_INTERNAL', messageOf(err))
}

/** An error shaped like those of `fs`: `ENOENT: no such file or directory, open '/x'`. */
function systemError({ errno, syscall, path }) {
  const [code, description] = getSystemErrorMap().get(-errno) || ['UNKNOWN', `unknown error ${errno}`]
  const err = new Error(`${code}: ${description}, ${syscall} '${path}'`)
  Object.assign(err, { errno: -errno, code, syscall, path })
  return err
}

/** A value as Node's messages name it (`an instance of Map`, `type string ('x')`). Never throws. */
function describe(value) {
  try {
    if (value === null) return 'null'
    if (Array.isArray(value)) return 'an array'
    if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
    if (typeof value === 'object') return `an instance of ${(value.constructor && value.constructor.name) || 'Object'}`
    const shown = inspect(value)
    return `type ${typeof value} (${shown.length > 128 ? `${shown.slice(0, 125)}...` : shown})`
  } catch {
    // a revoked Proxy, or a throwing trap or getter
    return 'a value that cannot be inspected'
  }
}

/** What a thrown value says: its `message`, or else what it is. Never throws. */
function messageOf(thrown) {
  try {
    const { message } = thrown
    if (typeof message === 'string') return message
  } catch {
    // null or undefined, or a `message` getter that throws: say what was thrown instead
  }
  return `it threw ${describe(thrown)}`
}

/**
 * The native addon, through the loader napi-rs generates (binding.js): a binary built beside it
 * (`incremental-writer.<platform>.node`, in a clone or an install from git), this platform's
 * package `incremental-writer-<platform>` (an optional dependency), or the file named by
 * `NAPI_RS_NATIVE_LIBRARY_PATH`. When none loads, the error says which platform this is, which
 * platforms have a binary and how to build one, instead of the loader's generic advice.
 */
function loadBinding() {
  try {
    return require('./binding.js')
  } catch (err) {
    throw bindingError(err)
  }
}

/** What the loader's error becomes: `ERR_NATIVE_BINARY`, the loader's error as its `cause`. */
function bindingError(loaderError) {
  const platform = platformTag()
  const { napi, repository } = require('./package.json')
  const published = napi.targets.map(platformOfTriple)
  const repo = repository.url.replace(/^git\+/, '')
  const build =
    `To build it from source (Rust 1.89 or later, https://rustup.rs), install the package from its repository, ` +
    `\`npm install git+${repo}\`, which builds it for this machine; or clone the repository, run \`npm install\` there ` +
    `and set NAPI_RS_NATIVE_LIBRARY_PATH to the incremental-writer.${platform}.node it builds.`
  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH
  let message
  if (override) {
    message = `incremental-writer: the native binary NAPI_RS_NATIVE_LIBRARY_PATH names (${override}) did not load.`
  } else if (published.includes(platform)) {
    message =
      `incremental-writer: the native binary for this platform (${platform}) did not load. It comes in the package ` +
      `incremental-writer-${platform}, which npm installs as an optional dependency: install again without ` +
      `\`--omit=optional\`, and if the lockfile was made on another platform and left it out, remove node_modules ` +
      `and package-lock.json first. ${build}`
  } else {
    message =
      `incremental-writer: no prebuilt native binary exists for this platform (${platform}); ` +
      `the packages incremental-writer-<platform> exist for ${published.join(', ')}. ${build}`
  }
  // The loader's own message comes first; what each attempt threw follows in its causes.
  const [, ...failures] = loadFailures(loaderError)
  const reason = override ? failures.find((text) => text.includes(override)) : failures.find((text) => !/^Cannot find module/.test(text))
  if (reason) message += ` ${override ? 'Loading it' : 'A binary was found, but loading it'} failed with: ${reason}`
  const error = new Error(message)
  error.code = 'ERR_NATIVE_BINARY'
  error.cause = loaderError
  return error
}

/** The messages of the loader's error and of its chain of causes. */
function loadFailures(error) {
  const messages = []
  for (let e = error, depth = 0; e && depth < 50; e = e.cause, depth++) messages.push(messageOf(e).split('\n')[0])
  return messages
}

/** This platform as napi-rs names it in binaries and packages, e.g. `linux-x64-gnu`, `darwin-arm64`. */
function platformTag() {
  const { platform, arch } = process
  if (platform === 'win32') return `win32-${arch}-msvc`
  if (platform !== 'linux') return `${platform}-${arch}`
  let glibc = true
  try {
    process.report.excludeNetwork = true
    glibc = Boolean(process.report.getReport().header.glibcVersionRuntime)
  } catch {
    // no report: assume glibc
  }
  return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
}

/** The napi-rs platform of a Rust target triple: `aarch64-unknown-linux-musl` -> `linux-arm64-musl`. */
function platformOfTriple(triple) {
  const [cpu] = triple.split('-')
  const arch = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32' }[cpu] || cpu
  if (triple.includes('-linux-')) return `linux-${arch}-${triple.endsWith('musl') ? 'musl' : 'gnu'}`
  if (triple.includes('-apple-darwin')) return `darwin-${arch}`
  if (triple.includes('-windows-msvc')) return `win32-${arch}-msvc`
  return triple
}

module.exports = { IncrementalWriter, SessionReader, verify, repair }

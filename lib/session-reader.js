'use strict'
// Reading a session: its index, its checkpoints, and its events from a checkpoint on, seeking
// with the index's offsets so that the cost follows what is read, not the size of the log.

const { readLogLines, readIndex } = require('./native')
const { storedEventLines } = require('./log-follower')
const { nodeError, typeError, toCallerError, callNativeTask, describe } = require('./errors')
const { requirePath, readArgument, readOptions, requireOffset, defaultIndexFile } = require('./arguments')

/** Lines read from the log per native call while iterating events. */
const READ_CHUNK_LINES = 1000

/**
 * `reader.events(options)` with each event's line as the log holds it: `{ line, event }`. For the
 * command line, which prints the lines themselves.
 */
let entriesOf

/**
 * Reads a session's events from its log, seeking with the index's offsets: the cost follows
 * what is read, not the size of the log. Needs no writer and takes no lock.
 */
class SessionReader {
  #eventFile
  #indexFile

  static {
    entriesOf = (reader, options) => reader.#entries(options)
  }

  constructor(eventFile, indexFile = defaultIndexFile(eventFile)) {
    requirePath('eventFile', eventFile)
    requirePath('indexFile', indexFile)
    this.#eventFile = eventFile
    this.#indexFile = indexFile
  }

  /**
   * The index as its file holds it now; a file that is not an index rejects with
   * ERR_INVALID_INDEX, by the rules of the native side (src/core/reader.rs `read_index`).
   */
  async index() {
    const { failure, text } = await callNativeTask(() => readIndex(this.#indexFile))
    if (failure) throw toCallerError(failure)
    return JSON.parse(text)
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
   * start a checkpoint line rejects with `ERR_NOT_A_CHECKPOINT`. With `follow: true`, it does
   * not end at the log's end but yields each batch once it is stored, in log order, with no gap
   * and no duplicate, until the loop stops, `signal` aborts (`AbortError`) or the log is
   * truncated (`ERR_LOG_TRUNCATED`) or replaced (`ERR_LOG_REPLACED`).
   */
  async *events(options) {
    for await (const { event } of this.#entries(options)) yield event
  }

  /** `events(options)`, each event as `{ line, event }`: its line as the log holds it, and `JSON.parse` of it. */
  async *#entries(options) {
    const keys = ['fromCheckpoint', 'fromOffset', 'fromSeq', 'limit', 'follow', 'signal']
    const { fromCheckpoint, fromOffset, fromSeq, limit = Infinity, follow = false, signal } = readOptions(options, keys)
    const starts = [fromCheckpoint, fromOffset, fromSeq].filter((start) => start !== undefined)
    if (starts.length > 1) throw typeError('ERR_INVALID_ARG_VALUE', 'Give at most one of fromCheckpoint, fromOffset and fromSeq')
    if (fromSeq !== undefined && typeof fromSeq !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `fromSeq must be of type number. Received ${describe(fromSeq)}`)
    if (typeof limit !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `limit must be of type number. Received ${describe(limit)}`)
    if (!(limit >= 0)) throw typeError('ERR_INVALID_ARG_VALUE', `limit must be a non-negative number. Received ${describe(limit)}`)
    if (typeof follow !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', `follow must be of type boolean. Received ${describe(follow)}`)
    if (signal !== undefined && !isAbortSignal(signal)) throw typeError('ERR_INVALID_ARG_TYPE', `signal must be an AbortSignal. Received ${describe(signal)}`)
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
    if (limit === 0) return
    const entries = follow ? this.#followed(offset, requireCheckpoint, signal) : this.#stored(offset, requireCheckpoint)
    let reached = fromSeq === undefined
    let yielded = 0
    for await (const entry of entries) {
      if (!reached) {
        if (typeof entry.event.seq !== 'number' || entry.event.seq < fromSeq) continue
        reached = true
      }
      yield entry
      if (++yielded >= limit) return
    }
  }

  /** `events(options)`, collected into an array. */
  async readEvents(options) {
    const events = []
    for await (const event of this.events(options)) events.push(event)
    return events
  }

  /** The event lines of the log from `offset` up to its end, read natively in chunks. */
  async *#stored(offset, requireCheckpoint) {
    for (;;) {
      const chunk = await callNativeTask(() => readLogLines(this.#eventFile, offset, READ_CHUNK_LINES, requireCheckpoint))
      if (chunk.failure) throw toCallerError(chunk.failure)
      requireCheckpoint = false
      for (const line of chunk.text.split('\n')) if (line !== '') yield { line, event: JSON.parse(line) }
      if (chunk.atEnd) return
      offset = chunk.nextOffset
    }
  }

  /** The event lines of the log from `offset` on, then each batch's as it is stored (`storedEventLines`). */
  async *#followed(offset, requireCheckpoint, signal) {
    if (requireCheckpoint) {
      const first = await callNativeTask(() => readLogLines(this.#eventFile, offset, 1, true))
      if (first.failure) throw toCallerError(first.failure)
    }
    yield* storedEventLines(this.#eventFile, { offset, follow: true, signal })
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

/** Whether `value` is an AbortSignal (of any realm), as Node's APIs check one. */
function isAbortSignal(value) {
  return typeof value === 'object' && value !== null && typeof value.aborted === 'boolean' && typeof value.addEventListener === 'function'
}

module.exports = { SessionReader, entriesOf: (reader, options) => entriesOf(reader, options) }

'use strict'
// Reading a session: its index, its checkpoints, and its events from a checkpoint on, seeking
// with the index's offsets so that the cost follows what is read, not the size of the log.

const { readLogLines, readIndex } = require('./native')
const { nodeError, typeError, toCallerError, callNativeTask, describe } = require('./errors')
const { requirePath, readArgument, readOptions, requireOffset, defaultIndexFile } = require('./arguments')

/** Lines read from the log per native call while iterating events. */
const READ_CHUNK_LINES = 1000

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
   * start a checkpoint line rejects with `ERR_NOT_A_CHECKPOINT`.
   */
  async *events(options) {
    const { fromCheckpoint, fromOffset, fromSeq, limit = Infinity } = readOptions(options, ['fromCheckpoint', 'fromOffset', 'fromSeq', 'limit'])
    const starts = [fromCheckpoint, fromOffset, fromSeq].filter((start) => start !== undefined)
    if (starts.length > 1) throw typeError('ERR_INVALID_ARG_VALUE', 'Give at most one of fromCheckpoint, fromOffset and fromSeq')
    if (fromSeq !== undefined && typeof fromSeq !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `fromSeq must be of type number. Received ${describe(fromSeq)}`)
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
      const chunk = await callNativeTask(() => readLogLines(this.#eventFile, offset, READ_CHUNK_LINES, requireCheckpoint))
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

module.exports = { SessionReader }

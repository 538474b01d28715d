'use strict'
// Reading a log's stored event lines from an offset on and, when following, each batch after
// them as it is stored: from one open descriptor, so that the file read is the file followed,
// pulled chunk by chunk as the consumer asks for events.

const { fstatSync, readSync, statSync } = require('node:fs')
const { open } = require('node:fs/promises')
const { isUtf8 } = require('node:buffer')
const { storedEnd } = require('./stored-end')
const { recordPathOf } = require('./batch-record')
const { LogChanges, abortError } = require('./log-changes')
const { nodeError } = require('./errors')

/** Bytes of whole lines read from the log at a time: what a slow consumer keeps in memory, with the batch being looked for. */
const CHUNK_BYTES = 64 * 1024
/** Bytes before a position kept to tell, later, whether the log still holds what was read there. */
const TAIL_BYTES = 64

/**
 * The event lines of the log at `eventFile` from byte `offset` (a line start) on, each as
 * `{ offset, line, event }` (where it starts, its text without the newline, `JSON.parse` of it),
 * skipping lines that are not events as the writer does. Only lines of stored batches (and
 * lines others appended) are yielded, never the start of a batch being written or cut short.
 * Without `follow`, ends at the last stored whole line; with it, goes on with each batch as it
 * is stored, woken by `LogChanges` (`watch`, `pollMs`), until the consumer stops, `signal`
 * aborts (`AbortError`, code `ABORT_ERR`), or the log is cut or rewritten into lines it
 * yielded (`ERR_LOG_TRUNCATED`; a cut that takes out only lines that are no events, such as a
 * tail of NUL bytes set aside, is read past) or replaced (`ERR_LOG_REPLACED`, after the stored lines
 * left in the file followed).
 */
async function* storedEventLines(eventFile, { offset = 0, follow = false, signal, watch, pollMs } = {}) {
  const recordFile = recordPathOf(eventFile)
  const changes = follow ? new LogChanges(eventFile, { watch, pollMs }) : null
  let handle = null
  try {
    handle = await open(eventFile, 'r')
    const followed = fstatSync(handle.fd)
    let knownEnd = offset
    // Where the last event line read ends, and the bytes before it and before `offset` as read:
    // a log cut or rewritten before `eventsEnd` ends the follower; after it, only lines that are
    // no events were taken out (a tail of NUL bytes set aside, say), and it reads on from there.
    let eventsEnd = offset
    let eventsTail = tailBefore(handle.fd, offset)
    let offsetTail = eventsTail
    let replaced = false
    for (;;) {
      if (signal && signal.aborted) throw abortError(signal)
      if (changes) changes.clear()
      const { size } = fstatSync(handle.fd)
      if (size < eventsEnd || !tailBefore(handle.fd, eventsEnd).equals(eventsTail)) throw truncatedError(eventFile, size, eventsEnd)
      if (offset > eventsEnd && (size < offset || !tailBefore(handle.fd, offset).equals(offsetTail))) {
        offset = knownEnd = eventsEnd
        offsetTail = eventsTail
      }
      // What was stored stays stored: the end is looked for again only once it is reached (or
      // only part of a line is left before it).
      if (offset >= knownEnd && size > offset) knownEnd = storedEnd(handle.fd, size, recordFile)
      const chunk = knownEnd > offset ? await readWholeLines(handle, offset, knownEnd) : null
      if (chunk && chunk.next > offset) {
        offset = chunk.next
        offsetTail = tailBefore(handle.fd, offset)
        if (chunk.lines.length > 0) {
          eventsEnd = chunk.eventsEnd
          eventsTail = eventsEnd === offset ? offsetTail : tailBefore(handle.fd, eventsEnd)
        }
        for (const entry of chunk.lines) {
          if (signal && signal.aborted) throw abortError(signal)
          yield entry
        }
        continue
      }
      // What lies before the end is at most part of a line (another process is still writing it):
      // the end is looked for again, with the log's length then, at the next change.
      knownEnd = offset
      if (!follow) return
      if (replaced) throw replacedError(eventFile)
      if (isReplaced(eventFile, followed)) {
        // One more reading of the file followed, for what it stored before it was replaced.
        replaced = true
        continue
      }
      await changes.next(signal)
    }
  } finally {
    if (changes) changes.close()
    if (handle) await handle.close()
  }
}

/**
 * The whole lines between `from` and `end` (at most about `CHUNK_BYTES` of them, or one longer
 * line), as `{ lines, next, eventsEnd }`: the event lines, where the first line not read starts,
 * and where the last event line ends.
 */
async function readWholeLines(handle, from, end) {
  let length = Math.min(end - from, CHUNK_BYTES)
  for (;;) {
    const bytes = Buffer.alloc(length)
    const { bytesRead } = await handle.read(bytes, 0, length, from)
    const last = bytes.lastIndexOf(0x0a, bytesRead - 1)
    if (last < 0 && bytesRead === length && from + length < end) {
      length = Math.min(end - from, length * 2)
      continue
    }
    const lines = []
    let eventsEnd = from
    let start = 0
    for (let newline = last < 0 ? -1 : bytes.indexOf(0x0a); newline >= 0 && newline <= last; newline = bytes.indexOf(0x0a, start)) {
      const entry = eventLine(bytes.subarray(start, newline), from + start)
      if (entry) {
        lines.push(entry)
        eventsEnd = from + newline + 1
      }
      start = newline + 1
    }
    return { lines, next: from + last + 1, eventsEnd }
  }
}

/** The line as `{ offset, line, event }` when it is an event (`JSON.parse` gives an object with a string `type`), else null. */
function eventLine(bytes, offset) {
  if (!isUtf8(bytes)) return null
  const line = bytes.toString('utf8')
  let event
  try {
    event = JSON.parse(line)
  } catch {
    return null
  }
  const isEvent = typeof event === 'object' && event !== null && !Array.isArray(event) && typeof event.type === 'string'
  return isEvent ? { offset, line, event } : null
}

/** The (up to `TAIL_BYTES`) bytes of the file open as `fd` before `end`, read now. */
function tailBefore(fd, end) {
  const length = Math.min(TAIL_BYTES, end)
  const bytes = Buffer.alloc(length)
  const read = length > 0 ? readSync(fd, bytes, 0, length, end - length) : 0
  return bytes.subarray(0, read)
}

/** Whether the path no longer names the file followed (removed, renamed away, replaced). */
function isReplaced(eventFile, followed) {
  const now = statSync(eventFile, { throwIfNoEntry: false })
  return !now || now.ino !== followed.ino || now.dev !== followed.dev
}

function truncatedError(eventFile, size, offset) {
  const message = `The log '${eventFile}' was cut or rewritten before byte ${offset} while it was followed (it is ${size} bytes long now): lines already read have been taken out`
  return nodeError(Error, 'ERR_LOG_TRUNCATED', message, { path: eventFile })
}

function replacedError(eventFile) {
  const message = `The log '${eventFile}' was replaced while it was followed (removed, renamed or rotated): every stored line of the file followed was read; follow the new file from its start`
  return nodeError(Error, 'ERR_LOG_REPLACED', message, { path: eventFile })
}

module.exports = { storedEventLines }

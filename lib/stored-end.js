'use strict'
// How far a log holds only stored batches: the end up to which a follower may yield lines, so
// that it never yields a batch a writer is still writing or one a crash cut short (which the
// next writer takes back out of the log).
//
// A writer records each batch in `<log>.batch` before its first byte goes into the log
// (src/core/batch_record.rs). After the record's base, the batch is looked for as recovery looks
// for it (src/core/log.rs, `take_back_recorded`): where the log holds all of it, at the start of a
// line, it is stored; where the log holds only a start of it (up to the log's end, or up to a page
// boundary a killed write stopped at), it is not, and the log is held from there.

const { readSync } = require('node:fs')
const { readBatchRecord } = require('./batch-record')

/** How far after the record's base the batch is looked for, as recovery looks for it. */
const SEARCH_BYTES = 1 << 20
/** A write cut short by a kill stops at a multiple of this. */
const PAGE_BYTES = 4096
/** Readings of the record before settling for a smaller end that is certainly stored. */
const ATTEMPTS = 3

/**
 * The end up to which the log open as `fd`, `size` bytes long, holds only stored batches (and
 * lines others appended), given the record at `recordFile`. The record is read before and after
 * the log's bytes: when it changed in between, a batch went in meanwhile, and after a few
 * attempts the end is taken before the batch the first reading names. Reads synchronously, at
 * most the batch and what others appended after its base (see `readBatchRecord`).
 */
function storedEnd(fd, size, recordFile) {
  for (let attempt = 1; ; attempt++) {
    const before = readBatchRecord(recordFile)
    const window = before ? readWindow(fd, before, size) : null
    const after = readBatchRecord(recordFile)
    const settled = sameRecord(before, after)
    if (settled || attempt === ATTEMPTS) {
      if (before === null) return settled ? size : Math.min(size, after.base)
      const found = findBatch(before, window, size)
      if (found.held) return found.start
      if (found.stored) return settled ? size : found.start + before.bytes.length
      return settled ? size : Math.min(size, before.base)
    }
  }
}

/**
 * The log's bytes in which `batch` is looked for, from the byte before its base (to tell whether
 * it starts a line) up to `size`, with the offset they start at.
 */
function readWindow(fd, batch, size) {
  const start = Math.min(Math.max(batch.base - 1, 0), size)
  const length = Math.min(size, batch.base + SEARCH_BYTES + batch.bytes.length) - start
  const bytes = Buffer.alloc(length)
  let read = 0
  while (read < length) {
    const bytesRead = readSync(fd, bytes, read, length - read, start + read)
    if (bytesRead === 0) break
    read += bytesRead
  }
  return { start, bytes: bytes.subarray(0, read) }
}

/**
 * Where `batch` is in `window` (the log's bytes from `window.start`, the log `size` bytes long), as
 * recovery finds it: `{ stored: true, start }` when the log holds all of it at the start of a
 * line; `{ held: true, start }` when it holds a start of it that is not stored (being written,
 * cut short by a crash) or all of it glued to a line before (which the writer takes back out);
 * `{}` when the log holds none of it after its base.
 */
function findBatch(batch, window, size) {
  const { base, bytes } = batch
  if (bytes.length === 0) return {}
  const first = bytes[0]
  const from = base - window.start
  for (let at = window.bytes.indexOf(first, from); at >= 0; at = window.bytes.indexOf(first, at + 1)) {
    const matched = matchedLength(window.bytes, at, bytes)
    const start = window.start + at
    const atLineStart = start === 0 || window.bytes[at - 1] === 0x0a || first === 0x0a
    if (matched === bytes.length) return atLineStart ? { stored: true, start } : { held: true, start }
    const cutShort = matched > 0 && (start + matched === size || (atLineStart && (start + matched) % PAGE_BYTES === 0))
    if (cutShort) return { held: true, start }
  }
  return {}
}

/** How many bytes of `bytes` `window` holds from `at`. */
function matchedLength(window, at, bytes) {
  const length = Math.min(bytes.length, window.length - at)
  let matched = 0
  while (matched < length && window[at + matched] === bytes[matched]) matched++
  return matched
}

function sameRecord(a, b) {
  if (a === null || b === null) return a === b
  return a.base === b.base && a.bytes.equals(b.bytes)
}

module.exports = { storedEnd, findBatch }

'use strict'
// The writer's record of the batch it is storing (`<log>.batch`, src/core/batch_record.rs),
// read by followers of the log to tell a batch being written (or cut short by a crash) from one
// that is stored: the writer records the batch before the first of its bytes goes into the log.

const fs = require('node:fs')
const { batchRecordPath } = require('./native')

const MAGIC = 'incremental-writer batch 1'
/** Bytes read first, which hold the header line: the magic, two numbers and any fields added later. */
const HEADER_BYTES = 256

/** The path of the record a writer keeps beside `eventFile`. */
function recordPathOf(eventFile) {
  return batchRecordPath(eventFile)
}

/**
 * The batch recorded in the file at `recordFile` as `{ base, bytes }` (the log's indexed length
 * when it was recorded, and the batch's bytes), or `null` when there is no record or it is not a
 * whole one. The header line is read leniently: the first two numbers after the magic are the
 * base and the length, whatever follows them. Only the header and the batch are read: the writer
 * rewrites the record in place, so the file may be longer, holding the end of a larger batch
 * before it. Read synchronously: a record is one batch, read from the page cache in
 * microseconds, where a trip to libuv's pool costs the main thread more.
 */
function readBatchRecord(recordFile) {
  let fd
  try {
    fd = fs.openSync(recordFile, 'r')
  } catch (err) {
    if (err.code === 'ENOENT') return null
    throw err
  }
  try {
    const head = Buffer.alloc(HEADER_BYTES)
    const headRead = fs.readSync(fd, head, 0, HEADER_BYTES, 0)
    const end = head.subarray(0, headRead).indexOf(0x0a)
    const header = end < 0 ? null : parseHeader(head.toString('latin1', 0, end))
    if (!header) return null
    const bytes = Buffer.alloc(header.length)
    let read = head.copy(bytes, 0, end + 1, Math.min(headRead, end + 1 + header.length))
    while (read < header.length) {
      const count = fs.readSync(fd, bytes, read, header.length - read, end + 1 + read)
      if (count === 0) return null
      read += count
    }
    return { base: header.base, bytes }
  } finally {
    fs.closeSync(fd)
  }
}

/** A record's header line as `{ base, length }`, or `null` when it is not one. */
function parseHeader(line) {
  if (!line.startsWith(`${MAGIC} `)) return null
  const numbers = line.slice(MAGIC.length).trim().split(/\s+/)
  if (!numbers.slice(0, 2).every((number) => /^[0-9]+$/.test(number))) return null
  const [base, length] = numbers.map(Number)
  if (!Number.isSafeInteger(base) || !Number.isSafeInteger(length)) return null
  return { base, length }
}

module.exports = { recordPathOf, readBatchRecord }

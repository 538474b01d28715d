'use strict'
// The writer's record of the batch it is storing (`<log>.batch`, src/core/batch_record.rs),
// read by followers of the log to tell a batch being written (or cut short by a crash) from one
// that is stored: the writer records the batch before the first of its bytes goes into the log.

const { readFileSync } = require('node:fs')
const { batchRecordPath } = require('./native')

const MAGIC = 'incremental-writer batch 1'

/** The path of the record a writer keeps beside `eventFile`. */
function recordPathOf(eventFile) {
  return batchRecordPath(eventFile)
}

/**
 * The batch recorded in the file at `recordFile` as `{ base, bytes }` (the log's indexed length
 * when it was recorded, and the batch's bytes), or `null` when there is no record or it is not a
 * whole one. The header line is read leniently: the first two numbers after the magic are the
 * base and the length, whatever follows them. Read synchronously: a record is one batch, read
 * from the page cache in microseconds, where a trip to libuv's pool costs the main thread more.
 */
function readBatchRecord(recordFile) {
  let text
  try {
    text = readFileSync(recordFile)
  } catch (err) {
    if (err.code === 'ENOENT') return null
    throw err
  }
  return parseBatchRecord(text)
}

/** A record's bytes as `{ base, bytes }`, or `null` unless they hold a whole record. */
function parseBatchRecord(text) {
  const end = text.indexOf(0x0a)
  if (end < 0) return null
  const header = text.toString('latin1', 0, end)
  if (!header.startsWith(`${MAGIC} `)) return null
  const numbers = header.slice(MAGIC.length).trim().split(/\s+/)
  if (!numbers.slice(0, 2).every((number) => /^[0-9]+$/.test(number))) return null
  const [base, length] = numbers.map(Number)
  if (!Number.isSafeInteger(base) || !Number.isSafeInteger(length)) return null
  if (text.length < end + 1 + length) return null
  return { base, bytes: text.subarray(end + 1, end + 1 + length) }
}

module.exports = { recordPathOf, readBatchRecord, parseBatchRecord }

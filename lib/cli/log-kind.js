'use strict'
// Whether a file is a session log, before a command reads or changes it: JSON lines whose first
// line is a session header or an event. A file given in the wrong place (the index, one
// tab-completion away) is named for what it is, and nothing is done to it.

const { open, readFile, stat } = require('node:fs/promises')
const { isUtf8 } = require('node:buffer')

/** Bytes read at a time while looking for the end of the first line. */
const READ_BYTES = 64 * 1024
/** A first line longer than this is not looked at further: no event is that long. */
const FIRST_LINE_MAX = 64 * 1024 * 1024
/** A file larger than this is not read whole to tell whether it is one JSON document. */
const DOCUMENT_MAX = 256 * 1024 * 1024

/**
 * What the file at `file` is, in words, when it is not a session log; `null` when it is one
 * (or is empty, as a new log is). Fails as `fs` does when the file cannot be read.
 */
async function notASessionLog(file) {
  const firstLine = await readFirstLine(file)
  if (firstLine === null) return null
  const value = parseJson(firstLine)
  if (value === undefined) {
    const whole = (await stat(file)).size <= DOCUMENT_MAX ? parseJson(await readFile(file)) : undefined
    if (whole !== undefined) return `it is one JSON document${looksLikeIndex(whole) ? ' (an index)' : ''}, not JSON lines`
    return 'its first line is not JSON'
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return typeof value.type === 'string' ? null : 'its first line is an object without a string "type"'
  }
  return `its first line is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`
}

/** The first line's bytes (without its newline), the whole file when it has none; `null` when the file is empty. */
async function readFirstLine(file) {
  const handle = await open(file, 'r')
  try {
    const parts = []
    let length = 0
    for (;;) {
      const chunk = Buffer.alloc(READ_BYTES)
      const { bytesRead } = await handle.read(chunk, 0, READ_BYTES, length)
      const newline = chunk.subarray(0, bytesRead).indexOf(0x0a)
      parts.push(chunk.subarray(0, newline >= 0 ? newline : bytesRead))
      length += bytesRead
      if (newline >= 0 || bytesRead === 0 || length >= FIRST_LINE_MAX) break
    }
    return length === 0 ? null : Buffer.concat(parts)
  } finally {
    await handle.close()
  }
}

/** `JSON.parse` of UTF-8 bytes; `undefined` when they are not JSON. */
function parseJson(bytes) {
  if (!isUtf8(bytes)) return undefined
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch {
    return undefined
  }
}

function looksLikeIndex(value) {
  return typeof value === 'object' && value !== null && Array.isArray(value.checkpoints)
}

module.exports = { notASessionLog }

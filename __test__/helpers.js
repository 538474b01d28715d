'use strict'
// Temporary session directories, readers for the files a writer leaves, a check that a session's
// log and index agree, a seeded generator, and children that may hang or be killed.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const util = require('node:util')
const { IncrementalWriter, verify } = require('incremental-writer')

/** Node's (libuv's) number for the system error `code` on this platform: ENOENT is -2 on Linux, -4058 on Windows. */
function errnoOf(code) {
  for (const [errno, [name]] of util.getSystemErrorMap()) if (name === code) return errno
  throw new Error(`no system error is called ${code}`)
}

/**
 * A fresh directory with the paths of one session in it. `writer()` makes a writer of the
 * session (or of other files, and with options, as `new IncrementalWriter`), and `remove()`
 * closes every writer `writer()` made, then deletes the directory: on Windows a file still open
 * cannot leave its directory before it is closed, unless the system deletes it with POSIX
 * semantics (libuv 1.49+ on NTFS).
 */
function tempSession(name = 'session') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-test-'))
  const eventFile = path.join(dir, `${name}.jsonl`)
  const indexFile = path.join(dir, `${name}.index.json`)
  const writers = []
  return {
    dir,
    eventFile,
    indexFile,
    writer: (log = eventFile, index = indexFile, options = undefined) => {
      const writer = new IncrementalWriter(log, index, options)
      writers.push(writer)
      return writer
    },
    remove: () => {
      for (const writer of writers.splice(0)) writer.closeSync()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The log's lines without their newlines (the file must end in one). */
function logLines(file) {
  const text = fs.readFileSync(file, 'utf8')
  if (!text.endsWith('\n')) throw new Error(`${file} does not end with a newline`)
  return text.slice(0, -1).split('\n')
}

/** A file's bytes, or null when it does not exist. */
function readOrNull(file) {
  return fs.existsSync(file) ? fs.readFileSync(file) : null
}

/**
 * Writes a log by hand, as the server's files would hold it: a session header (unless
 * `header: false`) and one `JSON.stringify(event)` line per event. Returns the text written.
 */
function writeLog(file, events, { header = true } = {}) {
  const id = path.basename(file, '.jsonl')
  const lines = header ? [{ type: 'session', version: 1, id, created: '2024-01-01T00:00:00.000Z' }, ...events] : events
  const text = lines.map((event) => JSON.stringify(event) + '\n').join('')
  fs.writeFileSync(file, text)
  return text
}

/** A tiny deterministic generator of numbers in [0, 1), so a failing run can be replayed. */
function random(seed) {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/** The start of a text, for messages. */
function clip(text, length = 80) {
  return text.length > length ? `${JSON.stringify(text.slice(0, length))}...` : JSON.stringify(text)
}

/**
 * Reads a session as a loader would and lists, in words, every way its files break the format:
 * a log line that does not parse (or no newline at the end), not exactly one session header as
 * the first line (when `header`), an `eventCount` other than the largest seq + 1, index
 * checkpoints other than the log's checkpoint lines in log order with the offsets where those
 * lines start, and whatever `verify()` reports. Resolves to `{ lines, index, problems }`, `lines`
 * being `{ offset, event }` for every line that parses.
 */
async function auditSession(eventFile, indexFile, { header = true } = {}) {
  const problems = []
  const log = fs.readFileSync(eventFile)
  const lines = []
  const unparsed = []
  for (let offset = 0; offset < log.length; ) {
    const end = log.indexOf(10, offset)
    const text = log.subarray(offset, end === -1 ? log.length : end).toString('utf8')
    if (end === -1) problems.push(`the log does not end with a newline: its last ${log.length - offset} bytes are ${clip(text)}`)
    else {
      try {
        lines.push({ offset, event: JSON.parse(text) })
      } catch {
        unparsed.push(`byte ${offset}: ${clip(text)}`)
      }
    }
    offset = end === -1 ? log.length : end + 1
  }
  if (unparsed.length > 0) problems.push(`${unparsed.length} log lines do not parse, the first at ${unparsed[0]}`)

  const headers = lines.filter(({ event }) => event && event.type === 'session')
  if (header && (headers.length !== 1 || lines[0] !== headers[0])) {
    problems.push(`the log has ${headers.length} session headers, ${lines.length > 0 && lines[0] === headers[0] ? 'one' : 'none'} of them its first line`)
  }

  let index = null
  try {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8'))
  } catch (err) {
    problems.push(`the index cannot be read: ${err.message}`)
  }
  if (index) {
    let largest = -Infinity
    for (const { event } of lines) if (event && typeof event.seq === 'number' && event.seq > largest) largest = event.seq
    if (index.eventCount !== largest + 1) problems.push(`eventCount is ${JSON.stringify(index.eventCount)}, the log's largest seq is ${largest}`)

    const describe = (entry) => JSON.stringify(entry && { seq: entry.seq, stateId: entry.stateId, byteOffset: entry.byteOffset })
    const inLog = lines.filter(({ event }) => event && event.type === 'checkpoint').map(({ offset, event }) => ({ seq: event.seq, stateId: event.stateId, byteOffset: offset }))
    const listed = Array.isArray(index.checkpoints) ? index.checkpoints : []
    const first = Array.from({ length: Math.max(inLog.length, listed.length) }, (_, i) => i).find((i) => describe(listed[i]) !== describe(inLog[i]))
    if (first !== undefined) {
      problems.push(
        `the index lists ${listed.length} checkpoints, the log holds ${inLog.length}; the first difference is #${first}: index ${describe(listed[first])}, log ${describe(inLog[first])}`,
      )
    }
  }

  try {
    const verified = await verify(eventFile, indexFile)
    if (!verified.ok) problems.push(`verify(): ${verified.problems.join('; ')}`)
  } catch (err) {
    problems.push(`verify() rejected: ${err.code} ${err.message}`)
  }
  return { lines, index, problems }
}

/** Resolves when `proc` has exited, to `{ code, signal }`. */
function exited(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode })
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
}

/**
 * Runs `node file ...args` and resolves to the JSON of the first line it prints, once the child
 * is killed and gone: a child whose call hangs in the file system (a FIFO) may never exit by
 * itself. Resolves to `{ hung: ms, stderr }` when nothing is printed within `timeoutMs`.
 */
function probeInChild(file, args = [], { timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const gone = exited(proc)
    let out = ''
    let err = ''
    let done = false
    const finish = (result) => {
      if (done) return
      done = true
      clearTimeout(timer)
      proc.kill('SIGKILL')
      gone.then(() => resolve(result))
    }
    const timer = setTimeout(() => finish({ hung: timeoutMs, stderr: err }), timeoutMs)
    proc.stdout.on('data', (chunk) => {
      out += chunk
      const end = out.indexOf('\n')
      if (end === -1) return
      try {
        finish(JSON.parse(out.slice(0, end)))
      } catch (parseError) {
        finish({ unreadable: out.slice(0, end), stderr: err })
      }
    })
    proc.stderr.on('data', (chunk) => (err += chunk))
    proc.on('error', reject)
    proc.on('exit', (code, signal) => finish({ exited: code, signal, stdout: out, stderr: err }))
  })
}

module.exports = { tempSession, logLines, readOrNull, writeLog, random, auditSession, exited, probeInChild, errnoOf }

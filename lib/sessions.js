'use strict'
// One session per log per process. Writers in this process on the same log and index (through
// any path or link to them) share one native session: one queue, so their calls land in call
// order; one lock against other processes; one index. The session stays open while any of its
// writers is; the last `close()`, or the garbage collection of the last writer, or the end of
// the process closes it, which releases the lock and removes the files made beside the log and
// the index. So a writer made per save, or a server restarted in the same process without
// closing its old writers, works as with the original module, which holds nothing.

const { NativeWriter } = require('./native')
const { writeSync } = require('node:fs')
const { callNative, toCallerError, messageOf } = require('./errors')
const { TicketQueue } = require('./ticket-queue')

/** Open sessions by their key; each `{ key, native, queue, writers, index }`. */
const sessions = new Map()
process.on('exit', closeAll)
/** Lets a session go when a writer that was never closed is collected. */
const collected = new FinalizationRegistry((key) =>
  release(key).catch(() => {
    // No one is left to tell; the next writer of the session recovers it.
  }),
)

/**
 * The session of `eventFile` and `indexFile` for `writer`, opened if needed; `writer` counts as
 * one of its users until `release` (or until it is collected). `files` are the files the two
 * paths name (`requireTwoFiles`), which tell sessions apart. A session is opened once per
 * durability mode: a writer asking for another mode than an open session's gets a session of
 * its own, which the first one's lock then refuses.
 */
function acquire(writer, eventFile, indexFile, durability, files) {
  const key = [files.eventFile, files.indexFile, durability].join('\0')
  let session = sessions.get(key)
  if (!session) {
    const native = callNative(() => new NativeWriter(eventFile, indexFile, durability))
    session = { key, native, queue: new TicketQueue(native), writers: 0, index: null }
    sessions.set(key, session)
  }
  session.writers++
  collected.register(writer, key, writer)
  return session
}

/**
 * The session's index as of its last completed change, parsed once per change: the same object
 * until the index changes. Never waits for a change being stored, but the first time.
 */
function cachedIndex(session) {
  const version = callNative(() => session.native.indexVersion())
  if (session.index === null || session.index.version !== version) {
    const { version: shown, json } = callNative(() => session.native.indexSnapshot())
    session.index = { version: shown, value: json == null ? null : JSON.parse(json) }
  }
  return session.index.value
}

/**
 * `writer` no longer uses the session `key`; when it was the last, the session is closed once
 * every call made before is stored. Resolves then.
 */
function release(key, writer) {
  if (writer) collected.unregister(writer)
  const session = sessions.get(key)
  if (!session) return Promise.resolve()
  session.writers--
  return session.queue.idle().then(() => {
    // A writer that came in meanwhile keeps the session open.
    if (session.writers === 0 && sessions.get(key) === session) {
      sessions.delete(key)
      callNative(() => session.native.close())
    }
  })
}

/** `release` for exit paths: stores what is queued and closes the session now, if it was the last. */
function releaseSync(key, writer) {
  collected.unregister(writer)
  const session = sessions.get(key)
  if (!session) return
  session.queue.flushSync()
  if (--session.writers === 0) {
    sessions.delete(key)
    callNative(() => session.native.close())
  }
}

/**
 * At the end of the process (`process.exit()`, the end of the event loop, an uncaught exception:
 * Node's `exit` event), every session still open stores every call already made and closes:
 * a drain in progress on libuv's pool is waited for, what is still queued is stored on this
 * thread, then the session's lock is released and the files made beside it are removed. A call
 * that fails then is said on stderr, the only place left to say it.
 */
function closeAll() {
  for (const { native } of sessions.values()) {
    try {
      for (const { failure } of native.drainSync().failures) reportAtExit(toCallerError(failure))
      native.close()
    } catch (err) {
      reportAtExit(err)
    }
  }
  sessions.clear()
}

/** Says on stderr that a call could not be stored at exit, and why; never throws. */
function reportAtExit(err) {
  try {
    writeSync(2, `incremental-writer: a call could not be stored at exit: ${messageOf(err)}\n`)
  } catch {
    // stderr is closed: nothing is left to tell
  }
}

module.exports = { acquire, release, releaseSync, cachedIndex }

'use strict'
// What wakes a follower when its log may have changed: Node's `fs.watch` on the log (inotify on
// Linux, kqueue on macOS, ReadDirectoryChangesW on Windows), with a slow poll beside it for file
// systems whose notifications do not arrive (network mounts), or a poll alone where `fs.watch`
// is not available or not wanted.

const { watch } = require('node:fs')
const { nodeError } = require('./errors')

/** How often the log is looked at when it cannot be watched (or `watch: false`), in ms. */
const POLL_MS = 100
/** How often a watched log is looked at anyway, in case a notification never comes, in ms. */
const SAFETY_POLL_MS = 1000

/**
 * Wakes for changes of one file. `next()` resolves at the next change (or poll) after the last
 * `clear()`, at once if one came since; a change that comes while the follower reads is not lost.
 */
class LogChanges {
  #watcher = null
  #timer = null
  #pending = true
  #wake = null
  #pollMs

  /** Watches `file`; with `watch: false`, or when it cannot be watched, polls every `pollMs`. */
  constructor(file, { watch: useWatch = true, pollMs = POLL_MS } = {}) {
    this.#pollMs = pollMs
    if (useWatch) {
      try {
        this.#watcher = watch(file, { persistent: true }, () => this.#changed())
        this.#watcher.on('error', () => this.#stopWatching())
      } catch {
        // Not watchable here (no inotify watches left, an unsupported file system): poll.
        this.#watcher = null
      }
    }
    this.#timer = setInterval(() => this.#changed(), this.#watcher ? SAFETY_POLL_MS : this.#pollMs)
  }

  /** Forgets the changes seen so far: the next `next()` waits for a new one. */
  clear() {
    this.#pending = false
  }

  /** Resolves at the next change; rejects with an `AbortError` when `signal` aborts first. */
  next(signal) {
    if (signal && signal.aborted) return Promise.reject(abortError(signal))
    if (this.#pending) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#wake = null
        reject(abortError(signal))
      }
      if (signal) signal.addEventListener('abort', onAbort, { once: true })
      this.#wake = () => {
        if (signal) signal.removeEventListener('abort', onAbort)
        resolve()
      }
    })
  }

  /** Stops watching and polling. */
  close() {
    if (this.#watcher) this.#watcher.close()
    this.#watcher = null
    clearInterval(this.#timer)
    this.#wake = null
  }

  #changed() {
    this.#pending = true
    const wake = this.#wake
    this.#wake = null
    if (wake) wake()
  }

  #stopWatching() {
    if (!this.#watcher) return
    this.#watcher.close()
    this.#watcher = null
    clearInterval(this.#timer)
    this.#timer = setInterval(() => this.#changed(), this.#pollMs)
  }
}

/** The error Node's own APIs reject with when their `signal` aborts. */
function abortError(signal) {
  return nodeError(Error, 'ABORT_ERR', 'The operation was aborted', { cause: signal.reason, name: 'AbortError' })
}

module.exports = { LogChanges, abortError }

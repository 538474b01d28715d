'use strict'
// Errors as Node's own APIs make them: a TypeError, RangeError or Error with a `code` (and
// `index`, `path`, `cause` where they apply), created in the caller's realm so that
// `instanceof` holds under Jest too; system errors shaped like those of `fs`.

const { getSystemErrorMap, inspect } = require('node:util')

/** A Node-style error: a `Type` with `code` and `fields`, whose `cause` becomes the error's cause. */
function nodeError(Type, code, message, { cause, ...fields } = {}) {
  const err = cause === undefined ? new Type(message) : new Type(message, { cause })
  return Object.assign(err, { code }, fields)
}

function typeError(code, message, cause) {
  return nodeError(TypeError, code, message, { cause })
}

function invalidEvent(index, what, cause) {
  return nodeError(TypeError, 'ERR_INVALID_EVENT', `events[${index}] ${what}`, { cause, index })
}

function closedError() {
  return nodeError(Error, 'ERR_WRITER_CLOSED', 'The writer is closed')
}

/**
 * Turns the native side's failure record into a Node-style error of this realm. A failed
 * file-system call the OS gave no errno for (the record has no code either) is ERR_IO: the one
 * place that rule is kept.
 */
function toCallerError(failure) {
  if (failure.errno != null) return systemError(failure)
  const err = failure.kind === 'TypeError' ? new TypeError(failure.message) : new Error(failure.message)
  err.code = failure.code || 'ERR_IO'
  for (const field of ['index', 'syscall', 'path']) if (failure[field] != null) err[field] = failure[field]
  return err
}

/**
 * An error shaped like those of `fs`: `ENOENT: no such file or directory, open '/x'`, followed by
 * what to do about it when the native side knows (`; the directory '/d' must be writable: ...`).
 */
function systemError({ errno, syscall, path, advice }) {
  const [code, description] = getSystemErrorMap().get(-errno) || ['UNKNOWN', `unknown error ${errno}`]
  const err = new Error(`${code}: ${description}, ${syscall} '${path}'${advice ? `; ${advice}` : ''}`)
  Object.assign(err, { errno: -errno, code, syscall, path })
  return err
}

/** `call()` on the binding; what it throws (a broken writer: never expected) is ERR_INTERNAL. */
function callNative(call) {
  try {
    return call()
  } catch (err) {
    throw internalError(err)
  }
}

/** Awaits a native task; its rejection (a panic caught in native code) is ERR_INTERNAL. */
async function callNativeTask(start) {
  try {
    return await start()
  } catch (err) {
    throw internalError(err)
  }
}

function internalError(err) {
  return nodeError(Error, 'ERR_INTERNAL', messageOf(err))
}

/** A value as Node's messages name it (`an instance of Map`, `type string ('x')`). Never throws. */
function describe(value) {
  try {
    if (value === null) return 'null'
    if (Array.isArray(value)) return 'an array'
    if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
    if (typeof value === 'object') return `an instance of ${(value.constructor && value.constructor.name) || 'Object'}`
    const shown = inspect(value)
    return `type ${typeof value} (${shown.length > 128 ? `${shown.slice(0, 125)}...` : shown})`
  } catch {
    // a revoked Proxy, or a throwing trap or getter
    return 'a value that cannot be inspected'
  }
}

/** What a thrown value says: its `message`, or else what it is. Never throws. */
function messageOf(thrown) {
  try {
    const { message } = thrown
    if (typeof message === 'string') return message
  } catch {
    // null or undefined, or a `message` getter that throws: say what was thrown instead
  }
  return `it threw ${describe(thrown)}`
}

module.exports = { nodeError, typeError, invalidEvent, closedError, toCallerError, callNative, callNativeTask, internalError, describe, messageOf }

'use strict'
// Events to JSON lines: V8's own JSON.stringify writes each line, so every line is exactly
// `JSON.stringify(event) + "\n"`, and a failure names the event that caused it.

const { MAX_STRING_LENGTH } = require('node:buffer').constants
const { nodeError, typeError, invalidEvent, describe, messageOf } = require('./errors')
const { readArgument } = require('./arguments')

/**
 * Every event's exact JSON line, joined; throws a TypeError naming the first bad event, or a
 * RangeError (ERR_STRING_TOO_LONG) naming the event at which the batch outgrows a string. An
 * event whose own JSON is too long is a bad event: JSON.stringify's RangeError is its cause.
 */
function serializeEvents(events) {
  const length = readArgument('The "events" argument', () => (Array.isArray(events) ? events.length : -1))
  if (length === -1) {
    throw typeError('ERR_INVALID_ARG_TYPE', `The "events" argument must be an array. Received ${describe(events)}`)
  }
  let batch = ''
  for (let i = 0; i < length; i++) {
    let event
    try {
      event = events[i]
    } catch (cause) {
      throw invalidEvent(i, `cannot be read: ${messageOf(cause)}`, cause)
    }
    if (typeof event !== 'object' || event === null) {
      throw invalidEvent(i, `must be an object. Received ${describe(event)}`)
    }
    let line
    try {
      line = JSON.stringify(event)
    } catch (cause) {
      throw invalidEvent(i, `cannot be serialized to JSON: ${messageOf(cause)}`, cause)
    }
    if (line === undefined) throw invalidEvent(i, 'serializes to nothing (its toJSON returned undefined)')
    try {
      batch += line + '\n'
    } catch (cause) {
      const what = `events[${i}] makes the batch's JSON longer than a string can be (0x${MAX_STRING_LENGTH.toString(16)} characters); split the batch`
      throw nodeError(RangeError, 'ERR_STRING_TOO_LONG', what, { cause, index: i })
    }
  }
  return batch
}

module.exports = { serializeEvents }

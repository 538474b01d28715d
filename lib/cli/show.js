'use strict'
// `incremental-writer show`: a session's events for people, one line each (seq, time, type and
// a short summary, checkpoints marked), or the log's lines themselves with `--json`.

const { painterFor } = require('./style')

/** The colors of each event type at a terminal. */
const TYPE_STYLES = { session: 'dim', input: 'cyan', output: 'green', error: 'red', llm_req: 'magenta', llm_resp: 'magenta', checkpoint: 'yellow' }
/** Width of the type column. */
const TYPE_WIDTH = 10

/**
 * Writes each `{ line, event }` of `entries` to `stream` (a line of text each, or the line
 * itself with `json`), as they come; resolves when `entries` ends. `states` are the index's
 * recorded states, to mark checkpoints whose state is recorded.
 */
async function printEvents(entries, stream, { json = false, states = {} } = {}) {
  const paint = painterFor(stream)
  const width = Math.max(60, stream.columns || 120)
  for await (const { line, event } of entries) {
    const text = json ? line : describeEvent(event, { paint, width, states })
    if (!stream.write(`${text}\n`)) await new Promise((resolve) => stream.once('drain', resolve))
  }
}

/** One line for `event`: `*` for a checkpoint, seq, time of day (UTC), type, and a summary cut to `width`. */
function describeEvent(event, { paint, width, states }) {
  const checkpoint = event.type === 'checkpoint'
  const mark = checkpoint ? paint('yellow', '*') : ' '
  const seq = (typeof event.seq === 'number' ? String(event.seq) : '-').padStart(6)
  const time = timeOf(event).padEnd(12)
  const type = event.type.length > TYPE_WIDTH ? event.type : event.type.padEnd(TYPE_WIDTH)
  const head = `${mark} ${seq}  ${time}  `
  const room = Math.max(10, width - head.length - type.length - 2)
  const summary = clip(summarize(event, states), room)
  const styled = checkpoint ? paint('bold', summary) : summary
  return `${head}${paint(TYPE_STYLES[event.type], type)}  ${styled}`
}

/** The event's time of day, UTC (`HH:MM:SS.mmm`), from `timestamp`, `ts` or `created`; `-` when it has none. */
function timeOf(event) {
  const date = eventTime(event)
  return date ? date.toISOString().slice(11, 23) : '-'
}

/** When the event happened, from `timestamp` (ISO text or epoch ms), `ts` (epoch ms) or a header's `created`; `null` when it does not say. */
function eventTime(event) {
  for (const value of [event.timestamp, event.ts, event.created]) {
    if (typeof value !== 'string' && typeof value !== 'number') continue
    const date = new Date(value)
    if (!Number.isNaN(date.getTime())) return date
  }
  return null
}

/** What the event says, on one line. */
function summarize(event, states) {
  switch (event.type) {
    case 'session':
      return `session ${oneLine(event.id)}, version ${event.version}, created ${event.created}`
    case 'input':
      return oneLine(event.code)
    case 'output':
      return oneLine(event.value)
    case 'error':
      return oneLine(event.message)
    case 'llm_req':
      return `${oneLine(event.prompt)}  [${oneLine(event.receiptKey)}]`
    case 'llm_resp':
      return `${oneLine(event.response)}  [${oneLine(event.receiptKey)}]`
    case 'checkpoint': {
      const recorded = typeof event.stateId === 'string' && Object.hasOwn(states, event.stateId)
      return `${oneLine(event.reason)}, state ${oneLine(event.stateId)}${recorded ? ' (recorded)' : ''}`
    }
    default: {
      const { type, seq, ...rest } = event
      return JSON.stringify(rest)
    }
  }
}

/** A value on one line: a string as it is with its line breaks escaped, anything else as JSON. */
function oneLine(value) {
  if (typeof value === 'string') return value.replace(/\r?\n|\r/g, '\\n')
  return value === undefined ? '-' : String(JSON.stringify(value))
}

function clip(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text
}

module.exports = { printEvents, eventTime }

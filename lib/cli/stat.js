'use strict'
// `incremental-writer stat`: a session in one screen: its events by type, its checkpoints (with
// and without a recorded state), the files' sizes, and the times of its first and last events.

const { stat } = require('node:fs/promises')
const { entriesOf } = require('../session-reader')
const { eventTime } = require('./show')
const { painterFor } = require('./style')

/**
 * What the session of `reader` holds: `{ events, headers, byType, seqs, times, log, index }`,
 * from one reading of the log and its index (`index: null` when it has none).
 */
async function sessionStats(reader, eventFile, indexFile) {
  const stats = { events: 0, headers: 0, byType: new Map(), seqs: null, times: null, checkpoints: [], logBytes: (await stat(eventFile)).size }
  for await (const { event } of entriesOf(reader)) {
    if (event.type === 'session') {
      stats.headers++
      continue
    }
    stats.events++
    stats.byType.set(event.type, (stats.byType.get(event.type) || 0) + 1)
    if (typeof event.seq === 'number' && Number.isFinite(event.seq)) stats.seqs = widen(stats.seqs, event.seq)
    const time = eventTime(event)
    if (time) stats.times = widen(stats.times, time.getTime())
    if (event.type === 'checkpoint') stats.checkpoints.push(event)
  }
  stats.index = await reader.index().catch((err) => ({ problem: err.code === 'ENOENT' ? 'no index file' : err.message }))
  stats.indexBytes = stats.index.problem ? null : (await stat(indexFile)).size
  return stats
}

/** The range `range` (`[low, high]` or null) widened to hold `value`. */
function widen(range, value) {
  return range ? [Math.min(range[0], value), Math.max(range[1], value)] : [value, value]
}

/** The lines `stat` prints for `stats`, painted for `stream`. */
function formatStats(eventFile, stats, stream) {
  const paint = painterFor(stream)
  const row = (name, text) => `  ${paint('bold', name.padEnd(12))} ${text}`
  const types = [...stats.byType].sort((a, b) => b[1] - a[1]).map(([type, count]) => `${type} ${count}`)
  const seqs = stats.seqs ? ` (seq ${stats.seqs[0]} to ${stats.seqs[1]})` : ''
  const headers = stats.headers === 1 ? ' after the session header' : `, ${stats.headers} session header lines`
  const lines = [paint('bold', eventFile), row('events', `${stats.events}${seqs}${headers}${types.length ? `: ${types.join(', ')}` : ''}`)]
  const { index } = stats
  if (index.problem) {
    lines.push(row('checkpoints', `${stats.checkpoints.length} in the log; ${index.problem}, so no state is known`))
  } else {
    const states = index.states && typeof index.states === 'object' ? index.states : {}
    const recorded = index.checkpoints.filter((entry) => typeof entry.stateId === 'string' && Object.hasOwn(states, entry.stateId)).length
    const last = index.checkpoints[index.checkpoints.length - 1]
    const lastText = last ? `; the last at seq ${last.seq} (${last.reason}), byte ${last.byteOffset}` : ''
    lines.push(row('checkpoints', `${index.checkpoints.length}: ${recorded} with its state recorded, ${index.checkpoints.length - recorded} without${lastText}`))
  }
  const indexText = index.problem ? index.problem : `index ${bytes(stats.indexBytes)} (eventCount ${index.eventCount})`
  lines.push(row('size', `log ${bytes(stats.logBytes)}; ${indexText}`))
  const time = (ms) => (ms === undefined ? '-' : new Date(ms).toISOString())
  lines.push(row('first event', time(stats.times?.[0])), row('last event', time(stats.times?.[1])))
  return lines
}

function bytes(count) {
  return `${count.toLocaleString('en-US')} bytes`
}

module.exports = { sessionStats, formatStats }

'use strict'
// What the power-loss suite checks after each cut: the session is reopened by a new writer that
// appends once (the probe), and then its files are read the way the server reads them.

const fs = require('node:fs')
const { IncrementalWriter } = require('../..')
const { auditSession } = require('../helpers')
const { callsThrough } = require('./batches')

const PROBE_REASON = 'power-loss-probe'

/** The start of a text, for messages. */
function clip(text, length = 60) {
  return JSON.stringify(text.length > length ? `${text.slice(0, length)}...` : text)
}

/**
 * Reopens the session with a new writer under `durability` and appends the probe: a checkpoint
 * and an input whose seqs continue from the index's `eventCount` as the reopened writer holds it
 * (its first call, recording a state, opens the session). Resolves to `{ seq }`, the probe's
 * first seq, or `{ error }` when the session does not open or take the call.
 */
async function probe(eventFile, indexFile, durability, round) {
  const writer = new IncrementalWriter(eventFile, indexFile, { durability })
  try {
    await writer.recordState(`probe-${round}`, { round })
    const seq = writer.getCachedIndex().eventCount
    await writer.appendEvents([
      { type: 'checkpoint', seq, reason: PROBE_REASON, stateId: `probe-${round}` },
      { type: 'input', seq: seq + 1, code: '(probe)', timestamp: '2026-01-01T00:00:00.000Z' },
    ])
    return { seq }
  } catch (error) {
    return { error }
  } finally {
    await writer.close().catch(() => {})
  }
}

/**
 * The log's lines as the server's loader reads them (`readline`, `JSON.parse` on every
 * non-blank line): `{ events: [{ offset, event }], bad: [message] }`.
 */
function loadAsTheServer(eventFile) {
  const text = fs.existsSync(eventFile) ? fs.readFileSync(eventFile, 'latin1') : ''
  const events = []
  const bad = []
  let offset = 0
  for (const raw of text.split('\n')) {
    const line = Buffer.from(raw, 'latin1').toString('utf8').replace(/\r$/, '')
    if (line.trim() !== '') {
      try {
        events.push({ offset, event: JSON.parse(line) })
      } catch {
        bad.push(`byte ${offset}: ${clip(line)}`)
      }
    }
    offset += raw.length + 1
  }
  return { events, bad }
}

/**
 * Checks a session after a cut and the probe. `round` is what the killed writer did:
 * `{ firstSeq, acked: [{ first, size }] }`; `probed` is what `probe` resolved to. Resolves to
 * `{ lost, partial, headerless, failures }`: the acknowledged events missing, the calls not
 * acknowledged that are in the log in part, whether the log lacks its header line, and each
 * broken promise of `durability` as `{ check, message }` (check: `reopen`, `bad line`,
 * `seq gap`, `lost event`, `partial batch`, `index`).
 */
async function checkSession({ eventFile, indexFile, durability, round, probed }) {
  const failures = []
  const fail = (check, message) => failures.push({ check, message })
  if (probed.error) fail('reopen', `the session does not open: ${probed.error.code} ${probed.error.message}`)

  const { events, bad } = loadAsTheServer(eventFile)
  if (bad.length > 0) fail('bad line', `${bad.length} lines the server's loader cannot parse, the first at ${bad[0]}`)
  const headerless = events.length > 0 && events[0].event.type !== 'session'

  const present = new Set()
  let previous = null
  let lastBeforeProbe = -Infinity
  for (const { offset, event } of events) {
    if (typeof event.seq !== 'number') continue
    if (previous !== null && event.seq <= previous) fail('seq gap', `seq ${event.seq} follows seq ${previous} at byte ${offset}`)
    previous = event.seq
    present.add(event.seq)
    if (event.reason !== PROBE_REASON && !(probed.seq !== undefined && event.seq === probed.seq + 1)) {
      lastBeforeProbe = Math.max(lastBeforeProbe, event.seq)
    }
  }
  if (probed.seq !== undefined) {
    const expected = lastBeforeProbe === -Infinity ? 0 : lastBeforeProbe + 1
    if (probed.seq !== expected) {
      fail('seq gap', `the log's last seq before the reopened writer's call is ${lastBeforeProbe}, its index's eventCount gave that call seq ${probed.seq}`)
    }
  }

  // The probe's seqs follow the log's last: they may fall in the range of a call cut short.
  const isProbe = (seq) => probed.seq !== undefined && seq >= probed.seq
  let lost = 0
  let firstLost = null
  for (const call of round.acked) {
    for (let seq = call.first; seq < call.first + call.size; seq++) {
      if (!present.has(seq) || isProbe(seq)) {
        lost++
        firstLost ??= { seq, call }
      }
    }
  }
  if (lost > 0 && durability !== 'none') {
    const { seq, call } = firstLost
    fail('lost event', `${lost} of the acknowledged events are missing, the first seq ${seq} (call ${call.first}..${call.first + call.size - 1})`)
  }

  const acked = new Set(round.acked.map((call) => call.first))
  const roundSeqs = [...present].filter((seq) => seq >= round.firstSeq && !isProbe(seq))
  const partial = []
  if (roundSeqs.length > 0) {
    for (const call of callsThrough(round.firstSeq, Math.max(...roundSeqs))) {
      if (acked.has(call.first)) continue
      let stored = 0
      for (let seq = call.first; seq < call.first + call.size; seq++) stored += present.has(seq) && !isProbe(seq) ? 1 : 0
      if (stored > 0 && stored < call.size) partial.push({ ...call, stored })
    }
  }
  if (partial.length > 0 && durability === 'full') {
    const [{ first, size, stored }] = partial
    fail('partial batch', `${partial.length} calls that had not resolved are in the log in part, the first: call ${first}..${first + size - 1} has ${stored} of its ${size} events`)
  }

  if (fs.existsSync(eventFile)) {
    const { problems } = await auditSession(eventFile, indexFile, { header: false })
    // Lines that do not parse are the loader's finding, above.
    for (const problem of problems.filter((problem) => !/do not parse|does not end with a newline/.test(problem))) fail('index', problem)
  }
  return { lost, partial: partial.length, headerless, failures }
}

module.exports = { probe, checkSession, loadAsTheServer, PROBE_REASON }

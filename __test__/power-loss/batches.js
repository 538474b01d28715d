'use strict'
// The calls the power-loss writer makes, as a function of their first seq, so that the suite can
// tell from the seqs alone which call an event belongs to: a call starting at seq `first` holds
// `callSize(first)` events (1 to 40) with consecutive seqs, and the next call starts right after.

/** How many events the call starting at `first` holds: 1 to 40, spread by a hash of `first`. */
function callSize(first) {
  let h = Math.imul(first ^ 0x5bd1e995, 0x27d4eb2d) >>> 0
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0
  return 1 + (((h ^ (h >>> 13)) >>> 0) % 40)
}

/** The events of the call starting at `first`: inputs, LLM responses of a few hundred bytes, about 200 bytes a line on average, so that a call often spans pages, checkpoints. */
function callEvents(first) {
  const events = []
  for (let seq = first; seq < first + callSize(first); seq++) {
    if (seq % 9 === 0) events.push({ type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` })
    else if (seq % 9 === 1) events.push({ type: 'llm_resp', seq, response: 'é'.repeat(100 + ((seq * 53) % 300)), receiptKey: `r${seq}` })
    else events.push({ type: 'input', seq, code: `(+ ${seq} ${'1 '.repeat(20 + ((seq * 37) % 100))})`, timestamp: '2026-01-01T00:00:00.000Z' })
  }
  return events
}

/** The calls (`{ first, size }`) made from seq `first` on, up to the one holding seq `last`. */
function callsThrough(first, last) {
  const calls = []
  for (let seq = first; seq <= last; seq += callSize(seq)) calls.push({ first: seq, size: callSize(seq) })
  return calls
}

module.exports = { callSize, callEvents, callsThrough }

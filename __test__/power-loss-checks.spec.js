'use strict'
// The power-loss suite's checks (__test__/power-loss/checks.js) each find what they look for:
// sessions written by hand with one defect each, as a cut and a reopening could leave them.

const fs = require('node:fs')
const { repair } = require('incremental-writer')
const { tempSession, writeLog } = require('./helpers')
const { callEvents, callSize } = require('./power-loss/batches')
const { checkSession, PROBE_REASON } = require('./power-loss/checks')

/** The events of `calls` calls from seq 0, then the probe's two events. */
function sessionEvents(calls) {
  const events = []
  let seq = 0
  for (let i = 0; i < calls; i++, seq += callSize(seq)) events.push(...callEvents(seq))
  const probe = [
    { type: 'checkpoint', seq, reason: PROBE_REASON, stateId: 'probe-0' },
    { type: 'input', seq: seq + 1, code: '(probe)', timestamp: '2026-01-01T00:00:00.000Z' },
  ]
  return { events, probe, probeSeq: seq }
}

/** The calls from seq 0 as the child would acknowledge them. */
function ackedCalls(calls) {
  const acked = []
  for (let i = 0, seq = 0; i < calls; i++, seq += callSize(seq)) acked.push({ first: seq, size: callSize(seq) })
  return acked
}

/** Writes `events` as a session with an index that agrees, and checks it under `durability`. */
async function check(events, { acked, probeSeq, durability = 'full', damage = () => {} }) {
  const session = tempSession()
  try {
    writeLog(session.eventFile, events)
    await repair(session.eventFile, session.indexFile)
    damage(session)
    return await checkSession({ ...session, durability, round: { firstSeq: 0, acked }, probed: { seq: probeSeq } })
  } finally {
    session.remove()
  }
}

const checksFailed = (found) => found.failures.map((failure) => failure.check)

it('finds nothing wrong with a session that kept every call and continues it', async () => {
  const { events, probe, probeSeq } = sessionEvents(4)
  const found = await check([...events, ...probe], { acked: ackedCalls(4), probeSeq })
  expect(found).toEqual({ lost: 0, partial: 0, headerless: false, failures: [] })
})

it('finds an acknowledged event missing', async () => {
  const { events, probe, probeSeq } = sessionEvents(4)
  const found = await check([...events.filter((event) => event.seq !== 3), ...probe], { acked: ackedCalls(4), probeSeq })
  expect(found.lost).toBe(1)
  expect(found.failures).toContainEqual({ check: 'lost event', message: expect.stringContaining('the first seq 3') })
})

it('counts lost events under none without failing the session for them', async () => {
  const { events, probe, probeSeq } = sessionEvents(4)
  const found = await check([...events.filter((event) => event.seq !== 3), ...probe], { acked: ackedCalls(4), probeSeq, durability: 'none' })
  expect(found.lost).toBe(1)
  expect(checksFailed(found)).not.toContain('lost event')
})

it('finds a call that had not resolved stored in part', async () => {
  const { events } = sessionEvents(4)
  const last = ackedCalls(4)[3]
  expect(last.size).toBeGreaterThan(1)
  const kept = events.filter((event) => event.seq <= last.first)
  const probe = sessionEvents(0).probe.map((event, i) => ({ ...event, seq: last.first + 1 + i }))
  const found = await check([...kept, ...probe], { acked: ackedCalls(3), probeSeq: last.first + 1 })
  expect(found.partial).toBe(1)
  expect(found.failures).toContainEqual({ check: 'partial batch', message: expect.stringContaining(`has 1 of its ${last.size} events`) })
})

it('finds a line the server cannot load', async () => {
  const { events, probe, probeSeq } = sessionEvents(2)
  const found = await check([...events, ...probe], {
    acked: ackedCalls(2),
    probeSeq,
    damage: (session) => fs.appendFileSync(session.eventFile, '\0'.repeat(100) + '\n'),
  })
  expect(found.failures).toContainEqual({ check: 'bad line', message: expect.stringMatching(/^1 lines the server's loader cannot parse/) })
})

it('finds seq numbers that do not continue', async () => {
  const { events, probe, probeSeq } = sessionEvents(2)
  const gap = probe.map((event) => ({ ...event, seq: event.seq + 10 }))
  const found = await check([...events, ...gap], { acked: ackedCalls(2), probeSeq: probeSeq + 10 })
  expect(found.failures).toContainEqual({ check: 'seq gap', message: `the log's last seq before the reopened writer's call is ${probeSeq - 1}, its index's eventCount gave that call seq ${probeSeq + 10}` })
})

it('finds an index that disagrees with the log', async () => {
  const { events, probe, probeSeq } = sessionEvents(2)
  const found = await check([...events, ...probe], {
    acked: ackedCalls(2),
    probeSeq,
    damage: (session) => {
      const index = JSON.parse(fs.readFileSync(session.indexFile, 'utf8'))
      index.checkpoints[0].byteOffset += 1
      fs.writeFileSync(session.indexFile, JSON.stringify(index, null, 2))
    },
  })
  expect(checksFailed(found)).toContain('index')
})

it('notes a log without its session header', async () => {
  const { events, probe, probeSeq } = sessionEvents(1)
  const dropHeader = (session) => {
    const text = fs.readFileSync(session.eventFile, 'utf8')
    fs.writeFileSync(session.eventFile, text.slice(text.indexOf('\n') + 1))
  }
  const found = await check([...events, ...probe], { acked: ackedCalls(1), probeSeq, damage: dropHeader })
  expect(found.headerless).toBe(true)
})

#!/usr/bin/env node
// One benchmark scenario with one writer, in a process of its own so that its peak RSS is its
// own. Prints one JSON line: { wallPerEventUs, wallPerCallUs, mainPerCallUs, peakRssMb }.
// argv: writer (addon | original | careful | roundtrip) scenario dir; ROUNDS=n overrides the
// scenario's number of timed rounds.
'use strict'

const fs = require('node:fs')
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { IncrementalWriter } = require('..')
const { OriginalIncrementalWriter } = require('../__test__/oracle/original-writer')
const { CarefulJsWriter } = require('./baselines/careful-writer')
const { LibuvRoundTrip } = require('./baselines/round-trip')
const { SCENARIOS, serverEvent } = require('./scenarios')

const WRITERS = { addon: IncrementalWriter, original: OriginalIncrementalWriter, careful: CarefulJsWriter, roundtrip: LibuvRoundTrip }

/** A session whose index already holds `count` checkpoints, each pointing at its line. */
function seedSession(eventFile, indexFile, count) {
  const lines = [JSON.stringify({ type: 'session', version: 1, id: 's0', created: new Date(0).toISOString() })]
  const checkpoints = []
  let offset = Buffer.byteLength(lines[0]) + 1
  for (let seq = 0; seq < count; seq++) {
    const event = { type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` }
    const line = JSON.stringify(event)
    checkpoints.push({ seq, reason: event.reason, stateId: event.stateId, byteOffset: offset })
    lines.push(line)
    offset += Buffer.byteLength(line) + 1
  }
  fs.writeFileSync(eventFile, lines.join('\n') + '\n')
  fs.writeFileSync(indexFile, JSON.stringify({ sessionId: 's0', eventCount: count, checkpoints, states: {}, receipts: {} }, null, 2))
}

async function main([writerName, scenarioName, dir]) {
  const Writer = WRITERS[writerName]
  const scenario = { ...SCENARIOS[scenarioName] }
  scenario.rounds = Number(process.env.ROUNDS) || scenario.rounds
  const writers = Array.from({ length: scenario.sessions }, (_, i) => {
    const eventFile = path.join(dir, `s${i}.jsonl`)
    const indexFile = path.join(dir, `s${i}.index.json`)
    if (scenario.seedCheckpoints) seedSession(eventFile, indexFile, scenario.seedCheckpoints)
    return new Writer(eventFile, indexFile)
  })
  let seq = scenario.seedCheckpoints || 0
  const batch = () => Array.from({ length: scenario.eventsPerCall }, () => serverEvent(seq++))
  // Events are made before the clock starts, except where they would not fit in memory.
  const total = scenario.rounds * writers.length * scenario.eventsPerCall
  const made = total <= 100_000 ? Array.from({ length: scenario.rounds * writers.length }, batch) : null
  let next = 0
  const nextBatch = () => (made ? made[next++] : batch())
  // One call each first, untimed: loading an existing index is not what is measured.
  await Promise.all(writers.map((writer) => writer.appendEvents(batch())))

  // Seeding left garbage; collect it now rather than inside the measurement.
  global.gc()
  const before = performance.eventLoopUtilization()
  const start = process.hrtime.bigint()
  for (let round = 0; round < scenario.rounds; round++) {
    if (writers.length === 1) await writers[0].appendEvents(nextBatch())
    else await Promise.all(writers.map((writer) => writer.appendEvents(nextBatch())))
  }
  const wallUs = Number(process.hrtime.bigint() - start) / 1000
  const mainUs = performance.eventLoopUtilization(before).active * 1000
  const calls = scenario.rounds * writers.length
  for (const writer of writers) if (writer.close) await writer.close()
  const result = {
    wallPerEventUs: wallUs / (calls * scenario.eventsPerCall),
    wallPerCallUs: wallUs / calls,
    mainPerCallUs: mainUs / calls,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err)
  process.exit(1)
})

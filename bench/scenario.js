#!/usr/bin/env node
// One benchmark scenario with one writer, in a process of its own so that its peak RSS is its
// own. Prints one JSON line: { wallPerEventUs, wallPerCallUs, mainPerCallUs, peakRssMb }.
// argv: writer (addon | original | careful | roundtrip) scenario dir; ROUNDS=n overrides the
// scenario's number of timed rounds (BENCH_QUICK=1: a tenth of them).
'use strict'

const { QUICK, loadWriter, seedSession, serverEvent, sessionPaths, startClock } = require('./lib')
const { SCENARIOS } = require('./scenarios')

async function main([writerName, scenarioName, dir]) {
  const Writer = loadWriter(writerName)
  const scenario = { ...SCENARIOS[scenarioName] }
  scenario.rounds = Number(process.env.ROUNDS) || (QUICK ? Math.ceil(scenario.rounds / 10) : scenario.rounds)
  const writers = Array.from({ length: scenario.sessions }, (_, i) => {
    const { eventFile, indexFile } = sessionPaths(dir, `s${i}`)
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
  const stop = startClock()
  for (let round = 0; round < scenario.rounds; round++) {
    if (writers.length === 1) await writers[0].appendEvents(nextBatch())
    else await Promise.all(writers.map((writer) => writer.appendEvents(nextBatch())))
  }
  const { wallMs, mainMs } = stop()
  const calls = scenario.rounds * writers.length
  for (const writer of writers) if (writer.close) await writer.close()
  const result = {
    wallPerEventUs: (wallMs * 1000) / (calls * scenario.eventsPerCall),
    wallPerCallUs: (wallMs * 1000) / calls,
    mainPerCallUs: (mainMs * 1000) / calls,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err)
  process.exit(1)
})

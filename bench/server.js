#!/usr/bin/env node
// Server-shaped save rounds, for this addon, the original module and the careful JS writer.
// 100 sessions whose indexes already hold 1,000 checkpoints (files seeded directly) are saved
// 50 times as the server saves them, `await Promise.all(dirty.map((s) => writer(s).appendEvents(
// s.changes(), s.state())))`, over a dirty set of 10 to 100 sessions drawn anew each round with
// 1 to 20 events each: the server's kinds, 0.1 to 5 KB, about one in ten a checkpoint. One
// checkpoint in four gets a machine state of 10 to 100 KB: this addon records it with
// recordState after the appends (the README's migration); the other writers have no
// recordState, so the state is put into their index object before the call that carries its
// checkpoint, and that call writes it, as every later call of the session does.
// Measured per round: main-thread ms (event-loop utilization) and wall ms; over the rounds,
// the event loop's delay (monitorEventLoopDelay, 1 ms resolution, so about 1.1 ms when idle).
// Each writer runs in a fresh process; medians of the runs.
// `node bench/server.js` (RUNS=5, SERVER_SESSIONS=100, SERVER_ROUNDS=50,
// SERVER_CHECKPOINTS=1000, SERVER_SEED=13, SERVER_WRITERS=addon,original,careful;
// BENCH_QUICK=1: 20 sessions, 10 rounds, 200 checkpoints, 1 run)
'use strict'

const fs = require('node:fs')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const lib = require('./lib')

const SESSIONS = lib.sizeFromEnv('SERVER_SESSIONS', 100, 20)
const ROUNDS = lib.sizeFromEnv('SERVER_ROUNDS', 50, 10)
const SEED_CHECKPOINTS = lib.sizeFromEnv('SERVER_CHECKPOINTS', 1000, 200)
const SEED = lib.sizeFromEnv('SERVER_SEED', 13)
const RUNS = lib.sizeFromEnv('RUNS', 5, 1)
const WRITERS = lib.listFromEnv('SERVER_WRITERS', ['addon', 'original', 'careful'])
const DIRTY_MIN = Math.min(10, SESSIONS)
const MAX_EVENTS_PER_SAVE = 20
const STATE_SHARE = 0.25

const TITLE = `${lib.count(SESSIONS)} sessions with ${lib.count(SEED_CHECKPOINTS)}-checkpoint indexes, ${DIRTY_MIN}–${SESSIONS} of them saved together with Promise.all, × ${ROUNDS} rounds`

/**
 * What every writer is asked to do, the same for each (drawn from SEED): per round, the dirty
 * sessions with their events, and the states to record.
 */
function plan() {
  const random = lib.seededRandom(SEED)
  // A few states of 10 to 100 KB (log-uniform), shared: each one is serialized at every use.
  const states = Array.from({ length: 16 }, (_, i) => lib.machineState(`m${i}`, Math.round(110 * 10 ** random())))
  const nextSeq = new Array(SESSIONS).fill(SEED_CHECKPOINTS + 1)
  const sessions = Array.from({ length: SESSIONS }, (_, i) => i)
  return Array.from({ length: ROUNDS }, () => {
    const dirtyCount = DIRTY_MIN + Math.floor(random() * (SESSIONS - DIRTY_MIN + 1))
    for (let i = 0; i < dirtyCount; i++) {
      const j = i + Math.floor(random() * (SESSIONS - i))
      const drawn = sessions[j]
      sessions[j] = sessions[i]
      sessions[i] = drawn
    }
    const saves = sessions.slice(0, dirtyCount).map((session) => {
      const events = Array.from({ length: 1 + Math.floor(random() * MAX_EVENTS_PER_SAVE) }, () => lib.mixedEvent(nextSeq[session]++, random))
      return { session, events }
    })
    const recorded = saves.flatMap(({ session, events }) =>
      events.filter((event) => event.type === 'checkpoint' && random() < STATE_SHARE).map((event) => ({ session, stateId: event.stateId, state: states[Math.floor(random() * states.length)] })),
    )
    return { saves, recorded }
  })
}

async function child([writerName, dir]) {
  const Writer = lib.loadWriter(writerName)
  const { log, index } = lib.grownSessionTexts(SEED_CHECKPOINTS, 's0')
  const writers = Array.from({ length: SESSIONS }, (_, i) => {
    const { eventFile, indexFile } = lib.sessionPaths(dir, `s${i}`)
    fs.writeFileSync(eventFile, log)
    fs.writeFileSync(indexFile, index)
    return new Writer(eventFile, indexFile)
  })
  const replState = Array.from({ length: SESSIONS }, (_, i) => ({ session: i, env: {} }))
  const rounds = plan()
  // One call each first, untimed: the server's writers are open before its save rounds.
  await Promise.all(writers.map((writer) => writer.appendEvents([{ type: 'input', seq: SEED_CHECKPOINTS, code: '(begin)' }])))
  global.gc()

  const delay = monitorEventLoopDelay({ resolution: 1 })
  const perRound = []
  delay.enable()
  for (const { saves, recorded } of rounds) {
    const stop = lib.startClock()
    if (writerName !== 'addon') for (const { session, stateId, state } of recorded) writers[session].getCachedIndex().states[stateId] = state
    await Promise.all(saves.map(({ session, events }) => writers[session].appendEvents(events, replState[session])))
    if (writerName === 'addon') await Promise.all(recorded.map(({ session, stateId, state }) => writers[session].recordState(stateId, state)))
    perRound.push(stop())
  }
  delay.disable()
  for (const writer of writers) if (writer.close) await writer.close()

  const sum = (values) => values.reduce((a, b) => a + b, 0)
  const result = {
    mainMsPerRound: sum(perRound.map((r) => r.mainMs)) / ROUNDS,
    wallMsPerRound: sum(perRound.map((r) => r.wallMs)) / ROUNDS,
    worstRoundMainMs: Math.max(...perRound.map((r) => r.mainMs)),
    delayP50Ms: delay.percentile(50) / 1e6,
    delayP99Ms: delay.percentile(99) / 1e6,
    delayMaxMs: delay.max / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    calls: sum(rounds.map((r) => r.saves.length)),
    events: sum(rounds.map((r) => sum(r.saves.map((s) => s.events.length)))),
    states: sum(rounds.map((r) => r.recorded.length)),
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/** Runs every writer `count` times, interleaved, each in a fresh process; medians per writer. */
async function measureServer(count = RUNS) {
  const runs = Object.fromEntries(WRITERS.map((writer) => [writer, []]))
  for (let run = 0; run < count; run++) {
    for (const writer of WRITERS) {
      runs[writer].push(await lib.withTempDir('iw-server-', (dir) => lib.runNode(__filename, ['--child', writer, dir])))
    }
  }
  return Object.fromEntries(WRITERS.map((writer) => [writer, lib.medians(runs[writer])]))
}

/** The lines run.js and this script print. */
function describeServer(summary) {
  const lines = [TITLE]
  for (const [writer, s] of Object.entries(summary)) {
    lines.push(
      `  ${lib.LABELS[writer].padEnd(16)} main ${s.mainMsPerRound.toFixed(2).padStart(8)} ms/round  wall ${s.wallMsPerRound.toFixed(1).padStart(7)} ms/round  loop delay p50 ${s.delayP50Ms.toFixed(1)} p99 ${s.delayP99Ms.toFixed(1)} max ${s.delayMaxMs.toFixed(1)} ms  rss ${s.peakRssMb.toFixed(0)} MB`,
    )
  }
  const first = Object.values(summary)[0]
  if (first) lines.push(`  per run: ${lib.count(first.calls)} calls, ${lib.count(first.events)} events, ${lib.count(first.states)} states`)
  return lines.join('\n')
}

/** The README's table of the rounds, medians of `runs` runs. */
function serverTable(summary, runs) {
  const ratio = (other, key) => (summary[other] && summary.addon ? `${(summary[other][key] / summary.addon[key]).toFixed(1)}×` : '')
  const rows = [
    `Server-shaped saves: ${TITLE}; events of 0.1–5 KB, a state of 10–100 KB for one checkpoint in four. Medians of ${runs} runs, each writer in a fresh process. Main: main-thread busy ms per round (\`performance.eventLoopUtilization\`); loop delay: \`monitorEventLoopDelay\` over all rounds (1 ms resolution: an idle loop shows about 1.1 ms).`,
    '',
    '| writer | main ms/round | wall ms/round | loop delay p50 ms | loop delay p99 ms | loop delay max ms | peak RSS MB | original ÷ addon (main, max delay) | careful JS ÷ addon (main, max delay) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const [writer, s] of Object.entries(summary)) {
    const ratios = (other) => (writer === 'addon' && summary[other] ? `${ratio(other, 'mainMsPerRound')}, ${ratio(other, 'delayMaxMs')}` : '')
    rows.push(`| ${lib.LABELS[writer]} | ${s.mainMsPerRound.toFixed(2)} | ${s.wallMsPerRound.toFixed(1)} | ${s.delayP50Ms.toFixed(1)} | ${s.delayP99Ms.toFixed(1)} | ${s.delayMaxMs.toFixed(1)} | ${s.peakRssMb.toFixed(0)} | ${ratios('original')} | ${ratios('careful')} |`)
  }
  return rows.join('\n')
}

module.exports = { measureServer, describeServer, serverTable }

if (require.main === module) lib.runAsProgram({ child, measure: measureServer, describe: describeServer })

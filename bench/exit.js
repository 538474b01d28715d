#!/usr/bin/env node
// What the end of the process costs when every session has a call still queued: EXIT_SESSIONS
// sessions (default 300 and 10,000), each written once and then given one more 1-event call
// that is not awaited, then `process.exit(0)` in the same turn. Measured in the child, from the
// `process.exit()` call to the end of the package's `exit` listener (which stores every queued
// call and closes every session), in ms; median of RUNS (3) fresh processes per size.
// `node bench/exit.js` (EXIT_SESSIONS=300,10000, RUNS=3; BENCH_QUICK=1: 300 sessions, 1 run)
'use strict'

const fs = require('node:fs')
const path = require('node:path')
const lib = require('./lib')

const SIZES = lib.listFromEnv('EXIT_SESSIONS', lib.QUICK ? ['300'] : ['300', '10000']).map(Number)
const RUNS = lib.sizeFromEnv('RUNS', 3, 1)

/** In the child: `sessions` sessions in `dir`, each written once, then one call queued on each and exit. */
async function child([dir, sessions]) {
  const { IncrementalWriter } = require('..')
  const writers = Array.from({ length: Number(sessions) }, (_, n) => new IncrementalWriter(path.join(dir, `s${n}.jsonl`), path.join(dir, `s${n}.index.json`)))
  await Promise.all(writers.map((writer) => writer.appendEvents([lib.serverEvent(0)])))
  for (const writer of writers) writer.appendEvents([lib.serverEvent(1)])
  // Registered after the package's own listener, so it runs once every session is closed.
  process.on('exit', () => fs.writeSync(1, `${JSON.stringify({ exitMs: Number(process.hrtime.bigint() - start) / 1e6 })}\n`))
  const start = process.hrtime.bigint()
  process.exit(0)
}

async function measure() {
  const results = []
  for (const sessions of SIZES) {
    const runs = []
    for (let run = 0; run < RUNS; run++) {
      runs.push(await lib.withTempDir('iw-exit-', async (dir) => {
        const { exitMs } = await lib.runNode(__filename, ['--child', dir, String(sessions)])
        const left = fs.readdirSync(dir).filter((file) => !/\.(jsonl|index\.json)$/.test(file)).length
        if (left > 0) throw new Error(`${left} files were left beside ${sessions} sessions`)
        return exitMs
      }))
    }
    results.push({ sessions, exitMs: lib.median(runs) })
  }
  return results
}

function describe(results) {
  return results
    .map(({ sessions, exitMs }) => `exit with ${sessions.toLocaleString('en')} sessions, one queued call each: ${exitMs.toFixed(1)} ms (median of ${RUNS})`)
    .join('\n')
}

lib.runAsProgram({ child, measure, describe })

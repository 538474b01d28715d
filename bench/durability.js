#!/usr/bin/env node
// What each durability mode costs: wall µs per awaited 1-event call, 500 calls per run,
// medians of 5 runs, side by side in one process. `node bench/durability.js`
'use strict'

const os = require('node:os')
const { IncrementalWriter } = require('..')
const { median, sessionPaths, startClock, withTempDir } = require('./lib')

const CALLS = 500
const RUNS = 5

function perCall(durability) {
  return withTempDir('iw-durability-', async (dir) => {
    const { eventFile, indexFile } = sessionPaths(dir, 's')
    const writer = new IncrementalWriter(eventFile, indexFile, { durability })
    await writer.appendEvents([{ type: 'session-start', seq: 0 }])
    const stop = startClock()
    for (let seq = 1; seq <= CALLS; seq++) {
      const event = seq % 10 === 0 ? { type: 'checkpoint', seq, reason: 'auto', stateId: `s${seq}` } : { type: 'input', seq, code: `(+ ${seq} 1)` }
      await writer.appendEvents([event])
    }
    const micros = (stop().wallMs * 1000) / CALLS
    await writer.close()
    return micros
  })
}

async function main() {
  const modes = ['none', 'data', 'full']
  const results = Object.fromEntries(modes.map((mode) => [mode, []]))
  for (let run = 0; run < RUNS; run++) for (const mode of modes) results[mode].push(await perCall(mode))
  console.log(`wall µs per awaited 1-event call (every one rewrites the index), median of ${RUNS} runs of ${CALLS} calls, ${os.tmpdir()}`)
  for (const mode of modes) console.log(`  ${mode.padEnd(5)} ${median(results[mode]).toFixed(1)}`)
}

main()

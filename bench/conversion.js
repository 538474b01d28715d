#!/usr/bin/env node
// How much of Node's main thread turning events into stored lines costs, per event: V8's
// JSON.stringify alone, against a whole appendEvents call of this package and of the original
// module. Batches of 1,000 server-like events; medians of 7 runs. `node bench/conversion.js`
'use strict'

const { performance } = require('node:perf_hooks')
const { loadWriter, median, serverEvent, sessionPaths, startClock, withTempDir } = require('./lib')

const BATCH = 1000
const BATCHES = 20
const RUNS = 7

const batches = () => Array.from({ length: BATCHES }, (_, b) => Array.from({ length: BATCH }, (_, i) => serverEvent(b * BATCH + i)))

/** Main-thread busy time per event while `Writer` stores BATCHES batches, awaited one by one. */
function mainThreadPerEvent(Writer) {
  return withTempDir('iw-bench-', async (dir) => {
    const { eventFile, indexFile } = sessionPaths(dir, 's')
    const writer = new Writer(eventFile, indexFile)
    const events = batches()
    const stop = startClock()
    for (const batch of events) await writer.appendEvents(batch, {})
    return (stop().mainMs * 1000) / (BATCH * BATCHES) // ms -> µs
  })
}

function stringifyPerEvent() {
  const events = batches()
  const start = performance.now()
  let bytes = 0
  for (const batch of events) {
    let text = ''
    for (const event of batch) text += JSON.stringify(event) + '\n'
    bytes += text.length
  }
  const elapsed = performance.now() - start
  if (bytes === 0) throw new Error('nothing serialized')
  return (elapsed * 1000) / (BATCH * BATCHES)
}

async function main() {
  const results = { 'JSON.stringify + join only': [], 'this package, appendEvents': [], 'original module, appendEvents': [] }
  for (let run = 0; run < RUNS; run++) {
    results['JSON.stringify + join only'].push(stringifyPerEvent())
    results['this package, appendEvents'].push(await mainThreadPerEvent(loadWriter('addon')))
    results['original module, appendEvents'].push(await mainThreadPerEvent(loadWriter('original')))
  }
  console.log(`main-thread µs per event, ${BATCH}-event batches, median of ${RUNS} runs`)
  for (const [name, values] of Object.entries(results)) console.log(`  ${name.padEnd(32)} ${median(values).toFixed(3)}`)
}

main()

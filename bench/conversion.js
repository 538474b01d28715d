#!/usr/bin/env node
// How much of Node's main thread turning events into stored lines costs, per event: V8's
// JSON.stringify alone, against a whole appendEvents call of this package and of the original
// module. Batches of 1,000 server-like events; medians of 7 runs. `node bench/conversion.js`
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { IncrementalWriter } = require('..')
const { OriginalIncrementalWriter } = require('../__test__/oracle/original-writer')

const BATCH = 1000
const BATCHES = 20
const RUNS = 7

function serverEvents(count, start) {
  return Array.from({ length: count }, (_, i) => {
    const seq = start + i
    if (seq % 10 === 9) return { type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` }
    return { type: 'input', seq, code: `(define x${seq} (+ ${seq} 1))`, timestamp: new Date(1700000000000 + seq).toISOString() }
  })
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Main-thread busy time per event while `Writer` stores BATCHES batches, awaited one by one. */
async function mainThreadPerEvent(Writer) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-bench-'))
  try {
    const writer = new Writer(path.join(dir, 's.jsonl'), path.join(dir, 's.index.json'))
    const batches = Array.from({ length: BATCHES }, (_, b) => serverEvents(BATCH, b * BATCH))
    const before = performance.eventLoopUtilization()
    for (const batch of batches) await writer.appendEvents(batch, {})
    const used = performance.eventLoopUtilization(before)
    return (used.active * 1000) / (BATCH * BATCHES) // ms -> µs
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function stringifyPerEvent() {
  const batches = Array.from({ length: BATCHES }, (_, b) => serverEvents(BATCH, b * BATCH))
  const start = performance.now()
  let bytes = 0
  for (const batch of batches) {
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
    results['this package, appendEvents'].push(await mainThreadPerEvent(IncrementalWriter))
    results['original module, appendEvents'].push(await mainThreadPerEvent(OriginalIncrementalWriter))
  }
  console.log(`main-thread µs per event, ${BATCH}-event batches, median of ${RUNS} runs`)
  for (const [name, values] of Object.entries(results)) console.log(`  ${name.padEnd(32)} ${median(values).toFixed(3)}`)
}

main()

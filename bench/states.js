#!/usr/bin/env node
// What recorded states cost every later call: wall and main-thread µs per awaited 1-event
// call, with an empty index and after 1,000 states of 10 KB each, for an event that leaves the
// states where they are in the index file (an input) and for one that moves them (a checkpoint:
// the checkpoints come before the states). Medians of 5 runs of 200 calls, in one process.
// `node bench/states.js`
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { IncrementalWriter } = require('..')

const CALLS = 200
const RUNS = 5
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** A 10 KB machine state. */
function state(i) {
  return { id: i, env: Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`var${k}`, `value ${i}-${k} `.padEnd(80, '.')])) }
}

const input = (seq) => ({ type: 'input', seq, code: '(+ 1 2)' })
const checkpoint = (seq) => ({ type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` })

async function perCall(writer, firstSeq, event) {
  const before = performance.eventLoopUtilization()
  const start = process.hrtime.bigint()
  for (let i = 0; i < CALLS; i++) await writer.appendEvents([event(firstSeq + i)])
  const wall = Number(process.hrtime.bigint() - start) / 1000 / CALLS
  const main = (performance.eventLoopUtilization(before).active * 1000) / CALLS
  return { wall, main }
}

async function main() {
  const results = { 'empty index, inputs': [], 'after 1,000 states, inputs': [], 'after 1,000 states, checkpoints': [] }
  for (let run = 0; run < RUNS; run++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-states-'))
    try {
      const writer = new IncrementalWriter(path.join(dir, 's.jsonl'), path.join(dir, 's.index.json'))
      results['empty index, inputs'].push(await perCall(writer, 0, input))
      for (let i = 0; i < 1000; i++) {
        writer.recordState(`state-${i}`, state(i))
      }
      await writer.recordState('last', state(-1))
      results['after 1,000 states, inputs'].push(await perCall(writer, CALLS, input))
      results['after 1,000 states, checkpoints'].push(await perCall(writer, 2 * CALLS, checkpoint))
      await writer.close()
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  const size = JSON.stringify(state(0)).length
  console.log(`µs per awaited 1-event call, median of ${RUNS} runs of ${CALLS} calls (a state is ${size} bytes of JSON)`)
  for (const [name, values] of Object.entries(results)) {
    console.log(`  ${name.padEnd(32)} wall ${median(values.map((v) => v.wall)).toFixed(0).padStart(6)}   main thread ${median(values.map((v) => v.main)).toFixed(1).padStart(5)}`)
  }
}

main()

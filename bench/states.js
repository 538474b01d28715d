#!/usr/bin/env node
// What recorded states cost every later call: wall and main-thread µs per awaited 1-event
// call, with an empty index and after 1,000 states of 10 KB each, for an event that leaves the
// states where they are in the index file (an input) and for one that moves them (a checkpoint:
// the checkpoints come before the states). Medians of 5 runs of 200 calls, in one process.
// `node bench/states.js`
'use strict'

const { IncrementalWriter } = require('..')
const { machineState: state, median, sessionPaths, startClock, withTempDir } = require('./lib')

const CALLS = 200
const RUNS = 5

const input = (seq) => ({ type: 'input', seq, code: '(+ 1 2)' })
const checkpoint = (seq) => ({ type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` })

async function perCall(writer, firstSeq, event) {
  const stop = startClock()
  for (let i = 0; i < CALLS; i++) await writer.appendEvents([event(firstSeq + i)])
  const { wallMs, mainMs } = stop()
  return { wall: (wallMs * 1000) / CALLS, main: (mainMs * 1000) / CALLS }
}

async function main() {
  const results = { 'empty index, inputs': [], 'after 1,000 states, inputs': [], 'after 1,000 states, checkpoints': [] }
  for (let run = 0; run < RUNS; run++) {
    await withTempDir('iw-states-', async (dir) => {
      const { eventFile, indexFile } = sessionPaths(dir, 's')
      const writer = new IncrementalWriter(eventFile, indexFile)
      results['empty index, inputs'].push(await perCall(writer, 0, input))
      for (let i = 0; i < 1000; i++) {
        writer.recordState(`state-${i}`, state(i))
      }
      await writer.recordState('last', state(-1))
      results['after 1,000 states, inputs'].push(await perCall(writer, CALLS, input))
      results['after 1,000 states, checkpoints'].push(await perCall(writer, 2 * CALLS, checkpoint))
      await writer.close()
    })
  }
  const size = JSON.stringify(state(0)).length
  console.log(`µs per awaited 1-event call, median of ${RUNS} runs of ${CALLS} calls (a state is ${size} bytes of JSON)`)
  for (const [name, values] of Object.entries(results)) {
    console.log(`  ${name.padEnd(32)} wall ${median(values.map((v) => v.wall)).toFixed(0).padStart(6)}   main thread ${median(values.map((v) => v.main)).toFixed(1).padStart(5)}`)
  }
}

main()

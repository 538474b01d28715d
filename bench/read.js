#!/usr/bin/env node
// Loading a session at its last checkpoint: the events after the last checkpoint of a ~200 MB
// session, read with SessionReader (seeks with the index's offset) against reading the whole
// file line by line in JS (readline + JSON.parse, as the server's loader does today).
// Medians of 5 runs. `node bench/read.js [MB]`
'use strict'

const fs = require('node:fs')
const readline = require('node:readline')
const { IncrementalWriter, SessionReader } = require('..')
const { median, sessionPaths, startClock, withTempDir } = require('./lib')

const TARGET_BYTES = Number(process.argv[2] || 200) * 1024 * 1024
const RUNS = 5

async function buildSession(eventFile, indexFile) {
  const writer = new IncrementalWriter(eventFile, indexFile)
  let seq = 0
  while (fs.existsSync(eventFile) ? fs.statSync(eventFile).size < TARGET_BYTES : true) {
    const batch = []
    for (let i = 0; i < 5000; i++, seq++) {
      batch.push(
        seq % 1000 === 999
          ? { type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` }
          : { type: 'output', seq, value: `result ${seq} `.padEnd(160, '.'), timestamp: new Date(1700000000000 + seq).toISOString() },
      )
    }
    await writer.appendEvents(batch)
  }
  // A tail after the last checkpoint, as a live session has.
  const tail = Array.from({ length: 500 }, (_, i) => ({ type: 'input', seq: seq + i, code: `(step ${i})` }))
  await writer.appendEvents(tail)
  await writer.close()
}

async function readWholeFile(eventFile) {
  const events = []
  const lines = readline.createInterface({ input: fs.createReadStream(eventFile), crlfDelay: Infinity })
  for await (const line of lines) if (line) events.push(JSON.parse(line))
  let last = -1
  for (let i = 0; i < events.length; i++) if (events[i].type === 'checkpoint') last = i
  return events.slice(last)
}

async function main() {
  await withTempDir('iw-read-', async (dir) => {
    const { eventFile, indexFile } = sessionPaths(dir, 'big')
    await buildSession(eventFile, indexFile)
    const reader = new SessionReader(eventFile, indexFile)
    const times = { reader: [], readline: [] }
    let counts
    for (let run = 0; run < RUNS; run++) {
      let stop = startClock()
      const fromIndex = await reader.readEvents({ fromCheckpoint: await reader.latestCheckpoint() })
      times.reader.push(stop().wallMs)
      stop = startClock()
      const whole = await readWholeFile(eventFile)
      times.readline.push(stop().wallMs)
      if (JSON.stringify(fromIndex) !== JSON.stringify(whole)) throw new Error('the two readers disagree')
      counts = fromIndex.length
    }
    const size = (fs.statSync(eventFile).size / 1024 / 1024).toFixed(0)
    const [ours, theirs] = [median(times.reader), median(times.readline)]
    console.log(`events after the last checkpoint of a ${size} MB session (${counts} events), ms, median of ${RUNS} runs`)
    console.log(`  SessionReader from the latest checkpoint  ${ours.toFixed(2)}`)
    console.log(`  readline + JSON.parse of the whole file   ${theirs.toFixed(0)}`)
    console.log(`  ratio                                     ${(theirs / ours).toFixed(0)}x`)
  })
}

main()

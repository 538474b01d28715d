#!/usr/bin/env node
// What `getCachedIndex()` costs the main thread while a long queue of calls is being stored:
// a session grown to CACHED_CHECKPOINTS checkpoints (default 100,000, an 11 MB index), then
// CACHED_QUEUE (300) un-awaited `durability: 'full'` calls, and `getCachedIndex()` called
// CACHED_READS (20) times while they are stored. Prints the median and the largest call, in ms.
// `node bench/cached-index.js`
'use strict'

const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { median, sizeFromEnv, withTempDir, seedSession, sessionPaths } = require('./lib')
const { IncrementalWriter } = require('..')

const CHECKPOINTS = sizeFromEnv('CACHED_CHECKPOINTS', 100_000, 1_000)
const QUEUE = sizeFromEnv('CACHED_QUEUE', 300, 30)
const READS = sizeFromEnv('CACHED_READS', 20, 5)

async function main() {
  await withTempDir('iw-cached-', async (dir) => {
    const { eventFile, indexFile } = sessionPaths(dir, 's0')
    seedSession(eventFile, indexFile, CHECKPOINTS, 's0')
    const writer = new IncrementalWriter(eventFile, indexFile, { durability: 'full' })
    await writer.appendEvents([{ type: 'input', seq: CHECKPOINTS }])
    writer.getCachedIndex()
    const calls = Array.from({ length: QUEUE }, (_, i) => writer.appendEvents([{ type: 'input', seq: CHECKPOINTS + 1 + i }]))
    const times = []
    for (let read = 0; read < READS; read++) {
      await new Promise((resolve) => setTimeout(resolve, 1))
      const start = performance.now()
      writer.getCachedIndex()
      times.push(performance.now() - start)
    }
    await Promise.all(calls)
    await writer.close()
    console.log(`getCachedIndex() with ${CHECKPOINTS.toLocaleString('en')} checkpoints and ${QUEUE} queued 'full' calls: median ${median(times).toFixed(3)} ms, max ${Math.max(...times).toFixed(3)} ms over ${READS} calls (${path.basename(__filename)})`)
  })
}

main()

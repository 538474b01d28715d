#!/usr/bin/env node
// Following a session from another process: the time from a batch being stored to a follower
// yielding it (p50/p99 over 10,000 batches, woken by fs.watch and by polling), and the CPU that
// 100 followers of one session cost, theirs and the writer's.
//
// `node bench/follow.js [batches]` (10,000 by default). The writer and the followers are child
// processes of this script (`node bench/follow.js writer|followers ...`). The writer stores one
// 1-event batch per millisecond or so (a setTimeout of 1 ms between awaited calls), as a live
// session is written, not as fast as it can.
'use strict'

const { spawn } = require('node:child_process')
const path = require('node:path')
const { IncrementalWriter, SessionReader } = require('..')
const { storedEventLines } = require('../lib/log-follower')
const { withTempDir } = require('./lib')

const BATCHES = Number(process.argv[2]) || 10_000
const now = () => performance.timeOrigin + performance.now()
const cpuMs = (usage) => (usage.user + usage.system) / 1000

/** Child: appends `batches` 1-event batches, prints the times each call was made and resolved, and its CPU. */
async function writer(eventFile, indexFile, firstSeq, batches) {
  const log = new IncrementalWriter(eventFile, indexFile)
  const called = []
  const resolved = []
  const cpu = process.cpuUsage()
  for (let i = 0; i < batches; i++) {
    const seq = firstSeq + i
    called.push(now())
    await log.appendEvents([{ type: 'input', seq, code: `(step ${seq})`, timestamp: new Date().toISOString() }])
    resolved.push(now())
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  const cpuUsed = cpuMs(process.cpuUsage(cpu))
  await log.close()
  console.log(JSON.stringify({ called, resolved, cpuMs: cpuUsed }))
}

/** Child: `count` followers of the log from its start until `lastSeq`; prints when ready, then the first one's yield times and the CPU. */
async function followers(eventFile, lastSeq, count, mode) {
  const yielded = []
  const follow = (record) => {
    const lines = mode === 'poll' ? storedEventLines(eventFile, { follow: true, watch: false }) : null
    const events = lines ? (async function* () { for await (const { event } of lines) yield event })() : new SessionReader(eventFile).events({ follow: true })
    return (async () => {
      for await (const event of events) {
        if (record && typeof event.seq === 'number') yielded[event.seq] = now()
        if (event.seq === lastSeq) return
      }
    })()
  }
  const all = Array.from({ length: count }, (_, i) => follow(i === 0))
  // Let every follower catch up with the log as it is before counting.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const cpu = process.cpuUsage()
  console.log('ready')
  await Promise.all(all)
  console.log(JSON.stringify({ yielded, cpuMs: cpuMs(process.cpuUsage(cpu)) }))
}

function child(args) {
  const proc = spawn(process.execPath, [__filename, ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = []
  let text = ''
  const waiters = []
  proc.stdout.on('data', (chunk) => {
    text += chunk
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
      lines.push(text.slice(0, end))
      text = text.slice(end + 1)
      waiters.splice(0).forEach((wake) => wake())
    }
  })
  const line = (n) =>
    new Promise((resolve, reject) => {
      const look = () => (lines.length > n ? resolve(lines[n]) : proc.exitCode !== null ? reject(new Error(`child ${args[0]} exited`)) : waiters.push(look))
      proc.once('exit', () => waiters.splice(0).forEach((wake) => wake()))
      look()
    })
  return { line }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/** One run: `count` followers (mode `watch` or `poll`) in one process while a writer in another stores `batches` batches. */
async function run(dir, name, { count, mode, batches }) {
  const eventFile = path.join(dir, `${name}.jsonl`)
  const indexFile = path.join(dir, `${name}.index.json`)
  const first = new IncrementalWriter(eventFile, indexFile)
  await first.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'start', stateId: 'start' }])
  await first.close()
  const lastSeq = batches
  const followerProc = count > 0 ? child(['followers', eventFile, lastSeq, count, mode]) : null
  if (followerProc) await followerProc.line(0)
  const writerProc = child(['writer', eventFile, indexFile, 1, batches])
  const written = JSON.parse(await writerProc.line(0))
  const followed = followerProc ? JSON.parse(await followerProc.line(1)) : null
  if (!followed) return { writerCpuMs: written.cpuMs }
  const fromResolved = []
  const fromCalled = []
  for (let i = 0; i < batches; i++) {
    fromResolved.push(followed.yielded[i + 1] - written.resolved[i])
    fromCalled.push(followed.yielded[i + 1] - written.called[i])
  }
  const ms = (values) => {
    const sorted = values.sort((a, b) => a - b)
    return { p50: +percentile(sorted, 50).toFixed(3), p99: +percentile(sorted, 99).toFixed(3) }
  }
  return { fromCalledMs: ms(fromCalled), fromResolvedMs: ms(fromResolved), writerCpuMs: written.cpuMs, followersCpuMs: followed.cpuMs }
}

async function main() {
  const [role, ...args] = process.argv.slice(2)
  if (role === 'writer') return writer(args[0], args[1], Number(args[2]), Number(args[3]))
  if (role === 'followers') return followers(args[0], Number(args[1]), Number(args[2]), args[3])
  await withTempDir('iw-follow-bench-', async (dir) => {
    const results = {}
    results.watch = await run(dir, 'watch', { count: 1, mode: 'watch', batches: BATCHES })
    results.poll = await run(dir, 'poll', { count: 1, mode: 'poll', batches: BATCHES })
    const cpuBatches = Math.min(BATCHES, 2000)
    results.alone = await run(dir, 'alone', { count: 0, mode: 'watch', batches: cpuBatches })
    results.hundred = await run(dir, 'hundred', { count: 100, mode: 'watch', batches: cpuBatches })
    results.hundredPolling = await run(dir, 'hundred-poll', { count: 100, mode: 'poll', batches: cpuBatches })
    console.log(JSON.stringify({ batches: BATCHES, cpuBatches, ...results }, null, 2))
  })
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})

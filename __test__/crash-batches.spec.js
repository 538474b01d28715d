'use strict'
// A batch survives SIGKILL whole or not at all: a child appending large batches (async calls of
// 200 × 2 KB and 2000 × 5 KB events, sync calls of 200 × 2 KB) is killed at random moments, half
// of them the next time the log is seen mid-write; after each kill a new writer appends once, and
// every call found in the log has all its events, contiguous and in order, every acknowledged
// call is there, and the log and the index agree.
// Longer runs: CRASH_BATCH_ROUNDS=100 npx jest __test__/crash-batches.spec.js (300 rounds of each small mode)

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession, random, auditSession } = require('./helpers')

/** Rounds of the large mode; the small modes, cheaper and harder to catch mid-write, run three times as many. */
const ROUNDS = Number(process.env.CRASH_BATCH_ROUNDS || 20)
const child = path.join(__dirname, 'fixtures', 'batch-crash-child.js')
/** Call ids of one round: the child's from `base`, the writer's after the kill at `base + CALLS_PER_ROUND - 1`. */
const CALLS_PER_ROUND = 100_000

const modes = [
  // killDelayMs: the longest wait after the first acknowledgement, and then for a write in progress.
  { name: 'async appendEvents, 200 events × 2 KB', mode: 'async', events: 200, eventBytes: 2048, killDelayMs: 40, rounds: 3 * ROUNDS, seed: 0xba7c1 },
  { name: 'async appendEvents, 2000 events × 5 KB', mode: 'async', events: 2000, eventBytes: 5120, killDelayMs: 400, rounds: ROUNDS, seed: 0xba7c2 },
  { name: 'appendEventsSync, 200 events × 2 KB', mode: 'sync', events: 200, eventBytes: 2048, killDelayMs: 40, rounds: 3 * ROUNDS, seed: 0xba7c3 },
]

/**
 * Kills `pid` the first time the log is seen mid-write (its last byte not a newline), or after
 * `withinMs` if that is never seen. Polls synchronously: the kill must follow the sight at once.
 */
function killMidWrite(pid, eventFile, withinMs) {
  const deadline = Date.now() + withinMs
  const last = Buffer.alloc(1)
  let fd = null
  try {
    while (Date.now() < deadline) {
      if (fd === null) {
        try {
          fd = fs.openSync(eventFile, 'r')
        } catch {
          continue
        }
      }
      const { size } = fs.fstatSync(fd)
      if (size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 10) break
    }
  } finally {
    process.kill(pid, 'SIGKILL')
    if (fd !== null) fs.closeSync(fd)
  }
}

/**
 * Runs the child until it has acknowledged a call and `delayMs` more have passed, kills it then
 * (or, when `midWrite`, at the next moment the log is seen mid-write), and resolves to the
 * acknowledged call ids.
 */
function runAndKill(session, { mode, events, eventBytes, killDelayMs }, firstCall, delayMs, midWrite) {
  return new Promise((resolve, reject) => {
    const args = [child, session.eventFile, session.indexFile, mode, String(events), String(eventBytes), String(firstCall)]
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let timer = null
    const kill = () => (midWrite ? killMidWrite(proc.pid, session.eventFile, killDelayMs) : proc.kill('SIGKILL'))
    proc.stdout.on('data', (chunk) => {
      out += chunk
      if (!timer) timer = setTimeout(kill, delayMs)
    })
    proc.stderr.on('data', (chunk) => (err += chunk))
    proc.on('error', reject)
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended by itself (${code}): ${err}`))
      resolve(out.split('\n').filter((line) => line.startsWith('ack ')).map((line) => Number(line.slice(4))))
    })
  })
}

/** The seqs call `id` stored: `id * 10000 + i` for each of its `size` events. */
const seqsOf = (id, size) => Array.from({ length: size }, (_, i) => id * 10000 + i)

/**
 * Lists every call the log holds in part, out of order or split, and every acknowledged call it
 * lacks. `sizeOf(id)` is the number of events call `id` made.
 */
function brokenCalls(lines, sizeOf, acknowledged) {
  const calls = new Map()
  lines.forEach(({ event }, position) => {
    if (event == null || typeof event.call !== 'number') return
    if (!calls.has(event.call)) calls.set(event.call, [])
    calls.get(event.call).push({ position, seq: event.seq })
  })
  const broken = []
  for (const [id, found] of calls) {
    const expected = seqsOf(id, sizeOf(id))
    const seqs = found.map(({ seq }) => seq)
    const contiguous = found.every(({ position }, i) => position === found[0].position + i)
    if (found.length !== expected.length) broken.push(`call ${id}: ${found.length} of its ${expected.length} events`)
    else if (JSON.stringify(seqs) !== JSON.stringify(expected)) broken.push(`call ${id}: its events hold other seqs or are out of order`)
    else if (!contiguous) broken.push(`call ${id}: its events are not contiguous`)
  }
  for (const id of acknowledged) if (!calls.has(id)) broken.push(`call ${id}: acknowledged, not in the log`)
  return broken
}

describe.each(modes)('$name', (mode) => {
  it(`stores each call whole or not at all over ${mode.rounds} SIGKILLs`, async () => {
    const next = random(mode.seed)
    const totals = { acknowledged: 0 }
    const failedRounds = []
    for (let round = 0; round < mode.rounds; round++) {
      // A fresh session each round keeps the log, and the time to check it, bounded.
      const session = tempSession('batches')
      try {
        const base = (round + 1) * CALLS_PER_ROUND
        const after = base + CALLS_PER_ROUND - 1
        const delayMs = Math.floor(next() * mode.killDelayMs)
        // Half the kills wait, after the delay, for a moment when the log is being written.
        const midWrite = next() < 0.5
        const acknowledged = await runAndKill(session, mode, base, delayMs, midWrite)

        const writer = new IncrementalWriter(session.eventFile, session.indexFile)
        await writer.appendEvents(seqsOf(after, 3).map((seq, i) => (i === 0 ? { type: 'checkpoint', seq, call: after, i, reason: 'after-kill', stateId: `after-${round}` } : { type: 'input', seq, call: after, i })))
        await writer.close()
        acknowledged.push(after)

        const { lines, problems } = await auditSession(session.eventFile, session.indexFile)
        const broken = brokenCalls(lines, (id) => (id === after ? 3 : mode.events), acknowledged)
        if (broken.length > 0 || problems.length > 0) failedRounds.push({ round, delayMs, midWrite, broken, problems })
        totals.acknowledged += acknowledged.length
      } finally {
        session.remove()
      }
    }
    expect({ failedRounds: failedRounds.length, of: mode.rounds, first: failedRounds.slice(0, 5) }).toEqual({ failedRounds: 0, of: mode.rounds, first: [] })
    expect(totals.acknowledged).toBeGreaterThan(mode.rounds * 2)
  }, 60_000 + mode.rounds * 10_000)
})

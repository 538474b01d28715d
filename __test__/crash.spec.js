'use strict'
// A writer killed with SIGKILL at random moments loses nothing it acknowledged and leaves no call
// stored in part: after each kill (some also followed by a torn line another appender left, or a
// half-written index) a new writer appends once, and the log and the index agree.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, verify } = require('incremental-writer')
const { tempSession, logLines, random } = require('./helpers')

const ROUNDS = Number(process.env.CRASH_ROUNDS || 30)
/** Each round checks the whole log, which grows with the rounds: longer runs need longer. */
const TIMEOUT_MS = Math.max(120_000, ROUNDS * ROUNDS * 20)
const child = path.join(__dirname, 'fixtures', 'crash-child.js')
/** A line another appender began and never ended, as a crash of the server's shutdown leaves it. */
const TORN_LINE = '{"type":"input","seq":12,"code":"(unfini'

/** Runs the child until it has acknowledged something and `delayMs` more have passed, then kills it. */
function runAndKill(session, firstSeq, delayMs) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, session.eventFile, session.indexFile, String(firstSeq)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let timer = null
    proc.stdout.on('data', (chunk) => {
      out += chunk
      if (!timer) timer = setTimeout(() => proc.kill('SIGKILL'), delayMs)
    })
    proc.stderr.on('data', (chunk) => (err += chunk))
    proc.on('error', reject)
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended by itself (${code}): ${err}`))
      const acked = out
        .split('\n')
        .filter((line) => line.startsWith('ack '))
        .flatMap((line) => line.slice(4).split(' ').map(Number))
      resolve(acked)
    })
  })
}

/**
 * The calls of the children (each call's seqs follow one another; crash-child.js sizes a call by
 * its first seq) of which the log holds some events but not all.
 */
function callsStoredInPart(childRounds, present) {
  const partial = []
  for (const firstSeq of childRounds) {
    for (let seq = firstSeq; ; ) {
      const size = 1 + (seq % 7)
      const stored = Array.from({ length: size }, (_, i) => seq + i).filter((s) => present.has(s)).length
      if (stored === 0) break
      if (stored !== size) partial.push({ firstSeq: seq, size, stored })
      seq += size
    }
  }
  return partial
}

it(`loses no acknowledged event over ${ROUNDS} SIGKILLs`, async () => {
  const session = tempSession('crash')
  const next = random(0xc0ffee)
  const totals = { acknowledged: 0, tornTails: 0 }
  const acknowledged = new Set()
  /** The first seq of each child's calls. */
  const childRounds = []
  let nextSeq = 0
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await runAndKill(session, nextSeq, Math.floor(next() * 60))
      acked.forEach((seq) => acknowledged.add(seq))
      childRounds.push(nextSeq)
      nextSeq += 1_000_000

      const damage = next()
      if (damage < 0.3) {
        fs.appendFileSync(session.eventFile, TORN_LINE)
        totals.tornTails++
      } else if (damage < 0.5 && fs.existsSync(session.indexFile)) {
        const index = fs.readFileSync(session.indexFile)
        fs.writeFileSync(session.indexFile, index.subarray(0, Math.floor(index.length / 2)))
      }

      const writer = new IncrementalWriter(session.eventFile, session.indexFile)
      await writer.appendEvents([{ type: 'checkpoint', seq: nextSeq, reason: 'after-crash', stateId: `round-${round}` }])
      acknowledged.add(nextSeq)
      nextSeq += 1_000_000
      await writer.close()

      const lines = logLines(session.eventFile)
      // Another appender's torn lines stay in the log, each on a line of its own.
      expect(lines.filter((line) => line.trim() === TORN_LINE)).toHaveLength(totals.tornTails)
      const events = lines.filter((line) => line.trim() !== TORN_LINE).map((line) => JSON.parse(line))
      expect(events.filter((event) => event.type === 'session')).toHaveLength(1)
      const present = new Set(events.map((event) => event.seq))
      const lost = [...acknowledged].filter((seq) => !present.has(seq))
      expect(lost).toEqual([])
      expect(callsStoredInPart(childRounds, present)).toEqual([])

      const index = JSON.parse(fs.readFileSync(session.indexFile, 'utf8'))
      const seqs = events.filter((event) => typeof event.seq === 'number').map((event) => event.seq)
      expect(index.eventCount).toBe(seqs.reduce((max, seq) => Math.max(max, seq), -Infinity) + 1)
      const log = fs.readFileSync(session.eventFile)
      const checkpointLines = events.filter((event) => event.type === 'checkpoint')
      expect(index.checkpoints.map((checkpoint) => checkpoint.seq)).toEqual(checkpointLines.map((event) => event.seq))
      for (const { byteOffset, seq } of index.checkpoints) {
        const line = log.subarray(byteOffset, log.indexOf(10, byteOffset)).toString('utf8')
        expect(JSON.parse(line)).toMatchObject({ type: 'checkpoint', seq })
      }
      expect(await verify(session.eventFile, session.indexFile)).toMatchObject({ ok: true, problems: [] })
    }
    totals.acknowledged = acknowledged.size
    expect(totals.acknowledged).toBeGreaterThan(ROUNDS * 10)
  } finally {
    session.remove()
  }
}, TIMEOUT_MS)

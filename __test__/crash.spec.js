'use strict'
// A writer killed with SIGKILL at random moments loses nothing it acknowledged and leaves no call
// stored in part: after each kill (some also followed by a torn line another appender left, a
// tail of NUL bytes, or a half-written index) a new writer appends once, the log and the index
// agree, and the server's own loader (JSON.parse of every non-blank line) loads the log.

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
/** What a power cut leaves where a log grew before its data reached the disk. */
const NUL_TAILS = ['\0'.repeat(4096), '\0\0\0\0\n']

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
  const totals = { acknowledged: 0, tornTails: 0, nulTails: 0 }
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
      if (damage < 0.25) {
        fs.appendFileSync(session.eventFile, TORN_LINE)
        totals.tornTails++
      } else if (damage < 0.4) {
        fs.appendFileSync(session.eventFile, NUL_TAILS[totals.nulTails % NUL_TAILS.length])
        totals.nulTails++
      } else if (damage < 0.55 && fs.existsSync(session.indexFile)) {
        const index = fs.readFileSync(session.indexFile)
        fs.writeFileSync(session.indexFile, index.subarray(0, Math.floor(index.length / 2)))
      }

      const writer = new IncrementalWriter(session.eventFile, session.indexFile)
      await writer.appendEvents([{ type: 'checkpoint', seq: nextSeq, reason: 'after-crash', stateId: `round-${round}` }])
      acknowledged.add(nextSeq)
      nextSeq += 1_000_000
      await writer.close()

      // Torn lines and NUL tails are set aside, kept beside the log, and the server's loader loads it.
      const setAside = fs.readdirSync(session.dir).filter((name) => name.includes('.torn-')).map((name) => fs.readFileSync(path.join(session.dir, name), 'utf8'))
      expect(setAside.filter((text) => text.trimStart() === TORN_LINE)).toHaveLength(totals.tornTails)
      expect(setAside.filter((text) => NUL_TAILS.includes(text.trimStart()))).toHaveLength(totals.nulTails)
      const lines = logLines(session.eventFile)
      const events = lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line))
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

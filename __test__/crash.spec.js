'use strict'
// A writer killed with SIGKILL at random moments loses nothing it acknowledged: after each
// kill (some also leaving a torn last line or a half-written index) a new writer appends once,
// and the log and the index agree.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, verify } = require('incremental-writer')
const { tempSession, logLines, random } = require('./helpers')

const ROUNDS = Number(process.env.CRASH_ROUNDS || 30)
/** Each round checks the whole log, which grows with the rounds: longer runs need longer. */
const TIMEOUT_MS = Math.max(120_000, ROUNDS * ROUNDS * 20)
const child = path.join(__dirname, 'fixtures', 'crash-child.js')

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

it(`loses no acknowledged event over ${ROUNDS} SIGKILLs`, async () => {
  const session = tempSession('crash')
  const next = random(0xc0ffee)
  const totals = { rounds: 0, acknowledged: 0, kills: 0, tornTails: 0, halfIndexes: 0, lost: 0 }
  const acknowledged = new Set()
  let nextSeq = 0
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await runAndKill(session, nextSeq, Math.floor(next() * 60))
      totals.kills++
      acked.forEach((seq) => acknowledged.add(seq))
      nextSeq += 1_000_000

      const damage = next()
      if (damage < 0.3) {
        fs.appendFileSync(session.eventFile, '{"type":"input","seq":12,"code":"(unfini')
        totals.tornTails++
      } else if (damage < 0.5 && fs.existsSync(session.indexFile)) {
        const index = fs.readFileSync(session.indexFile)
        fs.writeFileSync(session.indexFile, index.subarray(0, Math.floor(index.length / 2)))
        totals.halfIndexes++
      }

      const writer = new IncrementalWriter(session.eventFile, session.indexFile)
      await writer.appendEvents([{ type: 'checkpoint', seq: nextSeq, reason: 'after-crash', stateId: `round-${round}` }])
      acknowledged.add(nextSeq)
      nextSeq += 1_000_000
      await writer.close()

      const lines = logLines(session.eventFile)
      const events = lines.map((line) => JSON.parse(line))
      expect(events.filter((event) => event.type === 'session')).toHaveLength(1)
      const present = new Set(events.map((event) => event.seq))
      const lost = [...acknowledged].filter((seq) => !present.has(seq))
      totals.lost += lost.length
      expect(lost).toEqual([])

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
      totals.rounds++
    }
    totals.acknowledged = acknowledged.size
    console.log(`crash test: ${JSON.stringify(totals)}`)
    expect(totals.acknowledged).toBeGreaterThan(ROUNDS * 10)
  } finally {
    session.remove()
  }
}, TIMEOUT_MS)

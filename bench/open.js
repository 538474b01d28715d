#!/usr/bin/env node
// Opening big sessions: wall and main-thread ms of the first call on an existing session
// (constructing the writer and appending one event, in a fresh process), for a 1 GB log with a
// 100,000-checkpoint index, intact and with the log's last 1,000 lines missing from the index
// (as after a crash between the log and the index, or appendFileSync at shutdown), against a
// 1 MB session. The log (the server's kinds of line, one checkpoint in ten) is generated once
// per invocation in os.tmpdir(), in big writes, and deleted at the end; each run first puts the
// files back as generated; each child first makes a few calls on a throwaway session, as a
// running server would have. Skips the big session, saying why, when os.tmpdir() has less than
// three times its size free. Files are in the page cache, as a recently written session is.
// `node bench/open.js` (RUNS=5, OPEN_LOG_MB=1024, OPEN_CHECKPOINTS=100000,
// OPEN_MISSING_LINES=1000, OPEN_SMALL_MB=1, OPEN_WRITERS=addon,original,careful;
// BENCH_QUICK=1: a 64 MB log with 10,000 checkpoints, 1 run)
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const lib = require('./lib')

const MB = 1024 * 1024
const LOG_BYTES = lib.sizeFromEnv('OPEN_LOG_MB', 1024, 64) * MB
const CHECKPOINTS = lib.sizeFromEnv('OPEN_CHECKPOINTS', 100000, 10000)
const MISSING_LINES = lib.sizeFromEnv('OPEN_MISSING_LINES', 1000)
const SMALL_BYTES = lib.sizeFromEnv('OPEN_SMALL_MB', 1) * MB
const RUNS = lib.sizeFromEnv('RUNS', 5, 1)
const WRITERS = lib.listFromEnv('OPEN_WRITERS', ['addon', 'original', 'careful'])
/** Lines per checkpoint: the checkpoint and 9 events after it, BLOCK_BYTES in all. */
const BLOCK = 10
const BLOCK_BYTES = LOG_BYTES / CHECKPOINTS
/** An event line's length: a checkpoint line is about 70 bytes, the other lines fill the block. */
const LINE_BYTES = Math.floor((BLOCK_BYTES - 70) / (BLOCK - 1))
const CHUNK_BYTES = 32 * MB

const size = (bytes) => (bytes >= 1024 * MB ? `${+(bytes / 1024 / MB).toFixed(1)} GB` : `${+(bytes / MB).toFixed(1)} MB`)

/**
 * Writes a log of `checkpoints` blocks of BLOCK lines (a checkpoint, then outputs of LINE_BYTES
 * bytes), in chunks of CHUNK_BYTES, and flushes it to the disk so that its write-back does
 * not fall into the measurements. Returns its size and the texts of its index: intact, and as
 * it was `missing` lines before the log's end.
 */
function generateSession(eventFile, checkpoints, missing) {
  const header = `${JSON.stringify({ type: 'session', version: 1, id: path.basename(eventFile, '.jsonl'), created: new Date(0).toISOString() })}\n`
  const filler = '0123456789abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(LINE_BYTES / 36) + 1)
  const lines = checkpoints * BLOCK
  const entries = []
  const fd = fs.openSync(eventFile, 'w')
  let offset = 0
  let chunk = header
  let missingAt = null
  try {
    for (let seq = 0; seq < lines; seq++) {
      if (seq === lines - missing) missingAt = { offset: offset + chunk.length, seq }
      let line
      if (seq % BLOCK === 0) {
        line = `{"type":"checkpoint","seq":${seq},"reason":"auto","stateId":"state-${seq}"}\n`
        entries.push({ seq, reason: 'auto', stateId: `state-${seq}`, byteOffset: offset + chunk.length })
      } else {
        const head = `{"type":"output","seq":${seq},"value":"`
        const tail = `","timestamp":"${new Date(1700000000000 + (seq - (seq % BLOCK)) * 1000).toISOString()}"}\n`
        line = head + filler.slice(0, Math.max(1, LINE_BYTES - head.length - tail.length)) + tail
      }
      chunk += line
      if (chunk.length >= CHUNK_BYTES) {
        offset += fs.writeSync(fd, chunk)
        chunk = ''
      }
    }
    offset += fs.writeSync(fd, chunk)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  const indexText = (count, eventCount) =>
    JSON.stringify({ sessionId: path.basename(eventFile, '.jsonl'), eventCount, checkpoints: entries.slice(0, count), states: {}, receipts: {} }, null, 2)
  const behind = missingAt ? entries.filter((entry) => entry.byteOffset < missingAt.offset).length : entries.length
  return {
    bytes: offset,
    lines,
    indexes: { intact: indexText(entries.length, lines), behind: missingAt ? indexText(behind, missingAt.seq) : null },
  }
}

/**
 * Puts a session's files back as generated: the log cut to its size, the index written anew,
 * and nothing else in the directory but the logs (no spare, batch record or temporary file).
 */
function restore(dir, session, indexKind) {
  for (const name of fs.readdirSync(dir)) if (!name.endsWith('.jsonl')) fs.rmSync(path.join(dir, name), { recursive: true, force: true })
  fs.truncateSync(session.eventFile, session.bytes)
  fs.writeFileSync(session.indexFile, session.indexes[indexKind])
}

async function child([writerName, eventFile, indexFile, seq]) {
  const Writer = lib.loadWriter(writerName)
  // A server opens sessions in a process that runs: first a few calls on a throwaway session,
  // so that what is measured is opening this one, not the process's first file work.
  await lib.withTempDir('iw-open-warm-', async (dir) => {
    const { eventFile: warmLog, indexFile: warmIndex } = lib.sessionPaths(dir, 'warm')
    lib.seedSession(warmLog, warmIndex, 10)
    const warm = new Writer(warmLog, warmIndex)
    for (let i = 0; i < 3; i++) await warm.appendEvents([lib.serverEvent(10 + i)])
    if (warm.close) await warm.close()
  })
  global.gc()
  await lib.loopStarted()
  const stop = lib.startClock()
  const writer = new Writer(eventFile, indexFile)
  await writer.appendEvents([{ type: 'input', seq: Number(seq), code: '(resume)' }])
  const { wallMs, mainMs } = stop()
  const index = writer.getCachedIndex()
  if (writer.close) await writer.close()
  const result = { wallMs, mainMs, checkpointsAfter: index.checkpoints.length, peakRssMb: process.resourceUsage().maxRSS / 1024 }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

/**
 * Generates the sessions, measures every case and writer `count` times (interleaved, each in a
 * fresh process), deletes the sessions. Returns { cases: [{ label, skipped?, writers }] }.
 */
async function measureOpen(count = RUNS) {
  const dir = lib.tempDir('iw-open-')
  try {
    const sessions = {}
    const cases = []
    const add = (name, label, indexKind, skipped) => cases.push({ name, label, indexKind, skipped, runs: Object.fromEntries(WRITERS.map((w) => [w, []])) })

    const smallCheckpoints = Math.max(1, Math.round(SMALL_BYTES / BLOCK_BYTES))
    sessions.small = { ...lib.sessionPaths(dir, 'small'), ...generateSession(path.join(dir, 'small.jsonl'), smallCheckpoints, 0) }
    add('small', `${size(sessions.small.bytes)} log, ${lib.count(smallCheckpoints)}-checkpoint index`, 'intact')

    const { bavail, bsize } = fs.statfsSync(os.tmpdir())
    const free = bavail * bsize
    const bigLabel = `${size(LOG_BYTES)} log, ${lib.count(CHECKPOINTS)}-checkpoint index`
    const behindLabel = `${size(LOG_BYTES)} log, its last ${lib.count(MISSING_LINES)} lines missing from the index`
    if (free < 3 * LOG_BYTES) {
      const reason = `skipped: ${size(free)} free in ${os.tmpdir()}, less than 3 × ${size(LOG_BYTES)}`
      console.log(`${bigLabel}: ${reason}`)
      add('big', bigLabel, 'intact', reason)
      add('behind', behindLabel, 'behind', reason)
    } else {
      const start = Date.now()
      sessions.big = { ...lib.sessionPaths(dir, 'big'), ...generateSession(path.join(dir, 'big.jsonl'), CHECKPOINTS, MISSING_LINES) }
      console.log(`generated a ${size(sessions.big.bytes)} log of ${lib.count(sessions.big.lines)} lines in ${((Date.now() - start) / 1000).toFixed(1)} s`)
      add('big', bigLabel, 'intact')
      add('behind', behindLabel, 'behind')
    }

    for (let run = 0; run < count; run++) {
      for (const c of cases.filter((c) => !c.skipped)) {
        const session = sessions[c.name === 'small' ? 'small' : 'big']
        for (const writer of WRITERS) {
          restore(dir, session, c.indexKind)
          c.runs[writer].push(await lib.runNode(__filename, ['--child', writer, session.eventFile, session.indexFile, String(session.lines)]))
        }
      }
    }
    return {
      cases: cases.map((c) => ({
        label: c.label,
        skipped: c.skipped,
        writers: c.skipped ? {} : Object.fromEntries(WRITERS.map((w) => [w, lib.medians(c.runs[w])])),
      })),
    }
  } finally {
    lib.removeDir(dir)
  }
}

/** The lines run.js and this script print. */
function describeOpen({ cases }) {
  const lines = ['First call on an existing session (new writer + 1 event), ms']
  for (const c of cases) {
    lines.push(`  ${c.label}${c.skipped ? `: ${c.skipped}` : ''}`)
    for (const [writer, s] of Object.entries(c.writers)) {
      lines.push(`    ${lib.LABELS[writer].padEnd(16)} wall ${s.wallMs.toFixed(2).padStart(9)}  main ${s.mainMs.toFixed(2).padStart(9)}  checkpoints after ${lib.count(s.checkpointsAfter)}`)
    }
  }
  return lines.join('\n')
}

/** The README's table, medians of `runs` runs. */
function openTable({ cases }, runs) {
  const rows = [
    `Opening a session: the first call on an existing session (the writer constructed, one event appended), in a fresh process, files in the page cache. Medians of ${runs} runs. Wall and main-thread ms (\`performance.eventLoopUtilization\`) of that call; the ratio is to the same writer's first call on the small session.`,
    '',
    '| session | writer | wall ms | main ms | checkpoints in the index after | wall ÷ small session |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ]
  const small = cases[0].writers
  for (const c of cases) {
    if (c.skipped) rows.push(`| ${c.label} | ${c.skipped} | | | | |`)
    Object.entries(c.writers).forEach(([writer, s], i) => {
      const ratio = c === cases[0] || !small[writer] ? '' : `${(s.wallMs / small[writer].wallMs).toFixed(1)}×`
      rows.push(`| ${i === 0 ? c.label : ''} | ${lib.LABELS[writer]} | ${s.wallMs.toFixed(2)} | ${s.mainMs.toFixed(2)} | ${lib.count(s.checkpointsAfter)} | ${ratio} |`)
    })
  }
  return rows.join('\n')
}

module.exports = { measureOpen, describeOpen, openTable }

if (require.main === module) lib.runAsProgram({ child, measure: measureOpen, describe: describeOpen })

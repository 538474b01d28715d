#!/usr/bin/env node
// Memory per session: the RSS of a process holding 10,000 open sessions (a writer each, kept
// referenced), each with a 1,000-checkpoint index, after one call each and a full GC; and the
// same for 1,000 sessions, so that the growth per session shows. This addon against the
// original module (which keeps each session's parsed index). Sessions are seeded from one
// template log and index with the session id put in, in a fresh directory per process; the
// calls go 100 sessions at a time. Each process first raises its soft limit of open files to
// the hard one; calls that fail with EMFILE stop the opening, and the row says how many
// sessions were open then (this addon keeps descriptors open per session).
// `node bench/memory.js` (MEMORY_COUNTS=1000,10000, MEMORY_CHECKPOINTS=1000, MEMORY_RUNS=3,
// MEMORY_WRITERS=addon,original; BENCH_QUICK=1: 100 and 1,000 sessions, 1 run)
'use strict'

const fs = require('node:fs')
const lib = require('./lib')

const COUNTS = lib.listFromEnv('MEMORY_COUNTS', lib.QUICK ? ['100', '1000'] : ['1000', '10000']).map(Number)
const CHECKPOINTS = lib.sizeFromEnv('MEMORY_CHECKPOINTS', 1000)
const RUNS = lib.sizeFromEnv('MEMORY_RUNS', 3, 1)
const WRITERS = lib.listFromEnv('MEMORY_WRITERS', ['addon', 'original'])
/** Sessions whose first calls are in flight together. */
const GROUP = 100
const MB = 1024 * 1024

/** Session names of one width, so that every log's header, and every offset, is the same. */
const sessionName = (i) => `s${String(i).padStart(6, '0')}`

/** Writes `count` sessions of CHECKPOINTS checkpoints into `dir` from one template. */
function seedSessions(dir, count) {
  const placeholder = sessionName(0).replace(/./g, '#')
  const { log, index } = lib.grownSessionTexts(CHECKPOINTS, placeholder)
  for (let i = 0; i < count; i++) {
    const name = sessionName(i)
    const { eventFile, indexFile } = lib.sessionPaths(dir, name)
    fs.writeFileSync(eventFile, log.replace(placeholder, name))
    fs.writeFileSync(indexFile, index.replace(placeholder, name))
  }
}

const openFiles = () => fs.readdirSync('/proc/self/fd').length - 1 // less the one reading the directory
const fileLimit = () => Number(/^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1])

async function child([writerName, dir, countText]) {
  const Writer = lib.loadWriter(writerName)
  const count = Number(countText)
  const limit = fileLimit()
  // Descriptors kept back, and given back after the opening, so that measuring works after
  // EMFILE (process.memoryUsage reads /proc).
  const reserve = Array.from({ length: 16 }, () => fs.openSync('/dev/null', 'r'))
  await lib.loopStarted()
  global.gc()
  const before = process.memoryUsage().rss
  const writers = []
  let opened = 0
  let emfileCalls = 0
  for (let start = 0; start < count && emfileCalls === 0; start += GROUP) {
    const calls = []
    for (let i = start; i < Math.min(count, start + GROUP); i++) {
      const { eventFile, indexFile } = lib.sessionPaths(dir, sessionName(i))
      const writer = new Writer(eventFile, indexFile)
      writers.push(writer)
      calls.push(writer.appendEvents([{ type: 'input', seq: CHECKPOINTS, code: '(+ 1 2)' }]))
    }
    for (const outcome of await Promise.allSettled(calls)) {
      if (outcome.status === 'fulfilled') opened++
      else if (outcome.reason?.code === 'EMFILE') emfileCalls++
      else throw outcome.reason
    }
  }
  for (const fd of reserve) fs.closeSync(fd)
  global.gc()
  global.gc()
  const memory = process.memoryUsage()
  const descriptors = openFiles()
  const result = {
    sessions: opened,
    rssMb: memory.rss / MB,
    rssBeforeMb: before / MB,
    heapUsedMb: memory.heapUsed / MB,
    externalMb: memory.external / MB,
    descriptors,
    fileLimit: limit,
    emfileCalls: emfileCalls || undefined,
    writersHeld: writers.length, // also keeps the writers alive up to here
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0) // without closing: the sessions stay open to the end
}

/** Every count and writer `runs` times, each in a fresh process with freshly seeded sessions. */
async function measureMemory(runs = RUNS) {
  const records = {}
  for (let run = 0; run < runs; run++) {
    for (const count of COUNTS) {
      for (const writer of WRITERS) {
        const record = await lib.withTempDir('iw-memory-', (dir) => {
          seedSessions(dir, count)
          return lib.runNode(__filename, ['--child', writer, dir, String(count)], { fileLimit: 'hard' })
        })
        records[`${writer} ${count}`] ??= []
        records[`${writer} ${count}`].push(record)
      }
    }
  }
  return {
    runs,
    checkpoints: CHECKPOINTS,
    rows: WRITERS.flatMap((writer) => COUNTS.map((count) => ({ writer, count, ...lib.medians(records[`${writer} ${count}`]) }))),
  }
}

/** Per row: KB per session over the process before opening, and KB per session added since the writer's previous row. */
function perSession(rows) {
  return rows.map((row) => {
    const previous = rows.filter((r) => r.writer === row.writer && r.count < row.count).at(-1)
    const perOpen = row.sessions > 0 ? ((row.rssMb - row.rssBeforeMb) * 1024) / row.sessions : null
    const perAdded = previous && row.sessions > previous.sessions ? ((row.rssMb - previous.rssMb) * 1024) / (row.sessions - previous.sessions) : null
    return { ...row, perOpen, perAdded }
  })
}

const emfileNote = (row) =>
  row.emfileCalls ? `EMFILE: ${lib.count(row.emfileCalls)} calls failed, opening stopped at ${lib.count(row.sessions)} of ${lib.count(row.count)} sessions (limit ${lib.count(row.fileLimit)} descriptors)` : ''

/** The lines run.js and this script print. */
function describeMemory({ checkpoints, rows }) {
  const lines = [`RSS holding open sessions with ${lib.count(checkpoints)}-checkpoint indexes, after one call each`]
  for (const row of perSession(rows)) {
    const added = row.perAdded === null ? '' : `, ${row.perAdded.toFixed(1)} KB per session added`
    lines.push(
      `  ${lib.LABELS[row.writer].padEnd(16)} ${lib.count(row.sessions).padStart(6)} sessions  rss ${row.rssMb.toFixed(0).padStart(5)} MB  (${row.perOpen?.toFixed(1)} KB per session${added})  heap ${row.heapUsedMb.toFixed(0)} MB  descriptors ${lib.count(row.descriptors)}  ${emfileNote(row)}`,
    )
  }
  return lines.join('\n')
}

/** The README's table. */
function memoryTable({ runs, checkpoints, rows }) {
  const table = [
    `Memory per session: RSS of a process holding open sessions (a writer each, kept referenced), each with a ${lib.count(checkpoints)}-checkpoint index, after one call each and a full GC; KB per session: over the same process before it opened any; added: between the two counts. Medians of ${runs} runs, each in a fresh process.`,
    '',
    '| writer | open sessions | RSS MB | KB per session | KB per session added | JS heap MB | open descriptors | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  perSession(rows).forEach((row, i) => {
    table.push(
      `| ${i > 0 && rows[i - 1].writer === row.writer ? '' : lib.LABELS[row.writer]} | ${lib.count(row.sessions)} | ${lib.count(Math.round(row.rssMb))} | ${row.perOpen?.toFixed(1) ?? ''} | ${row.perAdded?.toFixed(1) ?? ''} | ${row.heapUsedMb.toFixed(0)} | ${lib.count(row.descriptors)} | ${emfileNote(row)} |`,
    )
  })
  return table.join('\n')
}

module.exports = { measureMemory, describeMemory, memoryTable, perSession }

if (require.main === module) lib.runAsProgram({ child, measure: measureMemory, describe: describeMemory })

#!/usr/bin/env node
// Sessions saved in turn, as the server saves them: N sessions, each a log whose last T events
// come after its last checkpoint and an index of C checkpoints, then rounds in which every
// session in turn gets one awaited 1-event call, one writer per session kept for the run. Wall
// ms per call (a round's calls timed one by one, averaged over the round; the median of the
// rounds, the first two, a warm-up, not counted: each session opened and, at the default
// budgets, suspended once; medians of the runs) and the RSS after the rounds, for this addon at
// the default budgets, this addon keeping every session open (setDescriptorBudget(1e6)) and the
// original module, each in a fresh process, side by side.
// The sessions are written directly, once per cell: the bytes the original would have written
// for them (checked against it on a small session, and one written session checked with
// verify()); before each process the logs are cut back to their length, the indexes written
// again and every other file removed. The kept writer needs about 4 descriptors per session:
// its process raises its soft limit to the hard one, and a cell that would need more than the
// hard limit skips it, saying so. A failed process is reported in its cell, with its stderr.
// `node bench/saved-in-turn.js` (SAVED_RUNS=1, SAVED_WRITERS=addon,kept,original,
// SAVED_CELLS=200:2000:1000:5,... as sessions:tail events:checkpoints:counted rounds,
// SAVED_ROUNDS overrides every cell's rounds; BENCH_QUICK=1: two small cells, 1 run)
'use strict'

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const lib = require('./lib')

/** sessions:tail events:checkpoints:counted rounds; fewer rounds where a round is long. */
const FULL_CELLS = ['200:2000:1000:5', '200:20000:1000:3', '2000:2000:1000:3', '10000:200:1000:2', '200:2000:100000:2']
const QUICK_CELLS = ['200:200:100:2', '20:200:10000:2']
const CELLS = lib.listFromEnv('SAVED_CELLS', lib.QUICK ? QUICK_CELLS : FULL_CELLS).map(parseCell)
const RUNS = lib.sizeFromEnv('SAVED_RUNS', 1)
const WRITERS = lib.listFromEnv('SAVED_WRITERS', ['addon', 'kept', 'original'])
const LABELS = { addon: 'this addon', kept: 'this addon, every session kept', original: 'original module' }
/** The kept writer's descriptor budget: more than any cell needs, so no session is suspended. */
const KEPT_BUDGET = 1e6
/** The kept writer's index memory budget: more than any cell needs, so no index is filed away. */
const KEPT_INDEX_MEMORY = 2 ** 50
/** Descriptors a kept session may hold (log, batch record, index, index spare). */
const DESCRIPTORS_PER_KEPT_SESSION = 4
/** Descriptors left for the process itself under the limit. */
const DESCRIPTORS_SPARE = 64
/**
 * Memory a writer holds per checkpoint of each session, about (RSS over sessions × checkpoints,
 * measured at 100,000 checkpoints): this addon keeps a session's index as values and as text
 * pieces (and, before suspended sessions resumed cheaply, gave little of it back when suspended:
 * 9.4 GB for 200 sessions at the default budgets), the original its parsed index. Only to skip a writer the machine cannot hold.
 */
const BYTES_PER_CHECKPOINT = { addon: 500, kept: 500, original: 200 }
/** The share of the machine's available memory one process may be expected to take. */
const MEMORY_SHARE = 0.6
/** The children's heap limit: the original's parsed indexes of the largest cell pass Node's default. */
const HEAP_LIMIT_MB = 16384
const MB = 1024 * 1024

/** A cell from `sessions:tail:checkpoints[:rounds]`; SAVED_ROUNDS overrides its rounds. */
function parseCell(text) {
  const [sessions, tail, checkpoints, rounds] = text.split(':').map(Number)
  if (![sessions, tail, checkpoints].every((n) => Number.isInteger(n) && n > 0)) throw new Error(`a cell is sessions:tail:checkpoints[:rounds], not ${text}`)
  return { sessions, tail, checkpoints, rounds: Number(process.env.SAVED_ROUNDS) || rounds || 2 }
}

const cellLabel = ({ sessions, tail, checkpoints }) => `${lib.count(sessions)} sessions, ${lib.count(tail)}-event tails, ${lib.count(checkpoints)} checkpoints`

/** Session names of one width, so that every session's bytes are the template's but for the name. */
const sessionName = (i) => `s${String(i).padStart(6, '0')}`
const PLACEHOLDER = sessionName(0).replace(/./g, '#')

/** An event after the last checkpoint: the server's kinds (lib.serverEvent), no checkpoint among them. */
function tailEvent(seq) {
  const event = lib.serverEvent(seq)
  if (event.type !== 'checkpoint') return event
  return { type: 'input', seq, code: `(define x${seq} (+ ${seq} 1))`, timestamp: new Date(1700000000000 + seq * 1000).toISOString() }
}

/**
 * The log and index the original writes for session `name`: the header, `checkpoints`
 * checkpoint lines (seq 0 on), then `tail` events that are not checkpoints; the index as its
 * last call leaves it (`JSON.stringify(index, null, 2)`, every checkpoint at its line's offset).
 */
function sessionTexts(name, checkpoints, tail) {
  const header = JSON.stringify({ type: 'session', version: 1, id: name, created: new Date(0).toISOString() })
  const lines = [header]
  const entries = []
  let offset = Buffer.byteLength(header) + 1
  for (let seq = 0; seq < checkpoints + tail; seq++) {
    const event = seq < checkpoints ? { type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` } : tailEvent(seq)
    const line = JSON.stringify(event)
    if (event.type === 'checkpoint') entries.push({ seq, reason: event.reason, stateId: event.stateId, byteOffset: offset })
    lines.push(line)
    offset += Buffer.byteLength(line) + 1
  }
  const index = JSON.stringify({ sessionId: name, eventCount: checkpoints + tail, checkpoints: entries, states: {}, receipts: {} }, null, 2)
  return { log: `${lines.join('\n')}\n`, index }
}

/** A cell's template: one session's bytes with a placeholder name, and where the name goes in each file. */
function sessionTemplate({ checkpoints, tail }) {
  const { log, index } = sessionTexts(PLACEHOLDER, checkpoints, tail)
  const template = { log: Buffer.from(log), index: Buffer.from(index) }
  for (const file of ['log', 'index']) {
    const at = template[file].indexOf(PLACEHOLDER)
    if (at < 0 || template[file].lastIndexOf(PLACEHOLDER) !== at) throw new Error(`the session name is not once in the ${file} template`)
    template[`${file}NameAt`] = at
  }
  return template
}

/** Writes session `i`'s index (and log, with `withLog`) from the template, its name put in. */
function writeSession(dir, template, i, withLog) {
  const name = sessionName(i)
  const { eventFile, indexFile } = lib.sessionPaths(dir, name)
  template.index.write(name, template.indexNameAt)
  fs.writeFileSync(indexFile, template.index)
  if (withLog) {
    template.log.write(name, template.logNameAt)
    fs.writeFileSync(eventFile, template.log)
  }
}

/** Writes every session of the cell into `dir`, then flushes them so that their write-back does not fall into the rounds. */
function createSessions(dir, template, sessions) {
  for (let i = 0; i < sessions; i++) writeSession(dir, template, i, true)
  execFileSync('sync', ['-f', dir])
}

/** Puts the sessions back as created: every other file removed, the logs cut to their length, the indexes written again. */
function restoreSessions(dir, template, sessions) {
  for (const name of fs.readdirSync(dir)) if (!name.endsWith('.jsonl')) fs.rmSync(path.join(dir, name), { recursive: true, force: true })
  for (let i = 0; i < sessions; i++) {
    fs.truncateSync(lib.sessionPaths(dir, sessionName(i)).eventFile, template.log.length)
    writeSession(dir, template, i, false)
  }
  execFileSync('sync', ['-f', dir])
}

/**
 * Checks that sessionTexts writes what the original writes: a small session made by both, the
 * original given the same header and then the events, must be the same bytes.
 */
async function checkAgainstOriginal() {
  const { OriginalIncrementalWriter } = require('../__test__/oracle/original-writer')
  await lib.withTempDir('iw-saved-check-', async (dir) => {
    const name = sessionName(7)
    const checkpoints = 3
    const tail = 25
    const { log, index } = sessionTexts(name, checkpoints, tail)
    const { eventFile, indexFile } = lib.sessionPaths(dir, name)
    fs.writeFileSync(eventFile, log.slice(0, log.indexOf('\n') + 1))
    const original = new OriginalIncrementalWriter(eventFile, indexFile)
    for (let seq = 0; seq < checkpoints + tail; seq++) {
      await original.appendEvents([seq < checkpoints ? { type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` } : tailEvent(seq)])
    }
    if (fs.readFileSync(eventFile, 'utf8') !== log) throw new Error('the sessions written for the bench differ from the original: log')
    if (fs.readFileSync(indexFile, 'utf8') !== index) throw new Error('the sessions written for the bench differ from the original: index')
  })
}

/** Checks one written session with this addon's verify(): its index is what its log implies. */
async function verifyCreated(dir, { checkpoints, tail }) {
  const { verify } = require('..')
  const { eventFile, indexFile } = lib.sessionPaths(dir, sessionName(0))
  const found = await verify(eventFile, indexFile)
  if (!found.ok || found.checkpoints !== checkpoints || found.events !== checkpoints + tail) {
    throw new Error(`a session written for the bench does not verify: ${JSON.stringify(found)}`)
  }
}

/** One writer's rounds on the cell's sessions in `dir`; prints one JSON line: ms per call, each round's, RSS. */
async function child([writerName, dir, sessionsText, checkpointsText, tailText, roundsText]) {
  const Writer = lib.loadWriter(writerName === 'kept' ? 'addon' : writerName)
  if (writerName === 'kept') {
    require('..').setDescriptorBudget(KEPT_BUDGET)
    require('..').setIndexMemoryBudget(KEPT_INDEX_MEMORY)
  }
  const [sessions, checkpoints, tail, rounds] = [sessionsText, checkpointsText, tailText, roundsText].map(Number)
  const writers = Array.from({ length: sessions }, (_, i) => {
    const { eventFile, indexFile } = lib.sessionPaths(dir, sessionName(i))
    return new Writer(eventFile, indexFile)
  })
  const perRound = []
  let secondRoundMsPerCall
  // Rounds 0 and 1 warm up, and are not counted: each writer's first call opens its session, and
  // (at the default budgets) each session's first suspension takes its parsed index as text, once
  // per session; the second round's time is reported on its own.
  for (let round = 0; round <= rounds + 1; round++) {
    const seq = checkpoints + tail + round
    let wallNs = 0n
    for (const writer of writers) {
      const events = [tailEvent(seq)]
      const start = process.hrtime.bigint()
      await writer.appendEvents(events)
      wallNs += process.hrtime.bigint() - start
    }
    if (round > 1) perRound.push(Number(wallNs) / 1e6 / sessions)
    else if (round === 1) secondRoundMsPerCall = Number(wallNs) / 1e6 / sessions
    else global.gc()
  }
  const result = { msPerCall: lib.median(perRound), roundsMsPerCall: perRound, secondRoundMsPerCall, rssMb: process.memoryUsage().rss / MB }
  process.stdout.write(`${JSON.stringify(result)}\n`)
  // The writers are not closed: the process ends here, as the server's sessions stay open.
  process.exit(0)
}

/** The hard limit of open files of this process (children can raise their soft limit to it). */
const hardFileLimit = () => Number(/^Max open files\s+\S+\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1]) || Infinity

/** The memory the machine has available now (MemAvailable), in bytes. */
const availableMemory = () => Number(/^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1]) * 1024 || os.freemem()

/** Why `writer` cannot run `cell` on this machine, or undefined. */
function skipReason(writer, cell) {
  const needed = cell.sessions * DESCRIPTORS_PER_KEPT_SESSION + DESCRIPTORS_SPARE
  const limit = hardFileLimit()
  if (writer === 'kept' && needed > limit) return `skipped: ${lib.count(cell.sessions)} sessions kept open need about ${lib.count(needed)} descriptors, the hard limit is ${lib.count(limit)}`
  const memory = cell.sessions * cell.checkpoints * BYTES_PER_CHECKPOINT[writer]
  const available = availableMemory()
  if (memory > MEMORY_SHARE * available) return `skipped: would hold about ${(memory / 2 ** 30).toFixed(1)} GB, ${(available / 2 ** 30).toFixed(1)} GB available`
  return undefined
}

/** Runs one writer on the cell's sessions in a fresh process; a failure is returned, with why. */
async function runWriter(writer, dir, cell) {
  const args = ['--child', writer, dir, ...[cell.sessions, cell.checkpoints, cell.tail, cell.rounds].map(String)]
  const started = Date.now()
  try {
    const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS || ''} --max-old-space-size=${HEAP_LIMIT_MB}`.trim() }
    const result = await lib.runNode(__filename, args, { env, fileLimit: writer === 'kept' ? 'hard' : undefined })
    const rounds = result.roundsMsPerCall.map((round) => round.toFixed(2)).join(', ')
    console.error(`  ${LABELS[writer]}: ${ms(result)} ms/call (counted rounds ${rounds}; second warm-up round ${result.secondRoundMsPerCall.toFixed(2)}), ${((Date.now() - started) / 1000).toFixed(0)} s`)
    return result
  } catch (err) {
    console.error(`${cellLabel(cell)}, ${LABELS[writer]}: ${err.message}`)
    return { failed: err.message }
  }
}

/**
 * Every cell: its sessions written once (skipped, saying why, with too little free disk), then
 * every writer `runs` times, interleaved, each in a fresh process on the sessions as written;
 * the sessions deleted after the cell. Returns { runs, cells: [{ ...cell, logBytes, indexBytes, skipped?, writers }] }.
 */
async function measureSaved(runs = RUNS) {
  const unknown = WRITERS.filter((writer) => !LABELS[writer])
  if (unknown.length > 0) throw new Error(`no writer ${unknown.join(', ')} in SAVED_WRITERS: ${Object.keys(LABELS).join(', ')}`)
  await checkAgainstOriginal()
  const cells = []
  for (const cell of CELLS) {
    const template = sessionTemplate(cell)
    const result = { ...cell, logBytes: template.log.length, indexBytes: template.index.length, writers: {} }
    cells.push(result)
    const bytes = cell.sessions * (template.log.length + template.index.length)
    const { bavail, bsize } = fs.statfsSync(os.tmpdir())
    if (bavail * bsize < 2 * bytes) {
      result.skipped = `skipped: ${(bytes / MB).toFixed(0)} MB of sessions, ${((bavail * bsize) / MB).toFixed(0)} MB free in ${os.tmpdir()}`
      console.log(`${cellLabel(cell)}: ${result.skipped}`)
      continue
    }
    await lib.withTempDir('iw-saved-', async (dir) => {
      const started = Date.now()
      createSessions(dir, template, cell.sessions)
      await verifyCreated(dir, cell)
      console.log(`${cellLabel(cell)}: ${size(bytes)} of sessions written in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      const records = Object.fromEntries(WRITERS.map((writer) => [writer, []]))
      const skipped = Object.fromEntries(WRITERS.map((writer) => [writer, skipReason(writer, cell)]))
      let used = false
      for (let run = 0; run < runs; run++) {
        for (const writer of WRITERS.filter((w) => !skipped[w])) {
          if (used) restoreSessions(dir, template, cell.sessions)
          used = true
          records[writer].push(await runWriter(writer, dir, cell))
        }
      }
      for (const writer of WRITERS) {
        const reason = skipped[writer]
        const failed = records[writer].find((record) => record.failed)
        result.writers[writer] = reason ? { skipped: reason } : failed ? { failed: failed.failed } : lib.medians(records[writer])
      }
    })
  }
  return { runs, cells }
}

const ms = (s) => (s?.msPerCall === undefined ? '' : s.msPerCall.toFixed(2))
const mb = (s) => (s?.rssMb === undefined ? '' : s.rssMb.toFixed(0))
/** a ÷ b, to two significant digits below 1 (0.04×), else to one decimal (1.4×). */
function ratio(a, b) {
  if (!a?.msPerCall || !b?.msPerCall) return ''
  const value = a.msPerCall / b.msPerCall
  return `${value < 1 ? value.toPrecision(2) : value.toFixed(1)}×`
}
const why = (s) => s?.skipped || (s?.failed && `failed: ${s.failed}`) || ''
const size = (bytes) => (bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} KB`)
const sizes = (cell) => `log ${size(cell.logBytes)}, index ${size(cell.indexBytes)}`

/** The lines run.js and this script print. */
function describeSaved({ runs, cells }) {
  const lines = [`Sessions saved in turn: wall ms per 1-event call, medians of ${runs} run${runs === 1 ? '' : 's'}; RSS after the rounds`]
  for (const cell of cells) {
    lines.push(`  ${cellLabel(cell)} (${sizes(cell)}, ${cell.rounds} rounds)${cell.skipped ? `: ${cell.skipped}` : ''}`)
    for (const [writer, s] of Object.entries(cell.writers)) {
      lines.push(`    ${LABELS[writer].padEnd(32)} ${why(s) || `${ms(s).padStart(8)} ms/call  rss ${mb(s).padStart(5)} MB`}`)
    }
    if (!cell.skipped) lines.push(`    original ÷ addon ${ratio(cell.writers.original, cell.writers.addon)}  addon ÷ kept ${ratio(cell.writers.addon, cell.writers.kept)}`)
  }
  return lines.join('\n')
}

/** The table for docs/performance.md. */
function savedTable({ runs, cells }) {
  const rows = [
    `Sessions saved in turn: every session gets one awaited 1-event call in turn, each round; wall ms per call (the median of the rounds after two uncounted ones, in which each session is opened and, at the default budgets, suspended once; medians of ${runs} run${runs === 1 ? '' : 's'}, each writer in a fresh process); RSS after the rounds. "Kept": this addon with \`setDescriptorBudget(1e6)\`, which keeps every session open.`,
    '',
    '| sessions, tail events, checkpoints | files per session | rounds | this addon ms/call | kept ms/call | original ms/call | RSS MB: addon, kept, original | original ÷ addon | addon ÷ kept | note |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |',
  ]
  for (const cell of cells) {
    const { addon, kept, original } = cell.writers
    const notes = cell.skipped ? cell.skipped : Object.entries(cell.writers).filter(([, s]) => why(s)).map(([writer, s]) => `${LABELS[writer]}: ${why(s)}`).join('; ')
    rows.push(
      `| ${lib.count(cell.sessions)}, ${lib.count(cell.tail)}, ${lib.count(cell.checkpoints)} | ${sizes(cell)} | ${cell.rounds} | ${ms(addon)} | ${ms(kept)} | ${ms(original)} | ${[addon, kept, original].map(mb).join(', ')} | ${ratio(original, addon)} | ${ratio(addon, kept)} | ${notes} |`,
    )
  }
  return rows.join('\n')
}

module.exports = { measureSaved, describeSaved, savedTable }

if (require.main === module) lib.runAsProgram({ child, measure: measureSaved, describe: (result) => `${describeSaved(result)}\n\n${savedTable(result)}` })

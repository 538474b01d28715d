'use strict'
// Helpers every benchmark shares, not a benchmark itself: medians, sizes from the environment,
// temporary directories removed however the process ends, a clock of wall and main-thread
// time, child processes that report one JSON line, a seeded random generator, the writers
// compared, and the server-like events, states and pre-grown sessions the scenarios write.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { performance } = require('node:perf_hooks')

/** The middle value; of an even count, the upper of the two middle ones. */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Key by key, the median of the numbers that records hold under that key (others skipped). */
function medians(records) {
  const keys = [...new Set(records.flatMap((record) => Object.keys(record)))]
  const numbers = (key) => records.map((record) => record[key]).filter((value) => typeof value === 'number')
  return Object.fromEntries(keys.filter((key) => numbers(key).length > 0).map((key) => [key, median(numbers(key))]))
}

/** `BENCH_QUICK=1`: every new scenario at a small size, to see that it works. */
const QUICK = process.env.BENCH_QUICK === '1'

/** A number from the environment variable `name`, else the full or the quick default. */
const sizeFromEnv = (name, full, quick = full) => Number(process.env[name] || (QUICK ? quick : full))

/** A list from the comma-separated environment variable `name`, else `fallback`. */
const listFromEnv = (name, fallback) => (process.env[name] ? process.env[name].split(',') : fallback)

const madeDirs = new Set()

/** A fresh directory in os.tmpdir(), removed at exit (also after an error or Ctrl-C) if not before. */
function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  madeDirs.add(dir)
  return dir
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true })
  madeDirs.delete(dir)
}

/** Runs `fn(dir)` with a fresh temporary directory and removes it after. */
async function withTempDir(prefix, fn) {
  const dir = tempDir(prefix)
  try {
    return await fn(dir)
  } finally {
    removeDir(dir)
  }
}

process.on('exit', () => {
  for (const dir of madeDirs) fs.rmSync(dir, { recursive: true, force: true })
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(128 + os.constants.signals[signal]))
}

/**
 * Starts a clock; calling what it returns gives the wall time and the main thread's busy time
 * (`performance.eventLoopUtilization().active`) since the start, both in ms. Main-thread time
 * counts only once the event loop runs: start it from a callback, not the script's first tick.
 */
function startClock() {
  const loop = performance.eventLoopUtilization()
  const start = process.hrtime.bigint()
  return () => ({ wallMs: Number(process.hrtime.bigint() - start) / 1e6, mainMs: performance.eventLoopUtilization(loop).active })
}

/** Resolves after the event loop has turned once (so that a clock started next counts). */
const loopStarted = () => new Promise((resolve) => setImmediate(resolve))

/**
 * Runs `node --expose-gc script ...args` in a process of its own and resolves with the JSON of
 * the last line it prints; its stderr goes to ours. `fileLimit: 'hard'` first raises the
 * child's soft limit of open files to the hard limit, through the shell's `ulimit -n`.
 */
function runNode(script, args = [], { env, fileLimit } = {}) {
  const argv = [process.execPath, '--expose-gc', script, ...args]
  const [command, commandArgs] = fileLimit
    ? ['/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...argv]]
    : [argv[0], argv.slice(1)]
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (text) => (out += text))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`${path.basename(script)} ${args.join(' ')} exited with ${signal || code}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()))
      } catch {
        reject(new Error(`${path.basename(script)} ${args.join(' ')} printed no JSON line: ${out.slice(-200)}`))
      }
    })
  })
}

/** A seeded generator of numbers in [0, 1) (mulberry32): the same work for every writer. */
function seededRandom(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The writers compared, by name, loaded only when asked for (a child loads one). */
const WRITERS = {
  addon: () => require('..').IncrementalWriter,
  original: () => require('../__test__/oracle/original-writer').OriginalIncrementalWriter,
  careful: () => require('./baselines/careful-writer').CarefulJsWriter,
  roundtrip: () => require('./baselines/round-trip').LibuvRoundTrip,
}
const LABELS = { addon: 'this addon', original: 'original module', careful: 'careful pure JS', roundtrip: 'libuv round trip only' }

function loadWriter(name) {
  if (!WRITERS[name]) throw new Error(`no writer ${name}: ${Object.keys(WRITERS).join(', ')}`)
  return WRITERS[name]()
}

/** The server's kinds of event, about 110 bytes each; every tenth a checkpoint. */
function serverEvent(seq) {
  const timestamp = new Date(1700000000000 + seq * 1000).toISOString()
  switch (seq % 10) {
    case 9:
      return { type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` }
    case 3:
      return { type: 'llm_req', seq, prompt: `Summarize note ${seq}`, receiptKey: `r-${seq}` }
    case 4:
      return { type: 'llm_resp', seq, response: `Note ${seq}: done.`, receiptKey: `r-${seq}`, tokens: 12 }
    case 6:
      return { type: 'output', seq, value: `"result ${seq}"`, timestamp }
    default:
      return { type: 'input', seq, code: `(define x${seq} (+ ${seq} 1))`, timestamp }
  }
}

/** REPL-like text (quotes and newlines, which JSON escapes) to cut event texts from. */
const FILLER = '(define (area r) "the area of a circle"\n  (* 3.14159 r r))\n(area 2)\n'.repeat(200)

/**
 * An event of the server's kinds whose line is 100 B to 5 KB long (log-uniform), drawn with
 * `random`: one in ten a checkpoint, the others input, output, LLM request and response, error.
 */
function mixedEvent(seq, random) {
  const timestamp = new Date(1700000000000 + seq * 1000).toISOString()
  const kind = random()
  if (kind < 0.1) return { type: 'checkpoint', seq, reason: random() < 0.8 ? 'auto' : 'manual', stateId: `state-${seq}` }
  const text = FILLER.slice(0, Math.max(0, Math.round(100 * 50 ** random()) - 90))
  if (kind < 0.45) return { type: 'input', seq, code: text, timestamp }
  if (kind < 0.75) return { type: 'output', seq, value: text, timestamp }
  if (kind < 0.85) return { type: 'llm_req', seq, prompt: text, receiptKey: `r-${seq}` }
  if (kind < 0.95) return { type: 'llm_resp', seq, response: text, receiptKey: `r-${seq}`, tokens: text.length >> 2 }
  return { type: 'error', seq, message: text, timestamp }
}

/** A REPL machine state: `vars` variables of about 100 bytes of JSON each (100: 10 KB). */
function machineState(id, vars = 100) {
  return { id, env: Object.fromEntries(Array.from({ length: vars }, (_, k) => [`var${k}`, `value ${id}-${k} `.padEnd(80, '.')])) }
}

/**
 * The text of a session's log and index after `count` checkpoints (seq 0 to count - 1, one
 * line each, every one in the index at its line's offset), as if a writer had grown it.
 */
function grownSessionTexts(count, sessionId = 's0') {
  const lines = [JSON.stringify({ type: 'session', version: 1, id: sessionId, created: new Date(0).toISOString() })]
  const checkpoints = []
  let offset = Buffer.byteLength(lines[0]) + 1
  for (let seq = 0; seq < count; seq++) {
    const event = { type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` }
    const line = JSON.stringify(event)
    checkpoints.push({ seq, reason: event.reason, stateId: event.stateId, byteOffset: offset })
    lines.push(line)
    offset += Buffer.byteLength(line) + 1
  }
  const index = JSON.stringify({ sessionId, eventCount: count, checkpoints, states: {}, receipts: {} }, null, 2)
  return { log: lines.join('\n') + '\n', index }
}

/** Writes a session grown to `count` checkpoints (see grownSessionTexts). */
function seedSession(eventFile, indexFile, count, sessionId) {
  const { log, index } = grownSessionTexts(count, sessionId)
  fs.writeFileSync(eventFile, log)
  fs.writeFileSync(indexFile, index)
}

/** The log's and the index's paths of session `name` in `dir`. */
const sessionPaths = (dir, name) => ({ eventFile: path.join(dir, `${name}.jsonl`), indexFile: path.join(dir, `${name}.index.json`) })

/** "1,000" */
const count = (n) => n.toLocaleString('en')

/**
 * Runs a bench script that was started as a program: `--child <args>` runs its part in a child
 * process (`child`), otherwise `measure` runs the whole and `describe` prints what it found.
 */
function runAsProgram({ child, measure, describe }) {
  const args = process.argv.slice(2)
  const done = args[0] === '--child' ? child(args.slice(1)) : measure().then((result) => console.log(describe(result)))
  done.catch((err) => {
    console.error(err)
    process.exit(1)
  })
}

module.exports = {
  runAsProgram,
  median,
  medians,
  QUICK,
  sizeFromEnv,
  listFromEnv,
  tempDir,
  removeDir,
  withTempDir,
  startClock,
  loopStarted,
  runNode,
  seededRandom,
  LABELS,
  loadWriter,
  serverEvent,
  mixedEvent,
  machineState,
  grownSessionTexts,
  seedSession,
  sessionPaths,
  count,
}

'use strict'
// The power-loss suite (`npm run test:power-loss`). For each durability mode and power-cut
// model, rounds of: tools/powercut-fs mounted over the session's directory; a child writer
// (writer-child.js) appending overlapping calls; the child killed (SIGKILL) at a random moment,
// or the power cut at an armed sync (the n-th sync of the log, the batch record, the index's
// spare or the directory, counted from the round's start, which may be a new session's first call);
// the cut; then, on the directory as the cut left it, a new writer opens the session and
// appends once (checks.js), and the session is checked as the server would read it.
//
// Needs root and /dev/fuse (it mounts a FUSE file system); elsewhere it says so and exits 0.
// Environment: POWER_LOSS_ROUNDS (rounds per mode and model, 16 by default), POWER_LOSS_SEED,
// POWER_LOSS_MODES and POWER_LOSS_MODELS (comma-separated subsets), POWER_LOSS_KEEP (a directory
// where the files of each failing round are kept as the cut left them).

const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { random } = require('../helpers')
const { PowerCutMount } = require('./powercut')
const { probe, checkSession } = require('./checks')

const root = path.resolve(__dirname, '..', '..')
const toolDir = path.join(root, 'tools', 'powercut-fs')
const tool = path.join(toolDir, 'target', 'release', 'powercut-fs')
const child = path.join(__dirname, 'writer-child.js')

const ROUNDS = Number(process.env.POWER_LOSS_ROUNDS || 16)
const SEED = Number(process.env.POWER_LOSS_SEED || 17)
const list = (value, all) => (value ? value.split(',').filter((item) => all.includes(item)) : all)
const MODES = list(process.env.POWER_LOSS_MODES, ['none', 'data', 'full'])
const MODELS = list(process.env.POWER_LOSS_MODELS, ['strict', 'dirents', 'data', 'prefix', 'subset', 'dirents+prefix'])
/** Where to keep, as the cut left them, the files of each round that fails (unset: nowhere). */
const KEEP = process.env.POWER_LOSS_KEEP
/** The promises each mode makes across a power cut: every other finding is counted, not failed. */
const ENFORCED = {
  none: ['reopen', 'bad line', 'seq gap', 'index'],
  data: ['reopen', 'bad line', 'seq gap', 'index', 'lost event'],
  full: ['reopen', 'bad line', 'seq gap', 'index', 'lost event', 'partial batch'],
}
/** How long an armed round waits for its sync before killing the writer all the same. */
const ARMED_WAIT_MS = 1500

/** Copies a session's files as the cut left them to `into`. */
function keepSession(dir, name, into) {
  fs.mkdirSync(into, { recursive: true })
  for (const file of fs.readdirSync(dir)) if (file.startsWith(`${name}.`)) fs.copyFileSync(path.join(dir, file), path.join(into, file))
}

/** Why the suite cannot run here, or null. */
function whySkipped() {
  if (process.platform !== 'linux') return 'it mounts a FUSE file system, on Linux only'
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'it mounts a FUSE file system and must run as root'
  if (!fs.existsSync('/dev/fuse')) return 'there is no /dev/fuse'
  return null
}

/** The files a mode syncs, by name, as an armed cut can catch them. */
function syncTargets(durability, name) {
  if (durability === 'none') return []
  if (durability === 'data') return [`${name}.jsonl`, `${name}.jsonl`, `${name}.jsonl`, '.']
  return [`${name}.jsonl`, `${name}.jsonl.batch`, `${name}.index.json.spare`, '.']
}

/**
 * Runs the child on the mounted session; once it is ready and `stopWhen()` resolves, kills it
 * (SIGKILL) and cuts the power. A child caught in the armed sync cannot die before the cut: FUSE
 * waits for the answer to a request the file system has received, and the cut answers it (EIO),
 * after the kill, so the child never runs again. Resolves to the calls it acknowledged.
 */
function runAndCut(mount, session, durability, firstSeq, width, stopWhen) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, session.eventFile, session.indexFile, durability, String(firstSeq), String(width)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    let cut = null
    let started = false
    const stop = () => {
      cut ??= Promise.resolve().then(() => proc.kill('SIGKILL')).then(() => mount.cut())
      return cut
    }
    proc.stdout.on('data', (chunk) => {
      out += chunk
      if (!started && out.includes('ready\n')) {
        started = true
        stopWhen().then(stop)
      }
    })
    proc.stderr.on('data', (chunk) => (err += chunk))
    proc.on('error', reject)
    proc.on('exit', (code, signal) => {
      const acked = out
        .split('\n')
        .filter((line) => line.startsWith('ack '))
        .map((line) => line.split(' ').map(Number))
        .map(([, first, size]) => ({ first, size }))
      stop().then(() => resolve({ acked, killed: signal === 'SIGKILL', stderr: err, code }), reject)
    })
  })
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The seed of one mode and model's rounds: each cell replays alone (POWER_LOSS_MODES, POWER_LOSS_MODELS). */
function cellSeed(durability, model) {
  let seed = SEED
  for (const char of `${durability}/${model}`) seed = (Math.imul(seed, 31) + char.charCodeAt(0)) >>> 0
  return seed
}

/** One mode and model: its rounds, their counts, and the failures found. */
async function runCell(durability, model, workDir) {
  const next = random(cellSeed(durability, model))
  const started = Date.now()
  const cell = { durability, model, seconds: 0, rounds: 0, kills: 0, armed: 0, acknowledged: 0, lost: 0, reopenFailures: 0, partial: 0, headerless: 0, failures: [] }
  const backing = path.join(workDir, `${durability}-${model}`, 'disk')
  const point = path.join(workDir, `${durability}-${model}`, 'mnt')
  fs.mkdirSync(backing, { recursive: true })
  fs.mkdirSync(point, { recursive: true })
  let name = null
  let nextSeq = 0
  let sessions = 0
  for (let round = 0; round < ROUNDS; round++) {
    const newSession = name === null || next() < 0.4
    if (newSession) {
      name = `s${sessions++}`
      nextSeq = 0
    }
    const targets = syncTargets(durability, name)
    // A new session's first syncs are the narrowest windows (its files' names are new): aim there more.
    const armed = targets.length > 0 && next() < (newSession ? 0.75 : 0.5)
    const target = newSession && next() < 0.5 ? { name: `${name}.jsonl`, nth: 1 } : { name: targets[Math.floor(next() * targets.length)], nth: 1 + Math.floor(next() * (newSession ? 2 : 8)) }
    const arm = armed ? target : null
    const seed = Math.floor(next() * 2 ** 32)
    const mount = await PowerCutMount.mount(tool, backing, point, { model, seed, arm })
    const onMount = { eventFile: path.join(point, `${name}.jsonl`), indexFile: path.join(point, `${name}.index.json`) }
    // Some kills land in the first call (of a new session, when it is one), the rest later.
    const killDelay = next() < 0.3 ? next() * 5 : next() * 150
    let fired = false
    const killWhen = armed
      ? () => Promise.race([mount.armed.then(() => (fired = true)), delay(ARMED_WAIT_MS)])
      : () => delay(killDelay)
    const width = 1 + Math.floor(next() * 3)
    const run = await runAndCut(mount, onMount, durability, nextSeq, width, killWhen)
    if (!run.killed) throw new Error(`the writer ended by itself (${run.code}) in ${durability}/${model} round ${round}: ${run.stderr}`)
    if (fired) cell.armed++
    else cell.kills++

    const session = { eventFile: path.join(backing, `${name}.jsonl`), indexFile: path.join(backing, `${name}.index.json`) }
    const kept = KEEP && path.join(KEEP, `${durability}-${model}-round${round}`)
    if (kept) keepSession(backing, name, kept)
    const probed = await probe(session.eventFile, session.indexFile, durability, round)
    const found = await checkSession({ ...session, durability, round: { firstSeq: nextSeq, acked: run.acked }, probed })
    cell.rounds++
    cell.acknowledged += run.acked.reduce((sum, call) => sum + call.size, 0)
    cell.lost += found.lost
    cell.partial += found.partial
    cell.headerless += found.headerless ? 1 : 0
    if (probed.error) cell.reopenFailures++
    const how = fired ? `cut at ${arm.name} sync #${arm.nth}` : `killed ${armed ? `(armed at ${arm.name} sync #${arm.nth}, not reached)` : `${Math.round(killDelay)} ms after ready`}`
    const failures = found.failures.filter((failure) => ENFORCED[durability].includes(failure.check))
    for (const failure of failures) cell.failures.push({ ...failure, where: `round ${round}, session ${name}${newSession ? ' (new)' : ''}, ${how}, seed ${seed}` })
    if (kept && failures.length === 0) fs.rmSync(kept, { recursive: true, force: true })
    if (failures.length > 0 || probed.error) {
      name = null // a damaged session is not continued: each failure stands alone
    } else {
      nextSeq = probed.seq + 2
    }
  }
  cell.seconds = Math.round((Date.now() - started) / 1000)
  return cell
}

function table(cells) {
  const head = ['mode', 'model', 'seconds', 'rounds', 'kills', 'armed cuts', 'acknowledged', 'lost', 'reopen failures', 'partial batches', 'headerless', 'failed checks']
  const rows = cells.map((c) => {
    const byCheck = {}
    for (const f of c.failures) byCheck[f.check] = (byCheck[f.check] || 0) + 1
    const failed = Object.entries(byCheck).map(([check, n]) => `${check} ×${n}`).join(', ') || 'none'
    return [c.durability, c.model, c.seconds, c.rounds, c.kills, c.armed, c.acknowledged, c.lost, c.reopenFailures, c.partial, c.headerless, failed].map(String)
  })
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const line = (cols) => `| ${cols.map((col, i) => col.padEnd(widths[i])).join(' | ')} |`
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

async function main() {
  const skipped = whySkipped()
  if (skipped) {
    console.log(`power-loss suite skipped: ${skipped} (see README, "Power loss")`)
    return 0
  }
  // The tool's own tests first (they mount it too); they build the binary the rounds use.
  execFileSync('cargo', ['test', '--release', '--locked', '--quiet', '--manifest-path', path.join(toolDir, 'Cargo.toml')], { stdio: 'inherit' })
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-power-loss-'))
  const started = Date.now()
  const cells = []
  try {
    for (const durability of MODES) {
      for (const model of MODELS) {
        const cell = await runCell(durability, model, workDir)
        cells.push(cell)
        console.log(`${durability}/${model}: ${cell.rounds} rounds, ${cell.failures.length} failed checks`)
      }
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true })
  }
  console.log(`\npower-loss suite: ${ROUNDS} rounds per mode and model, seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
  console.log(table(cells))
  const failed = cells.filter((cell) => cell.failures.length > 0)
  for (const cell of failed) {
    console.log(`\n${cell.durability}/${cell.model}: ${cell.failures.length} failed checks`)
    const shown = new Map()
    for (const f of cell.failures) if (!shown.has(f.check)) shown.set(f.check, f)
    for (const f of shown.values()) console.log(`  ${f.check}: ${f.message}\n    (${f.where}; ${cell.failures.filter((g) => g.check === f.check).length} in all)`)
  }
  return failed.length > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(2)
  },
)

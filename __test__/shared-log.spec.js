'use strict'
// Lines appended to the log behind the writer while its calls are in flight (the server's
// appendFileSync, from this process or another) are all kept, whole, and indexed; the writer's
// own calls stay whole and in call order, and nothing is cut aside as torn.
// Larger runs: SHARED_CALLS=20000 SHARED_CHILD_LINES=20000 npx jest __test__/shared-log.spec.js

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession, auditSession, exited } = require('./helpers')

const CALLS = Number(process.env.SHARED_CALLS || 4000)
const CHILD_LINES = Number(process.env.SHARED_CHILD_LINES || 4000)
/** Un-awaited calls made before waiting for all of them. */
const BURST = 50
const appendChild = path.join(__dirname, 'fixtures', 'append-child.js')

let session
beforeEach(() => {
  session = tempSession('shared')
})
afterEach(() => session.remove())

/** The writer's call number `call`: two events with seqs 3·call and 3·call + 1, one in ten events a checkpoint. */
function writerBatch(call) {
  const seq = 3 * call
  const second = call % 5 === 0 ? { type: 'checkpoint', seq: seq + 1, reason: 'auto', stateId: `writer-${seq + 1}`, call } : { type: 'output', seq: seq + 1, call, value: 'é'.repeat(call % 9) }
  return [{ type: 'input', seq, call, code: `(+ ${call} 1)` }, second]
}

/** A line the server appends behind the writer, with a seq of its own; every 7th a checkpoint. */
function foreignLine(n, seq) {
  const event = n % 7 === 0 ? { type: 'checkpoint', seq, reason: 'shutdown', stateId: `foreign-${seq}`, by: 'shutdown' } : { type: 'input', seq, by: 'shutdown' }
  return JSON.stringify(event) + '\n'
}

/** Makes the writer's calls `first` to `first + count - 1` without awaiting them, awaits `between(call)` after each, then waits for all; records which resolved. */
async function burst(writer, first, count, outcome, between = async () => {}) {
  const pending = []
  for (let call = first; call < first + count; call++) {
    pending.push(
      writer.appendEvents(writerBatch(call)).then(
        () => outcome.acknowledged.push(call),
        (err) => outcome.rejected.push(`call ${call}: ${err.code} ${err.message}`),
      ),
    )
    await between(call)
  }
  await Promise.all(pending)
}

/**
 * Everything the shared log must hold: the session agrees with its index, every acknowledged
 * call is there once with its two events adjacent and in call order, every foreign line is there
 * once, and nothing was set aside as torn. Closes the writer first, so that the check reads
 * the final files.
 */
async function expectSharedLog(writer, outcome, foreignSeqs) {
  const byteOffset = writer.getByteOffset()
  await writer.close()
  const { lines, problems } = await auditSession(session.eventFile, session.indexFile)
  const where = new Map()
  const duplicated = []
  lines.forEach(({ event }, position) => {
    if (event == null || typeof event.seq !== 'number') return
    if (where.has(event.seq)) duplicated.push(event.seq)
    where.set(event.seq, position)
  })
  const lostEvents = []
  const splitCalls = []
  const outOfOrder = []
  let previous = -1
  for (const call of [...outcome.acknowledged].sort((a, b) => a - b)) {
    const [first, second] = writerBatch(call).map((event) => where.get(event.seq))
    if (first === undefined || second === undefined) lostEvents.push(...writerBatch(call).filter((event) => !where.has(event.seq)).map((event) => event.seq))
    else if (second !== first + 1) splitCalls.push(`call ${call}: lines ${first} and ${second}`)
    if (first !== undefined && first < previous) outOfOrder.push(call)
    if (first !== undefined) previous = first
  }
  const lostForeign = foreignSeqs.filter((seq) => !where.has(seq))
  const torn = fs.readdirSync(session.dir).filter((name) => name.includes('.torn-'))
  const size = fs.statSync(session.eventFile).size

  const sample = (list) => list.slice(0, 5)
  expect({
    rejectedCalls: outcome.rejected.length,
    firstRejected: sample(outcome.rejected),
    lostAcknowledgedEvents: lostEvents.length,
    firstLost: sample(lostEvents),
    lostForeignLines: lostForeign.length,
    firstLostForeign: sample(lostForeign),
    duplicatedSeqs: duplicated.length,
    splitCalls: sample(splitCalls),
    callsOutOfOrder: sample(outOfOrder),
    tornFiles: torn.length,
    firstTorn: sample(torn),
    byteOffsetWithinFile: byteOffset <= size,
    problems,
  }).toEqual({
    rejectedCalls: 0,
    firstRejected: [],
    lostAcknowledgedEvents: 0,
    firstLost: [],
    lostForeignLines: 0,
    firstLostForeign: [],
    duplicatedSeqs: 0,
    splitCalls: [],
    callsOutOfOrder: [],
    tornFiles: 0,
    firstTorn: [],
    byteOffsetWithinFile: true,
    problems: [],
  })
  expect(outcome.acknowledged).toHaveLength(outcome.calls)
  return lines
}

it(`keeps every line this process appends behind ${CALLS} in-flight calls`, async () => {
  const writer = new IncrementalWriter(session.eventFile, session.indexFile)
  const outcome = { calls: CALLS, acknowledged: [], rejected: [] }
  const foreignSeqs = []
  const appendBehind = async (call) => {
    // Calls made in one turn leave for the pool together once the turn's code yields: yield
    // once, so that this append lands while the writer is storing the calls made so far.
    await Promise.resolve()
    const seq = 3 * call + 2
    fs.appendFileSync(session.eventFile, foreignLine(foreignSeqs.length, seq))
    foreignSeqs.push(seq)
  }
  // The first call creates the log with its header; the lines behind the writer come after it.
  await burst(writer, 0, 1, outcome)
  for (let first = 1; first < CALLS; first += BURST) await burst(writer, first, Math.min(BURST, CALLS - first), outcome, appendBehind)
  const lines = await expectSharedLog(writer, outcome, foreignSeqs)
  // The appends did race the writer: within some burst, a line appended behind it lies between
  // two of that burst's calls.
  const burstOf = (call) => Math.floor((call - 1) / BURST)
  const callsOfBurst = new Map()
  lines.forEach(({ event }, position) => {
    if (!event || typeof event.call !== 'number' || event.call === 0) return
    const [firstAt, lastAt] = callsOfBurst.get(burstOf(event.call)) || [position, position]
    callsOfBurst.set(burstOf(event.call), [Math.min(firstAt, position), Math.max(lastAt, position)])
  })
  const raced = lines.filter(({ event }, position) => {
    if (!event || event.by !== 'shutdown') return false
    const [firstAt, lastAt] = callsOfBurst.get(burstOf((event.seq - 2) / 3)) || [Infinity, -Infinity]
    return firstAt < position && position < lastAt
  })
  expect(raced.length).toBeGreaterThan(0)
}, 120_000)

it(`keeps every line another process appends while the writer makes its calls`, async () => {
  const writer = new IncrementalWriter(session.eventFile, session.indexFile)
  const outcome = { calls: 0, acknowledged: [], rejected: [] }
  // The writer's first call creates the log with its header; then the child starts appending.
  await burst(writer, 0, 1, outcome)
  outcome.calls = 1
  const firstForeign = 10_000_000
  const child = spawn(process.execPath, [appendChild, session.eventFile, String(firstForeign), String(CHILD_LINES)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const childExit = exited(child)
  await new Promise((resolve) => child.stdout.once('data', resolve))
  let finished = false
  childExit.then(() => (finished = true))
  // Bursts until the child is done, at least CALLS / 4 calls.
  while (!finished || outcome.calls < CALLS / 4) {
    await burst(writer, outcome.calls, BURST, outcome)
    outcome.calls += BURST
  }
  expect(await childExit).toEqual({ code: 0, signal: null })
  const foreignSeqs = Array.from({ length: CHILD_LINES }, (_, i) => firstForeign + i)
  const lines = await expectSharedLog(writer, outcome, foreignSeqs)
  // The child's lines and the writer's calls did overlap: some calls landed among the child's lines.
  const byChild = lines.map(({ event }, position) => (event && event.by === 'child' ? position : -1)).filter((position) => position >= 0)
  const among = lines.slice(byChild[0], byChild[byChild.length - 1]).filter(({ event }) => event && typeof event.call === 'number')
  expect(among.length).toBeGreaterThan(0)
}, 120_000)

'use strict'
// Following a session: events({ follow: true }) catches up from a checkpoint, then yields each
// batch once it is stored, from a writer in another process too, never a batch being written or
// cut short by a crash; it ends on break, on an AbortSignal, and with a coded error when the log
// is truncated or replaced; a slow consumer holds a bounded amount.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, SessionReader } = require('incremental-writer')
const { storedEventLines } = require('../lib/log-follower')
const { findBatch } = require('../lib/stored-end')
const { readBatchRecord } = require('../lib/batch-record')
const { tempSession, writeLog, exited, auditSession } = require('./helpers')

const writerChild = path.join(__dirname, 'fixtures', 'follow-writer-child.js')
const crashChild = path.join(__dirname, 'fixtures', 'batch-crash-child.js')

let session
beforeEach(() => {
  session = tempSession('followed')
})
afterEach(() => session.remove())

/** Runs the writer child: `batches` batches of `perBatch` events from `firstSeq`; resolves once it exits. */
function writeInChild(firstSeq, batches, perBatch = 1) {
  const args = [writerChild, session.eventFile, session.indexFile, firstSeq, batches, perBatch].map(String)
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  return exited(proc).then(({ code }) => expect(code).toBe(0))
}

/** Input events with seqs `from` up to (not including) `to`. */
const inputs = (from, to) => Array.from({ length: to - from }, (_, i) => ({ type: 'input', seq: from + i, code: `(+ ${from + i} 1)` }))

/** Collects what `iterator` yields until an event with `lastSeq` (or the end); resolves to the seqs. */
async function seqsUntil(iterator, lastSeq) {
  const seqs = []
  for await (const event of iterator) {
    seqs.push(event.seq)
    if (event.seq === lastSeq) break
  }
  return seqs
}

/** `{ done }`, which resolves once a read of a log at byte `position` has returned bytes. */
async function readAt(position) {
  const probe = await fs.promises.open(__filename, 'r')
  const fileHandle = Object.getPrototypeOf(probe)
  await probe.close()
  const read = fileHandle.read
  let seen
  const done = new Promise((resolve) => (seen = resolve))
  const spy = jest.spyOn(fileHandle, 'read').mockImplementation(async function (...args) {
    const result = await read.apply(this, args)
    if (args[3] === position && result.bytesRead > 0) {
      spy.mockRestore()
      seen()
    }
    return result
  })
  return { done }
}

/** How many file-system watchers the process holds. */
function watchers() {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'FSEventWrap').length
}

it('catches up from a checkpoint, then yields every event of 10,000 batches another process appends, once and in order', async () => {
  const writer = new IncrementalWriter(session.eventFile, session.indexFile)
  await writer.appendEvents(inputs(0, 40))
  await writer.appendEvents([{ type: 'checkpoint', seq: 40, reason: 'auto', stateId: 'state-40' }, ...inputs(41, 100)])
  await writer.close()
  const follower = new SessionReader(session.eventFile).events({ fromCheckpoint: 'state-40', follow: true })
  const followed = seqsUntil(follower, 10_099)
  await writeInChild(100, 10_000)
  expect(await followed).toEqual(Array.from({ length: 10_060 }, (_, i) => 40 + i))
})

it('follows the writer restarting, and a writer of this process through its own events()', async () => {
  const writer = new IncrementalWriter(session.eventFile, session.indexFile)
  await writer.appendEvents(inputs(0, 10))
  const followed = seqsUntil(writer.events({ follow: true }), 309)
  await writer.appendEvents(inputs(10, 100))
  await writer.close()
  await writeInChild(100, 50, 2)
  await writeInChild(200, 10, 11)
  // The header line first, then every event.
  expect(await followed).toEqual([undefined, ...Array.from({ length: 310 }, (_, i) => i)])
})

it('yields lines others append behind the writer in place', async () => {
  const writer = new IncrementalWriter(session.eventFile, session.indexFile)
  await writer.appendEvents(inputs(0, 2))
  const follower = writer.events({ follow: true, fromSeq: 0 })
  expect((await follower.next()).value.seq).toBe(0)
  fs.appendFileSync(session.eventFile, JSON.stringify({ type: 'output', seq: 2, value: 'from a shutdown append' }) + '\n')
  await writer.appendEvents(inputs(3, 4))
  await writer.close()
  const rest = []
  for await (const event of follower) if ((rest.push(event.seq), event.seq === 3)) break
  expect(rest).toEqual([1, 2, 3])
})

describe('a batch cut short is never yielded', () => {
  it('holds a batch the log holds only the start of, and yields what the next writer stores instead', async () => {
    writeLog(session.eventFile, inputs(0, 3))
    const size = fs.statSync(session.eventFile).size
    const cut = inputs(100, 103).map((event) => JSON.stringify(event) + '\n').join('')
    // The record of a batch, then its start in the log, as a writer killed mid-write leaves them.
    fs.writeFileSync(`${session.eventFile}.batch`, `incremental-writer batch 1 ${size} ${cut.length}\n${cut}`)
    fs.appendFileSync(session.eventFile, cut.slice(0, cut.length - 10))
    const follower = new SessionReader(session.eventFile).events({ follow: true })
    // The follower has read every whole line of the log when it yields the last stored event.
    for (const seq of [undefined, 0, 1, 2]) expect((await follower.next()).value.seq).toBe(seq)
    const next = follower.next()
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents(inputs(3, 4))
    await writer.close()
    expect((await next).value.seq).toBe(3)
    await follower.return()
  })

  it('holds a batch cut at a page boundary with others\' lines after it', () => {
    const batch = Buffer.from(inputs(0, 200).map((event) => JSON.stringify(event) + '\n').join(''))
    const base = 100
    const log = Buffer.concat([Buffer.alloc(base - 1, 0x20), Buffer.from('\n'), batch.subarray(0, 4096 - base), Buffer.from('{"type":"foreign"}\n')])
    const window = { start: base - 1, bytes: log.subarray(base - 1) }
    expect(findBatch({ base, bytes: batch }, window, log.length)).toEqual({ held: true, start: base })
    const whole = Buffer.concat([Buffer.alloc(base - 1, 0x20), Buffer.from('\n'), batch])
    expect(findBatch({ base, bytes: batch }, { start: base - 1, bytes: whole.subarray(base - 1) }, whole.length)).toEqual({ stored: true, start: base })
  })

  it('reads the record\'s header leniently: the first two numbers after its name', () => {
    const batch = '{"type":"input"}\n'
    const record = `${session.eventFile}.batch`
    const read = (header) => (fs.writeFileSync(record, `${header}\n${batch}`), readBatchRecord(record))
    for (const header of ['incremental-writer batch 1 7 17', 'incremental-writer batch 1 7 17 4242', 'incremental-writer batch 1  7 17 pid=4242']) {
      expect(read(header)).toEqual({ base: 7, bytes: Buffer.from(batch) })
    }
    for (const header of ['incremental-writer batch 2 7 17', 'incremental-writer batch 1 7', 'incremental-writer batch 1 x 17', 'incremental-writer batch 1 7 18']) {
      expect(read(header)).toBe(null)
    }
  })

  it('reads only the recorded batch of a record a larger batch left longer', () => {
    const record = `${session.eventFile}.batch`
    const batch = '{"type":"input"}\n'
    fs.writeFileSync(record, `incremental-writer batch 1 7 ${batch.length}\n${batch}${'x'.repeat(4 << 20)}`)
    const readSync = jest.spyOn(fs, 'readSync')
    try {
      expect(readBatchRecord(record)).toEqual({ base: 7, bytes: Buffer.from(batch) })
      const bytesAsked = readSync.mock.calls.reduce((sum, [, , , length]) => sum + length, 0)
      expect(bytesAsked).toBeLessThan(4096)
    } finally {
      readSync.mockRestore()
    }
  })

  it('a batch the writer finishes and follows with a record of the next one while the follower looks is yielded whole', async () => {
    writeLog(session.eventFile, inputs(0, 3))
    const lines = (from, to) => inputs(from, to).map((event) => JSON.stringify(event) + '\n').join('')
    const record = `${session.eventFile}.batch`
    const recordBatch = (batch) => fs.writeFileSync(record, `incremental-writer batch 1 ${fs.statSync(session.eventFile).size} ${batch.length}\n${batch}`)
    const batch = lines(3, 6)
    recordBatch(batch)
    fs.appendFileSync(session.eventFile, batch.slice(0, batch.length - 20))
    // The writer ends the batch and records the next one just as the follower first reads the record.
    const openSync = jest.spyOn(fs, 'openSync').mockImplementation(function (file, ...rest) {
      if (file === record) {
        openSync.mockRestore()
        fs.appendFileSync(session.eventFile, batch.slice(batch.length - 20))
        recordBatch(lines(6, 7))
      }
      return fs.openSync(file, ...rest)
    })
    const follower = new SessionReader(session.eventFile).events({ follow: true })
    for (const seq of [undefined, 0, 1, 2]) expect((await follower.next()).value.seq).toBe(seq)
    const followed = seqsUntil(follower, 6)
    fs.appendFileSync(session.eventFile, lines(6, 7))
    fs.rmSync(record)
    expect(await followed).toEqual([3, 4, 5, 6])
  })

  it('a line another process is still appending is yielded once it is whole', async () => {
    writeLog(session.eventFile, inputs(0, 1))
    const line = JSON.stringify(inputs(1, 2)[0]) + '\n'
    fs.appendFileSync(session.eventFile, line.slice(0, 10))
    const follower = new SessionReader(session.eventFile).events({ follow: true })
    for (const seq of [undefined, 0]) expect((await follower.next()).value.seq).toBe(seq)
    const next = follower.next()
    fs.appendFileSync(session.eventFile, line.slice(10))
    expect((await next).value.seq).toBe(1)
    await follower.return()
  })

  it('never yields part of a call across SIGKILLs mid-write', async () => {
    const whole = (id) => Array.from({ length: 200 }, (_, i) => id * 10000 + i)
    for (let round = 0; round < 3; round++) {
      let live
      await killMidWrite(round, () => {
        live = seqsOfCalls(new SessionReader(session.eventFile).events({ follow: true }), 'marker')
      })
      // A follower started after the kill yields the calls the log holds whole, then waits: the
      // next event it yields is the next writer's, which takes the cut batch back.
      const { lines } = await auditSession(session.eventFile, session.indexFile)
      const stored = lines.filter(({ event }) => event && (event.type === 'session' || lines.filter((line) => line.event && line.event.call === event.call).length === 200))
      const late = new SessionReader(session.eventFile).events({ follow: true })
      for (const { event } of stored) expect((await late.next()).value).toEqual(event)
      const next = late.next()
      const writer = new IncrementalWriter(session.eventFile, session.indexFile)
      await writer.appendEvents([{ type: 'marker', seq: 9_000_000 + round }])
      await writer.close()
      expect((await next).value).toEqual({ type: 'marker', seq: 9_000_000 + round })
      await late.return()
      for (const [id, seqs] of await live) expect({ id, seqs }).toEqual({ id, seqs: whole(id) })
      fs.rmSync(session.eventFile)
      fs.rmSync(session.indexFile)
    }
  })
})

/** The seqs of each call a follower yields before an event of type `until`, by call id. */
async function seqsOfCalls(iterator, until) {
  const calls = new Map()
  for await (const event of iterator) {
    if (event.type === until) break
    if (typeof event.call !== 'number') continue
    if (!calls.has(event.call)) calls.set(event.call, [])
    calls.get(event.call).push(event.seq)
  }
  return calls
}

/**
 * Runs the crash child (calls of 200 × 2 KB events), calls `started` once it has stored a call,
 * lets it write on for a moment, and SIGKILLs it once the log is seen mid-write.
 */
async function killMidWrite(round, started) {
  const args = [crashChild, session.eventFile, session.indexFile, 'async', '200', '2048', String((round + 1) * 1000)]
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve) => proc.stdout.once('data', resolve))
  started()
  await new Promise((resolve) => setTimeout(resolve, 10 * round))
  const fd = fs.openSync(session.eventFile, 'r')
  const last = Buffer.alloc(1)
  try {
    for (let tries = 0; tries < 200_000; tries++) {
      const { size } = fs.fstatSync(fd)
      if (fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 10) break
    }
  } finally {
    proc.kill('SIGKILL')
    fs.closeSync(fd)
  }
  await exited(proc)
}

describe('ending', () => {
  beforeEach(async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents(inputs(0, 5))
    await writer.close()
  })

  it('break closes the file and stops watching', async () => {
    const before = watchers()
    for await (const event of new SessionReader(session.eventFile).events({ follow: true, fromSeq: 2 })) {
      expect(watchers()).toBe(before + 1)
      if (event.seq === 4) break
    }
    expect(watchers()).toBe(before)
  })

  it('an AbortSignal ends a follower waiting for the next batch with an AbortError', async () => {
    const controller = new AbortController()
    const before = watchers()
    const followed = []
    const following = (async () => {
      for await (const event of new SessionReader(session.eventFile).events({ follow: true, signal: controller.signal })) {
        followed.push(event.seq)
        if (event.seq === 4) setImmediate(() => controller.abort(new Error('client gone')))
      }
    })()
    await expect(following).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: { message: 'client gone' } })
    expect(followed).toEqual([undefined, 0, 1, 2, 3, 4])
    expect(watchers()).toBe(before)
    const aborted = AbortSignal.abort()
    await expect(new SessionReader(session.eventFile).events({ follow: true, signal: aborted }).next()).rejects.toMatchObject({ code: 'ABORT_ERR' })
  })

  it('a truncated log ends it with ERR_LOG_TRUNCATED', async () => {
    const follower = new SessionReader(session.eventFile).events({ follow: true, fromSeq: 4 })
    expect((await follower.next()).value.seq).toBe(4)
    const waiting = follower.next()
    fs.truncateSync(session.eventFile, 10)
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_LOG_TRUNCATED', path: session.eventFile })
  })

  it('a log rewritten longer before the follower looks ends it with ERR_LOG_TRUNCATED too', async () => {
    const follower = new SessionReader(session.eventFile).events({ follow: true, fromSeq: 4 })
    expect((await follower.next()).value.seq).toBe(4)
    const waiting = follower.next()
    writeLog(session.eventFile, inputs(100, 110))
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_LOG_TRUNCATED', path: session.eventFile })
  })

  it('a cut that takes out only lines that are no events (a NUL tail set aside) is read past', async () => {
    const follower = new SessionReader(session.eventFile).events({ follow: true, fromSeq: 4 })
    expect((await follower.next()).value.seq).toBe(4)
    const size = fs.statSync(session.eventFile).size
    const readPast = await readAt(size)
    const waiting = follower.next()
    fs.appendFileSync(session.eventFile, '\0\0\0\0\n')
    await readPast.done
    // The follower has read the NUL line and passed over it; then it is set aside.
    await new Promise(setImmediate)
    fs.truncateSync(session.eventFile, size)
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents(inputs(5, 6))
    await writer.close()
    expect((await waiting).value.seq).toBe(5)
    await follower.return()
  })

  it('a rotated log: the old file\'s stored lines, then ERR_LOG_REPLACED', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    const follower = writer.events({ follow: true, fromSeq: 4 })
    expect((await follower.next()).value.seq).toBe(4)
    await writer.appendEvents(inputs(5, 8))
    await writer.close()
    fs.renameSync(session.eventFile, `${session.eventFile}.1`)
    const next = new IncrementalWriter(session.eventFile, session.indexFile)
    await next.appendEvents(inputs(100, 101))
    await next.close()
    const rest = []
    await expect(
      (async () => {
        for await (const event of follower) rest.push(event.seq)
      })(),
    ).rejects.toMatchObject({ code: 'ERR_LOG_REPLACED', path: session.eventFile })
    expect(rest).toEqual([5, 6, 7])
  })

  it('refuses options it cannot use', async () => {
    const reader = new SessionReader(session.eventFile)
    await expect(reader.events({ follow: 'yes' }).next()).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
    await expect(reader.events({ follow: true, signal: {} }).next()).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
    await expect(reader.events({ follow: true, fromOffset: 3 }).next()).rejects.toMatchObject({ code: 'ERR_NOT_A_CHECKPOINT' })
  })
})

it('polls when it does not watch, with the same events', async () => {
  writeLog(session.eventFile, inputs(0, 2))
  const followed = (async () => {
    const seqs = []
    for await (const { event } of storedEventLines(session.eventFile, { follow: true, watch: false, pollMs: 5 })) {
      seqs.push(event.seq)
      if (event.seq === 99) return seqs
    }
  })()
  await writeInChild(2, 49, 2)
  expect(await followed).toEqual([undefined, ...Array.from({ length: 100 }, (_, i) => i)])
})

it('a slow consumer holds at most a chunk: nothing more is read until it asks', async () => {
  const probe = await fs.promises.open(__filename, 'r')
  const fileHandle = Object.getPrototypeOf(probe)
  await probe.close()
  let bytesRead = 0
  const read = fileHandle.read
  const spy = jest.spyOn(fileHandle, 'read').mockImplementation(async function (...args) {
    const result = await read.apply(this, args)
    bytesRead += result.bytesRead
    return result
  })
  try {
    const pad = 'x'.repeat(1000)
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    for (let call = 0; call < 100; call++) await writer.appendEvents(inputs(call * 10, call * 10 + 10).map((event) => ({ ...event, pad })))
    const follower = writer.events({ follow: true })
    await follower.next()
    const afterFirst = bytesRead
    // About 1 MB in the log; the follower has read a chunk of it and the last batch's bytes.
    expect(afterFirst).toBeLessThan(64 * 1024 + 2 * 11 * 1024 + 2 * 4096)
    for (let call = 100; call < 300; call++) await writer.appendEvents(inputs(call * 10, call * 10 + 10).map((event) => ({ ...event, pad })))
    expect(bytesRead).toBe(afterFirst)
    let seen = 0
    for await (const event of follower) if (++seen, event.seq === 2999) break
    expect(seen).toBe(3000)
    await writer.close()
  } finally {
    spy.mockRestore()
  }
})

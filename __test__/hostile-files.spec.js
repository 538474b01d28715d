'use strict'
// Hostile files at the session's paths: a symlink or a FIFO planted at the index's spare, a
// device, FIFO or directory as the log or the index, the log and the index at one path. The
// writer writes nothing through them, refuses them quickly with a clear error (no hang, no
// unbounded read) and leaves the session as it was; a symlinked log to a regular file works.
// Calls that could hang run in a child (__test__/fixtures/hostile-probe.js) that is killed after.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession, logLines, readOrNull, auditSession, probeInChild } = require('./helpers')

const probe = path.join(__dirname, 'fixtures', 'hostile-probe.js')
/** How long a refusal may take, in the child; a child that has not answered a little later is taken as hung. */
const QUICK_MS = 5000
const PROBE_TIMEOUT_MS = QUICK_MS + 1000

let session
let elsewhere
beforeEach(() => {
  session = tempSession()
  elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-elsewhere-'))
})
afterEach(() => {
  session.remove()
  fs.rmSync(elsewhere, { recursive: true, force: true })
})

const checkpoint = (seq) => [{ type: 'checkpoint', seq, reason: 'auto', stateId: `s${seq}` }]

/** What a rejected call must leave: the log and the index as they were, both regular files (or absent). */
function snapshot() {
  const kind = (file) => {
    try {
      const stat = fs.lstatSync(file)
      return stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'symlink' : 'other'
    } catch {
      return 'absent'
    }
  }
  const text = (file) => {
    const bytes = readOrNull(file)
    return bytes && bytes.toString('utf8')
  }
  return { log: text(session.eventFile), logKind: kind(session.eventFile), index: text(session.indexFile), indexKind: kind(session.indexFile) }
}

/**
 * What a probe saw, in words that compare: how the call settled, its error's code (and path,
 * when `withPath`), whether it took under QUICK_MS and whether RSS grew by under 200 MB.
 */
function refusalSeen(result, withPath) {
  if (result.hung) return { outcome: `no answer within ${result.hung} ms` }
  if (result.outcome === 'memory') return { outcome: `still running after ${result.ms} ms, RSS grown by ${result.rssGrowthMB} MB` }
  const seen = { outcome: result.outcome, code: result.code }
  if (withPath) seen.path = result.path
  seen.took = result.ms < QUICK_MS ? 'quickly' : `${result.ms} ms`
  seen.rss = result.rssGrowthMB < 200 ? 'grew under 200 MB' : `grew ${result.rssGrowthMB} MB`
  return seen
}

/** Settles a call to `{ resolved: true }` or `{ code, path, isError }`. */
function outcome(call) {
  return call.then(
    () => ({ resolved: true }),
    (err) => ({ code: err.code, path: err.path, isError: err instanceof Error }),
  )
}

describe('a symlink planted at the spare', () => {
  const precious = 'precious bytes that are not the index\n'

  it('writes nothing through it: the call that meets it rejects with ERR_NOT_A_FILE and changes nothing', async () => {
    const victim = path.join(elsewhere, 'victim.txt')
    fs.writeFileSync(victim, precious)
    const spare = `${session.indexFile}.spare`
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents(checkpoint(0))
    fs.rmSync(spare, { force: true })
    fs.symlinkSync(victim, spare)

    const before = snapshot()
    const first = await outcome(writer.appendEvents(checkpoint(1)))
    expect({ first, victim: fs.readFileSync(victim, 'utf8'), unchanged: snapshot() }).toEqual({
      first: { code: 'ERR_NOT_A_FILE', path: spare, isError: true },
      victim: precious,
      unchanged: before,
    })
    // Later calls may go on refusing (leaving the files as they were) or go on past the spare.
    for (let seq = 2; seq < 5; seq++) {
      const beforeCall = snapshot()
      const later = await outcome(writer.appendEvents(checkpoint(seq)))
      if (later.resolved) continue
      expect({ seq, later, unchanged: snapshot() }).toEqual({ seq, later: { code: 'ERR_NOT_A_FILE', path: spare, isError: true }, unchanged: beforeCall })
    }
    await writer.close()
    expect(fs.readFileSync(victim, 'utf8')).toBe(precious)
    expect(fs.lstatSync(session.indexFile).isFile()).toBe(true)
    expect((await auditSession(session.eventFile, session.indexFile)).problems).toEqual([])
  })

  it('writes nothing through one planted before the first call', async () => {
    const victim = path.join(elsewhere, 'victim.txt')
    fs.writeFileSync(victim, precious)
    const spare = `${session.indexFile}.spare`
    fs.symlinkSync(victim, spare)
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    const before = snapshot()
    const first = await outcome(writer.appendEvents(checkpoint(0)))
    expect(fs.readFileSync(victim, 'utf8')).toBe(precious)
    if (!first.resolved) expect({ first, unchanged: snapshot() }).toEqual({ first: { code: 'ERR_NOT_A_FILE', path: spare, isError: true }, unchanged: before })
    await writer.appendEvents(checkpoint(1)).catch(() => {})
    await writer.close()
    expect(fs.readFileSync(victim, 'utf8')).toBe(precious)
    if (fs.existsSync(session.indexFile)) expect(fs.lstatSync(session.indexFile).isFile()).toBe(true)
  })
})

it('refuses a FIFO planted at the spare with ERR_NOT_A_FILE, without hanging', async () => {
  const result = await probeInChild(probe, [session.eventFile, session.indexFile, 'spare-fifo'], { timeoutMs: PROBE_TIMEOUT_MS })
  expect(refusalSeen(result, false)).toEqual({ outcome: 'rejected', code: 'ERR_NOT_A_FILE', took: 'quickly', rss: 'grew under 200 MB' })
})

describe('a log or an index that is not a regular file', () => {
  /** Files created beside a device, which must not happen: /dev is no place for a session's files. */
  const besideDevices = () => fs.readdirSync('/dev').filter((name) => /^(zero|full)\./.test(name))

  // The last column: whether the error's path must be the log's (decided for ERR_NOT_A_FILE on a log).
  it.each([
    ['/dev/zero as the log', () => ({ log: '/dev/zero' }), 'ERR_NOT_A_FILE', true],
    ['/dev/full as the log', () => ({ log: '/dev/full' }), 'ERR_NOT_A_FILE', true],
    ['a FIFO as the log', () => ({ log: fifo(session.eventFile) }), 'ERR_NOT_A_FILE', true],
    ['a directory as the log', () => ({ log: directory(session.eventFile) }), 'EISDIR', false],
    ['a FIFO as the index', () => ({ index: fifo(session.indexFile) }), 'ERR_NOT_A_FILE', false],
    ['a directory as the index', () => ({ index: directory(session.indexFile) }), 'EISDIR', false],
  ])('refuses %s quickly, without reading it into memory', async (_, make, code, pathIsLog) => {
    const before = besideDevices()
    const { log = session.eventFile, index = session.indexFile } = make()
    const result = await probeInChild(probe, [log, index], { timeoutMs: PROBE_TIMEOUT_MS })
    const refusal = pathIsLog ? { outcome: 'rejected', code, path: log } : { outcome: 'rejected', code }
    expect(refusalSeen(result, pathIsLog)).toEqual({ ...refusal, took: 'quickly', rss: 'grew under 200 MB' })
    expect(besideDevices()).toEqual(before)
  })

  function fifo(file) {
    execFileSync('mkfifo', [file])
    return file
  }

  function directory(file) {
    fs.mkdirSync(file)
    return file
  }
})

it('follows a log that is a symlink to a regular file: the events land in the target', async () => {
  const target = path.join(elsewhere, 'target.jsonl')
  fs.writeFileSync(target, '')
  fs.symlinkSync(target, session.eventFile)
  const writer = new IncrementalWriter(session.eventFile, session.indexFile)
  const events = [{ type: 'input', seq: 0, code: '(+ 1 2)' }, ...checkpoint(1), { type: 'output', seq: 2, value: '3' }]
  await writer.appendEvents(events.slice(0, 2))
  await writer.appendEvents(events.slice(2))
  await writer.close()
  expect(fs.lstatSync(session.eventFile).isSymbolicLink()).toBe(true)
  // The target existed (empty), so, as with the original module, the log gets no header.
  expect(logLines(target).map((line) => JSON.parse(line))).toEqual(events)
  expect((await auditSession(session.eventFile, session.indexFile, { header: false })).problems).toEqual([])
})

describe('the log and the index at one path', () => {
  it('refuses the same path for both with ERR_INVALID_ARG_VALUE', () => {
    const construct = () => new IncrementalWriter(session.eventFile, session.eventFile)
    expect(construct).toThrow(TypeError)
    expect(construct).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  })

  it('refuses an index path that is a symlink to the log', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents(checkpoint(0))
    await writer.close()
    const link = path.join(session.dir, 'link.index.json')
    fs.symlinkSync(session.eventFile, link)
    const log = fs.readFileSync(session.eventFile)
    const construct = () => new IncrementalWriter(session.eventFile, link)
    expect(construct).toThrow(TypeError)
    expect(construct).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(fs.readFileSync(session.eventFile)).toEqual(log)
  })
})

'use strict'
// Durability observed, not assumed: the writer's fdatasync and fsync calls, counted by strace
// while it stores CALLS awaited 1-event calls, are what the README says each mode syncs.
//   none: nothing;
//   data: the log, once per call (fdatasync), and the name of each file the writer creates (the
//         log, the batch record, the index), once, by an fsync of their directory;
//   full: the log (fdatasync), and per call the batch's record, the index's spare before it is
//         swapped in, and the directory after (fsync); the names of new files as with data.
// The first call's names are durable before the log is written: a power cut can then neither
// lose a session's every event nor leave a batch in the log without its record.

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { tempSession } = require('./helpers')

const root = path.resolve(__dirname, '..')
const CALLS = 20

const SCRIPT = `
  const { IncrementalWriter } = require(${JSON.stringify(root)})
  const [log, index, durability, calls] = process.argv.slice(1)
  ;(async () => {
    const writer = new IncrementalWriter(log, index, { durability })
    // The first call creates the files; the counted calls each append a line and rewrite the index.
    await writer.appendEvents([{ type: 'input', seq: 0 }])
    process.stdout.write('start\\n')
    for (let seq = 1; seq <= Number(calls); seq++) await writer.appendEvents([{ type: 'input', seq }])
  })()`

/** How many times each sync call was made while the counted calls ran. */
function syncsDuring(durability) {
  const session = tempSession()
  try {
    const trace = path.join(session.dir, 'trace')
    const run = spawnSync('strace', ['-f', '-qq', '-e', 'trace=fsync,fdatasync,write', '-o', trace, process.execPath, '-e', SCRIPT, session.eventFile, session.indexFile, durability, String(CALLS)], { encoding: 'utf8' })
    if (run.error) throw new Error(`strace is needed for this test (apt-get install strace): ${run.error.message}`)
    expect(run.status).toBe(0)
    // Only what follows the child's "start" line counts.
    const lines = fs.readFileSync(trace, 'utf8').split('\n')
    const counted = lines.slice(lines.findIndex((line) => line.includes('write(1, "start')))
    const count = (name) => counted.filter((line) => new RegExp(`\\b${name}\\(`).test(line)).length
    return { fdatasync: count('fdatasync'), fsync: count('fsync') }
  } finally {
    session.remove()
  }
}

const FIRST_CALL = `
  const { IncrementalWriter } = require(${JSON.stringify(root)})
  const [log, index, durability] = process.argv.slice(1)
  const writer = new IncrementalWriter(log, index, { durability })
  process.stdout.write('start\\n')
  writer.appendEvents([{ type: 'input', seq: 0 }]).then(() => process.stdout.write('end\\n'))`

/** The first call's file creations, syncs and log writes, in order, as [call, path]. */
function firstCallTrace(durability) {
  const session = tempSession()
  try {
    const trace = path.join(session.dir, 'trace')
    const run = spawnSync('strace', ['-f', '-qq', '-y', '-e', 'trace=openat,fsync,fdatasync,write', '-o', trace, process.execPath, '-e', FIRST_CALL, session.eventFile, session.indexFile, durability], { encoding: 'utf8' })
    expect(run.status).toBe(0)
    const lines = fs.readFileSync(trace, 'utf8').split('\n')
    const during = lines.slice(lines.findIndex((line) => line.includes('write(1') && line.includes('"start')), lines.findIndex((line) => line.includes('write(1') && line.includes('"end')))
    const inSession = (line) => line.includes(session.dir)
    return during.filter(inSession).flatMap((line) => {
      const created = /openat\(.*"([^"]+)", [^)]*O_CREAT/.exec(line)
      if (created) return [['create', path.basename(created[1])]]
      const call = /\b(fsync|fdatasync|write)\(\d+<([^>]+)>/.exec(line)
      return call ? [[call[1], call[2] === session.dir ? 'directory' : path.basename(call[2])]] : []
    })
  }  finally {
    session.remove()
  }
}

beforeAll(() => {
  execFileSync('strace', ['-V'], { stdio: 'ignore' })
})

it('none syncs nothing', () => {
  expect(syncsDuring('none')).toEqual({ fdatasync: 0, fsync: 0 })
})

it('data flushes the log once per call and nothing else', () => {
  expect(syncsDuring('data')).toEqual({ fdatasync: CALLS, fsync: 0 })
})

it('full also flushes the batch record, the index and its directory on every call', () => {
  expect(syncsDuring('full')).toEqual({ fdatasync: CALLS, fsync: 3 * CALLS })
})

describe('the first call of a new session', () => {
  for (const durability of ['data', 'full']) {
    it(`${durability} makes the log's, the batch record's and the index's names durable, the record's before the log is written`, () => {
      const calls = firstCallTrace(durability)
      const directorySyncs = calls.filter(([call, file]) => call === 'fsync' && file === 'directory')
      expect(directorySyncs).toHaveLength(3)
      const recordCreated = calls.findIndex(([call, file]) => call === 'create' && file === 'session.jsonl.batch')
      const logWritten = calls.findIndex(([call, file]) => call === 'write' && file === 'session.jsonl')
      expect(recordCreated).toBeGreaterThan(-1)
      expect(logWritten).toBeGreaterThan(recordCreated)
      expect(calls.slice(recordCreated, logWritten)).toContainEqual(['fsync', 'directory'])
    })
  }

  it('none syncs no name', () => {
    expect(firstCallTrace('none').filter(([call]) => call === 'fsync' || call === 'fdatasync')).toEqual([])
  })
})

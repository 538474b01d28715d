'use strict'
// Durability observed, not assumed: the writer's fdatasync and fsync calls, counted by strace
// while it stores CALLS awaited 1-event calls, are what the README says each mode syncs.
//   none: nothing;
//   data: the log, once per call (fdatasync);
//   full: the log (fdatasync), and per call the batch's record, the index's spare before it is
//         swapped in, and the directory after (fsync).

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

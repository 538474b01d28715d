'use strict'
// The end of the process stores every call already made: on process.exit(), the end of the event
// loop and an uncaught exception, calls in flight finish, calls still queued are stored on the
// spot, and the files made beside each session are removed.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { tempSession, logLines } = require('./helpers')

const PACKAGE = JSON.stringify(path.resolve(__dirname, '..'))

/** Runs `script` in a fresh Node with the session directory as its argument; returns the child's result. */
function runChild(script, dir) {
  return spawnSync(process.execPath, ['-e', script, dir], { encoding: 'utf8' })
}

let session
beforeEach(() => {
  session = tempSession()
})
afterEach(() => session.remove())

describe('at the end of the process', () => {
  const endings = [
    ['process.exit()', 'process.exit(0)', 0],
    ['an uncaught exception', "throw new Error('the end')", 1],
    ['the end of the event loop', '', 0],
  ]

  it.each(endings)('%s stores the 48 events of a call still queued, and removes the side files', (_name, ending, status) => {
    const child = runChild(
      `const { IncrementalWriter } = require(${PACKAGE})
      const dir = process.argv[1]
      const writer = new IncrementalWriter(dir + '/s.jsonl', dir + '/s.index.json')
      writer.appendEvents(Array.from({ length: 48 }, (_, seq) => ({ type: seq % 8 === 7 ? 'checkpoint' : 'input', seq, reason: 'r', stateId: 's' + seq })))
      ${ending}`,
      session.dir,
    )
    expect(child.status).toBe(status)
    const events = logLines(path.join(session.dir, 's.jsonl')).map((line) => JSON.parse(line)).filter((event) => event.type !== 'session')
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 48 }, (_, seq) => seq))
    const index = JSON.parse(fs.readFileSync(path.join(session.dir, 's.index.json'), 'utf8'))
    expect(index.eventCount).toBe(48)
    expect(index.checkpoints.map((entry) => entry.seq)).toEqual([7, 15, 23, 31, 39, 47])
    expect(fs.readdirSync(session.dir).sort()).toEqual(['s.index.json', 's.jsonl'])
  })

  it('says on stderr which call could not be stored at exit', () => {
    const child = runChild(
      `const { IncrementalWriter } = require(${PACKAGE})
      const dir = process.argv[1] + '/missing'
      new IncrementalWriter(dir + '/s.jsonl', dir + '/s.index.json').appendEvents([{ type: 'input', seq: 0 }])
      process.exit(0)`,
      session.dir,
    )
    expect(child.stderr).toMatch(/^incremental-writer: a call could not be stored at exit: ENOENT: no such file or directory, open '.*missing\/s\.jsonl'\n$/)
  })

  it('process.exit() with 300 sessions, each with a call in flight and one queued, stores both and leaves no side file', () => {
    const child = runChild(
      `const { IncrementalWriter } = require(${PACKAGE})
      const dir = process.argv[1]
      const writers = Array.from({ length: 300 }, (_, n) => new IncrementalWriter(dir + '/s' + n + '.jsonl', dir + '/s' + n + '.index.json'))
      for (const writer of writers) writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 'a' }])
      // The turn ends, the calls leave for libuv's pool; the next ones wait in the queue.
      setImmediate(() => {
        for (const writer of writers) writer.appendEvents([{ type: 'input', seq: 1 }])
        process.exit(0)
      })`,
      session.dir,
    )
    expect(child.stderr).toBe('')
    const files = fs.readdirSync(session.dir)
    expect(files.filter((file) => !/^s\d+\.(jsonl|index\.json)$/.test(file))).toEqual([])
    for (let n = 0; n < 300; n++) {
      const seqs = logLines(path.join(session.dir, `s${n}.jsonl`)).map((line) => JSON.parse(line).seq)
      expect(seqs).toEqual([undefined, 0, 1])
      expect(JSON.parse(fs.readFileSync(path.join(session.dir, `s${n}.index.json`), 'utf8')).eventCount).toBe(2)
    }
  })
})

'use strict'
// Drop-in at the edges: the server's habits that the original module allows must work the same
// here, byte for byte where the original is the reference.

const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, setDescriptorBudget, verify } = require('incremental-writer')
const { OriginalIncrementalWriter } = require('./oracle/original-writer')
const { tempSession } = require('./helpers')

let sessions
beforeEach(() => {
  sessions = { ours: tempSession('s'), original: tempSession('s') }
})
afterEach(() => {
  jest.useRealTimers()
  for (const session of Object.values(sessions)) session.remove()
})

/** The same calls on this writer and on the original; both sessions' files, as text. */
async function bothWrite(calls, prepare = () => {}) {
  const files = {}
  for (const [name, Writer] of [['ours', IncrementalWriter], ['original', OriginalIncrementalWriter]]) {
    const { eventFile, indexFile } = sessions[name]
    prepare(eventFile)
    const writer = new Writer(eventFile, indexFile)
    for (const events of calls) await writer.appendEvents(events, {})
    if (writer.close) await writer.close()
    files[name] = { log: fs.readFileSync(eventFile, 'utf8'), index: fs.readFileSync(indexFile, 'utf8') }
  }
  return files
}

const CALLS = [[{ type: 'input', seq: 0, code: '(+ 1 2)' }], [{ type: 'checkpoint', seq: 1, reason: 'auto', stateId: 'a' }]]

it("writes the header with the caller's clock, Jest's fake timers included", async () => {
  jest.useFakeTimers({ now: new Date('2020-01-02T03:04:05.678Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
  const files = await bothWrite(CALLS)
  expect(JSON.parse(files.ours.log.split('\n')[0]).created).toBe('2020-01-02T03:04:05.678Z')
  expect(files.ours).toEqual(files.original)
})

it('gives an existing empty log no header, as the original does, so offsets are the same', async () => {
  const files = await bothWrite(CALLS, (eventFile) => fs.writeFileSync(eventFile, ''))
  expect(files.ours.log.startsWith('{"type":"input"')).toBe(true)
  expect(files.ours).toEqual(files.original)
})

it('leaves only the log and the index beside each other after close', async () => {
  const { dir } = sessions.ours
  await bothWrite(CALLS)
  expect(fs.readdirSync(dir).sort()).toEqual(['s.index.json', 's.jsonl'])
  expect(path.basename(sessions.ours.eventFile)).toBe('s.jsonl')
})

describe('one session per log per process', () => {
  /** The server's persistence manager: one writer per session name, never closed. */
  function persistenceManager(dir) {
    const writers = new Map()
    const writer = (name) => writers.get(name) ?? writers.set(name, new IncrementalWriter(path.join(dir, `${name}.jsonl`), path.join(dir, `${name}.index.json`))).get(name)
    return { save: (name, events) => writer(name).appendEvents(events, {}) }
  }

  it('lets a manager started again in the same process save at once, its old writers never closed', async () => {
    const { dir } = sessions.ours
    let seq = 0
    const events = (n) => Array.from({ length: n }, () => (seq % 3 === 2 ? { type: 'checkpoint', seq: seq++, reason: 'auto', stateId: `s${seq}` } : { type: 'input', seq: seq++ }))
    for (let restart = 0; restart < 3; restart++) {
      const manager = persistenceManager(dir)
      await Promise.all(['a', 'b'].map((name) => manager.save(name, events(4))))
      // The server's shutdown path appends behind the writers, which are simply dropped.
      fs.appendFileSync(path.join(dir, 'a.jsonl'), JSON.stringify({ type: 'input', seq: seq++ }) + '\n')
    }
    const manager = persistenceManager(dir)
    await manager.save('a', events(1))
    const log = fs.readFileSync(path.join(dir, 'a.jsonl'))
    const lines = log.toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line))
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'a.index.json'), 'utf8'))
    expect(index.eventCount).toBe(Math.max(...lines.map((line) => line.seq ?? -1)) + 1)
    expect(index.checkpoints.map((entry) => entry.seq)).toEqual(lines.filter((line) => line.type === 'checkpoint').map((line) => line.seq))
    for (const { byteOffset, seq: at } of index.checkpoints) {
      expect(JSON.parse(log.subarray(byteOffset, log.indexOf(10, byteOffset)).toString('utf8'))).toMatchObject({ type: 'checkpoint', seq: at })
    }
  })

  it('lets a writer made per save and dropped save again at once', async () => {
    const { eventFile, indexFile } = sessions.ours
    for (let seq = 0; seq < 5; seq++) await new IncrementalWriter(eventFile, indexFile).appendEvents([{ type: 'input', seq }])
    expect(JSON.parse(fs.readFileSync(indexFile, 'utf8')).eventCount).toBe(5)
  })

  it('lets the session go, lock and files, once its last writer is collected or the process ends', () => {
    const { eventFile, indexFile, dir } = sessions.ours
    const script = `
      const { IncrementalWriter } = require(${JSON.stringify(path.resolve(__dirname, '..'))})
      const fs = require('fs')
      const [log, index, dir] = process.argv.slice(1)
      ;(async () => {
        await new IncrementalWriter(log, index).appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 's' }])
        const whileOpen = fs.readdirSync(dir).length
        for (let i = 0; i < 20 && fs.readdirSync(dir).length > 2; i++) {
          global.gc()
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        const afterGc = fs.readdirSync(dir).sort()
        // A writer still open when the process ends is closed on the way out.
        await new IncrementalWriter(log, index).appendEvents([{ type: 'checkpoint', seq: 1, reason: 'r', stateId: 't' }])
        console.log(JSON.stringify({ whileOpen, afterGc }))
      })()`
    const child = require('node:child_process').spawnSync(process.execPath, ['--expose-gc', '-e', script, eventFile, indexFile, dir], { encoding: 'utf8' })
    expect(child.stderr).toBe('')
    const { whileOpen, afterGc } = JSON.parse(child.stdout)
    expect(whileOpen).toBeGreaterThan(2)
    expect(afterGc).toEqual(['s.index.json', 's.jsonl'])
    expect(fs.readdirSync(dir).sort()).toEqual(['s.index.json', 's.jsonl'])
  })
})

describe('getCachedIndex()', () => {
  it('is the same object until the index changes, and a new one after', async () => {
    const { eventFile, indexFile } = sessions.ours
    const writer = new IncrementalWriter(eventFile, indexFile)
    expect(writer.getCachedIndex()).toBeNull()
    await writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 'a' }])
    const first = writer.getCachedIndex()
    expect(writer.getCachedIndex()).toBe(first)
    expect(new IncrementalWriter(eventFile, indexFile).getCachedIndex()).toBe(first)
    // Changing it changes no file; recordState does.
    first.states.a = 'changed here only'
    await writer.appendEvents([{ type: 'input', seq: 1 }])
    const second = writer.getCachedIndex()
    expect(second).not.toBe(first)
    expect(second).toEqual(JSON.parse(fs.readFileSync(indexFile, 'utf8')))
    expect(second.states).toEqual({})
    await writer.close()
  })

  it('gives the index as of the last completed call without waiting for calls in flight', async () => {
    const { eventFile, indexFile } = sessions.ours
    const writer = new IncrementalWriter(eventFile, indexFile, { durability: 'full' })
    await writer.appendEvents([{ type: 'input', seq: 0 }])
    expect(writer.getCachedIndex().eventCount).toBe(1)
    const calls = Array.from({ length: 100 }, (_, i) => writer.appendEvents([{ type: 'input', seq: i + 1 }]))
    await new Promise((resolve) => setImmediate(resolve))
    // A drain is storing the 100 calls now; the index shown is the last completed one's.
    const during = writer.getCachedIndex().eventCount
    await Promise.all(calls)
    expect(during).toBeLessThan(101)
    expect(writer.getCachedIndex().eventCount).toBe(101)
    await writer.close()
  })
})

describe('a bounded descriptor budget', () => {
  const root = path.resolve(__dirname, '..')
  /** Saves `sessions` sessions `rounds` times each, in turn, in a child; reports what happened. */
  function saveInTurn({ sessions: count, rounds, fileLimit, budget }) {
    const script = `
      const { IncrementalWriter, setDescriptorBudget } = require(${JSON.stringify(root)})
      const fs = require('fs')
      const [dir, count, rounds, budget] = process.argv.slice(1).map((arg, i) => (i === 0 ? arg : Number(arg)))
      if (budget) setDescriptorBudget(budget)
      const openNow = () => fs.readdirSync('/proc/self/fd').length
      const before = openNow()
      const writers = Array.from({ length: count }, (_, i) => new IncrementalWriter(dir + '/s' + i + '.jsonl', dir + '/s' + i + '.index.json'))
      ;(async () => {
        let stored = 0, failed = [], most = 0
        for (let round = 0; round < rounds; round++) {
          for (const [i, writer] of writers.entries()) {
            try {
              await writer.appendEvents([{ type: 'checkpoint', seq: round, reason: 'auto', stateId: 's' + round }])
              stored++
            } catch (err) {
              failed.push(err.code)
            }
            most = Math.max(most, openNow() - before)
          }
        }
        console.log(JSON.stringify({ stored, failed: failed.slice(0, 5), most }))
      })()`
    const limit = fileLimit ? `ulimit -n ${fileLimit} && ` : ''
    const child = require('node:child_process').spawnSync('bash', ['-c', `${limit}exec "$0" -e "$1" "$2" "$3" "$4" "$5"`, process.execPath, script, sessions.ours.dir, String(count), String(rounds), String(budget ?? 0)], { encoding: 'utf8' })
    expect(child.stderr).toBe('')
    return JSON.parse(child.stdout)
  }

  it('suspends idle sessions, index and all, and each goes on where it was: its cached index, its next call', async () => {
    setDescriptorBudget(4)
    try {
      const paths = (name) => [path.join(sessions.ours.dir, `${name}.jsonl`), path.join(sessions.ours.dir, `${name}.index.json`)]
      const [first, second] = [new IncrementalWriter(...paths('a')), new IncrementalWriter(...paths('b'))]
      await first.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'auto', stateId: 'x' }])
      await first.recordState('x', { env: [1, 2] })
      // The second session's call exceeds the budget: the first, idle, is suspended.
      await second.appendEvents([{ type: 'input', seq: 0 }])
      expect(first.getCachedIndex()).toEqual(JSON.parse(fs.readFileSync(paths('a')[1], 'utf8')))
      expect(first.getCachedIndex()).toMatchObject({ eventCount: 1, states: { x: { env: [1, 2] } } })
      fs.appendFileSync(paths('a')[0], '{"type":"input","seq":1}\n')
      await first.appendEvents([{ type: 'checkpoint', seq: 2, reason: 'auto', stateId: 'y' }])
      expect(first.getCachedIndex()).toMatchObject({ eventCount: 3, checkpoints: [{ seq: 0 }, { seq: 2 }], states: { x: { env: [1, 2] } } })
      expect(await verify(...paths('a'))).toMatchObject({ ok: true })
      // Suspend the first again: closing it still removes the files it made beside the session.
      await second.appendEvents([{ type: 'input', seq: 1 }])
      await Promise.all([first.close(), second.close()])
      expect(fs.readdirSync(sessions.ours.dir).sort()).toEqual(['a.index.json', 'a.jsonl', 'b.index.json', 'b.jsonl'])
    } finally {
      setDescriptorBudget(512)
    }
  })

  it('saves 100 sessions 3 times each under a limit of 64 descriptors, giving idle ones back', () => {
    expect(saveInTurn({ sessions: 100, rounds: 3, fileLimit: 64 })).toMatchObject({ stored: 300, failed: [] })
  })

  it('keeps the descriptors of 10,000 sessions saved in turn within the budget', () => {
    const { stored, failed, most } = saveInTurn({ sessions: 10_000, rounds: 1, budget: 300 })
    expect({ stored, failed }).toEqual({ stored: 10_000, failed: [] })
    // The budget, the session in use, and the few sessions the evictor is behind by.
    expect(most).toBeLessThanOrEqual(300 + 4 * 6)
  }, 120_000)
})

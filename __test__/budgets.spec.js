'use strict'
// The budgets of a process's sessions: beyond the index memory budget, idle sessions leave
// their checkpoints' text in their index files (and read it back where a write or a reader needs
// it), beyond the descriptor budget they close their files too; either way every file they
// write is the one a session that keeps everything writes. Portable: it runs under Windows too,
// where the index is replaced by a rename instead of a swap.

const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, setDescriptorBudget, setIndexMemoryBudget, verify } = require('incremental-writer')
const { tempSession } = require('./helpers')

let session
beforeEach(() => {
  session = tempSession('s')
})
afterEach(() => session.remove())

/** Runs the same calls on session `name` in `dir`, another session's call between each two; returns its index's text. */
async function calls(dir, name) {
  const paths = (session) => [path.join(dir, `${session}.jsonl`), path.join(dir, `${session}.index.json`)]
  const [writer, other] = [new IncrementalWriter(...paths(name)), new IncrementalWriter(...paths(`${name}-other`))]
  const checkpoint = (seq) => ({ type: 'checkpoint', seq, reason: 'auto', stateId: `s${seq}` })
  for (let seq = 0; seq < 600; seq++) {
    await writer.appendEvents([seq % 10 === 0 ? checkpoint(seq) : { type: 'input', seq, code: `(+ ${seq} 1)` }])
    if (seq % 200 === 0) await writer.recordState(`s${seq}`, { at: seq })
    if (seq === 300) fs.appendFileSync(paths(name)[0], '{"type":"output","seq":300.5,"value":"behind the writer"}\n')
    // Between two calls of the session, the other's call is over the budget: the session, idle, files its index.
    await other.appendEvents([{ type: 'input', seq }])
    expect(writer.getCachedIndex()).toEqual(JSON.parse(fs.readFileSync(paths(name)[1], 'utf8')))
  }
  await Promise.all([writer.close(), other.close()])
  expect(await verify(...paths(name))).toMatchObject({ ok: true })
  return fs.readFileSync(paths(name)[1], 'utf8')
}

/** Under the budget `setBudget` sets to 0 (then back to `usual`), session "lean" writes the index session "kept" writes without it. */
async function writesTheSameIndexUnder(setBudget, usual) {
  const kept = await calls(session.dir, 'kept')
  setBudget(0)
  try {
    expect(await calls(session.dir, 'lean')).toBe(kept.replaceAll('kept', 'lean'))
  } finally {
    setBudget(usual)
  }
}

it('idle sessions leave their checkpoints in their index files and write the same index as sessions that keep it', () =>
  writesTheSameIndexUnder(setIndexMemoryBudget, 256 * 1024 * 1024))

it('refuses a budget that is not a non-negative integer', () => {
  for (const bytes of [-1, 1.5, '1', NaN, undefined]) {
    expect(() => setIndexMemoryBudget(bytes)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }))
  }
})

it('sessions suspended by the descriptor budget, their checkpoints left in their files, write the same index too', () =>
  writesTheSameIndexUnder(setDescriptorBudget, 512))

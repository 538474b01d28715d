'use strict'
// The README's demo runs and leaves sessions whose checkpoint offsets point at their lines.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { tempSession } = require('./helpers')

it('runs the demo end to end', () => {
  const session = tempSession()
  try {
    const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'examples', 'demo.js'), session.dir], { encoding: 'utf8' })
    expect(out).toMatch(/Wrote 3 sessions/)
    const sessions = path.join(session.dir, 'sessions')
    expect(fs.readdirSync(sessions).sort()).toEqual(
      ['alice', 'bob', 'carol'].flatMap((name) => [`${name}.index.json`, `${name}.jsonl`]).sort(),
    )
    const log = fs.readFileSync(path.join(sessions, 'alice.jsonl'))
    const index = JSON.parse(fs.readFileSync(path.join(sessions, 'alice.index.json'), 'utf8'))
    expect(index.checkpoints.length).toBeGreaterThan(0)
    for (const { byteOffset, stateId } of index.checkpoints) {
      expect(JSON.parse(log.subarray(byteOffset, log.indexOf(10, byteOffset)).toString())).toMatchObject({ type: 'checkpoint', stateId })
    }
  } finally {
    session.remove()
  }
})

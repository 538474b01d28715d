#!/usr/bin/env node
// The session server's three call sites, written against this package: the periodic save of
// every dirty session, the synchronous save at shutdown, and loading a session at a
// checkpoint. Runs them end to end in a temporary directory (or the one given) and prints
// what the loader got back. The README's migration guide quotes this file.
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { IncrementalWriter, SessionReader } = require('..')

/** A stand-in for the server's in-memory session: events not yet saved, and a REPL state. */
class Session {
  constructor(name) {
    this.name = name
    this.seq = 0
    this.pending = []
    this.env = { x: 0 }
  }
  run(code) {
    this.env.x += 1
    this.pending.push({ type: 'input', seq: this.seq++, code, timestamp: new Date().toISOString() })
    this.pending.push({ type: 'output', seq: this.seq++, value: String(this.env.x), timestamp: new Date().toISOString() })
  }
  checkpoint(reason) {
    const stateId = `${this.name}-state-${this.seq}`
    this.pending.push({ type: 'checkpoint', seq: this.seq++, reason, stateId })
    return { stateId, state: { env: { ...this.env } } }
  }
  changes() {
    return this.pending.splice(0)
  }
}

/** The persistence manager: one writer per session name. */
class Persistence {
  constructor(dir) {
    this.dir = dir
    this.writers = new Map()
  }
  writer(name) {
    if (!this.writers.has(name)) {
      const base = path.join(this.dir, 'sessions', name)
      this.writers.set(name, new IncrementalWriter(`${base}.jsonl`, `${base}.index.json`))
    }
    return this.writers.get(name)
  }

  // Call site 1: every few seconds, save all dirty sessions at once.
  async saveDirty(sessions, checkpoints = []) {
    await Promise.all(sessions.map((session) => this.writer(session.name).appendEvents(session.changes(), session.env)))
    // The machine state of each checkpoint goes into the index, so a loader can resume there.
    await Promise.all(checkpoints.map(({ name, stateId, state }) => this.writer(name).recordState(stateId, state)))
  }

  // Call site 2: on shutdown, save synchronously (the process is about to exit).
  saveAllSync(sessions) {
    for (const session of sessions) {
      this.writer(session.name).appendEventsSync(session.changes(), session.env)
      this.writer(session.name).closeSync()
    }
  }

  // Call site 3: load a session at its latest checkpoint whose state is recorded, and replay
  // the events after it.
  async load(name) {
    const base = path.join(this.dir, 'sessions', name)
    const reader = new SessionReader(`${base}.jsonl`, `${base}.index.json`)
    const index = await reader.index()
    const resumable = index.checkpoints.filter((checkpoint) => checkpoint.stateId in index.states)
    const checkpoint = resumable[resumable.length - 1]
    const replay = await reader.readEvents({ fromCheckpoint: checkpoint })
    return { state: index.states[checkpoint.stateId], checkpoint, replay: replay.slice(1) }
  }
}

async function main(dir) {
  fs.mkdirSync(path.join(dir, 'sessions'), { recursive: true })
  const persistence = new Persistence(dir)
  const alice = new Session('alice')
  const bob = new Session('bob')

  alice.run('(def x 1)')
  bob.run('(def y 2)')
  const saved = [{ name: 'alice', ...alice.checkpoint('auto') }]
  await persistence.saveDirty([alice, bob], saved)

  alice.run('(inc x)')
  alice.run('(inc x)')
  persistence.saveAllSync([alice, bob])

  return persistence.load('alice')
}

if (require.main === module) {
  const dir = process.argv[2] || fs.mkdtempSync(path.join(os.tmpdir(), 'server-migration-'))
  main(dir).then((loaded) => console.log(JSON.stringify(loaded, null, 2)), (err) => {
    console.error(err)
    process.exit(1)
  })
}

module.exports = { main }

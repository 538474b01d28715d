#!/usr/bin/env node
// Writes real sessions the way the session server does: three REPL sessions saved together
// every "tick" with Promise.all, one of them also called again before its last save ended.
// Then prints one session's log and index. Run with `npm run demo`; files go to ./demo-session.
'use strict'

const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter } = require('..')

const dir = path.resolve(process.argv[2] || 'demo-session')
fs.rmSync(dir, { recursive: true, force: true })
fs.mkdirSync(path.join(dir, 'sessions'), { recursive: true })

/** The events one REPL command produces: input, an LLM call, output, every other one a checkpoint. */
function commandEvents(session, seq, command) {
  const now = new Date().toISOString()
  const key = `${session}-r${seq}`
  const events = [
    { type: 'input', seq, code: `(summarize "note ${seq}")`, timestamp: now },
    { type: 'llm_req', seq: seq + 1, prompt: `Summarize note ${seq} ✍️`, receiptKey: key },
    { type: 'llm_resp', seq: seq + 2, response: `Note ${seq}: done.`, receiptKey: key, tokens: 12, durationMs: 340 },
    { type: 'output', seq: seq + 3, value: `"Note ${seq}: done."`, timestamp: now },
  ]
  if (command % 2 === 1) events.push({ type: 'checkpoint', seq: seq + 4, reason: 'auto', stateId: `${session}-state-${seq + 4}` })
  return events
}

async function main() {
  const names = ['alice', 'bob', 'carol']
  const writers = new Map(
    names.map((name) => [name, new IncrementalWriter(path.join(dir, 'sessions', `${name}.jsonl`), path.join(dir, 'sessions', `${name}.index.json`))]),
  )
  const progress = new Map(names.map((name) => [name, { seq: 0, command: 0 }]))
  const nextBatch = (name) => {
    const session = progress.get(name)
    const events = commandEvents(name, session.seq, session.command++)
    session.seq += events.length
    return events
  }

  for (let tick = 0; tick < 4; tick++) {
    const saves = names.map((name) => writers.get(name).appendEvents(nextBatch(name), { env: new Map() }))
    // The server may call a writer again before its previous call finished.
    saves.push(writers.get('alice').appendEvents(nextBatch('alice'), {}))
    await Promise.all(saves)
  }

  await Promise.all([...writers.values()].map((writer) => writer.close()))
  const alice = writers.get('alice')
  const logFile = path.join(dir, 'sessions', 'alice.jsonl')
  const log = fs.readFileSync(logFile)
  console.log(`Wrote ${names.length} sessions to ${path.join(dir, 'sessions')}\n`)
  console.log(`--- ${path.relative(process.cwd(), logFile)} (${log.length} bytes, getByteOffset() = ${alice.getByteOffset()})`)
  const lines = log.toString('utf8').trimEnd().split('\n')
  for (const line of lines.slice(0, 8)) console.log(line)
  console.log(`... ${lines.length} lines in all\n`)
  const indexFile = path.join(dir, 'sessions', 'alice.index.json')
  console.log(`--- ${path.relative(process.cwd(), indexFile)}`)
  console.log(fs.readFileSync(indexFile, 'utf8'))

  const index = alice.getCachedIndex()
  console.log('\nEach checkpoint offset points at its own line:')
  for (const checkpoint of index.checkpoints) {
    const end = log.indexOf(10, checkpoint.byteOffset)
    console.log(`  byte ${checkpoint.byteOffset}: ${log.subarray(checkpoint.byteOffset, end).toString('utf8')}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})

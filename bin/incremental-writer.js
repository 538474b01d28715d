#!/usr/bin/env node
// Operators' tool: `incremental-writer verify <log> [index]` prints what is wrong with a
// session's files and exits 1 if anything is; `repair` applies the recovery opening a session
// does and prints what it changed. The index defaults to <name>.index.json beside <name>.jsonl.
'use strict'

const { verify, repair } = require('..')

const USAGE = 'usage: incremental-writer verify|repair <session.jsonl> [session.index.json]'

async function main([command, eventFile, indexFile]) {
  if (!['verify', 'repair'].includes(command) || !eventFile) {
    console.error(USAGE)
    return 2
  }
  if (command === 'verify') {
    const { ok, problems, notes, events, checkpoints } = await verify(eventFile, indexFile)
    console.log(`${eventFile}: ${events} events, ${checkpoints} checkpoints`)
    for (const note of notes) console.log(`  note: ${note}`)
    for (const problem of problems) console.log(`  problem: ${problem}`)
    console.log(ok ? 'ok: the log and the index agree' : `${problems.length} problem(s) found`)
    return ok ? 0 : 1
  }
  const { changes } = await repair(eventFile, indexFile)
  for (const change of changes) console.log(`  ${change}`)
  console.log(changes.length === 0 ? 'nothing to repair' : `${changes.length} change(s) made`)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`incremental-writer: ${err.message}`)
    process.exit(2)
  },
)

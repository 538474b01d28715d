#!/usr/bin/env node
// Operators' tool for a session's files: `verify` prints what is wrong with them, `repair`
// rebuilds the index from the log. `incremental-writer --help` explains both and their exit
// codes.
'use strict'

const { parseArgs } = require('node:util')

const HELP = `Usage: incremental-writer <command> <session.jsonl> [session.index.json]
       incremental-writer --help | --version

Checks and repairs the two files of a session written by incremental-writer: the event log,
one JSON event per line (<name>.jsonl), and its index of checkpoints and counts
(<name>.index.json, the default when no index file is given).

Commands:
  verify   Reads the whole log and the index and prints the number of events and
           checkpoints, notes (lines that are not events, a last line still being
           written) and every problem (each way the index disagrees with the log, a
           torn last line). Opens both files read-only and takes no lock, so it can
           check a session that a server is writing. Changes nothing.
           Exit codes: 0  the log and the index agree
                       1  problems were found (run repair)
                       2  the check could not run (bad arguments, a file that
                          cannot be read)

  repair   Takes the session's lock, rebuilds the index from the whole log (keeping
           states, receipts and fields it does not know), cuts off a torn last line
           into <name>.jsonl.torn-<ms>, and prints each change. verify agrees
           right after it.
           Exit codes: 0  repaired, or nothing to repair
                       2  the repair could not run (bad arguments, a writer has the
                          session open, a file-system error); nothing was changed

Options:
  -h, --help      Print this help and exit 0.
  -v, --version   Print the version and exit 0.
`

const USAGE_ERROR = 2

function usageError(message) {
  console.error(`incremental-writer: ${message}`)
  console.error('Usage: incremental-writer verify|repair <session.jsonl> [session.index.json]')
  console.error("Run 'incremental-writer --help' for what each command does and its exit codes.")
  return USAGE_ERROR
}

async function main(argv) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
    })
  } catch (err) {
    return usageError(err.message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  if (values.version) {
    console.log(require('../package.json').version)
    return 0
  }
  const [command, eventFile, indexFile, ...extra] = positionals
  if (command === undefined) return usageError('no command given')
  if (command !== 'verify' && command !== 'repair') return usageError(`unknown command '${command}'`)
  if (eventFile === undefined) return usageError(`${command} needs the session's log file`)
  if (extra.length > 0) return usageError(`unexpected argument '${extra[0]}'`)

  // Loaded here, so that --help, --version and usage errors work without the native addon.
  const { verify, repair } = require('..')
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
  (code) => {
    process.exitCode = code
  },
  (err) => {
    console.error(`incremental-writer: ${err.message}`)
    process.exitCode = 2
  },
)

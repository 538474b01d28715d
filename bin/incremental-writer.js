#!/usr/bin/env node
// Operators' tool for a session's files: `verify` prints what is wrong with them, `repair`
// rebuilds the index from the log, `show` prints the events (and follows the session live),
// `stat` sums a session up. `incremental-writer --help` explains each and their exit codes.
'use strict'

const { parseArgs } = require('node:util')

const HELP = `Usage: incremental-writer <command> <session.jsonl> [session.index.json] [show's options]
       incremental-writer --help | --version

Reads, checks and repairs the two files of a session written by incremental-writer: the event
log, one JSON event per line (<name>.jsonl), and its index of checkpoints and counts
(<name>.index.json, the default when no index file is given). A file that is not a session log
(not JSON lines whose first line is a session header or an event, such as the index given in
the log's place) is refused with exit code 2, and nothing is done to it.

Commands:
  verify   Reads the whole log and the index and prints the number of events (as the
           index counts them) and checkpoints, notes (lines that are not events, a last
           line still being written) and every problem (each way the index disagrees
           with the log, a torn last line). Opens both files read-only and takes no
           lock, so it can check a session that a server is writing. Changes nothing.
           Exit codes: 0  the log and the index agree
                       1  problems were found (run repair)
                       2  the check could not run (bad arguments, a file that
                          cannot be read or is not a session log)

  repair   Takes the session's lock, rebuilds the index from the whole log (keeping
           states, receipts and fields it does not know), cuts off a torn last line
           into <name>.jsonl.torn-<ms>, and prints each change. verify agrees
           right after it.
           Exit codes: 0  repaired, or nothing to repair
                       2  the repair could not run (bad arguments, a file that is
                          not a session log, a writer has the session open, a
                          file-system error); nothing was changed

  show     Prints the session's events, one line each: a * for a checkpoint, seq,
           time of day (UTC), type and a short summary. Only batches the writer has
           stored are shown, never one being written. Takes no lock.
             --from-checkpoint <stateId|last>  start at that checkpoint of the index
             --from-seq <n>                    start at event n (read from the
                                               checkpoint before it)
             --follow   keep printing each batch once it is stored, until Ctrl-C
             --json     print the log's lines themselves (for jq)
           Exit codes: 0  printed (or stopped by Ctrl-C)
                       2  could not read the session, or the log was truncated or
                          replaced while followed

  stat     Prints, in one screen: the events by type, the checkpoints with and
           without a recorded state, the files' sizes, and the times of the first
           and last events. Takes no lock. Exit codes: 0, or 2 as for show.

Colors are used only when the output is a terminal (and NO_COLOR is not set).

Options:
  -h, --help      Print this help and exit 0.
  -v, --version   Print the version and exit 0.
`

const USAGE_ERROR = 2
const COMMANDS = ['verify', 'repair', 'show', 'stat']
const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  'from-checkpoint': { type: 'string' },
  'from-seq': { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  json: { type: 'boolean' },
}
const SHOW_OPTIONS = ['from-checkpoint', 'from-seq', 'follow', 'json']

function usageError(message) {
  console.error(`incremental-writer: ${message}`)
  console.error("Usage: incremental-writer verify|repair|show|stat <session.jsonl> [session.index.json] [show's options]")
  console.error("Run 'incremental-writer --help' for what each command does and its exit codes.")
  return USAGE_ERROR
}

async function main(argv) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
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
  if (!COMMANDS.includes(command)) return usageError(`unknown command '${command}'`)
  if (eventFile === undefined) return usageError(`${command} needs the session's log file`)
  if (extra.length > 0) return usageError(`unexpected argument '${extra[0]}'`)
  const misplaced = command === 'show' ? [] : SHOW_OPTIONS.filter((name) => values[name] !== undefined)
  if (misplaced.length > 0) return usageError(`--${misplaced[0]} is an option of show only`)
  if (values['from-checkpoint'] !== undefined && values['from-seq'] !== undefined) return usageError('give at most one of --from-checkpoint and --from-seq')
  const fromSeq = values['from-seq'] === undefined ? undefined : Number(values['from-seq'])
  if (fromSeq !== undefined && !/^-?[0-9]+$/.test(values['from-seq'])) return usageError(`--from-seq needs a whole number, not '${values['from-seq']}'`)

  const { notASessionLog } = require('../lib/cli/log-kind')
  const found = await notASessionLog(eventFile)
  if (found) {
    console.error(`incremental-writer: ${eventFile} is not a session log: ${found}; expected JSON lines whose first line is a session header or an event ({"type": ...}). Nothing was changed.`)
    return USAGE_ERROR
  }

  // Loaded here, so that --help, --version and usage errors work without the native addon.
  const { verify, repair, SessionReader } = require('..')
  const { defaultIndexFile } = require('../lib/arguments')
  const index = indexFile === undefined ? defaultIndexFile(eventFile) : indexFile
  if (command === 'verify') {
    const { ok, problems, notes, events, checkpoints } = await verify(eventFile, index)
    console.log(`${eventFile}: ${events} events, ${checkpoints} checkpoints`)
    for (const note of notes) console.log(`  note: ${note}`)
    for (const problem of problems) console.log(`  problem: ${problem}`)
    console.log(ok ? 'ok: the log and the index agree' : `${problems.length} problem(s) found`)
    return ok ? 0 : 1
  }
  if (command === 'repair') {
    const { changes } = await repair(eventFile, index)
    for (const change of changes) console.log(`  ${change}`)
    console.log(changes.length === 0 ? 'nothing to repair' : `${changes.length} change(s) made`)
    return 0
  }
  const reader = new SessionReader(eventFile, index)
  if (command === 'stat') {
    const { sessionStats, formatStats } = require('../lib/cli/stat')
    const stats = await sessionStats(reader, eventFile, index)
    process.stdout.write(`${formatStats(eventFile, stats, process.stdout).join('\n')}\n`)
    return 0
  }
  return show(reader, { fromCheckpoint: values['from-checkpoint'], fromSeq, follow: Boolean(values.follow), json: Boolean(values.json) })
}

/** `show`: prints the events, and with `follow` each new batch until SIGINT or SIGTERM. */
async function show(reader, { fromCheckpoint, fromSeq, follow, json }) {
  const { entriesOf } = require('../lib/session-reader')
  const { printEvents } = require('../lib/cli/show')
  const options = { follow, fromSeq }
  if (fromCheckpoint === 'last') {
    const last = await reader.latestCheckpoint()
    if (!last) throw new Error('the index has no checkpoint')
    options.fromCheckpoint = last
  } else if (fromCheckpoint !== undefined) {
    options.fromCheckpoint = fromCheckpoint
  }
  const states = json ? {} : await reader.index().then(
    (index) => (index.states && typeof index.states === 'object' ? index.states : {}),
    () => ({}),
  )
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    await printEvents(entriesOf(reader, { ...options, signal: follow ? stop.signal : undefined }), process.stdout, { json, states })
  } catch (err) {
    if (err.code !== 'ABORT_ERR') throw err
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return 0
}

// `show | head` closes the pipe early: stop quietly.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err
  process.exit(0)
})

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    console.error(`incremental-writer: ${err.message}`)
    process.exitCode = 2
  },
)

#!/usr/bin/env node
// The benchmark: this addon, the original module's algorithm and a careful pure-JS writer,
// side by side in one run, each scenario in fresh processes, medians of RUNS runs: the calls
// of bench/scenarios.js, the server-shaped save rounds of bench/server.js, the first call on
// big sessions of bench/open.js, the memory per open session of bench/memory.js and the
// sessions saved in turn of bench/saved-in-turn.js. Writes the
// results tables into docs/performance.md (between the bench markers), their summary into the
// README (between the bench:summary markers) and the chart bench/results.svg.
// `npm run bench` (RUNS=5 by default; `node bench/run.js --runs 3 --only single,batch` prints
// the tables of some parts and writes nothing; `--only saved --merge` runs some parts again and
// writes their results in place of the last full run's, keeping the others, saying which parts
// were run when; BENCH_QUICK=1 for small sizes, writing nothing).
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { LABELS, QUICK, medians, runNode, withTempDir } = require('./lib')
const { SCENARIOS } = require('./scenarios')
const { measureServer, describeServer, serverTable } = require('./server')
const { measureOpen, describeOpen, openTable } = require('./open')
const { measureMemory, describeMemory, memoryTable } = require('./memory')
const { measureSaved, describeSaved, savedTable } = require('./saved-in-turn')
const { renderChart } = require('./chart')
const { summaryTable } = require('./readme-summary')

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1] : fallback
}
const RUNS = Number(option('runs', process.env.RUNS || (QUICK ? 1 : 5)))
const PARTS = [...Object.keys(SCENARIOS), 'server', 'open', 'memory', 'saved']
const ONLY = option('only', PARTS.join(',')).split(',')
const MERGE = args.includes('--merge')
const DEFAULT_WRITERS = ['addon', 'original', 'careful']
const root = path.resolve(__dirname, '..')

const runOnce = (writer, scenario) => withTempDir('iw-bench-', (dir) => runNode(path.join(__dirname, 'scenario.js'), [writer, scenario, dir]))

async function main() {
  const unknown = ONLY.filter((name) => !PARTS.includes(name))
  if (unknown.length > 0) throw new Error(`no part ${unknown.join(', ')} of the bench: ${PARTS.join(', ')}`)
  if (QUICK) console.log('BENCH_QUICK=1: small sizes, to see that each part works; nothing is written\n')
  const results = {}
  for (const name of ONLY.filter((part) => SCENARIOS[part])) {
    const scenario = SCENARIOS[name]
    const writers = scenario.writers || DEFAULT_WRITERS
    results[name] = {}
    for (const writer of writers) results[name][writer] = []
    for (let run = 0; run < RUNS; run++) {
      // Interleaved, so that a noisy moment of the machine falls on every writer alike.
      for (const writer of writers) results[name][writer].push(await runOnce(writer, name))
    }
    const summary = Object.fromEntries(writers.map((writer) => [writer, medians(results[name][writer])]))
    results[name] = summary
    console.log(`${scenario.title}`)
    for (const writer of writers) {
      const s = summary[writer]
      console.log(`  ${LABELS[writer].padEnd(16)} wall ${s.wallPerEventUs.toFixed(2).padStart(9)} µs/event  main ${s.mainPerCallUs.toFixed(1).padStart(8)} µs/call  rss ${s.peakRssMb.toFixed(0).padStart(4)} MB`)
    }
  }
  const server = ONLY.includes('server') ? await measureServer(RUNS) : undefined
  if (server) console.log(describeServer(server))
  const open = ONLY.includes('open') ? await measureOpen(RUNS) : undefined
  if (open) console.log(describeOpen(open))
  // Memory varies little from run to run, and its runs are the longest: MEMORY_RUNS of them.
  const memory = ONLY.includes('memory') ? await measureMemory() : undefined
  if (memory) console.log(describeMemory(memory))
  // Its cells are long and big: SAVED_RUNS runs of them.
  const saved = ONLY.includes('saved') ? await measureSaved() : undefined
  if (saved) console.log(describeSaved(saved))

  const sections = [Object.keys(results).length > 0 && renderTable(results), server && serverTable(server, RUNS), open && openTable(open, RUNS), memory && memoryTable(memory), saved && savedTable(saved)]
  const tables = sections.filter(Boolean).join('\n\n')
  // A quick run is only a check that every part works, and a run of some parts is not the run
  // the pages show: they print their tables and write none of the results.
  const machine = `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0].model}`
  const measured = { runs: RUNS, machine, results, server, open, memory, saved }
  if (!QUICK && PARTS.every((part) => ONLY.includes(part))) {
    writeRun({ ...measured, partsRun: { [new Date().toISOString().slice(0, 10)]: PARTS } })
  } else if (!QUICK && MERGE) {
    writeRun(mergedRun(JSON.parse(fs.readFileSync(path.join(__dirname, 'results.json'), 'utf8')), measured))
  }
  console.log(`\n${tables}`)
}

/**
 * The last run with the parts of `measured` (the parts in ONLY) in place of its own, and the date
 * they were run on added to `partsRun`.
 */
function mergedRun(last, measured) {
  const run = { ...last, results: { ...last.results } }
  for (const part of ONLY) {
    if (SCENARIOS[part]) run.results[part] = measured.results[part]
    else run[part] = measured[part]
  }
  const today = new Date().toISOString().slice(0, 10)
  const measuredBefore = PARTS.filter((part) => (SCENARIOS[part] ? last.results[part] : last[part]))
  const partsRun = { ...(last.partsRun || { 'the last full run': measuredBefore }) }
  partsRun[today] = [...new Set([...(partsRun[today] || []), ...ONLY])]
  return { ...run, partsRun }
}

/** Writes a run's results: bench/results.json, the tables of docs/performance.md, the chart and the README's summary. */
function writeRun(run) {
  const { results, server, open, memory, saved } = run
  fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(run, null, 2) + '\n')
  const tables = [renderTable(results, run.runs), server && serverTable(server, run.runs), open && openTable(open, run.runs), memory && memoryTable(memory), saved && savedTable(saved)]
  replaceBetween(path.join(root, 'docs', 'performance.md'), 'bench', tables.filter(Boolean).join('\n\n'))
  fs.writeFileSync(path.join(__dirname, 'results.svg'), renderChart(results, server))
  replaceBetween(path.join(root, 'README.md'), 'bench:summary', summaryTable(run))
}

/** Puts `content` between the markers `<!-- name:start -->` and `<!-- name:end -->` of a page. */
function replaceBetween(page, name, content) {
  const text = fs.readFileSync(page, 'utf8')
  const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`]
  const [from, to] = [text.indexOf(start), text.indexOf(end)]
  if (from < 0 || to < from) throw new Error(`no ${start} and ${end} markers in ${page}`)
  fs.writeFileSync(page, `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`)
}

function renderTable(results, runs = RUNS) {
  const rows = [
    `Medians of ${runs} runs, each in fresh processes, ${os.cpus().length} cores. Wall: µs per event; main: main-thread busy µs per call (\`performance.eventLoopUtilization\`); RSS: peak MB of the process.`,
    '',
    '| scenario | writer | wall µs/event | main µs/call | peak RSS MB | original ÷ addon (wall) | careful JS ÷ addon (wall) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const [name, summary] of Object.entries(results)) {
    for (const writer of Object.keys(summary)) {
      const s = summary[writer]
      const ratio = (other) => (writer === 'addon' && summary[other] ? `${(summary[other].wallPerEventUs / s.wallPerEventUs).toFixed(1)}×` : '')
      rows.push(`| ${writer === Object.keys(summary)[0] ? SCENARIOS[name].title : ''} | ${LABELS[writer]} | ${s.wallPerEventUs.toFixed(2)} | ${s.mainPerCallUs.toFixed(1)} | ${s.peakRssMb.toFixed(0)} | ${ratio('original')} | ${ratio('careful')} |`)
    }
  }
  return rows.join('\n')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})

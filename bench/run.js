#!/usr/bin/env node
// The benchmark: this addon, the original module's algorithm and a careful pure-JS writer,
// side by side in one run, each scenario in fresh processes, medians of RUNS runs. Writes the
// results table into README.md (between the bench markers) and the chart bench/results.svg.
// `npm run bench` (RUNS=5 by default; `node bench/run.js --runs 3 --only single,batch`;
// BENCH_QUICK=1 for small sizes, writing no results).
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { LABELS, QUICK, medians, runNode, withTempDir } = require('./lib')
const { SCENARIOS } = require('./scenarios')
const { renderChart } = require('./chart')

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1] : fallback
}
const RUNS = Number(option('runs', process.env.RUNS || 5))
const ONLY = option('only', Object.keys(SCENARIOS).join(',')).split(',')
const DEFAULT_WRITERS = ['addon', 'original', 'careful']
const root = path.resolve(__dirname, '..')

const runOnce = (writer, scenario) => withTempDir('iw-bench-', (dir) => runNode(path.join(__dirname, 'scenario.js'), [writer, scenario, dir]))

async function main() {
  const results = {}
  for (const name of ONLY) {
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
  const table = renderTable(results)
  // A quick run is only a check that every scenario works: it writes none of the results.
  if (!QUICK) fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify({ runs: RUNS, machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0].model}`, results }, null, 2) + '\n')
  if (!QUICK && ONLY.length === Object.keys(SCENARIOS).length) {
    const readme = path.join(root, 'README.md')
    const text = fs.readFileSync(readme, 'utf8')
    const updated = text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`)
    fs.writeFileSync(readme, updated)
    fs.writeFileSync(path.join(__dirname, 'results.svg'), renderChart(results))
  }
  console.log(`\n${table}`)
}

function renderTable(results) {
  const rows = [
    `Medians of ${RUNS} runs, each in fresh processes, ${os.cpus().length} cores. Wall: µs per event; main: main-thread busy µs per call (\`performance.eventLoopUtilization\`); RSS: peak MB of the process.`,
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

#!/usr/bin/env node
// The benchmark: this addon, the original module's algorithm and a careful pure-JS writer,
// side by side in one run, each scenario in fresh processes, medians of RUNS runs. Writes the
// results table into docs/performance.md (between the bench markers) and the chart bench/results.svg.
// `npm run bench` (RUNS=5 by default; `node bench/run.js --runs 3 --only single,batch`).
'use strict'

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
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
const LABELS = { addon: 'this addon', original: 'original module', careful: 'careful pure JS', roundtrip: 'libuv round trip only' }
const root = path.resolve(__dirname, '..')

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function runOnce(writer, scenario) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-bench-'))
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'scenario.js'), writer, scenario, dir], { encoding: 'utf8' })
    return JSON.parse(out.trim().split('\n').pop())
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function main() {
  const results = {}
  for (const name of ONLY) {
    const scenario = SCENARIOS[name]
    const writers = scenario.writers || DEFAULT_WRITERS
    results[name] = {}
    for (const writer of writers) results[name][writer] = []
    for (let run = 0; run < RUNS; run++) {
      // Interleaved, so that a noisy moment of the machine falls on every writer alike.
      for (const writer of writers) results[name][writer].push(runOnce(writer, name))
    }
    const summary = Object.fromEntries(
      writers.map((writer) => {
        const runs = results[name][writer]
        return [writer, Object.fromEntries(['wallPerEventUs', 'wallPerCallUs', 'mainPerCallUs', 'peakRssMb'].map((key) => [key, median(runs.map((r) => r[key]))]))]
      }),
    )
    results[name] = summary
    console.log(`${scenario.title}`)
    for (const writer of writers) {
      const s = summary[writer]
      console.log(`  ${LABELS[writer].padEnd(16)} wall ${s.wallPerEventUs.toFixed(2).padStart(9)} µs/event  main ${s.mainPerCallUs.toFixed(1).padStart(8)} µs/call  rss ${s.peakRssMb.toFixed(0).padStart(4)} MB`)
    }
  }
  const table = renderTable(results)
  fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify({ runs: RUNS, machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0].model}`, results }, null, 2) + '\n')
  if (ONLY.length === Object.keys(SCENARIOS).length) {
    const page = path.join(root, 'docs', 'performance.md')
    const text = fs.readFileSync(page, 'utf8')
    const updated = text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`)
    if (!updated.includes(table)) throw new Error(`no bench markers in ${page}`)
    fs.writeFileSync(page, updated)
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

main()

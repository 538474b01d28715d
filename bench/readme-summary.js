'use strict'
// The README's summary of a bench run (bench/results.json): every scenario's figures for each
// writer (for sessions saved in turn, also this package's with every session kept open), the
// ones where this package is not ahead included, and the range of the call
// scenarios' wall-time ratios that the README's introduction states. run.js writes the table
// into the README; __test__/bench-summary.spec.js checks that the README holds this run's.

const { SCENARIOS } = require('./scenarios')
const { perSession } = require('./memory')

const WRITERS = ['addon', 'original', 'careful']

/** A figure to three significant digits, with thousands separators. */
function figure(value) {
  if (value >= 100) return Math.round(value).toLocaleString('en')
  return value.toFixed(value >= 10 ? 1 : 2)
}

/** The original's figure over this package's: above 1 where this package is ahead. */
function ratio(original, addon) {
  const r = original / addon
  return `${r >= 10 ? Math.round(r).toLocaleString('en') : r.toFixed(r >= 1 ? 1 : 2)}×`
}

/** One row: a figure per writer (blank where a writer was not measured) and the ratio. */
function row(scenario, measure, values) {
  const cells = WRITERS.map((writer) => (values[writer] === undefined ? '' : figure(values[writer])))
  const both = values.addon !== undefined && values.original !== undefined
  return `| ${scenario} | ${measure} | ${cells.join(' | ')} | ${both ? ratio(values.original, values.addon) : ''} |`
}

const pick = (byWriter, key) => Object.fromEntries(WRITERS.filter((writer) => byWriter[writer]).map((writer) => [writer, byWriter[writer][key]]))

/** The markdown table of every measured row of `run` (the content of bench/results.json). */
function summaryTable(run) {
  const rows = [
    '| scenario | measure | this package | the original | careful pure JS | the original ÷ this package |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ]
  for (const [name, byWriter] of Object.entries(run.results)) {
    const title = SCENARIOS[name].title
    rows.push(row(title, 'wall µs per event', pick(byWriter, 'wallPerEventUs')))
    rows.push(row('', 'main-thread µs per call', pick(byWriter, 'mainPerCallUs')))
    rows.push(row('', 'peak RSS MB', pick(byWriter, 'peakRssMb')))
  }
  if (run.server) {
    const title = 'server-shaped save rounds (100 sessions)'
    rows.push(row(title, 'main-thread ms per round', pick(run.server, 'mainMsPerRound')))
    rows.push(row('', 'wall ms per round', pick(run.server, 'wallMsPerRound')))
    rows.push(row('', 'event-loop delay p50 ms', pick(run.server, 'delayP50Ms')))
    rows.push(row('', 'event-loop delay p99 ms', pick(run.server, 'delayP99Ms')))
    rows.push(row('', 'event-loop delay max ms', pick(run.server, 'delayMaxMs')))
    rows.push(row('', 'peak RSS MB', pick(run.server, 'peakRssMb')))
  }
  for (const { label, writers, skipped } of run.open ? run.open.cases : []) {
    if (skipped) continue
    rows.push(row(`first call on a session: ${label}`, 'wall ms', pick(writers, 'wallMs')))
    rows.push(row('', 'main-thread ms', pick(writers, 'mainMs')))
  }
  if (run.memory) {
    const counts = [...new Set(run.memory.rows.map((r) => r.count))]
    for (const count of counts) {
      const values = Object.fromEntries(perSession(run.memory.rows).filter((r) => r.count === count).map((r) => [r.writer, r.perOpen]))
      rows.push(row(`${count.toLocaleString('en')} open sessions of ${run.memory.checkpoints.toLocaleString('en')} checkpoints`, 'KB of RSS per session', values))
    }
  }
  for (const cell of run.saved ? run.saved.cells.filter((c) => !c.skipped) : []) {
    const ms = (writer) => cell.writers[writer]?.msPerCall
    const title = `${cell.sessions.toLocaleString('en')} sessions saved in turn, ${cell.tail.toLocaleString('en')}-event tails, ${cell.checkpoints.toLocaleString('en')} checkpoints`
    rows.push(row(title, 'wall ms per 1-event call', { addon: ms('addon'), original: ms('original') }))
    if (ms('kept') !== undefined) rows.push(row('', 'the same, every session kept open', { addon: ms('kept') }))
  }
  return rows.join('\n')
}

/** The lowest and highest wall-time ratio (the original ÷ this package) over the call scenarios, e.g. '5.6 to 402'. */
function wallRatioRange(run) {
  const ratios = Object.values(run.results)
    .filter((byWriter) => byWriter.addon && byWriter.original)
    .map((byWriter) => ratio(byWriter.original.wallPerEventUs, byWriter.addon.wallPerEventUs).slice(0, -1))
  const sorted = ratios.sort((a, b) => Number(a.replace(/,/g, '')) - Number(b.replace(/,/g, '')))
  return `${sorted[0]} to ${sorted[sorted.length - 1]}`
}

module.exports = { summaryTable, wallRatioRange }

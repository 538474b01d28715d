'use strict'
// The README's performance figures are the last bench run's (bench/results.json, which
// `npm run bench` writes with the tables of docs/performance.md): its summary table is that
// run's, every measured row, its introduction states that run's range of wall-time ratios, and
// its chart is that run's.

const fs = require('node:fs')
const path = require('node:path')
const { summaryTable, wallRatioRange } = require('../bench/readme-summary')
const { renderChart } = require('../bench/chart')

const root = path.join(__dirname, '..')
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
const run = JSON.parse(fs.readFileSync(path.join(root, 'bench', 'results.json'), 'utf8'))

describe("the README's performance figures", () => {
  it("are the summary of the last bench run's results", () => {
    const between = /<!-- bench:summary:start -->\n([\s\S]*?)\n<!-- bench:summary:end -->/.exec(readme)
    expect(between && between[1]).toBe(summaryTable(run))
  })

  it("headline that run's lowest and highest wall-time ratio", () => {
    expect(readme.replace(/\s+/g, ' ')).toContain(`from ${wallRatioRange(run)} times less wall time`)
  })

  it('show every measured row, those where this package is not ahead included', () => {
    const table = summaryTable(run)
    expect(table).toMatch(/\|  \| event-loop delay p99 ms \| 6\.87 \| 5\.99 \| 56\.5 \| 0\.87× \|/)
    const rows = table.split('\n').length - 2
    const savedCells = run.saved ? run.saved.cells.filter((cell) => !cell.skipped) : []
    const savedRows = savedCells.reduce((sum, cell) => sum + (cell.writers.kept?.msPerCall === undefined ? 1 : 2), 0)
    const scenarioRows = Object.keys(run.results).length * 3 + 6 + run.open.cases.length * 2 + new Set(run.memory.rows.map((r) => r.count)).size + savedRows
    expect(rows).toBe(scenarioRows)
  })
})

describe("the README's chart", () => {
  it("is the last run's, with a key that says what each writer is", () => {
    const svg = fs.readFileSync(path.join(root, 'bench', 'results.svg'), 'utf8')
    expect(svg).toBe(renderChart(run.results, run.server))
    expect(svg).toContain("<tspan font-weight=\"bold\">original module</tspan>: the server's TypeScript IncrementalWriter")
    expect(svg).toContain('<tspan font-weight="bold">careful pure JS</tspan>: JS with care')
    expect(svg).toContain('p99, ms')
  })
})

describe('the summary of a run', () => {
  const single = (addon, original) => ({ results: { single: { addon: { wallPerEventUs: addon, mainPerCallUs: 1, peakRssMb: 1 }, original: { wallPerEventUs: original, mainPerCallUs: 1, peakRssMb: 1 } } } })

  it('changes with the figures it summarizes', () => {
    expect(summaryTable(single(100, 500))).toContain('| 1 event per call × 5,000 | wall µs per event | 100 | 500 |  | 5.0× |')
    expect(summaryTable(single(100, 50))).toContain('| 1 event per call × 5,000 | wall µs per event | 100 | 50.0 |  | 0.50× |')
    expect(wallRatioRange(single(10, 4020))).toBe('402 to 402')
  })
})

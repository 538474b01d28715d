'use strict'
// The chart in docs/performance.md and the README, plain SVG without dependencies, log scales.
// Top: wall µs per 1-event call against the checkpoints the index holds, for each writer. Below,
// when the server-shaped scenario ran: main-thread and wall ms per save round and the event
// loop's p50, p99 and max delay. At the bottom, the key: what each writer is.

const CURVE = [['single', 0], ['cp1k', 1000], ['cp10k', 10000], ['cp100k', 100000]]
const COLORS = { addon: '#1b7f3b', original: '#c0392b', careful: '#2c6fbb' }
const LABELS = { addon: 'this addon', original: 'original module', careful: 'careful pure JS' }
const DESCRIPTIONS = {
  addon: 'this package: file work off the main thread, the index patched where it changed',
  original: "the server's TypeScript IncrementalWriter: the whole index rewritten per call",
  careful: 'JS with care: log kept open, one write per batch, index renamed into place',
}
const SERVER_BARS = [
  ['mainMsPerRound', ['main-thread ms', 'per round']],
  ['wallMsPerRound', ['wall ms', 'per round']],
  ['delayP50Ms', ['loop delay', 'p50, ms']],
  ['delayP99Ms', ['loop delay', 'p99, ms']],
  ['delayMaxMs', ['loop delay', 'max, ms']],
]
const [WIDTH, LEFT, RIGHT, KEY_ROW] = [640, 70, 40, 20]

/** Decades from below the smallest value to above the largest. */
const decades = (values) => [Math.floor(Math.log10(Math.min(...values))), Math.ceil(Math.log10(Math.max(...values)))]

/** Horizontal lines and labels of a log axis from 10^low to 10^high, between y = top and bottom. */
function logAxis(parts, [low, high], top, bottom) {
  const y = (v) => top + ((high - Math.log10(v)) * (bottom - top)) / Math.max(high - low, 1)
  for (let p = low; p <= high; p++) {
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(10 ** p)}" y2="${y(10 ** p)}" stroke="#ddd"/>`)
    parts.push(`<text x="${LEFT - 8}" y="${y(10 ** p) + 4}" text-anchor="end">${(10 ** p).toLocaleString('en')}</text>`)
  }
  return y
}

/** The key below the panels: each writer's colour, name and what it is. */
function key(parts, writers, top) {
  writers.forEach((writer, row) => {
    const y = top + KEY_ROW * row
    parts.push(`<rect x="${LEFT - 50}" y="${y}" width="12" height="12" fill="${COLORS[writer]}"/>`)
    parts.push(`<text x="${LEFT - 32}" y="${y + 11}" font-size="11"><tspan font-weight="bold">${LABELS[writer]}</tspan>: ${DESCRIPTIONS[writer]}</text>`)
  })
}

function curvePanel(parts, results, top, height) {
  const bottom = top + height - 50
  const points = CURVE.filter(([name]) => results[name])
  const values = points.flatMap(([name]) => Object.values(results[name]).map((s) => s.wallPerCallUs))
  parts.push(`<text x="${LEFT}" y="${top - 12}" font-size="14">wall µs per 1-event call vs checkpoints in the index (log scale)</text>`)
  const y = logAxis(parts, decades(values), top, bottom)
  const x = (i) => LEFT + (i * (WIDTH - LEFT - RIGHT)) / Math.max(points.length - 1, 1)
  points.forEach(([, count], i) => parts.push(`<text x="${x(i)}" y="${bottom + 20}" text-anchor="middle">${count.toLocaleString('en')}</text>`))
  parts.push(`<text x="${(LEFT + WIDTH - RIGHT) / 2}" y="${bottom + 38}" text-anchor="middle">checkpoints already in the index</text>`)
  const writers = Object.keys(COLORS).filter((writer) => points.some(([name]) => results[name][writer]))
  for (const writer of writers) {
    const line = points.filter(([name]) => results[name][writer]).map(([name], i) => [x(i), y(results[name][writer].wallPerCallUs)])
    parts.push(`<polyline fill="none" stroke="${COLORS[writer]}" stroke-width="2.5" points="${line.map((p) => p.join(',')).join(' ')}"/>`)
    line.forEach(([cx, cy]) => parts.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${COLORS[writer]}"/>`))
  }
}

function serverPanel(parts, server, top, height) {
  const bottom = top + height - 50
  const writers = Object.keys(COLORS).filter((writer) => server[writer])
  const values = writers.flatMap((writer) => SERVER_BARS.map(([key]) => server[writer][key]))
  parts.push(`<text x="${LEFT}" y="${top - 12}" font-size="14">server-shaped save rounds: ms (log scale)</text>`)
  const [low, high] = decades(values)
  const y = logAxis(parts, [low, high], top, bottom)
  const group = (WIDTH - LEFT - RIGHT) / SERVER_BARS.length
  const bar = (group - 16) / writers.length
  SERVER_BARS.forEach(([key, label], g) => {
    writers.forEach((writer, w) => {
      const x = LEFT + g * group + 8 + w * bar
      const top = y(server[writer][key])
      parts.push(`<rect x="${x}" y="${top}" width="${bar - 2}" height="${bottom - top}" fill="${COLORS[writer]}"/>`)
    })
    label.forEach((line, i) => parts.push(`<text x="${LEFT + (g + 0.5) * group}" y="${bottom + 18 + 15 * i}" text-anchor="middle">${line}</text>`))
  })
}

function renderChart(results, server) {
  const writers = Object.keys(COLORS).filter((writer) => Object.values(results).some((byWriter) => byWriter[writer]) || (server && server[writer]))
  const [curveHeight, serverHeight, keyHeight] = [360, server ? 300 : 0, 10 + KEY_ROW * writers.length]
  const height = curveHeight + serverHeight + keyHeight
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
  ]
  curvePanel(parts, results, 30, curveHeight - 30)
  if (server) serverPanel(parts, server, curveHeight + 30, serverHeight - 30)
  key(parts, writers, curveHeight + serverHeight)
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

module.exports = { renderChart }

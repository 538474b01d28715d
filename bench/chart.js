'use strict'
// The chart in the README and docs/performance.md: wall µs per 1-event call against the
// checkpoints the index holds, for each writer, on a log scale. Plain SVG, no dependencies.

const CURVE = [['single', 0], ['cp1k', 1000], ['cp10k', 10000], ['cp100k', 100000]]
const COLORS = { addon: '#1b7f3b', original: '#c0392b', careful: '#2c6fbb' }
const LABELS = { addon: 'this addon', original: 'original module', careful: 'careful pure JS' }

function renderChart(results) {
  const [width, height, left, top, right, bottom] = [640, 360, 70, 30, 170, 50]
  const points = CURVE.filter(([name]) => results[name])
  const values = points.flatMap(([name]) => Object.values(results[name]).map((s) => s.wallPerCallUs))
  const [low, high] = [Math.floor(Math.log10(Math.min(...values))), Math.ceil(Math.log10(Math.max(...values)))]
  const x = (i) => left + (i * (width - left - right)) / Math.max(points.length - 1, 1)
  const y = (v) => top + ((high - Math.log10(v)) * (height - top - bottom)) / Math.max(high - low, 1)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14">wall µs per 1-event call vs checkpoints in the index (log scale)</text>`,
  ]
  for (let p = low; p <= high; p++) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(10 ** p)}" y2="${y(10 ** p)}" stroke="#ddd"/>`)
    parts.push(`<text x="${left - 8}" y="${y(10 ** p) + 4}" text-anchor="end">${(10 ** p).toLocaleString('en')}</text>`)
  }
  points.forEach(([, count], i) => parts.push(`<text x="${x(i)}" y="${height - bottom + 20}" text-anchor="middle">${count.toLocaleString('en')}</text>`))
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">checkpoints already in the index</text>`)
  Object.keys(COLORS).forEach((writer, row) => {
    const line = points.filter(([name]) => results[name][writer]).map(([name], i) => `${x(i)},${y(results[name][writer].wallPerCallUs)}`)
    if (line.length === 0) return
    parts.push(`<polyline fill="none" stroke="${COLORS[writer]}" stroke-width="2.5" points="${line.join(' ')}"/>`)
    line.forEach((point) => parts.push(`<circle cx="${point.split(',')[0]}" cy="${point.split(',')[1]}" r="3.5" fill="${COLORS[writer]}"/>`))
    parts.push(`<rect x="${width - right + 15}" y="${top + 20 * row}" width="12" height="12" fill="${COLORS[writer]}"/>`)
    parts.push(`<text x="${width - right + 33}" y="${top + 20 * row + 11}">${LABELS[writer]}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

module.exports = { renderChart }

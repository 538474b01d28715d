'use strict'
// Colors for people at a terminal: used only when standard output is a terminal that has them
// (Node's `hasColors`, which follows NO_COLOR and FORCE_COLOR); a pipe gets plain text.

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39] }

/** `paint(style, text)`: `text` in `style` (a key of CODES) when `stream` shows colors, else `text` as it is. */
function painterFor(stream) {
  const colors = Boolean(stream.isTTY && typeof stream.hasColors === 'function' && stream.hasColors())
  return (style, text) => {
    if (!colors || !style) return text
    const [on, off] = CODES[style]
    return `\u001b[${on}m${text}\u001b[${off}m`
  }
}

module.exports = { painterFor }

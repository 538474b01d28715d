'use strict'
// Temporary session directories and readers for the files a writer leaves.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

/** A fresh directory with the paths of one session in it; `remove()` deletes it. */
function tempSession(name = 'session') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-test-'))
  return {
    dir,
    eventFile: path.join(dir, `${name}.jsonl`),
    indexFile: path.join(dir, `${name}.index.json`),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  }
}

/** The log's lines without their newlines (the file must end in one). */
function logLines(file) {
  const text = fs.readFileSync(file, 'utf8')
  if (!text.endsWith('\n')) throw new Error(`${file} does not end with a newline`)
  return text.slice(0, -1).split('\n')
}

/** A file's bytes, or null when it does not exist. */
function readOrNull(file) {
  return fs.existsSync(file) ? fs.readFileSync(file) : null
}

module.exports = { tempSession, logLines, readOrNull }

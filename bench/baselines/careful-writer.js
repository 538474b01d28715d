'use strict'
// A careful pure-JS writer, for comparison: the log's file handle kept open, one write per
// batch, the index written to a temporary file and renamed over the old one. Same files as
// the original module; no recovery, no lock.

const fs = require('fs')
const fsp = require('fs/promises')
const path = require('path')

class CarefulJsWriter {
  constructor(eventFile, indexFile) {
    this.eventFile = eventFile
    this.indexFile = indexFile
    this.handle = null
    this.offset = fs.existsSync(eventFile) ? fs.statSync(eventFile).size : 0
    this.index = null
  }

  async appendEvents(events) {
    if (events.length === 0) return
    const sessionId = path.basename(this.eventFile, '.jsonl')
    let text = ''
    if (!this.handle) {
      if (!fs.existsSync(this.eventFile)) {
        text = `${JSON.stringify({ type: 'session', version: 1, id: sessionId, created: new Date().toISOString() })}\n`
      }
      this.handle = await fsp.open(this.eventFile, 'a')
    }
    if (!this.index) {
      this.index = fs.existsSync(this.indexFile)
        ? JSON.parse(await fsp.readFile(this.indexFile, 'utf8'))
        : { sessionId, eventCount: 0, checkpoints: [], states: {}, receipts: {} }
    }
    let bytes = Buffer.byteLength(text)
    for (const event of events) {
      const line = `${JSON.stringify(event)}\n`
      if (event.type === 'checkpoint') {
        this.index.checkpoints.push({ seq: event.seq, reason: event.reason, stateId: event.stateId, byteOffset: this.offset + bytes })
      }
      if (typeof event.seq === 'number') this.index.eventCount = Math.max(this.index.eventCount, event.seq + 1)
      text += line
      bytes += Buffer.byteLength(line)
    }
    await this.handle.write(text)
    this.offset += bytes
    const temporary = `${this.indexFile}.tmp`
    await fsp.writeFile(temporary, JSON.stringify(this.index, null, 2))
    await fsp.rename(temporary, this.indexFile)
  }

  /** The index as last written (the object itself, as the original module returns it). */
  getCachedIndex() {
    return this.index
  }

  async close() {
    if (this.handle) await this.handle.close()
  }
}

module.exports = { CarefulJsWriter }

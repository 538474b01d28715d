'use strict'
// The original TypeScript IncrementalWriter (the seed job's server/incremental-writer.ts),
// with its type annotations removed and nothing else changed. It is the baseline the
// benchmarks measure against and the reference the exactness tests compare bytes with.

const fs = require('fs')
const path = require('path')
const { promisify } = require('util')

const appendFile = promisify(fs.appendFile)
const writeFile = promisify(fs.writeFile)
const readFile = promisify(fs.readFile)

class OriginalIncrementalWriter {
  constructor(eventFile, indexFile) {
    this.eventFile = eventFile
    this.indexFile = indexFile
    this.eventByteOffset = 0
    this.cachedIndex = null
    this.indexDirty = false
    this.initializeOffsets()
  }

  initializeOffsets() {
    if (fs.existsSync(this.eventFile)) {
      const stats = fs.statSync(this.eventFile)
      this.eventByteOffset = stats.size
    }
  }

  async appendEvents(events, _state) {
    if (events.length === 0) return

    // Ensure event file exists with header
    await this.ensureEventFile()

    // Load index if not cached
    await this.loadIndex()

    // Append each event
    for (const event of events) {
      await this.appendEvent(event)
    }

    // Write updated index
    await this.flushIndex()
  }

  async ensureEventFile() {
    if (fs.existsSync(this.eventFile)) return

    const sessionId = path.basename(this.eventFile, '.jsonl')
    const header = {
      type: 'session',
      version: 1,
      id: sessionId,
      created: new Date().toISOString(),
    }

    const line = `${JSON.stringify(header)}\n`
    await writeFile(this.eventFile, line)
    this.eventByteOffset = Buffer.byteLength(line, 'utf8')
  }

  async loadIndex() {
    if (this.cachedIndex) return

    if (fs.existsSync(this.indexFile)) {
      const data = await readFile(this.indexFile, 'utf8')
      this.cachedIndex = JSON.parse(data)
    } else {
      const sessionId = path.basename(this.eventFile, '.jsonl')
      this.cachedIndex = {
        sessionId,
        eventCount: 0,
        checkpoints: [],
        states: {},
        receipts: {},
      }
      this.indexDirty = true
    }
  }

  async appendEvent(event) {
    const line = `${JSON.stringify(event)}\n`
    await appendFile(this.eventFile, line)

    const eventBytes = Buffer.byteLength(line, 'utf8')

    // Track checkpoints
    if (event.type === 'checkpoint') {
      this.cachedIndex.checkpoints.push({
        seq: event.seq,
        reason: event.reason,
        stateId: event.stateId,
        byteOffset: this.eventByteOffset,
      })
      this.indexDirty = true
    }

    // Track receipts
    if (event.type === 'llm_resp' && 'receiptKey' in event) {
      // Receipt data would be stored separately
      this.indexDirty = true
    }

    // Update counters
    if ('seq' in event && typeof event.seq === 'number') {
      this.cachedIndex.eventCount = Math.max(this.cachedIndex.eventCount, event.seq + 1)
      this.indexDirty = true
    }

    this.eventByteOffset += eventBytes
  }

  async flushIndex() {
    if (!this.indexDirty || !this.cachedIndex) return

    await writeFile(this.indexFile, JSON.stringify(this.cachedIndex, null, 2))
    this.indexDirty = false
  }

  // For testing: get current state
  getByteOffset() {
    return this.eventByteOffset
  }

  getCachedIndex() {
    return this.cachedIndex
  }
}

module.exports = { OriginalIncrementalWriter }

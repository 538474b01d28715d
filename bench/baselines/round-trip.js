'use strict'
// Not a writer: each call makes one round trip through libuv's thread pool (an fstat of the
// log's file handle) and stores nothing. Its main-thread time per call is the floor for any
// writer that hands each call to another thread and resolves when that thread is done.

const fs = require('node:fs/promises')

class LibuvRoundTrip {
  #handle

  constructor(eventFile) {
    this.eventFile = eventFile
  }

  async appendEvents() {
    this.#handle ??= await fs.open(this.eventFile, 'a')
    await this.#handle.stat()
  }

  async close() {
    await this.#handle?.close()
  }
}

module.exports = { LibuvRoundTrip }

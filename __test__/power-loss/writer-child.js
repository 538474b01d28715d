'use strict'
// The writer the power-loss suite kills and cuts: it appends calls (batches of 1-40 events,
// __test__/power-loss/batches.js) to one session, keeping `width` calls in flight (overlapping
// calls, as the server makes them), prints `ready` before its first call and `ack <first> <size>`
// as each call resolves (synchronously, so a printed ack was resolved), until it is killed.
// argv: eventFile indexFile durability firstSeq width
const fs = require('node:fs')
const { IncrementalWriter } = require('../..')
const { callSize, callEvents } = require('./batches')

const [eventFile, indexFile, durability, firstSeq, width] = process.argv.slice(2)
const writer = new IncrementalWriter(eventFile, indexFile, { durability })
let next = Number(firstSeq)

function call() {
  const first = next
  next += callSize(first)
  writer.appendEvents(callEvents(first)).then(
    () => {
      fs.writeSync(1, `ack ${first} ${callSize(first)}\n`)
      call()
    },
    (err) => {
      fs.writeSync(2, `call ${first} failed: ${err.code} ${err.message}\n`)
      process.exit(1)
    },
  )
}

fs.writeSync(1, 'ready\n')
for (let i = 0; i < Number(width); i++) call()

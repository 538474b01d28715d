'use strict'
// examples/follow-sse.js, as a browser would use it: a client connected to it receives, from the
// last checkpoint on, the events a writer in another process appends.

const { spawn } = require('node:child_process')
const http = require('node:http')
const path = require('node:path')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession, exited } = require('./helpers')

const example = path.join(__dirname, '..', 'examples', 'follow-sse.js')
const writerChild = path.join(__dirname, 'fixtures', 'follow-writer-child.js')

let session
let server
let port
beforeEach(async () => {
  session = tempSession('alice')
  server = spawn(process.execPath, [example, session.dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const said = await new Promise((resolve) => server.stdout.once('data', resolve))
  port = Number(/listening on (\d+)/.exec(String(said))[1])
})
afterEach(async () => {
  server.kill()
  await exited(server)
  session.remove()
})

/** GETs `route` and resolves to `{ status, events }`, `events` collecting each SSE `data:` as it arrives. */
function connect(route) {
  return new Promise((resolve, reject) => {
    const req = http.get({ port, path: route }, (res) => {
      const events = []
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        text += chunk
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const data = text.slice(0, end).split('\n').find((line) => line.startsWith('data: '))
          if (data) events.push(JSON.parse(data.slice(6)))
          text = text.slice(end + 2)
        }
        res.emit('events')
      })
      resolve({ status: res.statusCode, events, res, close: () => req.destroy() })
    })
    req.on('error', reject)
  })
}

/** Resolves once `stream` has received an event with `seq`. */
function received(stream, seq) {
  return new Promise((resolve) => {
    const look = () => stream.events.some((event) => event.seq === seq) && (stream.res.off('events', look), resolve())
    stream.res.on('events', look)
    look()
  })
}

it('streams from the last checkpoint on, then the events another process appends', async () => {
  const writer = new IncrementalWriter(session.eventFile, session.indexFile)
  await writer.appendEvents([{ type: 'input', seq: 0, code: 'a' }, { type: 'checkpoint', seq: 1, reason: 'auto', stateId: 'alice-1' }, { type: 'output', seq: 2, value: 'b' }])
  await writer.close()
  const stream = await connect('/sessions/alice/events?from=last')
  expect(stream.status).toBe(200)
  expect(stream.res.headers['content-type']).toBe('text/event-stream')
  await received(stream, 2)
  const child = spawn(process.execPath, [writerChild, session.eventFile, session.indexFile, '3', '50', '2'], { stdio: 'inherit' })
  expect((await exited(child)).code).toBe(0)
  await received(stream, 102)
  stream.close()
  expect(stream.events.map((event) => event.seq)).toEqual(Array.from({ length: 102 }, (_, i) => i + 1))
})

it('answers 404 for a session that does not exist', async () => {
  const stream = await connect('/sessions/bob/events')
  expect(stream.status).toBe(404)
  stream.close()
})

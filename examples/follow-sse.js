#!/usr/bin/env node
// Streams a session to a browser with Server-Sent Events, from a checkpoint on and then live:
// each event the server (or any process) stores in the session is sent as it is stored.
//
//   node examples/follow-sse.js <sessions-dir> [port]
//   curl -N 'http://localhost:<port>/sessions/alice/events?from=last'
//
// `from` is a checkpoint's stateId, `last` for the last checkpoint, or absent for the start.
// Each event is sent as `id: <seq>` and `data: <the event's JSON>`; when the log is replaced or
// truncated, an `event: end` says why. Node's `http` alone, no framework. Prints the port it
// listens on once it does.
'use strict'

const { stat } = require('node:fs/promises')
const http = require('node:http')
const path = require('node:path')
const { SessionReader } = require('..')

const dir = path.resolve(process.argv[2] || 'sessions')
const port = Number(process.argv[3] || 0)
const SESSION_ROUTE = /^\/sessions\/([A-Za-z0-9_.-]+)\/events$/

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost')
  const route = SESSION_ROUTE.exec(url.pathname)
  if (req.method !== 'GET' || !route || route[1].startsWith('.')) {
    res.writeHead(404).end('Not found\n')
    return
  }
  const eventFile = path.join(dir, `${route[1]}.jsonl`)
  const reader = new SessionReader(eventFile)
  const from = url.searchParams.get('from')
  // The stream ends when the client goes away: its request's signal aborts the follower.
  const gone = new AbortController()
  res.on('close', () => gone.abort())
  try {
    await stat(eventFile) // a missing session is a 404, before the stream starts
    const fromCheckpoint = from === 'last' ? await reader.latestCheckpoint() : from || undefined
    const events = reader.events({ fromCheckpoint: fromCheckpoint || undefined, follow: true, signal: gone.signal })
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    res.write(': following\n\n')
    for await (const event of events) {
      const id = typeof event.seq === 'number' ? `id: ${event.seq}\n` : ''
      // A slow client holds the follower here: nothing more is read until it has taken this.
      if (!res.write(`${id}data: ${JSON.stringify(event)}\n\n`)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve))
    }
  } catch (err) {
    if (err.code === 'ABORT_ERR') return
    if (!res.headersSent) {
      res.writeHead(err.code === 'ENOENT' || err.code === 'ERR_NO_SUCH_CHECKPOINT' ? 404 : 500).end(`${err.message}\n`)
      return
    }
    res.end(`event: end\ndata: ${JSON.stringify({ code: err.code, message: err.message })}\n\n`)
  }
})

server.listen(port, () => console.log(`listening on ${server.address().port}`))

#!/usr/bin/env node
// The first call on a big session, closed cleanly and after an unclean stop (a batch record left
// beside the log, as a crash or a power cut leaves it): what checking every checkpoint against its
// line and searching the log for NUL bytes cost. A log of OPEN_AFTER_STOP_MB (1,024) with 100,000
// checkpoints is written directly; each run is a fresh process whose one 1-event call is timed
// (wall), after which the log is cut back and the index written again. Medians of 3 runs.
// `node bench/open-after-stop.js [<package directory, default this one>] [<MB>]`
'use strict'
const fs = require('fs'), path = require('path'), os = require('os'), { execFileSync } = require('child_process')
const root = path.resolve(process.argv[2] || path.join(__dirname, '..')), mb = +(process.argv[3] || process.env.OPEN_AFTER_STOP_MB || 1024), checkpoints = 100000
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unclean-'))
const log = `${dir}/s.jsonl`, index = `${dir}/s.index.json`
const fd = fs.openSync(log, 'w'); let off = 0; const cps = []
const header = JSON.stringify({ type: 'session', version: 1, id: 's', created: new Date(0).toISOString() }) + '\n'
fs.writeSync(fd, header); off += header.length
const per = Math.floor((mb * 1024 * 1024) / checkpoints)
const pad = 'x'.repeat(Math.max(0, per - 120))
let seq = 0, chunk = ''
for (let i = 0; i < checkpoints; i++) {
  const cp = JSON.stringify({ type: 'checkpoint', seq, reason: 'auto', stateId: `s${seq}` }) + '\n'
  cps.push({ seq, reason: 'auto', stateId: `s${seq}`, byteOffset: off }); seq++; off += cp.length; chunk += cp
  const filler = JSON.stringify({ type: 'output', seq, value: pad }) + '\n'; seq++; off += filler.length; chunk += filler
  if (chunk.length > 1 << 20) { fs.writeSync(fd, chunk); chunk = '' }
}
fs.writeSync(fd, chunk); fs.closeSync(fd)
fs.writeFileSync(index, JSON.stringify({ sessionId: 's', eventCount: seq, checkpoints: cps, states: {}, receipts: {} }, null, 2))
const child = `const {IncrementalWriter}=require(${JSON.stringify(root)});const w=new IncrementalWriter(${JSON.stringify(log)},${JSON.stringify(index)});const t=process.hrtime.bigint();w.appendEvents([{type:'input',seq:${seq}}]).then(()=>{console.log(Number(process.hrtime.bigint()-t)/1e6);w.closeSync()})`
const run = () => +execFileSync(process.execPath, ['-e', child]).toString()
const size = fs.statSync(log).size
const results = { clean: [], unclean: [] }
for (let r = 0; r < 3; r++) {
  // The call appends one line; take it back out so every run opens the same session.
  for (const kind of ['clean', 'unclean']) {
    if (kind === 'unclean') fs.writeFileSync(`${log}.batch`, `incremental-writer batch 1 ${size} 2\n{}`)
    results[kind].push(run())
    fs.truncateSync(log, size)
    fs.rmSync(`${log}.batch`, { force: true })
    fs.writeFileSync(index, JSON.stringify({ sessionId: 's', eventCount: seq, checkpoints: cps, states: {}, receipts: {} }, null, 2))
  }
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(`log ${(size / 1048576).toFixed(0)} MB, ${checkpoints} checkpoints: first call wall ms, clean ${median(results.clean).toFixed(1)} (${results.clean.map((x) => x.toFixed(0))}), after an unclean stop ${median(results.unclean).toFixed(1)} (${results.unclean.map((x) => x.toFixed(0))})`)
fs.rmSync(dir, { recursive: true, force: true })

'use strict'
// The command line: it refuses a file that is not a session log (exit 2, one line, nothing
// changed), verify counts events as the index does, and show and stat print a session for people.

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter } = require('incremental-writer')
const { tempSession } = require('./helpers')

const cli = path.join(__dirname, '..', 'bin', 'incremental-writer.js')
const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' })

let session
beforeEach(() => {
  session = tempSession('alice')
})
afterEach(() => session.remove())

/** A session of ten events (the header line first), two of them checkpoints, one with its state recorded. */
async function writeSession() {
  const writer = new IncrementalWriter(session.eventFile, session.indexFile)
  const at = (ms) => new Date(Date.UTC(2026, 11, 6, 13, 0, 0, ms)).toISOString()
  await writer.appendEvents([
    { type: 'input', seq: 0, code: '(define x 41)', timestamp: at(0) },
    { type: 'output', seq: 1, value: 'x', timestamp: at(120) },
    { type: 'checkpoint', seq: 2, reason: 'auto', stateId: 'alice-state-2' },
  ])
  await writer.recordState('alice-state-2', { env: { x: 41 } })
  await writer.appendEvents([
    { type: 'input', seq: 3, code: '(ask "what is x + 1?")', timestamp: at(1000) },
    { type: 'llm_req', seq: 4, prompt: 'what is x + 1?', receiptKey: 'r-4' },
    { type: 'llm_resp', seq: 5, response: '42', receiptKey: 'r-4' },
    { type: 'output', seq: 6, value: '42', timestamp: at(2400) },
    { type: 'error', seq: 7, message: 'unbound variable y', timestamp: at(3000) },
    { type: 'checkpoint', seq: 8, reason: 'manual', stateId: 'alice-state-8' },
    { type: 'input', seq: 9, code: '(+ x 1)', timestamp: at(4000) },
  ])
  await writer.close()
}

/** Every file in the session's directory with its bytes. */
function snapshot() {
  return Object.fromEntries(fs.readdirSync(session.dir).map((name) => [name, fs.readFileSync(path.join(session.dir, name), 'latin1')]))
}

describe('a file that is not a session log is refused', () => {
  const cases = [
    ['the index, given where the log goes', () => session.indexFile, /alice\.index\.json is not a session log: it is one JSON document \(an index\), not JSON lines/],
    ['binary bytes', () => writeFile('blob.jsonl', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 10, 3])), /blob\.jsonl is not a session log: its first line is not JSON/],
    ['a first line that is JSON but no event', () => writeFile('list.jsonl', '[1,2,3]\n{"type":"input","seq":0}\n'), /list\.jsonl is not a session log: its first line is an array/],
    ['a first line that is an object without a string type', () => writeFile('obj.jsonl', '{"name":"x"}\n'), /obj\.jsonl is not a session log: its first line is an object without a string "type"/],
  ]

  function writeFile(name, bytes) {
    const file = path.join(session.dir, name)
    fs.writeFileSync(file, bytes)
    return file
  }

  it.each(cases)('%s: exit 2, one line, nothing changed, by every command', async (_name, file, said) => {
    await writeSession()
    const target = file()
    const before = snapshot()
    for (const command of ['verify', 'repair', 'show', 'stat']) {
      const { status, stdout, stderr } = run(command, target)
      expect({ command, status, stdout, lines: stderr.trim().split('\n').length }).toEqual({ command, status: 2, stdout: '', lines: 1 })
      expect(stderr).toMatch(said)
      expect(stderr).toMatch(/expected JSON lines whose first line is a session header or an event/)
      expect(snapshot()).toEqual(before)
    }
  })
})

it("verify's event count is the index's: the header line is no event", async () => {
  await writeSession()
  const { status, stdout } = run('verify', session.eventFile)
  expect(status).toBe(0)
  expect(stdout).toMatch(/: 10 events, 2 checkpoints/)
})

describe('show and stat', () => {
  beforeEach(writeSession)

  it('show prints one line per event, checkpoints marked, and nothing for a terminal in a pipe', () => {
    const { status, stdout } = run('show', session.eventFile)
    expect(status).toBe(0)
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(11)
    expect(lines[1]).toMatch(/^ +0 {2}13:00:00\.000 {2}input {7}\(define x 41\)$/)
    expect(lines[3]).toMatch(/^\* +2 {2}- +checkpoint {2}auto, state alice-state-2 \(recorded\)$/)
    expect(lines[9]).toMatch(/^\* +8 .*checkpoint {2}manual, state alice-state-8$/)
    expect(stdout).not.toMatch(/\u001b\[/)
  })

  it('show --json prints the log\'s lines themselves, from a checkpoint or a seq', () => {
    const logLines = fs.readFileSync(session.eventFile, 'utf8').trimEnd().split('\n')
    expect(run('show', session.eventFile, '--json').stdout).toBe(fs.readFileSync(session.eventFile, 'utf8'))
    expect(run('show', session.eventFile, '--json', '--from-checkpoint', 'last').stdout.trimEnd().split('\n')).toEqual(logLines.slice(9))
    expect(run('show', session.eventFile, '--json', '--from-checkpoint', 'alice-state-2').stdout.trimEnd().split('\n')).toEqual(logLines.slice(3))
    expect(run('show', session.eventFile, '--json', '--from-seq', '5').stdout.trimEnd().split('\n')).toEqual(logLines.slice(6))
    const unknown = run('show', session.eventFile, '--from-checkpoint', 'nope')
    expect({ status: unknown.status, stderr: unknown.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(/no checkpoint with stateId "nope"/) })
    expect(run('stat', session.eventFile, '--json').status).toBe(2)
  })

  it('stat sums the session up in one screen', () => {
    const { status, stdout } = run('stat', session.eventFile)
    expect(status).toBe(0)
    expect(stdout.trimEnd().split('\n')).toEqual([
      session.eventFile,
      '  events       10 (seq 0 to 9) after the session header: input 3, output 2, checkpoint 2, llm_req 1, llm_resp 1, error 1',
      expect.stringMatching(/^ {2}checkpoints {2}2: 1 with its state recorded, 1 without; the last at seq 8 \(manual\), byte \d+$/),
      expect.stringMatching(/^ {2}size {9}log [\d,]+ bytes; index [\d,]+ bytes \(eventCount 10\)$/),
      '  first event  2026-12-06T13:00:00.000Z',
      '  last event   2026-12-06T13:00:04.000Z',
    ])
  })

  it('show --follow prints each batch another process stores until SIGINT, then exits 0', async () => {
    const proc = spawn(process.execPath, [cli, 'show', session.eventFile, '--follow', '--json', '--from-seq', '9'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    proc.stdout.on('data', (chunk) => (out += chunk))
    const printed = (text) =>
      new Promise((resolve) => {
        const look = () => out.includes(text) && (proc.stdout.off('data', look), resolve())
        proc.stdout.on('data', look)
        look()
      })
    await printed('"seq":9')
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'output', seq: 10, value: 'live' }])
    await writer.close()
    await printed('"seq":10')
    const gone = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
    proc.kill('SIGINT')
    expect(await gone).toEqual({ code: 0, signal: null })
    expect(out.trimEnd().split('\n').map((line) => JSON.parse(line).seq)).toEqual([9, 10])
  })
})

it('colors only a terminal that has them', () => {
  const { painterFor } = require('../lib/cli/style')
  expect(painterFor({ isTTY: true, hasColors: () => true })('red', 'x')).toBe('\u001b[31mx\u001b[39m')
  expect(painterFor({ isTTY: true, hasColors: () => false })('red', 'x')).toBe('x')
  expect(painterFor({})('red', 'x')).toBe('x')
})

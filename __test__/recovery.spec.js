'use strict'
// Recovery and the guarantees around it, from JS: one writer per log, close(), appends made
// behind the writer's back, a failed write that leaves no partial batch, durability options,
// and the operators' verify/repair tool.

const { execFileSync, spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { IncrementalWriter, verify, repair } = require('incremental-writer')
const { tempSession, logLines } = require('./helpers')

const root = path.resolve(__dirname, '..')
const cli = path.join(root, 'bin', 'incremental-writer.js')

let session
beforeEach(() => {
  session = tempSession()
})
afterEach(() => session.remove())

function checkpointLineAt(byteOffset) {
  const log = fs.readFileSync(session.eventFile)
  return JSON.parse(log.subarray(byteOffset, log.indexOf(10, byteOffset)).toString('utf8'))
}

describe('one writer per log', () => {
  it('shares one session between writers of the same log in this process, through any path to it', async () => {
    const first = new IncrementalWriter(session.eventFile, session.indexFile)
    fs.symlinkSync(session.dir, `${session.dir}-link`)
    try {
      const second = new IncrementalWriter(path.join(`${session.dir}-link`, '.', path.basename(session.eventFile)), session.indexFile)
      const calls = [0, 1, 2, 3].map((seq) => [first, second][seq % 2].appendEvents([{ type: 'input', seq }]))
      await Promise.all(calls)
      expect(logLines(session.eventFile).slice(1).map((line) => JSON.parse(line).seq)).toEqual([0, 1, 2, 3])
      await first.close()
      await expect(first.appendEvents([{ type: 'input', seq: 4 }])).rejects.toMatchObject({ code: 'ERR_WRITER_CLOSED' })
      await second.appendEvents([{ type: 'checkpoint', seq: 4, reason: 'r', stateId: 's' }])
      expect(second.getByteOffset()).toBe(fs.statSync(session.eventFile).size)
      expect(JSON.parse(fs.readFileSync(session.indexFile, 'utf8'))).toMatchObject({ eventCount: 5, checkpoints: [{ seq: 4 }] })
      await second.close()
      expect(fs.readdirSync(session.dir).sort()).toEqual([path.basename(session.indexFile), path.basename(session.eventFile)].sort())
    } finally {
      fs.rmSync(`${session.dir}-link`)
    }
  })

  it('refuses a writer while another process holds the log, and not after that process is gone', async () => {
    const holder = spawn(process.execPath, [
      '-e',
      `const { IncrementalWriter } = require(${JSON.stringify(root)});
       new IncrementalWriter(process.argv[1], process.argv[2]).appendEvents([{ type: 'input', seq: 0 }]).then(() => console.log('held'));
       setInterval(() => {}, 1000);`,
      session.eventFile,
      session.indexFile,
    ])
    await new Promise((resolve) => holder.stdout.once('data', resolve))
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await expect(writer.appendEvents([{ type: 'input', seq: 1 }])).rejects.toMatchObject({ code: 'ERR_SESSION_LOCKED' })
    holder.kill('SIGKILL')
    await new Promise((resolve) => holder.once('exit', resolve))
    await writer.appendEvents([{ type: 'input', seq: 1 }])
    await writer.close()
    expect(logLines(session.eventFile).map((line) => JSON.parse(line).seq)).toEqual([undefined, 0, 1])
  })
})

// Here, not in the portable errors.spec.js: permissions on a directory do not stop writes on Windows.
describe('a directory the process cannot write', () => {
  it('EACCES in a directory the process cannot write, on files it can, says that the directory must be writable and why', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'input', seq: 0 }])
    await writer.close()
    for (const name of fs.readdirSync(session.dir)) fs.chmodSync(path.join(session.dir, name), 0o666)
    fs.chmodSync(session.dir, 0o555)
    const script = `const { IncrementalWriter } = require(${JSON.stringify(root)})
      new IncrementalWriter(process.argv[1], process.argv[2]).appendEvents([{ type: 'input', seq: 1 }])
        .then(() => console.log('{}'), (e) => console.log(JSON.stringify({ code: e.code, path: e.path, message: e.message })))`
    // As root, permissions stop no write: write as nobody.
    const asNobody = process.getuid && process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {}
    const child = spawnSync(process.execPath, ['-e', script, session.eventFile, session.indexFile], { encoding: 'utf8', ...asNobody })
    fs.chmodSync(session.dir, 0o755)
    const failure = JSON.parse(child.stdout)
    expect(failure).toEqual({
      code: 'EACCES',
      path: `${session.eventFile}.batch`,
      message: `EACCES: permission denied, open '${session.eventFile}.batch'; the directory '${session.dir}' must be writable: besides the log and the index, a writer keeps files of its own there while it has the session (<log>.batch, the batch being written, and <index>.spare, the next index)`,
    })
  })
})

describe('close()', () => {
  it('waits for queued calls, then refuses new ones with ERR_WRITER_CLOSED', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    const calls = [0, 1, 2].map((seq) => writer.appendEvents([{ type: 'input', seq }]))
    const closed = writer.close()
    expect(writer.close()).toBe(closed)
    await closed
    await Promise.all(calls)
    expect(logLines(session.eventFile)).toHaveLength(4)
    await expect(writer.appendEvents([{ type: 'input', seq: 3 }])).rejects.toMatchObject({ code: 'ERR_WRITER_CLOSED' })
    expect(logLines(session.eventFile)).toHaveLength(4)
  })
})

describe('appends behind the writer', () => {
  it("indexes the server's appendFileSync lines, checkpoints included, with exact offsets", async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'input', seq: 0, code: 'é' }])
    const behind = [
      { type: 'checkpoint', seq: 1, reason: 'shutdown', stateId: 'sd' },
      { type: 'output', seq: 2, value: '✓' },
    ]
    fs.appendFileSync(session.eventFile, behind.map((event) => JSON.stringify(event) + '\n').join(''))
    await writer.appendEvents([{ type: 'checkpoint', seq: 3, reason: 'auto', stateId: 'a3' }])

    const index = JSON.parse(fs.readFileSync(session.indexFile, 'utf8'))
    expect(index.eventCount).toBe(4)
    expect(index.checkpoints.map((checkpoint) => checkpoint.stateId)).toEqual(['sd', 'a3'])
    for (const { byteOffset, seq } of index.checkpoints) expect(checkpointLineAt(byteOffset)).toMatchObject({ type: 'checkpoint', seq })
    expect(writer.getByteOffset()).toBe(fs.statSync(session.eventFile).size)
  })

  it("accepts a log the server's shutdown created without a header", async () => {
    fs.appendFileSync(session.eventFile, '{"type":"checkpoint","seq":0,"reason":"r","stateId":"s0"}\n')
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'input', seq: 1 }])
    expect(logLines(session.eventFile)[0]).toBe('{"type":"checkpoint","seq":0,"reason":"r","stateId":"s0"}')
    expect(writer.getCachedIndex()).toMatchObject({ eventCount: 2, checkpoints: [{ stateId: 's0', byteOffset: 0 }] })
  })
})

describe('readers of the index', () => {
  it('keep reading, whole, the version they opened while the writer goes on', async () => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    const checkpoint = (seq) => [{ type: 'checkpoint', seq, reason: 'auto', stateId: `s-${seq}` }]
    await writer.appendEvents(checkpoint(0))
    await writer.appendEvents(checkpoint(1))
    const opened = fs.readFileSync(session.indexFile, 'utf8')
    const reader = fs.openSync(session.indexFile, 'r')
    try {
      for (let seq = 2; seq < 8; seq++) await writer.appendEvents(checkpoint(seq))
      const held = Buffer.alloc(opened.length + 100)
      const read = fs.readSync(reader, held, 0, held.length, 0)
      expect(held.subarray(0, read).toString('utf8')).toBe(opened)
    } finally {
      fs.closeSync(reader)
    }
    expect(JSON.parse(fs.readFileSync(session.indexFile, 'utf8')).checkpoints).toHaveLength(8)
    await writer.close()
    expect(fs.readdirSync(path.dirname(session.indexFile)).filter((name) => name.endsWith('.spare'))).toEqual([])
  })
})

describe('a failed write', () => {
  it('leaves no partial batch when the file-size limit is hit (EFBIG), and works again after', () => {
    // A child under `ulimit -f` (512-byte blocks): its second, large batch cannot fit.
    const script = `
      process.on('SIGXFSZ', () => {});
      const fs = require('fs');
      const { IncrementalWriter } = require(${JSON.stringify(root)});
      const [log, index] = process.argv.slice(1);
      const writer = new IncrementalWriter(log, index);
      (async () => {
        await writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 's' }]);
        const before = [fs.readFileSync(log, 'utf8'), fs.readFileSync(index, 'utf8')];
        const big = Array.from({ length: 200 }, (_, seq) => ({ type: 'input', seq: seq + 1, code: 'x'.repeat(100) }));
        const error = await writer.appendEvents(big).then(() => null, (err) => err);
        const after = [fs.readFileSync(log, 'utf8'), fs.readFileSync(index, 'utf8')];
        await writer.appendEvents([{ type: 'input', seq: 1, code: 'small' }]);
        console.log(JSON.stringify({ code: error && error.code, syscall: error && error.syscall, unchanged: before[0] === after[0] && before[1] === after[1], offset: writer.getByteOffset(), size: fs.statSync(log).size }));
      })();`
    const result = spawnSync('bash', ['-c', 'ulimit -f 8 && exec "$0" -e "$1" "$2" "$3"', process.execPath, script, session.eventFile, session.indexFile], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    const report = JSON.parse(result.stdout)
    expect(report).toEqual({ code: 'EFBIG', syscall: 'write', unchanged: true, offset: report.size, size: report.size })
    expect(logLines(session.eventFile).slice(1).map((line) => JSON.parse(line).seq)).toEqual([0, 1])
  })
})

describe('durability', () => {
  it.each(['none', 'data', 'full'])('stores a batch in %s mode', async (durability) => {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile, { durability })
    await writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 's' }])
    expect(writer.getCachedIndex().checkpoints).toHaveLength(1)
  })

  it('refuses an unknown mode', () => {
    expect(() => new IncrementalWriter(session.eventFile, session.indexFile, { durability: 'sometimes' })).toThrow(TypeError)
    expect(() => new IncrementalWriter(session.eventFile, session.indexFile, 'full')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })
})

describe('verify and repair', () => {
  async function damagedSession() {
    const writer = new IncrementalWriter(session.eventFile, session.indexFile)
    await writer.appendEvents([{ type: 'input', seq: 0 }, { type: 'checkpoint', seq: 1, reason: 'r', stateId: 's1' }])
    await writer.close()
    fs.appendFileSync(session.eventFile, '{"type":"checkpoint","seq":2,"reason":"r","stateId":"s2"}\n{"type":"inp')
  }

  it('verify lists what is wrong and changes nothing; repair fixes it; verify then agrees', async () => {
    await damagedSession()
    const before = fs.readFileSync(session.eventFile)
    const found = await verify(session.eventFile)
    expect(found.ok).toBe(false)
    expect(found.problems).toEqual([
      expect.stringContaining('last 12 bytes'),
      expect.stringContaining('eventCount is 2'),
      expect.stringContaining('lists 1 checkpoints, the log holds 2'),
    ])
    expect(fs.readFileSync(session.eventFile)).toEqual(before)

    const { changes } = await repair(session.eventFile)
    expect(changes).toEqual([expect.stringContaining('cut a torn tail of 12 bytes'), expect.stringContaining('rebuilt the index')])
    expect(await verify(session.eventFile, session.indexFile)).toMatchObject({ ok: true, problems: [], checkpoints: 2 })
    expect((await repair(session.eventFile)).changes).toEqual([])
  })

  it('is a command: verify exits 1 on problems and 0 once repaired', async () => {
    await damagedSession()
    const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' })
    const verified = run('verify', session.eventFile)
    expect(verified.status).toBe(1)
    expect(verified.stdout).toMatch(/problem: the log's last 12 bytes/)
    expect(run('repair', session.eventFile, session.indexFile).stdout).toMatch(/cut a torn tail/)
    expect(execFileSync(process.execPath, [cli, 'verify', session.eventFile], { encoding: 'utf8' })).toMatch(/ok: the log and the index agree/)
    expect(run('verify', path.join(session.dir, 'missing.jsonl'))).toMatchObject({ status: 2, stderr: expect.stringMatching(/ENOENT/) })
    expect(run('frobnicate').status).toBe(2)
  })
})

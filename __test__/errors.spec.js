'use strict'
// Every failure of the public API is a Node-style error with a `code` (and `index` or `path`
// where it applies), whatever the caller passes: Proxies, throwing getters, odd thrown values,
// strings too long for V8, paths `fs` would refuse, damaged index files.

const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { IncrementalWriter, SessionReader, verify, repair } = require('incremental-writer')
const { tempSession, logLines, readOrNull, errnoOf } = require('./helpers')

let session
let writer
beforeEach(() => {
  session = tempSession()
  writer = session.writer()
})
afterEach(() => session.remove())

/** What `call()` throws, synchronously. */
function thrownBy(call) {
  try {
    call()
  } catch (err) {
    return err
  }
  throw new Error('expected the call to throw')
}

/** Runs `call` as a promise (sync throws included) and returns what it rejected with. */
async function failureOf(call) {
  try {
    await call()
  } catch (err) {
    return err
  }
  throw new Error('expected the call to fail')
}

/** Expects `err` to be a `Type` with `fields`; `fields.cause` must be the very value thrown. */
function expectError(err, Type, { cause, ...fields }) {
  expect(err).toBeInstanceOf(Type)
  expect(err).toMatchObject(fields)
  // Compared by identity: matching it field by field would run the getters it was chosen for.
  if (cause !== undefined) expect(err.cause).toBe(cause)
}

/** Expects `events` to be refused, by appendEvents and appendEventsSync alike, writing nothing. */
async function expectRefused(events, Type, fields) {
  for (const append of [() => writer.appendEvents(events), () => writer.appendEventsSync(events)]) {
    expectError(await failureOf(append), Type, fields)
  }
  expect(readOrNull(session.eventFile)).toBeNull()
  expect(readOrNull(session.indexFile)).toBeNull()
  await writer.appendEvents([{ type: 'input', seq: 0 }])
  expect(logLines(session.eventFile).pop()).toBe('{"type":"input","seq":0}')
}

describe('an events argument that throws when inspected', () => {
  it('a revoked Proxy is ERR_INVALID_ARG_TYPE', async () => {
    const { proxy, revoke } = Proxy.revocable([], {})
    revoke()
    await expectRefused(proxy, TypeError, { code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('revoked') })
  })

  it('a Proxy whose length trap throws is ERR_INVALID_ARG_TYPE with the thrown value as cause', async () => {
    const boom = new Error('no length')
    const events = new Proxy([{ type: 'input' }], {
      get: (target, key) => {
        if (key === 'length') throw boom
        return target[key]
      },
    })
    await expectRefused(events, TypeError, { code: 'ERR_INVALID_ARG_TYPE', cause: boom, message: expect.stringContaining('no length') })
  })

  it('an element whose access throws is ERR_INVALID_EVENT with its index and the cause', async () => {
    const boom = new Error('no element')
    const events = new Proxy([{ type: 'input', seq: 0 }, { type: 'input', seq: 1 }], {
      get: (target, key) => {
        if (key === '1') throw boom
        return target[key]
      },
    })
    await expectRefused(events, TypeError, { code: 'ERR_INVALID_EVENT', index: 1, cause: boom, message: expect.stringContaining('events[1]') })
  })
})

describe('a thrown value without a usable message', () => {
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const thrownValues = [
    ['an object whose message getter throws', { get message() { throw new Error('x') } }, 'it threw an instance of Object'],
    ['a Symbol', Symbol('s'), 'it threw type symbol (Symbol(s))'],
    ['null', null, 'it threw null'],
    ['a string', 'plain', "it threw type string ('plain')"],
    ['a revoked Proxy', revoked.proxy, 'it threw a value that cannot be inspected'],
  ]

  it.each(thrownValues)('thrown by toJSON (%s) is ERR_INVALID_EVENT with its index and the value as cause', async (_name, thrown, said) => {
    const events = [{ type: 'input', seq: 0 }, { type: 'input', toJSON: () => { throw thrown } }]
    await expectRefused(events, TypeError, { code: 'ERR_INVALID_EVENT', index: 1, cause: thrown, message: `events[1] cannot be serialized to JSON: ${said}` })
  })

  it.each(thrownValues)('thrown by a state value (%s) is ERR_INVALID_ARG_VALUE with the value as cause', async (_name, thrown, said) => {
    const err = await failureOf(() => writer.recordState('s1', { toJSON: () => { throw thrown } }))
    expectError(err, TypeError, { code: 'ERR_INVALID_ARG_VALUE', cause: thrown, message: `The value for stateId "s1" cannot be stored as JSON: ${said}` })
  })

  it("a state value's own error with a code is the cause of ERR_INVALID_ARG_VALUE, not passed on as the call's error", async () => {
    const own = Object.assign(new Error('not here'), { code: 'ENOENT' })
    const err = await failureOf(() => writer.recordReceipt('r1', { toJSON: () => { throw own } }))
    expectError(err, TypeError, { code: 'ERR_INVALID_ARG_VALUE', cause: own, message: 'The value for receiptKey "r1" cannot be stored as JSON: not here' })
  })
})

describe('JSON longer than a string can be', () => {
  const { MAX_STRING_LENGTH } = require('node:buffer').constants

  it('a batch that outgrows it is a RangeError ERR_STRING_TOO_LONG at the event that made it too long', async () => {
    const text = 'a'.repeat(2 ** 28)
    const events = [{ type: 'input', seq: 0, text }, { type: 'input', seq: 1, text }]
    await expectRefused(events, RangeError, { code: 'ERR_STRING_TOO_LONG', index: 1, message: expect.stringContaining('events[1]') })
  }, 300000)

  it('one event that outgrows it is ERR_INVALID_EVENT with its index, the RangeError as cause', async () => {
    const events = [{ type: 'input', seq: 0 }, { type: 'input', seq: 1, text: 'a'.repeat(MAX_STRING_LENGTH) }]
    const err = await failureOf(() => writer.appendEvents(events))
    expectError(err, TypeError, { code: 'ERR_INVALID_EVENT', index: 1, message: expect.stringContaining('events[1] cannot be serialized to JSON') })
    expect(err.cause).toBeInstanceOf(RangeError)
    expect(readOrNull(session.eventFile)).toBeNull()
  }, 300000)

  it('an events argument too long to quote is still described: ERR_INVALID_ARG_TYPE', async () => {
    const err = await failureOf(() => writer.appendEvents('a'.repeat(MAX_STRING_LENGTH)))
    expectError(err, TypeError, { code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(/^The "events" argument must be an array\. Received type string \('a{100,}\.\.\.\)$/) })
    expect(err.message.length).toBeLessThan(300)
  }, 300000)
})

describe('a path with a null byte', () => {
  const bad = '/tmp/a\0b.jsonl'
  const refusal = (name) => ({
    code: 'ERR_INVALID_ARG_VALUE',
    message: `The argument '${name}' must be a string without null bytes. Received type string ('/tmp/a\\x00b.jsonl')`,
  })

  it.each([
    ['new IncrementalWriter', 'eventFile', () => new IncrementalWriter(bad, session.indexFile)],
    ['new IncrementalWriter', 'indexFile', () => new IncrementalWriter(session.eventFile, bad)],
    ['new SessionReader', 'eventFile', () => new SessionReader(bad)],
    ['new SessionReader', 'indexFile', () => new SessionReader(session.eventFile, bad)],
  ])('%s throws a TypeError ERR_INVALID_ARG_VALUE for %s, as fs does', (_name, argument, construct) => {
    expectError(thrownBy(construct), TypeError, refusal(argument))
  })

  it.each([
    ['verify', 'eventFile', () => verify(bad)],
    ['verify', 'indexFile', () => verify(session.eventFile, bad)],
    ['repair', 'eventFile', () => repair(bad)],
    ['repair', 'indexFile', () => repair(session.eventFile, bad)],
  ])('%s rejects with a TypeError ERR_INVALID_ARG_VALUE for %s, as fs does', async (_name, argument, call) => {
    const result = call()
    expect(typeof result.then).toBe('function')
    expectError(await failureOf(() => result), TypeError, refusal(argument))
    expect(fs.readdirSync(session.dir)).toEqual([])
  })
})

describe('one file for both the log and the index', () => {
  const link = (target, file) => fs.symlinkSync(target, file)
  const spellings = [
    ['the same path', ({ eventFile }) => [eventFile, eventFile]],
    ['dir/./name', ({ dir, eventFile }) => [eventFile, `${dir}/./session.jsonl`]],
    ['dir/../dir/name', ({ dir, eventFile }) => [eventFile, `${dir}/../${path.basename(dir)}/session.jsonl`]],
    ['a relative and an absolute path', ({ eventFile }) => [path.relative(process.cwd(), eventFile), eventFile]],
    ['an index that is a symlink to the log', ({ eventFile, indexFile }) => {
      fs.writeFileSync(eventFile, '')
      link(eventFile, indexFile)
      return [eventFile, indexFile]
    }],
    ['a log that is a symlink to the index', ({ eventFile, indexFile }) => {
      fs.writeFileSync(indexFile, '{}')
      link(indexFile, eventFile)
      return [eventFile, indexFile]
    }],
    ['a symlinked directory', ({ dir, eventFile }) => {
      link(dir, path.join(dir, 'link'))
      return [eventFile, path.join(dir, 'link', 'session.jsonl')]
    }],
  ]

  it.each(spellings)('new IncrementalWriter throws a TypeError ERR_INVALID_ARG_VALUE for %s, touching no file', (_name, paths) => {
    const [eventFile, indexFile] = paths(session)
    const before = fs.readdirSync(session.dir)
    const err = thrownBy(() => new IncrementalWriter(eventFile, indexFile))
    expectError(err, TypeError, { code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining("The argument 'indexFile' must not name the same file as 'eventFile'") })
    expect(fs.readdirSync(session.dir)).toEqual(before)
  })

  it.each([['verify', verify], ['repair', repair]])('%s rejects with ERR_INVALID_ARG_VALUE and leaves the log as it was', async (_name, call) => {
    const log = '{"type":"input","seq":0}\n'
    fs.writeFileSync(session.eventFile, log)
    expectError(await failureOf(() => call(session.eventFile, `${session.dir}/./session.jsonl`)), TypeError, { code: 'ERR_INVALID_ARG_VALUE' })
    expect(fs.readdirSync(session.dir)).toEqual(['session.jsonl'])
    expect(fs.readFileSync(session.eventFile, 'utf8')).toBe(log)
  })

  it('the command refuses it: exit 2, the reason on stderr, the log as it was', () => {
    const log = '{"type":"input","seq":0}\n'
    fs.writeFileSync(session.eventFile, log)
    const bin = path.join(__dirname, '..', 'bin', 'incremental-writer.js')
    const run = spawnSync(process.execPath, [bin, 'repair', session.eventFile, session.eventFile], { encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain("must not name the same file as 'eventFile'")
    expect(fs.readdirSync(session.dir)).toEqual(['session.jsonl'])
    expect(fs.readFileSync(session.eventFile, 'utf8')).toBe(log)
  })

  it('two files in one directory, or an index that is a symlink to another file, are accepted', async () => {
    fs.writeFileSync(path.join(session.dir, 'elsewhere.json'), '')
    link(path.join(session.dir, 'elsewhere.json'), session.indexFile)
    const other = session.writer(`${session.dir}/./session.jsonl`)
    await other.close()
    expect(() => new IncrementalWriter(session.eventFile, path.join(session.dir, 'Session.jsonl'))).not.toThrow()
  })
})

describe('a SessionReader on an index file that is not an index', () => {
  const log = '{"type":"checkpoint","seq":0,"reason":"r","stateId":"a"}\n{"type":"input","seq":1}\n'
  const contents = [
    ['not JSON', 'nope', /^the index file '.*' is not valid JSON: /],
    ['null', 'null', /must hold a JSON object$/],
    ['an array', '[]', /must hold a JSON object$/],
    ['without checkpoints', '{"sessionId": "s"}', /"checkpoints" is not an array$/],
    ['with checkpoints a number', '{"checkpoints": 5}', /"checkpoints" is not an array$/],
    ['with an entry that is not an object', '{"checkpoints": [{"seq": 0, "byteOffset": 0}, null]}', /checkpoints\[1\] is not an object$/],
    ['with an entry whose byteOffset is a string', '{"checkpoints": [{"seq": 0, "stateId": "a", "byteOffset": "0"}]}', /checkpoints\[0\]\.byteOffset is not a non-negative integer$/],
    ['with an entry whose byteOffset is negative', '{"checkpoints": [{"seq": 0, "stateId": "a", "byteOffset": -1}]}', /checkpoints\[0\]\.byteOffset is not a non-negative integer$/],
  ]
  const reads = [
    ['index()', (reader) => reader.index()],
    ['latestCheckpoint()', (reader) => reader.latestCheckpoint()],
    ['findCheckpointBefore(5)', (reader) => reader.findCheckpointBefore(5)],
    ["events({ fromCheckpoint: 'a' })", (reader) => reader.readEvents({ fromCheckpoint: 'a' })],
    ['events({ fromSeq: 1 })', (reader) => reader.readEvents({ fromSeq: 1 })],
  ]
  const cases = contents.flatMap(([what, text, said]) => reads.map(([name, read]) => [name, what, text, said, read]))

  it.each(cases)('%s on an index %s rejects with an Error ERR_INVALID_INDEX with its path', async (_name, _what, text, said, read) => {
    fs.writeFileSync(session.eventFile, log)
    fs.writeFileSync(session.indexFile, text)
    const err = await failureOf(() => read(new SessionReader(session.eventFile, session.indexFile)))
    expectError(err, Error, { name: 'Error', code: 'ERR_INVALID_INDEX', path: session.indexFile, message: expect.stringMatching(said) })
  })

  it("the writer's reads say the same", async () => {
    fs.writeFileSync(session.eventFile, log)
    fs.writeFileSync(session.indexFile, '{"checkpoints": 5}')
    expectError(await failureOf(() => writer.latestCheckpoint()), Error, { code: 'ERR_INVALID_INDEX', path: session.indexFile })
  })

  it.each(reads)('%s without an index file rejects with ENOENT as fs gives it', async (_name, read) => {
    fs.writeFileSync(session.eventFile, log)
    const err = await failureOf(() => read(new SessionReader(session.eventFile, session.indexFile)))
    // fs's own error, made in Node's realm: under Jest it is not an instance of the test's Error.
    expect(err).toMatchObject({ code: 'ENOENT', errno: errnoOf('ENOENT'), syscall: 'open', path: session.indexFile })
  })
})

describe('other arguments that are not what they should be', () => {
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const throwingGetter = (key) => ({ get [key]() { throw new Error(`no ${key}`) } })
  const log = '{"type":"checkpoint","seq":0,"reason":"r","stateId":"a"}\n'

  it.each([
    ['null', null],
    ['a number', 5],
    ['a string', 'fromSeq'],
    ['a revoked Proxy', revoked.proxy],
    ['an object with a throwing getter', throwingGetter('limit')],
  ])('events(options) with options %s is ERR_INVALID_ARG_TYPE', async (_name, options) => {
    fs.writeFileSync(session.eventFile, log)
    expectError(await failureOf(() => writer.readEvents(options)), TypeError, { code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"options" argument') })
  })

  it.each([
    ['a Symbol', 'ERR_INVALID_ARG_TYPE', Symbol('l')],
    ['a BigInt', 'ERR_INVALID_ARG_TYPE', 1n],
    ['a string', 'ERR_INVALID_ARG_TYPE', '5'],
    ['negative', 'ERR_INVALID_ARG_VALUE', -1],
    ['NaN', 'ERR_INVALID_ARG_VALUE', NaN],
  ])('events({ limit }) with a limit that is %s is %s', async (_name, code, limit) => {
    fs.writeFileSync(session.eventFile, log)
    expectError(await failureOf(() => writer.readEvents({ limit })), TypeError, { code, message: expect.stringContaining('limit') })
  })

  it.each([
    ['a revoked Proxy', 'ERR_INVALID_ARG_TYPE', revoked.proxy],
    ['an object whose byteOffset getter throws', 'ERR_INVALID_ARG_TYPE', throwingGetter('byteOffset')],
    ['an entry with a negative byteOffset', 'ERR_INVALID_ARG_VALUE', { byteOffset: -5 }],
    ['an entry with a NaN byteOffset', 'ERR_INVALID_ARG_VALUE', { byteOffset: NaN }],
    ['an entry with a fractional byteOffset', 'ERR_INVALID_ARG_VALUE', { byteOffset: 1.5 }],
  ])('events({ fromCheckpoint }) with %s is %s', async (_name, code, fromCheckpoint) => {
    fs.writeFileSync(session.eventFile, log)
    expectError(await failureOf(() => writer.readEvents({ fromCheckpoint })), TypeError, { code, message: expect.stringContaining('fromCheckpoint') })
  })

  it('events({ fromCheckpoint }) with an unknown stateId is ERR_NO_SUCH_CHECKPOINT with the path of the index', async () => {
    await writer.appendEvents([{ type: 'checkpoint', seq: 0, reason: 'r', stateId: 'a' }])
    const err = await failureOf(() => writer.readEvents({ fromCheckpoint: 'b' }))
    expectError(err, Error, { code: 'ERR_NO_SUCH_CHECKPOINT', path: session.indexFile, message: `The index file '${session.indexFile}' has no checkpoint with stateId "b"` })
  })

  it.each([
    ['a revoked Proxy', revoked.proxy],
    ['an object with a throwing getter', throwingGetter('durability')],
  ])('new IncrementalWriter with options %s throws ERR_INVALID_ARG_TYPE', (_name, options) => {
    expectError(thrownBy(() => new IncrementalWriter(session.eventFile, session.indexFile, options)), TypeError, { code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"options" argument') })
  })

  it('new IncrementalWriter with a durability that is a revoked Proxy throws ERR_INVALID_ARG_VALUE', () => {
    const err = thrownBy(() => new IncrementalWriter(session.eventFile, session.indexFile, { durability: revoked.proxy }))
    expectError(err, TypeError, { code: 'ERR_INVALID_ARG_VALUE', message: 'options.durability must be one of none, data, full. Received a value that cannot be inspected' })
  })

  it('the native writer refuses an unknown durability mode instead of taking it for none', () => {
    const { NativeWriter } = require('../lib/native')
    expect(() => new NativeWriter(session.eventFile, session.indexFile, 'bogus')).toThrow(/does not match any variant of enum `DurabilityMode`/)
    expect(() => new NativeWriter(session.eventFile, session.indexFile, 'full')).not.toThrow()
  })

  it.each([
    ['recordState', (key) => writer.recordState(key, 1), 'stateId'],
    ['recordReceipt', (key) => writer.recordReceipt(key, {}), 'receiptKey'],
  ])('%s with a key that is a revoked Proxy is ERR_INVALID_ARG_TYPE', async (_name, record, keyName) => {
    expectError(await failureOf(() => record(revoked.proxy)), TypeError, { code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining(`"${keyName}" argument must be of type string`) })
  })
})

describe('failures of the native side', () => {
  /** The package over a fake binding, to make the native side fail as the real one cannot be made to. */
  function overFakeBinding(binding) {
    let api
    jest.isolateModules(() => {
      // The real binding's durability modes, which index.js reads when loaded.
      const { DurabilityMode } = jest.requireActual('../binding.js')
      jest.doMock('../binding.js', () => ({ DurabilityMode, ...binding }))
      api = require('incremental-writer')
    })
    jest.dontMock('../binding.js')
    return api
  }

  /** A binding whose native writers queue changes and fail as `fails` says. */
  function fakeBinding(fails) {
    class NativeWriter {
      next = 0
      enqueueEvents() {
        return this.next++
      }
      enqueueState() {
        return this.next++
      }
      drainSync() {
        return { doneThrough: this.next - 1, failures: [] }
      }
      indexVersion() {
        if (fails.native) throw fails.native
        return 0
      }
      indexSnapshot() {
        if (fails.native) throw fails.native
        return { version: 0, json: null }
      }
      close() {
        if (fails.native) throw fails.native
      }
    }
    const drainWriters = async (natives) => {
      if (fails.drain) throw fails.drain
      return natives.map((native) => native.drainSync())
    }
    return { NativeWriter, drainWriters }
  }

  const failedWith = (failure) => overFakeBinding({ verifySession: async () => ({ failure }), repairSession: async () => ({ failure }) })
  const eventFile = '/nowhere/s.jsonl'

  it('an errno Node has no name for is code UNKNOWN, with errno, syscall and path', async () => {
    const { verify: fakeVerify } = failedWith({ kind: 'Error', message: 'read failed', errno: 4242, syscall: 'read', path: eventFile })
    const err = await failureOf(() => fakeVerify(eventFile))
    expectError(err, Error, { code: 'UNKNOWN', errno: -4242, syscall: 'read', path: eventFile, message: `UNKNOWN: unknown error 4242, read '${eventFile}'` })
  })

  it('a failed file-system call without an errno is ERR_IO, with syscall and path', async () => {
    const message = `stat '${eventFile}': the OS gave no error number`
    const { repair: fakeRepair } = failedWith({ kind: 'Error', message, syscall: 'stat', path: eventFile })
    const err = await failureOf(() => fakeRepair(eventFile))
    expectError(err, Error, { code: 'ERR_IO', syscall: 'stat', path: eventFile, message })
  })

  it('a drain that fails rejects every waiting call with ERR_INTERNAL, and later calls are tried again', async () => {
    const fails = { drain: new Error('drain failed') }
    const { IncrementalWriter: FakeIncrementalWriter } = overFakeBinding(fakeBinding(fails))
    const fake = new FakeIncrementalWriter(session.eventFile, session.indexFile)
    const calls = [fake.appendEvents([{ type: 'input', seq: 0 }]), fake.recordState('s', 1)]
    for (const call of calls) expectError(await failureOf(() => call), Error, { code: 'ERR_INTERNAL', message: 'drain failed' })
    fails.drain = null
    await fake.appendEvents([{ type: 'input', seq: 1 }])
  })

  it('a binding that throws (a broken writer) makes getCachedIndex, close and closeSync fail with ERR_INTERNAL', async () => {
    const fails = { native: Object.assign(new Error('the writer is broken'), { code: 'GenericFailure' }) }
    const { IncrementalWriter: FakeIncrementalWriter } = overFakeBinding(fakeBinding(fails))
    const internal = { code: 'ERR_INTERNAL', message: 'the writer is broken' }
    // Three sessions, so that each close is the last of its session's writers and closes it.
    const writer = (name) => new FakeIncrementalWriter(path.join(session.dir, `${name}.jsonl`), path.join(session.dir, `${name}.index.json`))
    expectError(thrownBy(() => writer('a').getCachedIndex()), Error, internal)
    expectError(await failureOf(() => writer('b').close()), Error, internal)
    expectError(thrownBy(() => writer('c').closeSync()), Error, internal)
  })
})

describe('messages that say what to do', () => {
  it('events({ fromSeq }) with a fromSeq that is not a number names fromSeq', async () => {
    fs.writeFileSync(session.eventFile, '{"type":"checkpoint","seq":0,"reason":"r","stateId":"a"}\n')
    const err = await failureOf(() => writer.readEvents({ fromSeq: 'x' }))
    expectError(err, TypeError, { code: 'ERR_INVALID_ARG_TYPE', message: "fromSeq must be of type number. Received type string ('x')" })
  })

  it.each([
    ['a string', 'text', "type string ('text')"],
    ['null', null, 'null'],
    ['an array', [], 'an array'],
  ])('recordReceipt with a receipt that is %s is refused, the index unchanged', async (_name, receipt, received) => {
    await writer.appendEvents([{ type: 'input', seq: 0 }])
    const err = await failureOf(() => writer.recordReceipt('k', receipt))
    expectError(err, TypeError, { code: 'ERR_INVALID_ARG_TYPE', message: `The "receipt" argument must be an object ({ key, request, response, timestamp, durationMs }). Received ${received}` })
    await writer.close()
    expect(JSON.parse(fs.readFileSync(session.indexFile, 'utf8')).receipts).toEqual({})
  })

  it('ERR_SESSION_LOCKED in this process says so and what to do', async () => {
    await writer.appendEvents([{ type: 'input', seq: 0 }])
    const other = new IncrementalWriter(session.eventFile, session.indexFile, { durability: 'full' })
    const err = await failureOf(() => other.appendEvents([{ type: 'input', seq: 1 }]))
    expectError(err, Error, {
      code: 'ERR_SESSION_LOCKED',
      path: session.eventFile,
      message: `the session log '${session.eventFile}' is held by another writer in this process (process ${process.pid}, which wrote its last batch): writers of one log in one process share it only with the same index file and durability mode; close the other writer first, or open this one with the same index file and mode`,
    })
  })

  it('ERR_SESSION_LOCKED held by another process names that process and what to do', () => {
    const script = `const { IncrementalWriter } = require(${JSON.stringify(path.resolve(__dirname, '..'))})
      new IncrementalWriter(process.argv[1], process.argv[2]).appendEvents([{ type: 'input', seq: 1 }])
        .then(() => console.log('{}'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`
    return (async () => {
      await writer.appendEvents([{ type: 'input', seq: 0 }])
      const child = spawnSync(process.execPath, ['-e', script, session.eventFile, session.indexFile], { encoding: 'utf8' })
      expect(JSON.parse(child.stdout)).toEqual({
        code: 'ERR_SESSION_LOCKED',
        message: `the session log '${session.eventFile}' is held by a writer in another process (process ${process.pid}, which wrote its last batch): close that writer (close() or closeSync()) or end that process, then try again`,
      })
    })()
  })
})

// The event and receipt types, as the server's code uses them. ts-jest type-checks this file
// under `strict` (__test__/tsconfig.json) before running it: a type error here, or an
// `@ts-expect-error` line whose error has gone, fails this suite. The tests then run the same
// functions on what a real log holds.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IncrementalWriter, SessionReader } from 'incremental-writer';
import type { KnownSessionEvent, Receipt, SessionEvent, UnknownSessionEvent } from 'incremental-writer';
import type { SessionEvent as ServerEvent } from './types';

/** Compiles only if each `case` narrows `ev` to one member and the union is closed. */
function describeEvent(ev: KnownSessionEvent): string {
  switch (ev.type) {
    case 'session':
      return `session ${ev.id} v${ev.version.toFixed(0)} ${ev.created}`;
    case 'input':
      return `input ${ev.seq.toFixed(0)} ${ev.code.toUpperCase()}`;
    case 'output':
      return `output ${ev.seq.toFixed(0)} ${ev.value.trim()}`;
    case 'checkpoint':
      return `checkpoint ${ev.seq.toFixed(0)} ${ev.stateId} ${ev.reason}`;
    case 'llm_req':
      return `llm_req ${ev.seq.toFixed(0)} ${ev.receiptKey} ${ev.prompt}`;
    case 'llm_resp':
      return `llm_resp ${ev.seq.toFixed(0)} ${ev.receiptKey} ${ev.response}`;
    case 'error':
      return `error ${ev.seq.toFixed(0)} ${ev.message}`;
    default: {
      const unreachable: never = ev;
      return unreachable;
    }
  }
}

/** The `if` a loader writes: after it, `code` is a string. */
function inputCode(ev: KnownSessionEvent): string | null {
  if (ev.type === 'input') return ev.code.toUpperCase();
  return null;
}

// The known kinds are the server's SessionEvent, member for member.
export const sameAsServer: [KnownSessionEvent] extends [ServerEvent] ? ([ServerEvent] extends [KnownSessionEvent] ? true : false) : false = true;

// A known kind with fields of the wrong types, or without its fields, is no KnownSessionEvent.
// @ts-expect-error seq must be a number and code a string
export const wrongTypes: KnownSessionEvent = { type: 'input', seq: 'zero', code: 42 };
// @ts-expect-error seq must be a number: the only fault of this event
export const wrongSeq: KnownSessionEvent = { type: 'input', seq: 'zero', code: '(+ 1 2)', timestamp: 't' };
// @ts-expect-error an input event has a code
export const missingCode: KnownSessionEvent = { type: 'input', seq: 0, timestamp: 't' };
// @ts-expect-error the known kinds are closed: an older log's step is not one of them
export const olderKind: KnownSessionEvent = { type: 'step', ts: 1700000000000, d: 2 };

// A receipt as the server records it: timestamp in epoch milliseconds.
export const receipt: Receipt = { key: 'r1', request: { prompt: 'p' }, response: 'r', timestamp: 1700000000000, durationMs: 12, tokens: 3 };
// @ts-expect-error a receipt's timestamp is epoch milliseconds, not an ISO string
export const isoReceipt: Receipt = { key: 'r1', request: {}, response: 'r', timestamp: '2024-01-01T00:00:00.000Z', durationMs: 12 };
// @ts-expect-error a receipt has a durationMs
export const noDuration: Receipt = { key: 'r1', request: {}, response: 'r', timestamp: 1700000000000 };

/** What appendEvents takes: the server's own union, any other kind, and the package's union, with no cast. */
export function appendAll(writer: IncrementalWriter, server: ServerEvent[], older: UnknownSessionEvent[], mixed: SessionEvent[]): Promise<void>[] {
  return [
    writer.appendEvents(server),
    writer.appendEvents(older),
    writer.appendEvents(mixed),
    writer.appendEvents([{ type: 'step', ts: 1700000000000, d: 2 }, { type: 'input', seq: 0, code: '1', timestamp: 't' }]),
  ];
}

/** Reading with no claim yields SessionEvent: `code` stays unknown after the `if`. */
export async function unclaimedCodes(reader: SessionReader): Promise<unknown[]> {
  const codes: unknown[] = [];
  for await (const ev of reader.events()) if (ev.type === 'input') codes.push(ev.code);
  return codes;
}

/** SessionEvent does not narrow, which is why reading takes a claim (`readEvents<KnownSessionEvent>()`). */
export function unclaimedUpperCode(ev: SessionEvent): string | null {
  // @ts-expect-error the open member keeps code unknown: TypeScript has no "string but the known kinds"
  return ev.type === 'input' ? ev.code.toUpperCase() : null;
}

describe('event types', () => {
  let dir: string;
  let eventFile: string;
  let indexFile: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-types-'));
    eventFile = path.join(dir, 'typed.jsonl');
    indexFile = path.join(dir, 'typed.index.json');
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serverEvents: ServerEvent[] = [
    { type: 'input', seq: 0, code: '(ask "hi")', timestamp: '2024-01-01T00:00:00.000Z' },
    { type: 'llm_req', seq: 1, prompt: 'hi', receiptKey: 'r1' },
    { type: 'llm_resp', seq: 2, response: 'hello', receiptKey: 'r1' },
    { type: 'output', seq: 3, value: ' "hello" ', timestamp: '2024-01-01T00:00:01.000Z' },
    { type: 'checkpoint', seq: 4, reason: 'auto', stateId: 'state-4' },
    { type: 'error', seq: 5, message: 'boom', timestamp: '2024-01-01T00:00:02.000Z' },
  ];

  it('narrows the events the server wrote, read back as KnownSessionEvent', async () => {
    const writer = new IncrementalWriter(eventFile, indexFile);
    await writer.appendEvents(serverEvents, { env: new Map(), stack: [] });
    const events = await writer.readEvents<KnownSessionEvent>();
    await writer.close();
    expect(events.map(describeEvent)).toEqual([
      expect.stringMatching(/^session typed v1 \d{4}-\d\d-\d\dT/),
      'input 0 (ASK "HI")',
      'llm_req 1 r1 hi',
      'llm_resp 2 r1 hello',
      'output 3 "hello"',
      'checkpoint 4 state-4 auto',
      'error 5 boom',
    ]);
    const read = await new SessionReader(eventFile).readEvents<KnownSessionEvent>({ fromSeq: 0, limit: 2 });
    expect(read.map(inputCode)).toEqual(['(ASK "HI")', null]);
  });

  it('keeps every field of other kinds, readable without a claim', async () => {
    const writer = new IncrementalWriter(eventFile, indexFile);
    const older: UnknownSessionEvent[] = [{ type: 'step', ts: 1700000000000, d: 2 }, { type: 'input', seq: 0, code: 42 }];
    await writer.appendEvents(older);
    await writer.close();
    const reader = new SessionReader(eventFile);
    const events = await reader.readEvents();
    expect(events.slice(1)).toEqual(older);
    // What the default type is for: a log may hold an input whose code is no string.
    expect(await unclaimedCodes(reader)).toEqual([42]);
    expect(() => unclaimedUpperCode(events[2])).toThrow(TypeError);
  });

  it('records a receipt with an epoch-millisecond timestamp', async () => {
    const writer = new IncrementalWriter(eventFile, indexFile);
    await writer.appendEvents([serverEvents[1], serverEvents[2]]);
    await writer.recordReceipt(receipt.key, receipt);
    await writer.close();
    expect((await new SessionReader(eventFile).index()).receipts).toEqual({ r1: receipt });
  });
});

/**
 * The server's own events (its `SessionEvent` in `server/types.ts`), one member per `type`: a
 * closed union, so that `if (ev.type === 'input')` gives `ev.code: string` and a `switch` over
 * `ev.type` can be exhaustive. Reading a log yields these only where the caller says so (see
 * `SessionReader.events`): the package stores and reads any event, and checks no field but `type`.
 */
export type KnownSessionEvent =
  | { type: 'session'; version: number; id: string; created: string }
  | { type: 'input'; seq: number; code: string; timestamp: string }
  | { type: 'output'; seq: number; value: string; timestamp: string }
  | { type: 'checkpoint'; seq: number; reason: string; stateId: string }
  | { type: 'llm_req'; seq: number; prompt: string; receiptKey: string }
  | { type: 'llm_resp'; seq: number; response: string; receiptKey: string }
  | { type: 'error'; seq: number; message: string; timestamp: string }

/**
 * An event of any kind, as a log may hold it: older logs carry `step`, `effect`, `resume` and
 * `result` events and fields such as `ts`, `d`, `tokens`, `durationMs`. TypeScript has no type
 * for "a string other than the known kinds", so this also matches a known kind with any fields:
 * a union holding it does not narrow on `type` (after `ev.type === 'input'`, `ev.code` is still
 * `unknown`). Narrow a `KnownSessionEvent` instead.
 */
export interface UnknownSessionEvent {
  type: string
  [field: string]: unknown
}

/**
 * One event of a session log: a known event or any other object with a string `type`, every
 * field of it kept. What `appendEvents` accepts (the server's `SessionEvent[]` included, with no
 * cast) and what reading yields unless the caller names the events its log holds. It does not
 * narrow on `type` (see `UnknownSessionEvent`).
 */
export type SessionEvent = KnownSessionEvent | UnknownSessionEvent

/** A checkpoint as the index lists it; `byteOffset` is where its line starts in the log. */
export interface CheckpointEntry {
  seq: number
  reason: string
  stateId: string
  byteOffset: number
}

/** The index file's content (`<name>.index.json`); fields it does not list are kept too. */
export interface SessionIndex {
  sessionId: string
  eventCount: number
  checkpoints: CheckpointEntry[]
  states: Record<string, unknown>
  /**
   * `Receipt`s by `receiptKey` as `recordReceipt` writes them; typed `unknown` because entries
   * another tool wrote are kept as they are.
   */
  receipts: Record<string, unknown>
}

/**
 * Appends session events to a JSONL log and keeps its JSON index of checkpoints and counts.
 * A drop-in for the original TypeScript `IncrementalWriter`.
 */
/** What a resolved call survives: see the README's Guarantees. */
export interface WriterOptions {
  /**
   * `'none'` (default): a crash of the process. `'data'`: also power loss, for the log (fdatasync
   * before resolving). `'full'`: also power loss, for the index and the directory entries.
   */
  durability?: 'none' | 'data' | 'full'
}

/** What `verify` found. */
export interface Verification {
  /** True when the index is what the log implies and the log ends with a whole line. */
  ok: boolean
  /** Each disagreement, in words. */
  problems: string[]
  /** What is no damage but worth knowing, in words: lines that are not events (kept in the log,
   * not indexed), a last line another appender is still writing. */
  notes: string[]
  /** Event lines in the log. */
  events: number
  /** Checkpoints in the log. */
  checkpoints: number
}

export declare class IncrementalWriter {
  /**
   * A writer for the log `eventFile` and the index `indexFile`; creates neither until the first
   * event. On the first event it recovers the session: a batch a crash cut short is taken back
   * out of the log, and an index that is behind, wrong or unreadable is rebuilt from the log.
   */
  constructor(eventFile: string, indexFile: string, options?: WriterOptions)
  /**
   * Appends each event as the line `JSON.stringify(event) + "\n"` and updates the index.
   * Resolves once the log and the index hold the whole batch. Rejects, with nothing
   * written, with a `TypeError` (`code`, `index`) for an event that cannot be stored, a
   * `RangeError` (`ERR_STRING_TOO_LONG`, `index`) for a batch whose JSON is longer than a string
   * can be, or with a Node-style system error (`code`, `errno`, `syscall`, `path`) when the
   * files cannot be written. Overlapping calls are stored in call order.
   */
  appendEvents(events: readonly SessionEvent[], state?: unknown): Promise<void>
  /**
   * `appendEvents` for exit paths: stores the batch before returning, after every earlier call
   * (whose promises then settle). Throws what `appendEvents` would reject with.
   */
  appendEventsSync(events: readonly SessionEvent[], state?: unknown): void
  /** Stores every queued call now, on this thread; their promises then settle. */
  flushSync(): void
  /**
   * Records `states[stateId] = value` in the index (as `JSON.stringify` writes the value), in
   * order with the other calls; a loader can resume at a checkpoint whose state is recorded.
   */
  recordState(stateId: string, value: unknown): Promise<void>
  /**
   * Records `receipts[receiptKey] = receipt` in the index, in order with the other calls. A
   * receipt is an object, as the server's are: anything else (a string, `null`, an array)
   * rejects with `ERR_INVALID_ARG_TYPE`.
   */
  recordReceipt(receiptKey: string, receipt: Receipt): Promise<void>
  /** The log's length in bytes after the last stored call. */
  getByteOffset(): number
  /**
   * The index as of the last completed call, or `null` before the first non-empty call: the
   * same object (shared by the session's writers) until a call changes the index, so changing
   * it changes what the next `getCachedIndex()` returns, but no file: use `recordState` and
   * `recordReceipt`.
   */
  getCachedIndex(): SessionIndex | null
  /**
   * Waits for every earlier call; then, when no other writer in this process has the same session
   * (log and index) open, closes the log, releases its lock and removes the files made beside
   * them. Later calls on this writer reject with `ERR_WRITER_CLOSED`, a call whose event getter
   * or `toJSON` closed the writer included; the session's other writers go on.
   */
  close(): Promise<void>
  /** `close` for exit paths: stores every queued call, then closes as `close` does, before returning. */
  closeSync(): void
  /** Reads this session's events: see `SessionReader.events`. */
  events<E extends { type: string } = SessionEvent>(options?: ReadOptions): AsyncIterableIterator<E>
  /** Reads this session's events into an array: see `SessionReader.readEvents`. */
  readEvents<E extends { type: string } = SessionEvent>(options?: ReadOptions): Promise<E[]>
  /** The index's last checkpoint, or `null`. */
  latestCheckpoint(): Promise<CheckpointEntry | null>
  /** The index's last checkpoint whose `seq` is at most `seq`, or `null`. */
  findCheckpointBefore(seq: number): Promise<CheckpointEntry | null>
}

/** An LLM call's recorded request and response, as the server keeps them in `receipts`. */
export interface Receipt {
  /** The `receiptKey` its `llm_req` and `llm_resp` events name. */
  key: string
  request: unknown
  response: unknown
  /** When the call was made, in epoch milliseconds (`Date.now()`). */
  timestamp: number
  /** How long the call took, in milliseconds. */
  durationMs: number
  tokens?: number
}

/**
 * Where to start reading. At most one of `fromCheckpoint`, `fromOffset` and `fromSeq`; none
 * reads from the start of the log.
 */
export interface ReadOptions {
  /** A checkpoint entry of the index, or the `stateId` of one. */
  fromCheckpoint?: CheckpointEntry | string
  /** The byte offset of a checkpoint line; anything else rejects with `ERR_NOT_A_CHECKPOINT`. */
  fromOffset?: number
  /** Starts at the checkpoint before this seq and yields events from this seq on. */
  fromSeq?: number
  /** At most this many events. */
  limit?: number
  /**
   * Do not end at the log's end: go on yielding each batch once it is stored (never one being
   * written or cut short by a crash), in log order, with no gap and no duplicate, from this
   * process or any other, until the loop stops, `signal` aborts (an `AbortError`, code
   * `ABORT_ERR`), or the log is truncated (`ERR_LOG_TRUNCATED`) or replaced
   * (`ERR_LOG_REPLACED`, after the lines the file followed still had). A slow consumer holds
   * at most a chunk of about 64 KB of lines in memory. Default `false`.
   */
  follow?: boolean
  /** Ends a following iterator, even while it waits for the next batch. */
  signal?: AbortSignal
}

/**
 * Reads a session's events from its log, seeking with the index's offsets: the cost follows
 * what is read, not the size of the log. Needs no writer and takes no lock.
 */
export declare class SessionReader {
  /** `indexFile` defaults to `<name>.index.json` beside `<name>.jsonl`. */
  constructor(eventFile: string, indexFile?: string)
  /** The index as its file holds it now; a file that is not an index rejects with `ERR_INVALID_INDEX`. */
  index(): Promise<SessionIndex>
  /** The index's last checkpoint, or `null`. */
  latestCheckpoint(): Promise<CheckpointEntry | null>
  /** The index's last checkpoint whose `seq` is at most `seq`, or `null`. */
  findCheckpointBefore(seq: number): Promise<CheckpointEntry | null>
  /**
   * The events from the starting point on, whole lines only, as an async iterator: each an object
   * with a string `type` (lines that are not events are passed over), its other fields as the
   * log holds them, unchecked. `E` says what the caller knows its log holds, as
   * `JSON.parse(line) as E` would: `events<KnownSessionEvent>()` for a log only the server wrote,
   * so that `ev.type` narrows; the default, `SessionEvent`, claims no more than a string `type`
   * and does not narrow.
   */
  events<E extends { type: string } = SessionEvent>(options?: ReadOptions): AsyncIterableIterator<E>
  /** `events(options)` collected into an array; `E` as for `events`. */
  readEvents<E extends { type: string } = SessionEvent>(options?: ReadOptions): Promise<E[]>
}

/**
 * Reads a session's log whole and compares its index with the index the log implies; changes
 * nothing. `indexFile` defaults to `<name>.index.json` beside `<name>.jsonl`.
 */
export declare function verify(eventFile: string, indexFile?: string): Promise<Verification>

/**
 * Sets how many file descriptors this process's sessions may keep open between calls (512 by
 * default, room for the server's own under a limit of 1,024). Beyond it, the idle sessions used
 * least recently are suspended: they close their files, releasing their lock, and open them
 * again on their next call, which goes on from where it left off when only others' appended
 * lines changed them. Throws `ERR_INVALID_ARG_VALUE` unless `descriptors` is a non-negative
 * integer.
 */
export declare function setDescriptorBudget(descriptors: number): void

/**
 * Sets how many bytes of memory this process's sessions may hold their indexes in between calls
 * (256 MiB by default). Beyond it, the idle sessions used least recently leave their
 * checkpoints' text in their index files, keeping a few hundred bytes each, and read it back
 * only where a write moves it or a reader asks for the index. Throws `ERR_INVALID_ARG_VALUE`
 * unless `bytes` is a non-negative integer.
 */
export declare function setIndexMemoryBudget(bytes: number): void

/**
 * Applies the recovery opening a session does, and lists what it changed, in words.
 * `indexFile` defaults to `<name>.index.json` beside `<name>.jsonl`.
 */
export declare function repair(eventFile: string, indexFile?: string): Promise<{ changes: string[] }>

// The session server's shared types (its `server/types.ts`), as the seed spec imports them.

export interface IIncrementalWriter {
  appendEvents(events: SessionEvent[], state: ReplState): Promise<void>;
}

export type SessionEvent =
  | { type: 'session'; version: number; id: string; created: string }
  | { type: 'input'; seq: number; code: string; timestamp: string }
  | { type: 'output'; seq: number; value: string; timestamp: string }
  | { type: 'checkpoint'; seq: number; reason: string; stateId: string }
  | { type: 'llm_req'; seq: number; prompt: string; receiptKey: string }
  | { type: 'llm_resp'; seq: number; response: string; receiptKey: string }
  | { type: 'error'; seq: number; message: string; timestamp: string };

/** The REPL's in-memory state: large, and not guaranteed to be JSON-safe. */
export interface ReplState {
  env: Map<string, unknown>;
  stack: unknown[];
  [key: string]: unknown;
}

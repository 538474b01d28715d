'use strict'
// The benchmark's scenarios and the server-like events they write (~10% checkpoints).

/** name -> { title, sessions, eventsPerCall, rounds, seedCheckpoints, writers (default: addon, original, careful) } */
const SCENARIOS = {
  single: { title: '1 event per call × 5,000', sessions: 1, eventsPerCall: 1, rounds: 5000, writers: ['addon', 'original', 'careful', 'roundtrip'] },
  batch: { title: '1,000 events per call × 50', sessions: 1, eventsPerCall: 1000, rounds: 50 },
  cp1k: { title: '1 event per call, index with 1,000 checkpoints × 1,000', sessions: 1, eventsPerCall: 1, rounds: 1000, seedCheckpoints: 1000 },
  cp10k: { title: '1 event per call, index with 10,000 checkpoints × 300', sessions: 1, eventsPerCall: 1, rounds: 300, seedCheckpoints: 10000 },
  cp100k: { title: '1 event per call, index with 100,000 checkpoints × 200', sessions: 1, eventsPerCall: 1, rounds: 200, seedCheckpoints: 100000 },
  many: { title: '20 sessions saved together with Promise.all, 5 events each × 200', sessions: 20, eventsPerCall: 5, rounds: 200 },
  million: { title: '1,000,000 events (100,000 checkpoints), 1,000 per call', sessions: 1, eventsPerCall: 1000, rounds: 1000, writers: ['addon'] },
}

/** The server's kinds of event, about 110 bytes each; every tenth a checkpoint. */
function serverEvent(seq) {
  const timestamp = new Date(1700000000000 + seq * 1000).toISOString()
  switch (seq % 10) {
    case 9:
      return { type: 'checkpoint', seq, reason: 'auto', stateId: `state-${seq}` }
    case 3:
      return { type: 'llm_req', seq, prompt: `Summarize note ${seq}`, receiptKey: `r-${seq}` }
    case 4:
      return { type: 'llm_resp', seq, response: `Note ${seq}: done.`, receiptKey: `r-${seq}`, tokens: 12 }
    case 6:
      return { type: 'output', seq, value: `"result ${seq}"`, timestamp }
    default:
      return { type: 'input', seq, code: `(define x${seq} (+ ${seq} 1))`, timestamp }
  }
}

module.exports = { SCENARIOS, serverEvent }

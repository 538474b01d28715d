'use strict'
// The benchmark's scenarios of calls on writers, each run by bench/scenario.js; their events are
// lib.js's serverEvent (~110 bytes, every tenth a checkpoint).

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

module.exports = { SCENARIOS }

//! Node bindings of the session writer: the `NativeWriter` class, which `index.js` wraps
//! into the public `IncrementalWriter`, the `verify`/`repair` tasks for operators, and what readers
//! of a log need (its lines from an offset, where the batch being stored is recorded).
//! Each item only translates; the work is in `core`. No panic crosses into Node: every entry
//! point and every task catches it and reports `ERR_INTERNAL` instead.

#![deny(clippy::all)]

mod binding;
mod core;

use std::sync::Arc;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use binding::durability_mode::DurabilityMode;
use binding::failure::guarded;
use binding::off_thread::OffThread;
use binding::session_tasks::{NativeChunk, NativeIndexText, NativeRepair, NativeVerification};
use binding::shared_writer::{NativeDrain, NativeIndexSnapshot, SharedWriter};
use core::Change;

/// One session's log and index, with the queue of changes waiting to be stored.
#[napi]
pub struct NativeWriter {
    shared: Arc<SharedWriter>,
}

#[napi]
impl NativeWriter {
    /// A writer for `eventFile` and `indexFile`; touches neither file. `durability` is
    /// `"none"` (the default), `"data"` or `"full"`.
    #[napi(constructor)]
    pub fn new(event_file: String, index_file: String, durability: Option<DurabilityMode>) -> napi::Result<Self> {
        let durability = durability.map_or(core::Durability::None, core::Durability::from);
        guarded(|| NativeWriter { shared: SharedWriter::new(core::Writer::new(event_file, index_file, durability)) })
    }

    /// Queues a batch of events (JSON lines, each ending in a newline) with the caller's time
    /// (`new Date().toISOString()`, for a new log's header); returns its ticket.
    #[napi]
    pub fn enqueue_events(&self, batch: String, created: String) -> napi::Result<i64> {
        guarded(|| self.shared.enqueue(Change::Events { lines: batch, created }))
    }

    /// Queues `states[stateId] = value` (the id and the value as JSON, so that lone surrogates
    /// arrive as they are); returns its ticket.
    #[napi]
    pub fn enqueue_state(&self, state_id_json: String, value_json: String) -> napi::Result<i64> {
        guarded(|| self.shared.enqueue(Change::State { id_json: state_id_json, value_json }))
    }

    /// Queues `receipts[key] = value` (the key and the value as JSON); returns its ticket.
    #[napi]
    pub fn enqueue_receipt(&self, key_json: String, value_json: String) -> napi::Result<i64> {
        guarded(|| self.shared.enqueue(Change::Receipt { key_json, value_json }))
    }

    /// Stores every queued change in order, on this thread (waiting for a drain in progress).
    #[napi]
    pub fn drain_sync(&self) -> napi::Result<NativeDrain> {
        guarded(|| self.shared.drain())
    }

    /// The log's length in bytes after the last stored batch.
    #[napi]
    pub fn byte_offset(&self) -> f64 {
        self.shared.byte_offset() as f64
    }

    /// The index as of the last completed change, as pretty-printed JSON (`null` before the
    /// first non-empty batch), with its version. Waits for a change being stored only the first
    /// time it is asked for.
    #[napi]
    pub fn index_snapshot(&self) -> napi::Result<NativeIndexSnapshot> {
        guarded(|| self.shared.index_snapshot())?.map_err(napi::Error::from)
    }

    /// The version `indexSnapshot` would give now (-1 before it was first asked for); never waits.
    #[napi]
    pub fn index_version(&self) -> napi::Result<f64> {
        guarded(|| self.shared.index_version())
    }

    /// Closes the log and releases its lock; waits for a change being stored to finish.
    #[napi]
    pub fn close(&self) -> napi::Result<()> {
        Ok(self.shared.with_writer(core::Writer::close)?)
    }
}

/// Stores the queued changes of each of `writers`, in order, off the main thread and in one
/// task for all of them, one session after another; resolves to their drains, in the order of
/// `writers`. One trip for many sessions: the main thread pays one hand-off and one completion
/// for all of them (`lib/drain-scheduler.js` makes the trips).
#[napi(ts_return_type = "Promise<NativeDrain[]>")]
pub fn drain_writers(writers: Vec<&NativeWriter>) -> AsyncTask<OffThread<Vec<NativeDrain>>> {
    let writers: Vec<_> = writers.iter().map(|writer| Arc::clone(&writer.shared)).collect();
    AsyncTask::new(OffThread::new(move || writers.iter().map(|writer| writer.drain()).collect()))
}

/// Sets how many file descriptors this process's sessions may keep open between calls
/// (512 by default); beyond it, idle sessions used least recently are suspended (their files
/// closed until their next call).
#[napi]
pub fn set_descriptor_budget(descriptors: u32) {
    binding::budgets::DESCRIPTORS.set(descriptors as usize);
}

/// Sets how many bytes of memory this process's sessions may hold their indexes in between
/// calls (256 MiB by default); beyond it, idle sessions used least recently leave their
/// checkpoints' text in their index files until a write or a reader needs it.
#[napi]
pub fn set_index_memory_budget(bytes: f64) {
    binding::budgets::INDEX_MEMORY.set(bytes as usize);
}

/// Lists what is wrong with a session's log and index, changing nothing.
#[napi(ts_return_type = "Promise<NativeVerification>")]
pub fn verify_session(event_file: String, index_file: String) -> AsyncTask<OffThread<NativeVerification>> {
    AsyncTask::new(OffThread::new(move || {
        binding::session_tasks::verify_session(event_file.as_ref(), index_file.as_ref())
    }))
}

/// Repairs a session's log and index as opening it does, and lists what changed.
#[napi(ts_return_type = "Promise<NativeRepair>")]
pub fn repair_session(event_file: String, index_file: String) -> AsyncTask<OffThread<NativeRepair>> {
    AsyncTask::new(OffThread::new(move || {
        binding::session_tasks::repair_session(event_file.as_ref(), index_file.as_ref())
    }))
}

/// Reads an index file, checked as a reader needs it: a JSON object whose `checkpoints` are
/// objects with a `byteOffset` (`ERR_INVALID_INDEX` saying what it is not).
#[napi(ts_return_type = "Promise<NativeIndexText>")]
pub fn read_index(index_file: String) -> AsyncTask<OffThread<NativeIndexText>> {
    AsyncTask::new(OffThread::new(move || binding::session_tasks::read_index_file(index_file.as_ref())))
}

/// Where a writer keeps the record of the batch it is storing in `eventFile` (`<log>.batch`, cut
/// and hashed when that name would be too long), which a follower of the log reads.
#[napi]
pub fn batch_record_path(event_file: String) -> String {
    core::batch_record_path(event_file.as_ref()).to_string_lossy().into_owned()
}

/// Reads up to `maxLines` event lines of a log from byte `offset`; with `requireCheckpoint`,
/// fails unless `offset` starts a checkpoint line.
#[napi(ts_return_type = "Promise<NativeChunk>")]
pub fn read_log_lines(
    event_file: String,
    offset: f64,
    max_lines: u32,
    require_checkpoint: bool,
) -> AsyncTask<OffThread<NativeChunk>> {
    AsyncTask::new(OffThread::new(move || {
        binding::session_tasks::read_log_lines(
            event_file.as_ref(),
            offset as u64,
            max_lines as usize,
            require_checkpoint,
        )
    }))
}

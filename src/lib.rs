//! Node bindings of the session writer: the `NativeWriter` class, which `index.js` wraps
//! into the public `IncrementalWriter`, and the `verify`/`repair` tasks for operators.
//! Each item only translates; the work is in `core`.

#![deny(clippy::all)]

mod binding;
mod core;

use std::sync::Arc;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use binding::append_task::{AppendBatches, InternalError, SharedWriter};
use binding::session_tasks::{RepairSession, VerifySession};

/// One session's log and index.
#[napi]
pub struct NativeWriter {
    shared: Arc<SharedWriter>,
}

#[napi]
impl NativeWriter {
    /// A writer for `eventFile` and `indexFile`; touches neither file. `durability` is
    /// `"none"` (the default), `"data"` or `"full"`.
    #[napi(constructor)]
    pub fn new(event_file: String, index_file: String, durability: Option<String>) -> Self {
        let durability = match durability.as_deref() {
            Some("data") => core::Durability::Data,
            Some("full") => core::Durability::Full,
            _ => core::Durability::None,
        };
        NativeWriter { shared: SharedWriter::new(core::Writer::open(event_file, index_file, durability)) }
    }

    /// Stores each batch (JSON lines, each ending in a newline) whole or not at all, in the
    /// order given, after every batch of earlier calls. Resolves to one entry per batch:
    /// `null` when stored, the failure otherwise.
    #[napi(ts_return_type = "Promise<Array<NativeFailure | null>>")]
    pub fn append_batches(&self, batches: Vec<String>) -> AsyncTask<AppendBatches> {
        AsyncTask::new(AppendBatches::new(Arc::clone(&self.shared), batches))
    }

    /// The log's length in bytes after the last stored batch.
    #[napi]
    pub fn byte_offset(&self) -> f64 {
        self.shared.byte_offset() as f64
    }

    /// The index as pretty-printed JSON, or `null` before the first non-empty batch.
    #[napi]
    pub fn index_json(&self) -> napi::Result<Option<String>> {
        self.shared
            .with_writer(|writer| writer.index().map(|index| index.to_json()))
            .map_err(|InternalError(message)| napi::Error::from_reason(message))
    }

    /// Closes the log and releases its lock; waits for a batch being stored to finish.
    #[napi]
    pub fn close(&self) -> napi::Result<()> {
        self.shared.with_writer(core::Writer::close).map_err(|InternalError(message)| napi::Error::from_reason(message))
    }
}

/// Lists what is wrong with a session's log and index, changing nothing.
#[napi]
pub fn verify_session(event_file: String, index_file: String) -> AsyncTask<VerifySession> {
    AsyncTask::new(VerifySession { log: event_file.into(), index: index_file.into() })
}

/// Repairs a session's log and index as opening it does, and lists what changed.
#[napi]
pub fn repair_session(event_file: String, index_file: String) -> AsyncTask<RepairSession> {
    AsyncTask::new(RepairSession { log: event_file.into(), index: index_file.into() })
}

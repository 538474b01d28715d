//! Node bindings of the session writer: the `NativeWriter` class, which `index.js` wraps
//! into the public `IncrementalWriter`. Each method only translates; the work is in `core`.

#![deny(clippy::all)]

mod binding;
mod core;

use std::sync::Arc;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use binding::append_task::{AppendBatches, InternalError, SharedWriter};

/// One session's log and index.
#[napi]
pub struct NativeWriter {
    shared: Arc<SharedWriter>,
}

#[napi]
impl NativeWriter {
    /// A writer for `eventFile` and `indexFile`; touches neither file.
    #[napi(constructor)]
    pub fn new(event_file: String, index_file: String) -> Self {
        NativeWriter { shared: SharedWriter::new(core::Writer::open(event_file, index_file)) }
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
}

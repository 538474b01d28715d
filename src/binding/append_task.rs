//! Stores batches on libuv's thread pool, one writer's batches strictly in the order given.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use napi::{Env, Task};

use super::failure::NativeFailure;
use crate::core::Writer;

/// A writer shared between the JS object and the tasks storing its batches.
pub struct SharedWriter {
    writer: Mutex<Writer>,
    byte_offset: AtomicU64,
    broken: AtomicBool,
}

/// A bug caught at the boundary instead of crashing the process.
#[derive(Debug)]
pub struct InternalError(pub String);

/// Stores a group of batches, each whole or not at all; resolves to one entry per batch:
/// `null` if stored, the failure otherwise.
pub struct AppendBatches {
    shared: Arc<SharedWriter>,
    batches: Vec<String>,
}

impl SharedWriter {
    /// Wraps `writer` for use from the JS thread and the pool.
    pub fn new(writer: Writer) -> Arc<Self> {
        let byte_offset = AtomicU64::new(writer.byte_offset());
        Arc::new(SharedWriter { writer: Mutex::new(writer), byte_offset, broken: AtomicBool::new(false) })
    }

    /// The log's length after the last stored batch; never waits for a batch in progress.
    pub fn byte_offset(&self) -> u64 {
        self.byte_offset.load(Ordering::Acquire)
    }

    /// Runs `f` on the writer. A panic inside is reported as an `ERR_INTERNAL` failure, and
    /// the writer refuses every later call rather than go on from a state it cannot trust.
    pub fn with_writer<T>(&self, f: impl FnOnce(&mut Writer) -> T) -> Result<T, InternalError> {
        let broken = || InternalError("the writer stopped after an internal error; open a new one".to_owned());
        let mut writer = self.writer.lock().map_err(|_| broken())?;
        if self.broken.load(Ordering::Acquire) {
            return Err(broken());
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut writer))) {
            Ok(value) => {
                self.byte_offset.store(writer.byte_offset(), Ordering::Release);
                Ok(value)
            }
            Err(panic) => {
                self.broken.store(true, Ordering::Release);
                Err(InternalError(format!("internal error: {}", panic_message(&panic))))
            }
        }
    }
}

impl AppendBatches {
    /// A task storing `batches` in order on `shared`.
    pub fn new(shared: Arc<SharedWriter>, batches: Vec<String>) -> Self {
        AppendBatches { shared, batches }
    }
}

impl Task for AppendBatches {
    type Output = Vec<Option<NativeFailure>>;
    type JsValue = Vec<Option<NativeFailure>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let outcomes = self
            .batches
            .iter()
            .map(|batch| match self.shared.with_writer(|writer| writer.append_batch(batch)) {
                Ok(Ok(())) => None,
                Ok(Err(err)) => Some(NativeFailure::from(&err)),
                Err(internal) => Some(NativeFailure::from(internal)),
            })
            .collect();
        Ok(outcomes)
    }

    fn resolve(&mut self, _env: Env, outcomes: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(outcomes)
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("panic")
}

//! Applies a writer's queued changes on libuv's thread pool.

use std::sync::Arc;

use napi::{Env, Task};

use super::shared_writer::{NativeOutcome, SharedWriter};

/// Drains the writer's queue off the main thread; resolves to how each change ended.
pub struct DrainQueue {
    pub shared: Arc<SharedWriter>,
}

impl Task for DrainQueue {
    type Output = Vec<NativeOutcome>;
    type JsValue = Vec<NativeOutcome>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(self.shared.drain())
    }

    fn resolve(&mut self, _env: Env, outcomes: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(outcomes)
    }
}

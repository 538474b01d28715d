//! Applies a writer's queued changes on libuv's thread pool.

use std::sync::Arc;

use napi::{Env, Task};

use super::shared_writer::{NativeDrain, SharedWriter};

/// Drains the writer's queue off the main thread; resolves to what was done.
pub struct DrainQueue {
    pub shared: Arc<SharedWriter>,
}

impl Task for DrainQueue {
    type Output = NativeDrain;
    type JsValue = NativeDrain;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(self.shared.drain())
    }

    fn resolve(&mut self, _env: Env, drained: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(drained)
    }
}

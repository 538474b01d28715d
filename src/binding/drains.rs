//! One trip to libuv's pool for many sessions: the writers with calls waiting are drained by
//! one task, and their results come back to the main thread together, so the main thread pays
//! one hand-off and one completion per trip rather than one per writer. The task drains the
//! sessions one after another, each in its own order and with its own errors.

use std::sync::Arc;

use super::shared_writer::{NativeDrain, SharedWriter};

/// Drains each of `writers` in turn; returns their drains in the same order.
pub fn drain_all(writers: &[Arc<SharedWriter>]) -> Vec<NativeDrain> {
    writers.iter().map(|writer| writer.drain()).collect()
}

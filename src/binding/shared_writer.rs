//! One writer shared by the JS thread and libuv's pool, with the queue of changes waiting
//! for it. Every change, whether a later async drain or a sync call applies it, is applied
//! in the order it was enqueued.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use napi_derive::napi;

use super::failure::{catch_panic, InternalError, NativeFailure};
use crate::core::{Change, Writer};

/// A writer, its queue of changes, and what JS may read without waiting for it.
pub struct SharedWriter {
    writer: Mutex<Writer>,
    queue: Mutex<Queue>,
    byte_offset: AtomicU64,
    broken: AtomicBool,
}

#[derive(Default)]
struct Queue {
    next_ticket: i64,
    changes: VecDeque<(i64, Change)>,
}

/// A change that failed, by its ticket.
#[napi(object)]
pub struct NativeOutcome {
    pub ticket: i64,
    pub failure: NativeFailure,
}

/// What a drain did: every change with a ticket up to `doneThrough` was applied, and stored
/// unless listed in `failures`. `doneThrough` is -1 when the queue was empty.
#[napi(object)]
pub struct NativeDrain {
    pub done_through: i64,
    pub failures: Vec<NativeOutcome>,
}

impl SharedWriter {
    /// Wraps `writer` for use from the JS thread and the pool.
    pub fn new(writer: Writer) -> Self {
        let byte_offset = AtomicU64::new(writer.byte_offset());
        SharedWriter {
            writer: Mutex::new(writer),
            queue: Mutex::new(Queue::default()),
            byte_offset,
            broken: AtomicBool::new(false),
        }
    }

    /// Queues `change` behind every change enqueued before it; returns its ticket. Never
    /// waits for a change being stored.
    pub fn enqueue(&self, change: Change) -> i64 {
        let mut queue = self.queue();
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.changes.push_back((ticket, change));
        ticket
    }

    /// Applies every queued change, in order, until the queue is empty; returns how each ended.
    /// Holds the writer throughout, so a drain that returns has seen every earlier change
    /// stored, including those another drain took first. A panic fails what is queued.
    pub fn drain(&self) -> NativeDrain {
        let mut writer = match self.lock() {
            Ok(writer) => writer,
            Err(internal) => return self.fail_queued(internal),
        };
        let mut drained = NativeDrain { done_through: -1, failures: Vec::new() };
        loop {
            let changes: Vec<_> = self.queue().changes.drain(..).collect();
            if changes.is_empty() {
                return drained;
            }
            for (ticket, change) in changes {
                let failure = match self.guarded(&mut writer, |writer| writer.apply(&change)) {
                    Ok(Ok(())) => None,
                    Ok(Err(err)) => Some(NativeFailure::from(&err)),
                    Err(internal) => Some(NativeFailure::from(internal)),
                };
                if let Some(failure) = failure {
                    drained.failures.push(NativeOutcome { ticket, failure });
                }
                drained.done_through = ticket;
            }
        }
    }

    /// The log's length after the last stored batch; never waits for a batch in progress.
    pub fn byte_offset(&self) -> u64 {
        self.byte_offset.load(Ordering::Acquire)
    }

    /// Runs `f` on the writer once no change is being stored; see `guarded`.
    pub fn with_writer<T>(&self, f: impl FnOnce(&mut Writer) -> T) -> Result<T, InternalError> {
        let mut writer = self.lock()?;
        self.guarded(&mut writer, f)
    }

    /// Runs `f` on the writer. A panic inside is reported as an `ERR_INTERNAL` failure, and
    /// the writer refuses every later call rather than go on from a state it cannot trust.
    fn guarded<T>(&self, writer: &mut Writer, f: impl FnOnce(&mut Writer) -> T) -> Result<T, InternalError> {
        if self.broken.load(Ordering::Acquire) {
            return Err(broken());
        }
        match catch_panic(|| f(writer)) {
            Ok(value) => {
                self.byte_offset.store(writer.byte_offset(), Ordering::Release);
                Ok(value)
            }
            Err(internal) => {
                self.broken.store(true, Ordering::Release);
                Err(internal)
            }
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Writer>, InternalError> {
        self.writer.lock().map_err(|_| broken())
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        // The queue is only pushed to and drained; a panic cannot leave it half-changed.
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Fails every queued change with `internal`.
    fn fail_queued(&self, internal: InternalError) -> NativeDrain {
        let changes: Vec<_> = self.queue().changes.drain(..).collect();
        let done_through = changes.last().map_or(-1, |(ticket, _)| *ticket);
        let failures = changes
            .into_iter()
            .map(|(ticket, _)| NativeOutcome {
                ticket,
                failure: NativeFailure::from(InternalError(internal.0.clone())),
            })
            .collect();
        NativeDrain { done_through, failures }
    }
}

fn broken() -> InternalError {
    InternalError("the writer stopped after an internal error; open a new one".to_owned())
}

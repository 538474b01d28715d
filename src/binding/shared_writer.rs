//! One writer shared by the JS thread and libuv's pool, with the queue of changes waiting
//! for it. Every change, whether a later async drain or a sync call applies it, is applied
//! in the order it was enqueued.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use napi_derive::napi;

use super::budgets::{self, DESCRIPTORS, INDEX_MEMORY};
use super::failure::{catch_panic, InternalError, NativeFailure};
use crate::core::{Change, Writer};

/// A writer, its queue of changes, and what JS may read without waiting for it.
pub struct SharedWriter {
    writer: Mutex<Writer>,
    queue: Mutex<Queue>,
    byte_offset: AtomicU64,
    broken: AtomicBool,
    /// The index as of the last completed change, as JSON, kept up to date by every drain once
    /// JS has asked for it (`index_snapshot`), so that asking never waits for a drain.
    snapshot: Mutex<Option<NativeIndexSnapshot>>,
    /// This writer, as the budgets know it.
    this: Weak<dyn budgets::Session>,
}

impl budgets::Session for SharedWriter {
    fn suspend(&self) -> bool {
        self.if_idle(Writer::suspend)
    }

    fn file_index(&self) -> bool {
        self.if_idle(Writer::file_index)
    }
}

impl Drop for SharedWriter {
    fn drop(&mut self) {
        for budget in [&DESCRIPTORS, &INDEX_MEMORY] {
            budget.forget((self as *const SharedWriter).cast());
        }
    }
}

/// The index's JSON (`null` before the first batch) and the version of the index it shows.
#[napi(object)]
#[derive(Clone)]
pub struct NativeIndexSnapshot {
    pub version: f64,
    pub json: Option<String>,
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
    pub fn new(writer: Writer) -> Arc<Self> {
        Arc::new_cyclic(|this: &Weak<SharedWriter>| SharedWriter {
            byte_offset: AtomicU64::new(writer.byte_offset()),
            writer: Mutex::new(writer),
            queue: Mutex::new(Queue::default()),
            broken: AtomicBool::new(false),
            snapshot: Mutex::new(None),
            this: this.clone() as Weak<dyn budgets::Session>,
        })
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
                self.refresh_snapshot(&writer, false);
                return drained;
            }
            for (ticket, change) in changes {
                let mut applied = self.guarded(&mut writer, |writer| writer.apply(&change));
                if matches!(&applied, Ok(Err(err)) if err.is_out_of_descriptors()) {
                    DESCRIPTORS.give_back_idle(&self.this);
                    applied = self.guarded(&mut writer, |writer| writer.apply(&change));
                }
                let failure = match applied {
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

    /// The index as of the last completed change. Waits for the writer only the first time it is
    /// asked for; from then on every drain keeps it up to date.
    pub fn index_snapshot(&self) -> Result<NativeIndexSnapshot, InternalError> {
        if let Some(snapshot) = self.snapshot().as_ref() {
            return Ok(snapshot.clone());
        }
        let writer = self.lock()?;
        self.refresh_snapshot(&writer, true);
        Ok(self.snapshot().clone().unwrap_or(NativeIndexSnapshot { version: 0.0, json: None }))
    }

    /// The version of the index `index_snapshot` gives now; never waits.
    pub fn index_version(&self) -> f64 {
        self.snapshot().as_ref().map_or(-1.0, |snapshot| snapshot.version)
    }

    /// Renders the writer's index into the snapshot when it changed and JS keeps one (or
    /// `start`s one).
    fn refresh_snapshot(&self, writer: &Writer, start: bool) {
        let mut snapshot = self.snapshot();
        let version = writer.index_version() as f64;
        let stale = match snapshot.as_ref() {
            Some(snapshot) => snapshot.version != version,
            None => start,
        };
        if stale {
            let json = catch_panic(|| writer.index_json()).ok().flatten();
            *snapshot = Some(NativeIndexSnapshot { version, json });
        }
    }

    fn snapshot(&self) -> MutexGuard<'_, Option<NativeIndexSnapshot>> {
        // Only ever replaced whole; a panic cannot leave it half-changed.
        self.snapshot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
                DESCRIPTORS.used(&self.this, writer.descriptors());
                INDEX_MEMORY.used(&self.this, writer.index_bytes());
                Ok(value)
            }
            Err(internal) => {
                self.broken.store(true, Ordering::Release);
                Err(internal)
            }
        }
    }

    /// Runs `f` on the writer unless a change is being stored; says whether it ran.
    fn if_idle(&self, f: impl FnOnce(&mut Writer)) -> bool {
        match self.writer.try_lock() {
            Ok(mut writer) => {
                f(&mut writer);
                true
            }
            Err(_) => false,
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

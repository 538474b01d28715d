//! Two budgets shared by all the sessions of the process, each kept by making the idle sessions
//! used least recently give back what it counts:
//!
//! - **Descriptors.** A session keeps its files open between calls (the log, the batch record,
//!   the index and its spare), which thousands of idle sessions would run out of. Beyond the
//!   budget, idle sessions are suspended: they close their files (releasing the log's lock) and
//!   open them again on their next call. When opening a file fails for want of descriptors
//!   (EMFILE, ENFILE), every idle session is suspended before the change is tried again.
//! - **Index memory.** A session holds its index in memory between calls; a parsed index of
//!   100,000 checkpoints takes about 50 MB. Beyond the budget, idle sessions leave their
//!   checkpoints' text in their index files (`Writer::file_index`), keeping a few hundred bytes,
//!   and read it back only where a write or a reader needs it.
//!
//! Each session reports what it holds of each after each change. The sessions taken to give
//! back are out of the count at once, and give back on a thread of their own (`evictor`), so
//! that the call that went over a budget does not wait for them; that thread is at most a few
//! sessions behind, or the call gives back itself. A session being written to when its turn
//! comes keeps what it holds, and is counted again after its call.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Mutex, MutexGuard, OnceLock, Weak};

/// A session that holds descriptors and index memory between calls.
pub trait Session: Send + Sync {
    /// Closes the files kept open between calls, unless the session is busy; says whether it did.
    fn suspend(&self) -> bool;

    /// Lets go of the text of its index's checkpoints, which its index file holds, unless the
    /// session is busy; says whether it did.
    fn file_index(&self) -> bool;
}

/// The default descriptor budget: room for 128 busy sessions, under a limit of 1,024 with the
/// server's own descriptors beside them.
pub const DEFAULT_DESCRIPTORS: usize = 512;

/// The default index memory budget, in bytes: about 250 parsed indexes of 1,000 checkpoints.
pub const DEFAULT_INDEX_MEMORY: usize = 256 << 20;

/// One budget: its limit, and the sessions holding what it counts.
pub struct Budget {
    limit: AtomicUsize,
    sessions: Mutex<Sessions>,
}

/// The descriptors the sessions keep open between calls.
pub static DESCRIPTORS: Budget = Budget::new(DEFAULT_DESCRIPTORS, |session| session.suspend());

/// The bytes of the indexes the sessions hold in memory between calls.
pub static INDEX_MEMORY: Budget = Budget::new(DEFAULT_INDEX_MEMORY, |session| session.file_index());

impl Budget {
    const fn new(limit: usize, give_back: GiveBack) -> Self {
        Budget { limit: AtomicUsize::new(limit), sessions: Mutex::new(Sessions::new(give_back)) }
    }

    /// Sets how much the sessions of this process may hold.
    pub fn set(&self, limit: usize) {
        self.limit.store(limit, Ordering::Relaxed);
    }

    /// Records that `session` was just used and holds `held`; while the budget is exceeded, the
    /// idle sessions used least recently are taken to give back what they hold, on the thread
    /// that gives back (`Evictor`), so that the call that went over the budget does not wait.
    pub fn used(&'static self, session: &Weak<dyn Session>, held: usize) {
        let taken = self.sessions().used(session, held, self.limit.load(Ordering::Relaxed));
        for session in taken {
            evictor::give_back(self, session);
        }
    }

    /// Makes every idle session but `session` give back what it holds, now.
    pub fn give_back_idle(&self, session: &Weak<dyn Session>) {
        let taken = self.sessions().take_until(0, address_of(session));
        for session in taken {
            self.give_back_unless_used(&session);
        }
    }

    /// Has `session`, taken to give back what it holds, do so, unless it was used again since
    /// (it is then the most recently used). A session busy now is passed over: it says what it
    /// holds after its call.
    fn give_back_unless_used(&self, session: &Weak<dyn Session>) {
        let give_back = {
            let sessions = self.sessions();
            if sessions.holds(address_of(session)) {
                return;
            }
            sessions.give_back
        };
        // A session dropped here must forget itself without the registry locked.
        if let Some(session) = session.upgrade() {
            give_back(session.as_ref());
        }
    }

    /// Forgets a session that is going away.
    pub fn forget(&self, session: *const ()) {
        self.sessions().forget(session as usize);
    }

    fn sessions(&self) -> MutexGuard<'_, Sessions> {
        // Every change to the registry is a few map operations that cannot panic halfway.
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How an idle session gives back what a budget counts; says whether it did.
type GiveBack = fn(&dyn Session) -> bool;

/// The sessions holding what a budget counts, least recently used first.
struct Sessions {
    by_use: BTreeMap<u64, Weak<dyn Session>>,
    /// Each session's (address) place in `by_use` and what it holds.
    held: Option<HashMap<usize, (u64, usize)>>,
    next_use: u64,
    open: usize,
    give_back: GiveBack,
}

/// What tells sessions apart: the address of their data.
fn address_of(session: &Weak<dyn Session>) -> usize {
    session.as_ptr() as *const () as usize
}

impl Sessions {
    const fn new(give_back: GiveBack) -> Self {
        Sessions { by_use: BTreeMap::new(), held: None, next_use: 0, open: 0, give_back }
    }

    /// `session` was just used and holds `open`: it becomes the most recently used. Returns the
    /// idle sessions taken to give back what they hold until at most `budget` is held.
    fn used(&mut self, session: &Weak<dyn Session>, open: usize, budget: usize) -> Vec<Weak<dyn Session>> {
        let address = address_of(session);
        // The session used last, using it again with as much: nothing changes.
        let last = self.next_use.checked_sub(1);
        if self
            .held
            .get_or_insert_default()
            .get(&address)
            .is_some_and(|&(place, held)| Some(place) == last && held == open)
        {
            return Vec::new();
        }
        self.forget(address);
        if open > 0 {
            let place = self.next_use;
            self.next_use += 1;
            self.by_use.insert(place, session.clone());
            self.held.get_or_insert_default().insert(address, (place, open));
            self.open += open;
        }
        self.take_until(budget, address)
    }

    fn forget(&mut self, address: usize) {
        if let Some((place, open)) = self.held.get_or_insert_default().remove(&address) {
            self.by_use.remove(&place);
            self.open -= open;
        }
    }

    /// Whether the session at `address` is counted.
    fn holds(&self, address: usize) -> bool {
        self.held.as_ref().is_some_and(|held| held.contains_key(&address))
    }

    /// Takes the sessions used least recently, never `keep`, out of the count until at most
    /// `budget` is held, to give back what they hold (a busy one keeps it, and is counted
    /// again after its call).
    fn take_until(&mut self, budget: usize, keep: usize) -> Vec<Weak<dyn Session>> {
        let mut taken = Vec::new();
        while self.open > budget {
            let Some(session) = self.by_use.values().find(|session| address_of(session) != keep).cloned() else {
                break;
            };
            self.forget(address_of(&session));
            taken.push(session);
        }
        taken
    }
}

/// The thread that gives back what idle sessions hold beyond a budget. It is at most a few
/// sessions behind: while its queue is full (or where it cannot be started), the call that went
/// over the budget gives back itself.
mod evictor {
    use super::*;

    /// Sessions waiting to give back what they hold, at most.
    const QUEUE: usize = 4;

    type Taken = (&'static Budget, Weak<dyn Session>);

    static QUEUE_TO: OnceLock<Option<Mutex<SyncSender<Taken>>>> = OnceLock::new();

    /// Has `session` give back what `budget` counts, on the evictor's thread or now.
    pub(super) fn give_back(budget: &'static Budget, session: Weak<dyn Session>) {
        let queued = match QUEUE_TO.get_or_init(start) {
            Some(sender) => {
                let sender = sender.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                sender.try_send((budget, session)).map_err(|err| match err {
                    TrySendError::Full((_, session)) | TrySendError::Disconnected((_, session)) => session,
                })
            }
            None => Err(session),
        };
        if let Err(session) = queued {
            budget.give_back_unless_used(&session);
        }
    }

    fn start() -> Option<Mutex<SyncSender<Taken>>> {
        let (sender, receiver) = mpsc::sync_channel::<Taken>(QUEUE);
        let thread = std::thread::Builder::new().name("incremental-writer evictor".into()).spawn(move || {
            for (budget, session) in receiver {
                budget.give_back_unless_used(&session);
            }
        });
        thread.ok().map(|_| Mutex::new(sender))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    /// A session that can be busy (it then refuses to give back) and says what it gave back.
    #[derive(Default)]
    struct Fake {
        busy: AtomicBool,
        suspended: AtomicBool,
        filed: AtomicBool,
    }

    impl Session for Fake {
        fn suspend(&self) -> bool {
            let idle = !self.busy.load(Ordering::Relaxed);
            self.suspended.fetch_or(idle, Ordering::Relaxed);
            idle
        }

        fn file_index(&self) -> bool {
            let idle = !self.busy.load(Ordering::Relaxed);
            self.filed.fetch_or(idle, Ordering::Relaxed);
            idle
        }
    }

    fn registry() -> Sessions {
        Sessions::new(|session| session.suspend())
    }

    /// `registry.used`, and the sessions it takes give back at once (as the evictor would).
    fn used(registry: &mut Sessions, session: &Arc<Fake>, held: usize, budget: usize) {
        for taken in registry.used(&weak(session), held, budget) {
            if let Some(taken) = taken.upgrade() {
                (registry.give_back)(taken.as_ref());
            }
        }
    }

    fn fakes(count: usize) -> Vec<Arc<Fake>> {
        (0..count).map(|_| Arc::new(Fake::default())).collect()
    }

    fn weak(session: &Arc<Fake>) -> Weak<dyn Session> {
        Arc::downgrade(session) as Weak<dyn Session>
    }

    fn suspended(sessions: &[Arc<Fake>]) -> Vec<bool> {
        sessions.iter().map(|session| session.suspended.swap(false, Ordering::Relaxed)).collect()
    }

    #[test]
    fn within_the_budget_no_session_is_suspended() {
        let mut registry = registry();
        let sessions = fakes(3);
        for session in &sessions {
            used(&mut registry, session, 4, 12);
        }
        assert_eq!(suspended(&sessions), [false, false, false]);
        assert_eq!(registry.open, 12);
    }

    #[test]
    fn beyond_it_the_sessions_used_least_recently_are_suspended_first_never_the_one_in_use() {
        let mut registry = registry();
        let sessions = fakes(4);
        for session in &sessions[..3] {
            used(&mut registry, session, 4, 12);
        }
        // The first is used again: the second is now the least recently used.
        used(&mut registry, &sessions[0], 4, 12);
        used(&mut registry, &sessions[3], 4, 12);
        assert_eq!(suspended(&sessions), [false, true, false, false]);
        assert_eq!(registry.open, 12);
        // Out of descriptors: every session but the one in use is taken to give its back.
        let taken = registry.take_until(0, address_of(&weak(&sessions[3])));
        let taken: Vec<usize> = taken.iter().map(address_of).collect();
        assert_eq!(taken, [address_of(&weak(&sessions[2])), address_of(&weak(&sessions[0]))]);
        assert_eq!(registry.open, 4);
    }

    #[test]
    fn a_busy_session_taken_keeps_what_it_holds_and_is_counted_again_after_its_call() {
        let mut registry = registry();
        let sessions = fakes(3);
        for session in &sessions[..2] {
            used(&mut registry, session, 4, 100);
        }
        sessions[0].busy.store(true, Ordering::Relaxed);
        used(&mut registry, &sessions[2], 4, 8);
        assert_eq!(suspended(&sessions), [false, false, false]);
        assert_eq!(registry.open, 8, "the busy session is out of the count until its call ends");
        sessions[0].busy.store(false, Ordering::Relaxed);
        used(&mut registry, &sessions[0], 4, 8);
        assert_eq!(suspended(&sessions), [false, true, false]);
        assert_eq!(registry.open, 8);
    }

    #[test]
    fn a_session_dropped_while_registered_no_longer_counts() {
        let mut registry = registry();
        let mut sessions = fakes(3);
        for session in &sessions[..2] {
            used(&mut registry, session, 4, 100);
        }
        drop(sessions.remove(0));
        used(&mut registry, &sessions[1], 4, 4);
        assert_eq!(suspended(&sessions), [true, false]);
        assert_eq!(registry.open, 4);
        assert_eq!(registry.by_use.len(), 1);
    }

    #[test]
    fn a_session_that_holds_nothing_is_forgotten() {
        let mut registry = registry();
        let sessions = fakes(2);
        used(&mut registry, &sessions[0], 4, 100);
        used(&mut registry, &sessions[0], 0, 100);
        used(&mut registry, &sessions[1], 4, 4);
        assert_eq!(suspended(&sessions), [false, false]);
        assert_eq!(registry.open, 4);
    }

    #[test]
    fn the_index_memory_budget_has_idle_sessions_file_their_index_and_keep_their_files() {
        let mut registry = Sessions::new(|session| session.file_index());
        let sessions = fakes(3);
        for session in &sessions {
            used(&mut registry, session, 100 << 20, 256 << 20);
        }
        assert_eq!(suspended(&sessions), [false, false, false]);
        let filed: Vec<bool> = sessions.iter().map(|session| session.filed.load(Ordering::Relaxed)).collect();
        assert_eq!(filed, [true, false, false]);
        assert_eq!(registry.open, 200 << 20);
    }

    #[test]
    fn a_session_taken_and_used_again_before_it_gives_back_keeps_what_it_holds() {
        static BUDGET: Budget = Budget::new(8, |session| session.suspend());
        let sessions = fakes(3);
        for session in &sessions[..2] {
            BUDGET.sessions().used(&weak(session), 4, 8);
        }
        let taken = BUDGET.sessions().used(&weak(&sessions[2]), 4, 8);
        assert_eq!(taken.len(), 1);
        // Used again before the evictor came to it: the most recently used now.
        BUDGET.sessions().used(&weak(&sessions[0]), 4, 100);
        BUDGET.give_back_unless_used(&taken[0]);
        assert_eq!(suspended(&sessions), [false, false, false]);
        // Not used again: it gives back.
        let taken = BUDGET.sessions().take_until(8, address_of(&weak(&sessions[0])));
        BUDGET.give_back_unless_used(&taken[0]);
        assert_eq!(suspended(&sessions), [false, true, false]);
    }
}

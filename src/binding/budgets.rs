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
//! Each session reports what it holds of each after each change. A session being written to is
//! passed over.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

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

    /// Records that `session` was just used and holds `held`, then makes idle sessions give
    /// back what they hold while the budget is exceeded.
    pub fn used(&self, session: &Weak<dyn Session>, held: usize) {
        let mut sessions = self.sessions();
        let visited = sessions.used(session, held, self.limit.load(Ordering::Relaxed));
        // A session dropped here must forget itself without the registry locked.
        drop(sessions);
        drop(visited);
    }

    /// Makes every idle session but `session` give back what it holds.
    pub fn give_back_idle(&self, session: &Weak<dyn Session>) {
        let mut sessions = self.sessions();
        let visited = sessions.give_back_until(0, address_of(session));
        drop(sessions);
        drop(visited);
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

    /// `session` was just used and holds `open`: it becomes the most recently used, then idle
    /// sessions give theirs back until at most `budget` is held. Returns the
    /// sessions visited, to be let go once the registry is unlocked.
    fn used(&mut self, session: &Weak<dyn Session>, open: usize, budget: usize) -> Vec<Arc<dyn Session>> {
        let address = address_of(session);
        // The session used last, using it again with as many descriptors: nothing changes.
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
        self.give_back_until(budget, address)
    }

    fn forget(&mut self, address: usize) {
        if let Some((place, open)) = self.held.get_or_insert_default().remove(&address) {
            self.by_use.remove(&place);
            self.open -= open;
        }
    }

    /// Idle sessions, least recently used first and never `keep`, give back what they hold
    /// until at most `budget` is held. A session being written to is passed over. Returns the
    /// sessions visited, to be let go once the registry is unlocked.
    fn give_back_until(&mut self, budget: usize, keep: usize) -> Vec<Arc<dyn Session>> {
        let mut visited = Vec::new();
        if self.open <= budget {
            return visited;
        }
        let candidates: Vec<(u64, Weak<dyn Session>)> = self
            .by_use
            .iter()
            .filter(|(_, session)| address_of(session) != keep)
            .map(|(place, session)| (*place, session.clone()))
            .collect();
        for (_, session) in candidates {
            if self.open <= budget {
                break;
            }
            let address = address_of(&session);
            match session.upgrade() {
                Some(shared) => {
                    if (self.give_back)(shared.as_ref()) {
                        self.forget(address);
                    }
                    visited.push(shared);
                }
                None => self.forget(address),
            }
        }
        visited
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// A session that can be busy (it then refuses to suspend) and says whether it was suspended.
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
            registry.used(&weak(session), 4, 12);
        }
        assert_eq!(suspended(&sessions), [false, false, false]);
        assert_eq!(registry.open, 12);
    }

    #[test]
    fn beyond_it_the_sessions_used_least_recently_are_suspended_first_never_the_one_in_use() {
        let mut registry = registry();
        let sessions = fakes(4);
        for session in &sessions[..3] {
            registry.used(&weak(session), 4, 12);
        }
        // The first is used again: the second is now the least recently used.
        registry.used(&weak(&sessions[0]), 4, 12);
        registry.used(&weak(&sessions[3]), 4, 12);
        assert_eq!(suspended(&sessions), [false, true, false, false]);
        assert_eq!(registry.open, 12);
        // Out of descriptors: every session but the one in use gives its descriptors back.
        registry.give_back_until(0, address_of(&weak(&sessions[3])));
        assert_eq!(suspended(&sessions), [true, false, true, false]);
        assert_eq!(registry.open, 4);
    }

    #[test]
    fn a_busy_session_is_passed_over_and_the_next_one_taken() {
        let mut registry = registry();
        let sessions = fakes(3);
        for session in &sessions[..2] {
            registry.used(&weak(session), 4, 100);
        }
        sessions[0].busy.store(true, Ordering::Relaxed);
        registry.used(&weak(&sessions[2]), 4, 8);
        assert_eq!(suspended(&sessions), [false, true, false]);
        assert_eq!(registry.open, 8, "the busy session's descriptors still count");
    }

    #[test]
    fn a_session_dropped_while_registered_no_longer_counts() {
        let mut registry = registry();
        let mut sessions = fakes(3);
        for session in &sessions[..2] {
            registry.used(&weak(session), 4, 100);
        }
        drop(sessions.remove(0));
        registry.used(&weak(&sessions[1]), 4, 4);
        assert_eq!(suspended(&sessions), [true, false]);
        assert_eq!(registry.open, 4);
        assert_eq!(registry.by_use.len(), 1);
    }

    #[test]
    fn a_session_that_holds_nothing_is_forgotten() {
        let mut registry = registry();
        let sessions = fakes(2);
        registry.used(&weak(&sessions[0]), 4, 100);
        registry.used(&weak(&sessions[0]), 0, 100);
        registry.used(&weak(&sessions[1]), 4, 4);
        assert_eq!(suspended(&sessions), [false, false]);
        assert_eq!(registry.open, 4);
    }

    #[test]
    fn the_index_memory_budget_has_idle_sessions_file_their_index_and_keep_their_files() {
        let mut registry = Sessions::new(|session| session.file_index());
        let sessions = fakes(3);
        for session in &sessions {
            registry.used(&weak(session), 100 << 20, 256 << 20);
        }
        assert_eq!(suspended(&sessions), [false, false, false]);
        let filed: Vec<bool> = sessions.iter().map(|session| session.filed.load(Ordering::Relaxed)).collect();
        assert_eq!(filed, [true, false, false]);
        assert_eq!(registry.open, 200 << 20);
    }
}

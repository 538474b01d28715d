//! A budget of file descriptors for all the sessions of the process. A session keeps its files
//! open between calls (the log, the batch record, the index and its spare), which thousands of
//! idle sessions would run out of. Each session reports how many it holds after each change;
//! while the sessions hold more than the budget, those used least recently that are idle are
//! suspended: they give their descriptors back, and their index in memory with them, and open
//! their files and load their index again on their next call. So the budget also bounds how
//! many indexes the process holds in memory. When opening a file fails for want of descriptors
//! (EMFILE, ENFILE), every idle session is suspended before the change is tried again.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// A session that holds descriptors between calls.
pub trait Session: Send + Sync {
    /// Closes the files kept open between calls and lets go of what else the session can load
    /// again (its index), unless the session is busy; says whether it did.
    fn suspend(&self) -> bool;
}

/// The default budget: room for 128 busy sessions, under a limit of 1,024 with the server's
/// own descriptors beside them.
pub const DEFAULT_BUDGET: usize = 512;

static BUDGET: AtomicUsize = AtomicUsize::new(DEFAULT_BUDGET);
static SESSIONS: Mutex<Sessions> = Mutex::new(Sessions::new());

/// The sessions holding descriptors, least recently used first.
struct Sessions {
    by_use: BTreeMap<u64, Weak<dyn Session>>,
    /// Each session's (address) place in `by_use` and descriptors held.
    held: Option<HashMap<usize, (u64, usize)>>,
    next_use: u64,
    open: usize,
}

/// Sets how many descriptors the sessions of this process may keep open between calls.
pub fn set_budget(descriptors: usize) {
    BUDGET.store(descriptors, Ordering::Relaxed);
}

/// Records that `session` was just used and holds `open` descriptors, then makes idle sessions
/// give theirs back while the budget is exceeded.
pub fn used(session: &Weak<dyn Session>, open: usize) {
    let mut sessions = sessions();
    let visited = sessions.used(session, open, BUDGET.load(Ordering::Relaxed));
    // A session dropped here must forget itself without the registry locked.
    drop(sessions);
    drop(visited);
}

/// Makes every idle session but `session` give its descriptors back.
pub fn give_back_idle(session: &Weak<dyn Session>) {
    let mut sessions = sessions();
    let visited = sessions.give_back_until(0, address_of(session));
    drop(sessions);
    drop(visited);
}

/// Forgets a session that is going away.
pub fn forget(session: *const ()) {
    sessions().forget(session as usize);
}

/// What tells sessions apart: the address of their data.
fn address_of(session: &Weak<dyn Session>) -> usize {
    session.as_ptr() as *const () as usize
}

fn sessions() -> MutexGuard<'static, Sessions> {
    // Every change to the registry is a few map operations that cannot panic halfway.
    SESSIONS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Sessions {
    const fn new() -> Self {
        Sessions { by_use: BTreeMap::new(), held: None, next_use: 0, open: 0 }
    }

    /// `session` was just used and holds `open` descriptors: it becomes the most recently used,
    /// then idle sessions give theirs back until at most `budget` are held. Returns the
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

    /// Idle sessions, least recently used first and never `keep`, give their descriptors back
    /// until at most `budget` are held. A session being written to is passed over. Returns the
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
                    if shared.suspend() {
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
    }

    impl Session for Fake {
        fn suspend(&self) -> bool {
            let idle = !self.busy.load(Ordering::Relaxed);
            self.suspended.fetch_or(idle, Ordering::Relaxed);
            idle
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
        let mut registry = Sessions::new();
        let sessions = fakes(3);
        for session in &sessions {
            registry.used(&weak(session), 4, 12);
        }
        assert_eq!(suspended(&sessions), [false, false, false]);
        assert_eq!(registry.open, 12);
    }

    #[test]
    fn beyond_it_the_sessions_used_least_recently_are_suspended_first_never_the_one_in_use() {
        let mut registry = Sessions::new();
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
        let mut registry = Sessions::new();
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
        let mut registry = Sessions::new();
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
        let mut registry = Sessions::new();
        let sessions = fakes(2);
        registry.used(&weak(&sessions[0]), 4, 100);
        registry.used(&weak(&sessions[0]), 0, 100);
        registry.used(&weak(&sessions[1]), 4, 4);
        assert_eq!(suspended(&sessions), [false, false]);
        assert_eq!(registry.open, 4);
    }
}

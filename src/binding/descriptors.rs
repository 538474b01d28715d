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
static SESSIONS: Mutex<Sessions> = Mutex::new(Sessions { by_use: BTreeMap::new(), held: None, next_use: 0, open: 0 });

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
    let address = address_of(session);
    // The session used last, using it again with as many descriptors: nothing changes.
    let last = sessions.next_use.checked_sub(1);
    if sessions
        .held
        .get_or_insert_default()
        .get(&address)
        .is_some_and(|&(place, held)| Some(place) == last && held == open)
    {
        return;
    }
    sessions.forget(address);
    if open > 0 {
        let place = sessions.next_use;
        sessions.next_use += 1;
        sessions.by_use.insert(place, session.clone());
        sessions.held.get_or_insert_default().insert(address, (place, open));
        sessions.open += open;
    }
    let budget = BUDGET.load(Ordering::Relaxed);
    let visited = sessions.give_back_until(budget, address);
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

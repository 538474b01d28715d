//! What the bindings need beyond the class itself: the async task that stores batches
//! off the main thread, and the failure records the JS side turns into errors.

pub mod append_task;
pub mod failure;
pub mod session_tasks;

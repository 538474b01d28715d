//! What the bindings need beyond the class itself: the shared writer and its queue, the
//! async tasks that work off the main thread, the durability modes by their JS names, and the
//! failure records JS turns into errors (with Node's numbers for system errors).

pub mod budgets;
pub mod durability_mode;
pub mod errno;
pub mod failure;
pub mod off_thread;
pub mod session_tasks;
pub mod shared_writer;

//! The writer's core: events, the log, the index and the writer that keeps them in step.
//! Nothing here knows about Node; the bindings translate to and from it.
//!
//! - `writer`: a session's writer, each change stored whole or not at all;
//! - `log`, `batch_record`: the log file, and the batch being written recorded beside it;
//! - `index`: the index, its text and the file it is written to;
//! - `event`, `json`: typed events read from lines, with JavaScript's JSON semantics;
//! - `recovery`, `verify`, `reader`: rebuilding, checking and reading a session;
//! - `regular_file`, `side_files`, `durability`, `error`: opening files, naming the files made
//!   beside a session, flushing, and what can go wrong;
//! - `platform`: the file operations that differ between Linux, macOS and Windows;
//! - `fail_points`: where tests make the core panic.

mod batch_record;
mod durability;
mod error;
mod event;
mod fail_points;
mod index;
mod json;
mod log;
mod platform;
mod reader;
mod recovery;
mod regular_file;
mod side_files;
#[cfg(test)]
mod test_support;
mod verify;
mod writer;

pub use batch_record::record_path as batch_record_path;
pub use durability::Durability;
pub use error::SessionError;
pub use reader::{read_index, read_lines};
pub use verify::verify;
pub use writer::{Change, Writer};

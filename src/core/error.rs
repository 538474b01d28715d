//! Everything that can make a batch fail. A failed batch leaves the log and the index as they were.

use std::io;
use std::path::PathBuf;

use super::event::EventError;
use super::index::IndexError;

/// Why a batch was not stored.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// An event of the batch cannot be stored; `index` is its position in the batch.
    #[error("events[{index}] {source}")]
    InvalidEvent { index: usize, source: EventError },
    /// The existing index file cannot be read as an index (recovery sets it aside).
    #[error("the index file '{}' {source}", path.display())]
    InvalidIndex { path: PathBuf, source: IndexError },
    /// Another writer, in this process or another, has the log open.
    #[error("the session log '{}' is open in another writer", path.display())]
    Locked { path: PathBuf },
    /// A file-system call failed.
    #[error("{syscall} '{}': {source}", path.display())]
    Io { syscall: &'static str, path: PathBuf, source: io::Error },
}

impl WriteError {
    /// A failed file-system call on `path`.
    pub fn io(syscall: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        WriteError::Io { syscall, path: path.into(), source }
    }
}

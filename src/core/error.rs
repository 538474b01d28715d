//! Everything that can make a session's call fail: storing a change, reading, verifying or
//! repairing. A failed change leaves the log and the index as they were.

use std::io;
use std::path::PathBuf;

use super::event::EventError;
use super::index::IndexError;
use super::json::JsonError;
use super::platform;
use std::path::Path;

/// Why a call on a session failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// An event of the batch cannot be stored; `index` is its position in the batch.
    #[error("events[{index}] {source}")]
    InvalidEvent { index: usize, source: EventError },
    /// A value to record in the index is not JSON.
    #[error("the value for {field}[{key:?}] is not JSON: {source}")]
    InvalidValue { field: String, key: String, source: JsonError },
    /// The existing index file cannot be read as an index (recovery sets it aside).
    #[error("the index file '{}' {source}", path.display())]
    InvalidIndex { path: PathBuf, source: IndexError },
    /// Another writer, in this process or another, has the log open; `holder` is the process
    /// that recorded the session's last batch, when its record names one.
    #[error("the session log '{}' is held by {}", path.display(), held_by(*holder))]
    Locked { path: PathBuf, holder: Option<u32> },
    /// A path the writer uses names something other than a regular file: a FIFO, a device,
    /// a socket, or a symbolic link where the writer makes files of its own.
    #[error("'{}' is {what}, not a regular file", path.display())]
    NotAFile { path: PathBuf, what: &'static str },
    /// A read was asked to start at an offset where no checkpoint line starts.
    #[error("byte {offset} of '{}' is not the start of a checkpoint line", path.display())]
    NotACheckpoint { path: PathBuf, offset: u64 },
    /// A file-system call failed.
    #[error("{syscall} '{}': {source}", path.display())]
    Io { syscall: &'static str, path: PathBuf, source: io::Error },
}

impl SessionError {
    /// Fails with `ENOENT` when `path` does not exist.
    pub fn require_file(path: &Path) -> Result<(), SessionError> {
        std::fs::metadata(path).map(drop).map_err(|err| SessionError::io("stat", path, err))
    }

    /// Whether a file-system call failed because the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, SessionError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    /// Whether a file could not be opened for want of descriptors (EMFILE, ENFILE; on Windows
    /// ERROR_TOO_MANY_OPEN_FILES).
    pub fn is_out_of_descriptors(&self) -> bool {
        matches!(self, SessionError::Io { source, .. } if platform::is_out_of_descriptors(source))
    }

    /// A failed file-system call on `path`.
    pub fn io(syscall: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        SessionError::Io { syscall, path: path.into(), source }
    }
}

/// Who holds a locked session and what to do about it, in words.
fn held_by(holder: Option<u32>) -> String {
    match holder {
        Some(pid) if pid == std::process::id() => format!(
            "another writer in this process (process {pid}, which wrote its last batch): writers of one log in one \
             process share it only with the same index file and durability mode; close the other writer first, or \
             open this one with the same index file and mode"
        ),
        Some(pid) => format!(
            "a writer in another process (process {pid}, which wrote its last batch): close that writer (close() or \
             closeSync()) or end that process, then try again"
        ),
        None => "another writer, in this process or another: close that writer (close() or closeSync()) or end its \
                 process, then try again"
            .to_owned(),
    }
}

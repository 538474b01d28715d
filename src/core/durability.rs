//! How far a stored batch must have reached before a call resolves.

use std::fs::File;
use std::io;
use std::path::Path;

use super::platform;

/// What a resolved call survives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// Written to the OS: survives the process crashing, not the machine losing power.
    #[default]
    None,
    /// The log is also flushed to the disk (fdatasync), and the name of each file the writer
    /// creates: its events survive power loss; the index may lag, and is rebuilt from the log
    /// when it does.
    Data,
    /// The log, the new index and their directory are flushed: both survive power loss.
    Full,
}

impl Durability {
    /// Flushes a log's appended data to the disk when this mode asks for it.
    pub fn sync_log(self, file: &File) -> io::Result<()> {
        match self {
            Durability::None => Ok(()),
            Durability::Data | Durability::Full => file.sync_data(),
        }
    }

    /// Flushes a file about to replace another, when this mode asks for it.
    pub fn sync_replacement(self, file: &File) -> io::Result<()> {
        match self {
            Durability::Full => file.sync_all(),
            Durability::None | Durability::Data => Ok(()),
        }
    }

    /// Makes the name of a file just created at `path` durable, when this mode keeps that file
    /// across a power cut (`data`: the log and the batch record, and the index's first name;
    /// `full`: the same): flushes the directory holding it (`platform::sync_directory`: nothing
    /// on Windows). Once per file, not per call.
    pub fn sync_new_name(self, path: &Path) -> io::Result<()> {
        match self {
            Durability::Data | Durability::Full => sync_directory_of(path),
            Durability::None => Ok(()),
        }
    }

    /// Makes a rename onto `path` durable (the index swapped with its spare), when this mode
    /// asks for it (`full`): flushes the directory holding it.
    pub fn sync_renamed(self, path: &Path) -> io::Result<()> {
        match self {
            Durability::Full => sync_directory_of(path),
            Durability::None | Durability::Data => Ok(()),
        }
    }
}

/// Flushes the directory holding `path`.
fn sync_directory_of(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) => platform::sync_directory(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }),
        None => Ok(()),
    }
}

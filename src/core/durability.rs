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
    /// The log is also flushed to the disk (fdatasync): its events survive power loss;
    /// the index may lag, and is rebuilt from the log when it does.
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

    /// Flushes the directory holding `path`, so that a file created or renamed there
    /// survives power loss, when this mode asks for it (`platform::sync_directory`: nothing on
    /// Windows).
    pub fn sync_directory_of(self, path: &Path) -> io::Result<()> {
        match (self, path.parent()) {
            (Durability::Full, Some(dir)) => {
                let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
                platform::sync_directory(dir)
            }
            _ => Ok(()),
        }
    }
}

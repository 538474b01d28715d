//! Reading the index file, and replacing it whole so that no reader ever sees half of one.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::durability::Durability;
use super::error::WriteError;
use super::index::SessionIndex;

/// Reads the index at `path`; `None` when there is no such file.
pub fn read(path: &Path) -> Result<Option<SessionIndex>, WriteError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(WriteError::io("open", path, err)),
    };
    SessionIndex::parse(&text).map(Some).map_err(|source| WriteError::InvalidIndex { path: path.to_owned(), source })
}

/// Replaces the file at `path` with `text`: written to a new temporary file created
/// exclusively beside it, then renamed over it, flushed as `durability` asks. Readers see the
/// old file or the new one, never a part. After an error the old file is untouched and no
/// temporary is left.
pub fn replace(path: &Path, text: &str, durability: Durability) -> Result<(), WriteError> {
    let temporary = temporary_path(path);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .map_err(|err| WriteError::io("open", &temporary, err))
        .and_then(|mut file| {
            file.write_all(text.as_bytes())
                .and_then(|()| durability.sync_replacement(&file))
                .map_err(|err| WriteError::io("write", &temporary, err))
        })
        .and_then(|()| fs::rename(&temporary, path).map_err(|err| WriteError::io("rename", path, err)));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    durability.sync_directory_of(path).map_err(|err| WriteError::io("fsync", path, err))
}

/// A name beside `path` that no other writer, in this process or another, is using.
fn temporary_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    PathBuf::from(name)
}

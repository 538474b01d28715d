//! The index file: read once, then replaced whole on every write, so that no reader ever
//! sees part of one.
//!
//! A write goes to a spare file beside the index (`<index>.spare`, created exclusively the first
//! time), which is then swapped with the index in one atomic rename (`RENAME_EXCHANGE`): the
//! spare then holds the previous index and is overwritten by the next write. No file is
//! created per write, which on ext4 costs several times the write itself. Where the file
//! system cannot swap, or no index exists yet, the spare is renamed over the index.

use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use rustix::fs::{renameat_with, RenameFlags, CWD};

use super::durability::Durability;
use super::error::WriteError;
use super::index::SessionIndex;

/// A session's index file and the spare its writes go through.
#[derive(Debug)]
pub struct IndexFile {
    path: PathBuf,
    spare_path: PathBuf,
    durability: Durability,
}

impl IndexFile {
    /// The index at `path`; nothing is touched until it is read or replaced.
    pub fn new(path: impl Into<PathBuf>, durability: Durability) -> Self {
        let path = path.into();
        let mut spare_path = path.as_os_str().to_owned();
        spare_path.push(".spare");
        IndexFile { path, spare_path: spare_path.into(), durability }
    }

    /// The index file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the index; `None` when there is no such file.
    pub fn read(&self) -> Result<Option<SessionIndex>, WriteError> {
        read(&self.path)
    }

    /// Replaces the index with `text`, flushed as the durability mode asks. Readers see the
    /// old index or the new one, never a part; after an error the index is untouched.
    pub fn replace(&self, text: &str) -> Result<(), WriteError> {
        let spare = self.open_spare()?;
        // Write first, then cut what is left of the longer previous content: truncating to
        // zero first makes ext4 flush the file when it is closed.
        spare
            .write_all_at(text.as_bytes(), 0)
            .and_then(|()| spare.set_len(text.len() as u64))
            .and_then(|()| self.durability.sync_replacement(&spare))
            .map_err(|err| WriteError::io("write", &self.spare_path, err))?;
        drop(spare);
        match renameat_with(CWD, &self.spare_path, CWD, &self.path, RenameFlags::EXCHANGE) {
            Ok(()) => {}
            // No index yet, or a file system that cannot swap: move the spare into place.
            Err(_) => {
                fs::rename(&self.spare_path, &self.path).map_err(|err| WriteError::io("rename", &self.path, err))?
            }
        }
        self.durability.sync_directory_of(&self.path).map_err(|err| WriteError::io("fsync", &self.path, err))
    }

    /// Removes the spare, leaving only the index beside the log.
    pub fn remove_spare(&self) {
        // Best effort: a spare left behind is reused by the next writer.
        let _ = fs::remove_file(&self.spare_path);
    }

    /// The spare, created exclusively when there is none. One left by an earlier writer of
    /// this session is reused: only the writer holding the session's log writes it.
    fn open_spare(&self) -> Result<File, WriteError> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        match options.open(&self.spare_path) {
            Err(err) if err.kind() == ErrorKind::AlreadyExists => OpenOptions::new().write(true).open(&self.spare_path),
            other => other,
        }
        .map_err(|err| WriteError::io("open", &self.spare_path, err))
    }
}

/// Reads the index at `path`; `None` when there is no such file.
pub fn read(path: &Path) -> Result<Option<SessionIndex>, WriteError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(WriteError::io("open", path, err)),
    };
    SessionIndex::parse(&text).map(Some).map_err(|source| WriteError::InvalidIndex { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_index_whole_and_keeps_the_previous_one_in_the_spare() {
        let dir = tempfile::tempdir().unwrap();
        let index = IndexFile::new(dir.path().join("s.index.json"), Durability::Full);
        index.replace("{\"a\": 1}").unwrap();
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{\"a\": 1}");
        index.replace("{}").unwrap();
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{}");
        assert_eq!(fs::read_to_string(&index.spare_path).unwrap(), "{\"a\": 1}");
        index.replace("{\"b\": 22222}").unwrap();
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{\"b\": 22222}");
        index.remove_spare();
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(names, ["s.index.json"]);
    }

    #[test]
    fn a_failed_write_leaves_the_index_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let index = IndexFile::new(dir.path().join("s.index.json"), Durability::None);
        index.replace("{\"kept\": true}").unwrap();
        fs::remove_file(&index.spare_path).ok();
        fs::create_dir(&index.spare_path).unwrap();
        assert!(matches!(index.replace("{}"), Err(WriteError::Io { .. })));
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{\"kept\": true}");
    }
}

//! The append-only event log: one JSON line per event, after a session header line.
//! A writer holds an exclusive lock on the log while it has it open.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::durability::Durability;
use super::error::WriteError;
use super::json::JsString;

/// The log file of one session, kept open and locked between batches.
#[derive(Debug)]
pub struct EventLog {
    path: PathBuf,
    file: Option<File>,
    /// The open file's device and inode, to tell whether the path still names it.
    identity: (u64, u64),
    durability: Durability,
}

/// How `EventLog::open` found the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The file this log already had open.
    Same,
    /// A file that existed already, opened now.
    Existing,
    /// A new, empty file, created now.
    Created,
}

/// Where the log ended when a batch began, so the batch can be undone.
#[derive(Debug, Clone, Copy)]
pub struct LogEnd {
    /// The log's length in bytes: where the batch's first byte goes.
    pub offset: u64,
    /// Whether the log was created for this batch, and goes away if the batch fails.
    pub created: bool,
}

impl EventLog {
    /// A log at `path`; nothing is opened or created until `open`.
    pub fn new(path: impl Into<PathBuf>, durability: Durability) -> Self {
        EventLog { path: path.into(), file: None, identity: (0, 0), durability }
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log's current length in bytes; 0 when it cannot be read, as the original's
    /// `existsSync` check gives.
    pub fn len_on_disk(&self) -> u64 {
        fs::metadata(&self.path).map_or(0, |metadata| metadata.len())
    }

    /// The session id the header carries: the file name without `.jsonl`, as
    /// `path.basename(file, '.jsonl')` gives it.
    pub fn session_id(&self) -> String {
        let text = self.path.to_string_lossy();
        let name = text.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        match name.strip_suffix(".jsonl") {
            Some(stem) if !stem.is_empty() => stem.to_owned(),
            _ => name.to_owned(),
        }
    }

    /// The session header line, newline included, written first in an empty log.
    pub fn header_line(&self) -> String {
        let created = humantime::format_rfc3339_millis(SystemTime::now());
        let id = JsString::new(&self.session_id());
        format!("{{\"type\":\"session\",\"version\":1,\"id\":\"{}\",\"created\":\"{created}\"}}\n", id.escaped())
    }

    /// Makes sure the log is open and locked, creating it if it does not exist. A log removed
    /// or replaced behind the writer's back is opened anew. Fails with `Locked` when another
    /// writer, in this process or another, holds the log. Also says the log's length.
    pub fn open(&mut self) -> Result<(Opened, u64), WriteError> {
        if self.file.is_some() {
            if let Some(len) = self.len_if_still_at_path()? {
                return Ok((Opened::Same, len));
            }
            self.file = None;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true);
        let (file, opened) = match options.open(&self.path) {
            Ok(file) => (file, Opened::Existing),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let file = options.create_new(true).open(&self.path).map_err(|err| self.io("open", err))?;
                self.durability.sync_directory_of(&self.path).map_err(|err| self.io("fsync", err))?;
                (file, Opened::Created)
            }
            Err(err) => return Err(self.io("open", err)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                if opened == Opened::Created {
                    let _ = fs::remove_file(&self.path);
                }
                return Err(WriteError::Locked { path: self.path.clone() });
            }
            Err(TryLockError::Error(err)) => return Err(self.io("flock", err)),
        }
        let metadata = file.metadata().map_err(|err| self.io("fstat", err))?;
        self.identity = (metadata.dev(), metadata.ino());
        self.file = Some(file);
        Ok((opened, metadata.len()))
    }

    /// Lets the log go: closes the file and releases its lock.
    pub fn close(&mut self) {
        self.file = None;
    }

    /// The open log's length in bytes.
    pub fn len(&self) -> Result<u64, WriteError> {
        Ok(self.file().metadata().map_err(|err| self.io("fstat", err))?.len())
    }

    /// Appends `bytes` after `end` in a single write, flushed as the durability mode asks.
    /// On failure the log is put back as it was at `end`.
    pub fn append(&mut self, end: LogEnd, bytes: &[u8]) -> Result<(), WriteError> {
        let mut file = self.file();
        let written = file.write_all(bytes).map_err(|err| self.io("write", err));
        let synced = written.and_then(|()| self.durability.sync_log(file).map_err(|err| self.io("fdatasync", err)));
        if synced.is_err() {
            self.rollback(end);
        }
        synced
    }

    /// Puts the log back as it was at `end`: cut to that length, or removed if the batch created it.
    pub fn rollback(&mut self, end: LogEnd) {
        // Best effort: the batch's own error is what the caller reports.
        if end.created {
            let _ = fs::remove_file(&self.path);
            self.file = None;
        } else if let Some(file) = &self.file {
            let _ = file.set_len(end.offset);
        }
    }

    /// A buffered reader of the open log from byte `offset` on.
    pub fn reader_at(&self, offset: u64) -> Result<BufReader<File>, WriteError> {
        let mut file = self.file().try_clone().map_err(|err| self.io("dup", err))?;
        file.seek(SeekFrom::Start(offset)).map_err(|err| self.io("lseek", err))?;
        Ok(BufReader::with_capacity(1 << 20, file))
    }

    /// Cuts the log back to `offset`; the bytes cut off are first kept in a new file
    /// beside the log, whose path is returned.
    pub fn cut_tail(&mut self, offset: u64) -> Result<PathBuf, WriteError> {
        let aside = aside_path(&self.path, "torn");
        let mut tail = Vec::new();
        self.reader_at(offset)?.read_to_end(&mut tail).map_err(|err| self.io("read", err))?;
        let mut kept =
            OpenOptions::new().write(true).create_new(true).open(&aside).map_err(|err| self.io("open", err))?;
        kept.write_all(&tail).and_then(|()| kept.sync_all()).map_err(|err| self.io("write", err))?;
        let file = self.file();
        file.set_len(offset).map_err(|err| self.io("ftruncate", err))?;
        self.durability.sync_log(file).map_err(|err| self.io("fdatasync", err))?;
        Ok(aside)
    }

    fn file(&self) -> &File {
        self.file.as_ref().expect("the log is opened before it is used")
    }

    fn io(&self, syscall: &'static str, err: std::io::Error) -> WriteError {
        WriteError::io(syscall, &self.path, err)
    }

    /// The open log's length if its path still names it, `None` if not.
    fn len_if_still_at_path(&self) -> Result<Option<u64>, WriteError> {
        let at_path = match fs::metadata(&self.path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(self.io("stat", err)),
        };
        Ok(((at_path.dev(), at_path.ino()) == self.identity).then_some(at_path.len()))
    }
}

/// A new path beside `path` for bytes kept aside: `<path>.<what>-<milliseconds>`.
pub fn aside_path(path: &Path, what: &str) -> PathBuf {
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis());
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{what}-{millis}"));
    let mut candidate = PathBuf::from(&name);
    let mut attempt = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{}-{attempt}", name.to_string_lossy()));
        attempt += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_follows_path_basename() {
        let id = |path: &str| EventLog::new(path, Durability::None).session_id();
        assert_eq!(id("/a/b/sess-1.jsonl"), "sess-1");
        assert_eq!(id("sess.jsonl"), "sess");
        assert_eq!(id("/a/b/.jsonl"), ".jsonl");
        assert_eq!(id("/a/b/log.txt"), "log.txt");
        assert_eq!(id("/a/b/x.jsonl/"), "x");
        assert_eq!(id("/a/b/x.JSONL"), "x.JSONL");
    }

    #[test]
    fn header_is_the_original_json_with_an_iso_time() {
        let header = EventLog::new("/tmp/a\"b.jsonl", Durability::None).header_line();
        let (head, created) = header.split_at(header.find("\"created\":\"").unwrap());
        assert_eq!(head, r#"{"type":"session","version":1,"id":"a\"b","#);
        let time = created.trim_start_matches("\"created\":\"").trim_end_matches("\"}\n");
        assert_eq!(time.len(), "2026-11-26T12:41:07.123Z".len(), "{time}");
        assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
    }

    #[test]
    fn a_second_open_of_the_same_log_is_refused_until_the_first_closes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut first = EventLog::new(&path, Durability::None);
        let mut second = EventLog::new(&path, Durability::None);
        assert_eq!(first.open().unwrap().0, Opened::Created);
        assert!(matches!(second.open(), Err(WriteError::Locked { .. })));
        assert!(path.exists(), "the refused open must not remove the first writer's log");
        first.close();
        assert_eq!(second.open().unwrap().0, Opened::Existing);
    }

    #[test]
    fn cutting_a_tail_keeps_the_cut_bytes_beside_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        fs::write(&path, "{\"type\":\"a\"}\n{\"type\":").unwrap();
        let mut log = EventLog::new(&path, Durability::Full);
        log.open().unwrap();
        let aside = log.cut_tail(13).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\"type\":\"a\"}\n");
        assert_eq!(fs::read_to_string(&aside).unwrap(), "{\"type\":");
        assert!(aside.file_name().unwrap().to_string_lossy().starts_with("s.jsonl.torn-"));
    }
}

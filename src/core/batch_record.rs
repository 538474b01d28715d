//! The record of the batch being written, kept in a small file beside the log
//! (`<log>.batch`), so that a batch cut short by a crash can be taken back out of the log.
//!
//! Before a batch goes into the log, its bytes are written to the record together with where
//! the log was indexed up to (`base`). A crash can cut a write to the log short (the kernel stops
//! a write between pages when the process is killed), leaving the start of a batch in the log.
//! On the next opening, the record tells which bytes after `base` were that batch: when the log
//! holds all of it, nothing is done (the index is caught up from the log); when it holds only a
//! start, those bytes, and only those, are taken back out (`EventLog::take_back`). The log itself
//! gains no new kind of line, so files stay readable by the original module.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::durability::Durability;
use super::error::SessionError;
use super::platform;
use super::regular_file::{self, Links};
use super::side_files;

/// The first bytes of a record: a name and a version.
const MAGIC: &str = "incremental-writer batch 1";

/// The file beside a log that holds the last batch written to it.
#[derive(Debug)]
pub struct BatchRecord {
    path: PathBuf,
    file: Option<File>,
    durability: Durability,
}

/// A batch as recorded before it was written: the log's indexed length then, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedBatch {
    pub base: u64,
    pub bytes: Vec<u8>,
}

impl BatchRecord {
    /// The record of the log at `log_path`; nothing is touched until it is written or read.
    pub fn new(log_path: &Path, durability: Durability) -> Self {
        BatchRecord { path: record_path(log_path), file: None, durability }
    }

    /// Records `bytes`, about to be appended to a log indexed up to `base`. After `Ok`, a crash
    /// during the append leaves a record `read` returns; under `Durability::Full` it is also on
    /// the disk.
    pub fn write(&mut self, base: u64, bytes: &[u8]) -> Result<(), SessionError> {
        let header = format!("{MAGIC} {base} {}\n", bytes.len());
        let mut record = Vec::with_capacity(header.len() + bytes.len());
        record.extend_from_slice(header.as_bytes());
        record.extend_from_slice(bytes);
        let durability = self.durability;
        let file = self.file()?;
        let written = platform::write_all_at(file, &record, 0).and_then(|()| durability.sync_replacement(file));
        written.map_err(|err| SessionError::io("write", &self.path, err))
    }

    /// The batch last recorded; `None` when there is no record or it was cut short (then its
    /// batch never reached the log).
    pub fn read(&mut self) -> Result<Option<RecordedBatch>, SessionError> {
        let mut text = Vec::new();
        match self.path.symlink_metadata() {
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
            _ => {
                let mut file = self.file()?;
                file.seek(SeekFrom::Start(0))
                    .and_then(|_| file.read_to_end(&mut text))
                    .map_err(|err| SessionError::io("read", &self.path, err))?
            }
        };
        Ok(parse(&text))
    }

    /// Whether the record's file is open.
    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }

    /// Closes the record; with `remove`, deletes it (when the last batch is known to be whole).
    pub fn close(&mut self, remove: bool) {
        self.file = None;
        if remove {
            // Best effort: a record left behind describes a whole batch, which recovery leaves be.
            let _ = std::fs::remove_file(&self.path);
        }
    }

    fn file(&mut self) -> Result<&File, SessionError> {
        if self.file.is_none() {
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true);
            self.file = Some(regular_file::open(&self.path, &mut options, Links::Refuse)?);
        }
        Ok(self.file.as_ref().expect("opened above"))
    }
}

/// Where the record of the log at `log_path` is kept: `<log>.batch`, the name cut and hashed when
/// it would not fit (`side_files::beside`).
pub fn record_path(log_path: &Path) -> PathBuf {
    side_files::beside(log_path, ".batch")
}

/// Reads a record's text; `None` unless it is a whole record.
fn parse(text: &[u8]) -> Option<RecordedBatch> {
    let end = text.iter().position(|&byte| byte == b'\n')?;
    let header = std::str::from_utf8(&text[..end]).ok()?;
    let mut numbers = header.strip_prefix(MAGIC)?.split_ascii_whitespace().map(str::parse::<u64>);
    let (Some(Ok(base)), Some(Ok(len)), None) = (numbers.next(), numbers.next(), numbers.next()) else {
        return None;
    };
    let bytes = text.get(end + 1..end + 1 + usize::try_from(len).ok()?)?;
    Some(RecordedBatch { base, bytes: bytes.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_a_cut_record_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s.jsonl");
        let mut record = BatchRecord::new(&log, Durability::None);
        assert_eq!(record.read().unwrap(), None);
        record.write(12, b"{\"type\":\"a\"}\n{\"type\":\"b\"}\n").unwrap();
        record.write(40, b"{\"type\":\"c\"}\n").unwrap();
        let expected = RecordedBatch { base: 40, bytes: b"{\"type\":\"c\"}\n".to_vec() };
        assert_eq!(BatchRecord::new(&log, Durability::None).read().unwrap(), Some(expected));
        let path = side_files::beside(&log, ".batch");
        let text = std::fs::read(&path).unwrap();
        let cut = text.iter().position(|&byte| byte == b'\n').unwrap() + 5;
        std::fs::write(&path, &text[..cut]).unwrap();
        assert_eq!(BatchRecord::new(&log, Durability::None).read().unwrap(), None);
        record.close(true);
        assert!(!path.exists());
    }
}

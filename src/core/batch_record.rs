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
use super::side_files::{self, OnClose};

/// The first bytes of a record: a name and a version.
const MAGIC: &str = "incremental-writer batch 1";

/// The file beside a log that holds the last batch written to it.
#[derive(Debug)]
pub struct BatchRecord {
    path: PathBuf,
    file: Option<File>,
    durability: Durability,
    /// This process's id, written in each record's header, so that a writer the session's lock
    /// refuses can say who holds it (`last_writer`).
    pid: u32,
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
        BatchRecord { path: record_path(log_path), file: None, durability, pid: std::process::id() }
    }

    /// Records `bytes`, about to be appended to a log indexed up to `base`. After `Ok`, a crash
    /// during the append leaves a record `read` returns; under `Durability::Full` it is also on
    /// the disk.
    pub fn write(&mut self, base: u64, bytes: &[u8]) -> Result<(), SessionError> {
        let header = format!("{MAGIC} {base} {} {}\n", bytes.len(), self.pid);
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

    /// Closes the record; removes it with `OnClose::Remove` (when the last batch is known to be
    /// whole).
    pub fn close(&mut self, on_close: OnClose) {
        self.file = None;
        if on_close == OnClose::Remove {
            // Best effort: a record left behind describes a whole batch, which recovery leaves be.
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// The record's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a record is beside the log: a writer that had the session did not close it (it
    /// crashed, lost power, or still has it, suspended).
    pub fn exists(&self) -> bool {
        self.path.symlink_metadata().is_ok()
    }

    /// The record's file, opened or created (its name made durable as the mode asks, before any
    /// batch it records goes into the log).
    fn file(&mut self) -> Result<&File, SessionError> {
        let file = match self.file.take() {
            Some(file) => file,
            None => {
                let mut options = OpenOptions::new();
                options.read(true).write(true);
                match regular_file::open(&self.path, &mut options, Links::Refuse) {
                    Err(err) if err.is_not_found() => {
                        let file = regular_file::open(&self.path, options.create_new(true), Links::Refuse)?;
                        self.durability
                            .sync_new_name(&self.path)
                            .map_err(|err| SessionError::io("fsync", &self.path, err))?;
                        file
                    }
                    opened => opened?,
                }
            }
        };
        Ok(self.file.insert(file))
    }
}

/// Where the record of the log at `log_path` is kept: `<log>.batch`, the name cut and hashed when
/// it would not fit (`side_files::beside`).
pub fn record_path(log_path: &Path) -> PathBuf {
    side_files::beside(log_path, ".batch")
}

/// The id of the process that recorded the last batch of the log at `log_path`, as its record's
/// header says; `None` when there is no record or it names none (a record made before ids were
/// recorded). Only read, never locked: the process may have ended since.
pub fn last_writer(log_path: &Path) -> Option<u32> {
    let path = record_path(log_path);
    let file = regular_file::open(&path, OpenOptions::new().read(true), Links::Refuse).ok()?;
    let mut header = Vec::new();
    file.take(HEADER_MAX_BYTES).read_to_end(&mut header).ok()?;
    let end = header.iter().position(|&byte| byte == b'\n')?;
    parse_header(&header[..end])?.2
}

/// The longest header a record has: the name, two 64-bit numbers and a 32-bit one.
const HEADER_MAX_BYTES: u64 = MAGIC.len() as u64 + 3 * 21;

/// Reads a record's text; `None` unless it is a whole record. A record holding NUL bytes lost
/// blocks in a power cut (JSON lines never hold one): it says nothing reliable.
fn parse(text: &[u8]) -> Option<RecordedBatch> {
    let end = text.iter().position(|&byte| byte == b'\n')?;
    let (base, len, _) = parse_header(&text[..end])?;
    let bytes = text.get(end + 1..end + 1 + usize::try_from(len).ok()?)?;
    (!bytes.contains(&0)).then(|| RecordedBatch { base, bytes: bytes.to_vec() })
}

/// A header's numbers: `<MAGIC> <base> <len> <pid>`, or `<MAGIC> <base> <len>` as records were
/// written before they named their process.
fn parse_header(line: &[u8]) -> Option<(u64, u64, Option<u32>)> {
    let header = std::str::from_utf8(line).ok()?;
    let mut fields = header.strip_prefix(MAGIC)?.split_ascii_whitespace();
    let base = fields.next()?.parse().ok()?;
    let len = fields.next()?.parse().ok()?;
    let pid = match fields.next() {
        Some(pid) => Some(pid.parse().ok()?),
        None => None,
    };
    fields.next().is_none().then_some((base, len, pid))
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
        let mut zeroed = text.clone();
        zeroed[cut - 2] = 0;
        std::fs::write(&path, &zeroed).unwrap();
        assert_eq!(BatchRecord::new(&log, Durability::None).read().unwrap(), None, "a record with lost blocks");
        record.close(OnClose::Remove);
        assert!(!path.exists());
    }

    #[test]
    fn a_record_names_its_process_and_one_without_a_process_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s.jsonl");
        assert_eq!(last_writer(&log), None);
        BatchRecord::new(&log, Durability::None).write(3, b"{}\n").unwrap();
        assert_eq!(last_writer(&log), Some(std::process::id()));
        let path = side_files::beside(&log, ".batch");
        std::fs::write(&path, format!("{MAGIC} 3 3\n{{}}\n")).unwrap();
        assert_eq!(last_writer(&log), None);
        let expected = RecordedBatch { base: 3, bytes: b"{}\n".to_vec() };
        assert_eq!(BatchRecord::new(&log, Durability::None).read().unwrap(), Some(expected));
        std::fs::write(&path, format!("{MAGIC} 3 3 12 4\n{{}}\n")).unwrap();
        assert_eq!(BatchRecord::new(&log, Durability::None).read().unwrap(), None);
    }
}

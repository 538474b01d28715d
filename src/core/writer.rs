//! A session's writer: appends batches of events to the log and keeps the index in step,
//! recovering both from crashes and noticing what others appended.

use std::path::{Path, PathBuf};

use super::durability::Durability;
use super::error::WriteError;
use super::event::Event;
use super::index::SessionIndex;
use super::index_file::IndexFile;
use super::json::JsValue;
use super::log::{aside_path, EventLog, LogEnd, Opened};
use super::recovery::{self, Mode, Recovery};

/// One change to a session, as callers queue them.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A batch of events: JSON lines, each ending in `\n`.
    Events(String),
    /// `states[id] = value`, the value as JSON text.
    State { id: String, value_json: String },
    /// `receipts[key] = value`, the value as JSON text.
    Receipt { key: String, value_json: String },
}

/// Appends batches to one session's log and index. Each batch is stored whole or not at all.
#[derive(Debug)]
pub struct Writer {
    log: EventLog,
    index_file: IndexFile,
    /// The index as of `byte_offset`; loaded and checked against the log on the first batch.
    index: Option<SessionIndex>,
    /// Whether the index in memory has changes its file does not have yet.
    index_unsaved: bool,
    byte_offset: u64,
}

impl Writer {
    /// A writer for the log at `event_path` and the index at `index_path`. Nothing is read
    /// but the log's length, and nothing is written, until the first batch.
    pub fn open(event_path: impl Into<PathBuf>, index_path: impl Into<PathBuf>, durability: Durability) -> Self {
        let log = EventLog::new(event_path, durability);
        let byte_offset = log.len_on_disk();
        let index_file = IndexFile::new(index_path, durability);
        Writer { log, index_file, index: None, index_unsaved: false, byte_offset }
    }

    /// Where the log ended after the last batch this writer stored (at first, its length on disk).
    pub fn byte_offset(&self) -> u64 {
        self.byte_offset
    }

    /// The index as this writer holds it; `None` before the first non-empty batch.
    pub fn index(&self) -> Option<&SessionIndex> {
        self.index.as_ref()
    }

    /// Stores a batch: `batch` is JSON lines, each ending in `\n`, one event each.
    ///
    /// After `Ok`, every line is in the log after everything before it, and the index file
    /// holds the batch's checkpoints and count, along with anything the log gained behind
    /// the writer's back. After `Err`, neither file holds any of the batch.
    pub fn append_batch(&mut self, batch: &str) -> Result<(), WriteError> {
        let events = parse_batch(batch)?;
        if events.is_empty() {
            return Ok(());
        }
        let opened = self.sync_with_disk()?;
        let index = self.index.as_mut().expect("synced above");
        let end = LogEnd { offset: self.byte_offset, created: opened == Opened::Created };

        let mut bytes = if end.offset == 0 { self.log.header_line() } else { String::new() };
        let mut offsets = Vec::with_capacity(events.len());
        for event in &events {
            offsets.push(end.offset + bytes.len() as u64);
            bytes.push_str(event.line);
            bytes.push('\n');
        }
        let update = index.plan(events.iter().zip(offsets));
        let rewrite_index = self.index_unsaved || update.marks_dirty();

        self.log.append(end, bytes.as_bytes())?;
        let undo = index.apply(update);
        if rewrite_index {
            if let Err(err) = index.with_text(|text| self.index_file.replace(text)) {
                index.undo(undo);
                self.log.rollback(end);
                return Err(err);
            }
        }
        self.index_unsaved = false;
        self.byte_offset = end.offset + bytes.len() as u64;
        Ok(())
    }

    /// Applies one change; each is stored whole or not at all.
    pub fn apply(&mut self, change: &Change) -> Result<(), WriteError> {
        match change {
            Change::Events(batch) => self.append_batch(batch),
            Change::State { id, value_json } => self.record("states", id, value_json),
            Change::Receipt { key, value_json } => self.record("receipts", key, value_json),
        }
    }

    /// Sets `index[field][key]` to the JSON `value_json` and saves the index. After `Err` the
    /// index file and the index in memory are as before.
    pub fn record(&mut self, field: &str, key: &str, value_json: &str) -> Result<(), WriteError> {
        let value = JsValue::parse(value_json).map_err(|source| WriteError::InvalidValue {
            field: field.to_owned(),
            key: key.to_owned(),
            source,
        })?;
        self.sync_with_disk()?;
        let index = self.index.as_mut().expect("synced above");
        let previous = index.set_entry(field, key, value);
        if let Err(err) = index.with_text(|text| self.index_file.replace(text)) {
            index.restore_entry(field, key, previous);
            return Err(err);
        }
        self.index_unsaved = false;
        Ok(())
    }

    /// Applies the recovery opening a session does, now, and saves the index if it changed.
    /// The log must exist. Says what was found and changed.
    pub fn repair(&mut self) -> Result<Recovery, WriteError> {
        require_file(self.log.path())?;
        self.log.close();
        self.index = None;
        self.log.open()?;
        let recovery = self.recover()?;
        if self.index_unsaved {
            let index = self.index.as_ref().expect("recovered above");
            index.with_text(|text| self.index_file.replace(text))?;
            self.index_unsaved = false;
        }
        Ok(recovery)
    }

    /// Lets the session go: the log is closed, its lock released and the index's spare removed.
    /// The index stays readable; a later batch opens the log again and checks it anew.
    pub fn close(&mut self) {
        self.log.close();
        self.index_file.close();
    }

    /// Opens the log and brings the index in line with it: on first opening (or when the log
    /// was replaced) the whole recovery runs; afterwards only lines appended behind the
    /// writer's back are indexed. After an error, the next call starts over from the files.
    fn sync_with_disk(&mut self) -> Result<Opened, WriteError> {
        let result = self.log.open().and_then(|(opened, len)| {
            match (opened, self.index.as_mut()) {
                (Opened::Same, Some(_)) if len == self.byte_offset => {}
                (Opened::Same, Some(index)) if len > self.byte_offset => {
                    let recovery = recovery::catch_up(&mut self.log, index, self.byte_offset)?;
                    self.note(&recovery)?;
                }
                _ => {
                    self.recover()?;
                }
            }
            Ok(opened)
        });
        if result.is_err() {
            self.index = None;
            self.log.close();
        }
        result
    }

    /// Loads the index (setting aside one that cannot be read) and reconciles it with the log,
    /// which must be open.
    fn recover(&mut self) -> Result<Recovery, WriteError> {
        let (loaded, index_kept_at) = match self.index.take() {
            Some(index) => (Some(index), None),
            None => self.load_index()?,
        };
        let (index, mut recovery) = recovery::reconcile(&mut self.log, loaded, Mode::Repair)?;
        recovery.index_kept_at = index_kept_at;
        self.index = Some(index);
        self.note(&recovery)?;
        Ok(recovery)
    }

    /// Takes in what recovery changed: the log's new end, and an index to save.
    fn note(&mut self, recovery: &Recovery) -> Result<(), WriteError> {
        self.index_unsaved |= recovery.index_changed;
        self.byte_offset = self.log.len()?;
        Ok(())
    }

    /// The index file's content; an unreadable file is moved aside and `None` returned with
    /// where it went.
    fn load_index(&mut self) -> Result<(Option<SessionIndex>, Option<PathBuf>), WriteError> {
        match self.index_file.read() {
            Ok(index) => Ok((index, None)),
            Err(WriteError::InvalidIndex { .. }) => {
                let path = self.index_file.path();
                let aside = aside_path(path, "corrupt");
                std::fs::rename(path, &aside).map_err(|err| WriteError::io("rename", path, err))?;
                Ok((None, Some(aside)))
            }
            Err(err) => Err(err),
        }
    }
}

/// Fails with `ENOENT` when `path` does not exist.
pub fn require_file(path: &Path) -> Result<(), WriteError> {
    std::fs::metadata(path).map(drop).map_err(|err| WriteError::io("stat", path, err))
}

/// Reads every line of a batch, or says which event is not valid.
fn parse_batch(batch: &str) -> Result<Vec<Event<'_>>, WriteError> {
    batch
        .split_terminator('\n')
        .enumerate()
        .map(|(index, line)| Event::parse(line).map_err(|source| WriteError::InvalidEvent { index, source }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    struct Session {
        _dir: tempfile::TempDir,
        log: PathBuf,
        index: PathBuf,
    }

    fn session() -> Session {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s1.jsonl");
        let index = dir.path().join("s1.index.json");
        Session { _dir: dir, log, index }
    }

    fn read(path: &PathBuf) -> String {
        fs::read_to_string(path).unwrap()
    }

    #[test]
    fn first_batch_writes_header_events_and_index() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n{\"type\":\"checkpoint\",\"seq\":1}\n").unwrap();
        let log = read(&s.log);
        let lines: Vec<&str> = log.lines().collect();
        assert!(lines[0].starts_with(r#"{"type":"session","version":1,"id":"s1","created":""#));
        assert_eq!(&lines[1..], [r#"{"type":"input","seq":0}"#, r#"{"type":"checkpoint","seq":1}"#]);
        assert_eq!(writer.byte_offset(), log.len() as u64);
        let checkpoint_offset = log.find(r#"{"type":"checkpoint""#).unwrap();
        let index = read(&s.index);
        assert!(index.contains(&format!("\"byteOffset\": {checkpoint_offset}")), "{index}");
        assert!(index.contains("\"eventCount\": 2"), "{index}");
    }

    #[test]
    fn states_and_receipts_are_recorded_with_the_index_and_survive_reopening() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.apply(&Change::Events("{\"type\":\"checkpoint\",\"seq\":0,\"stateId\":\"a\"}\n".to_owned())).unwrap();
        writer.apply(&Change::State { id: "a".to_owned(), value_json: "{\"env\":[1,2]}".to_owned() }).unwrap();
        writer.apply(&Change::Receipt { key: "r1".to_owned(), value_json: "{\"tokens\":3}".to_owned() }).unwrap();
        writer.close();
        let mut reopened = Writer::open(&s.log, &s.index, Durability::None);
        reopened.append_batch("{\"type\":\"input\",\"seq\":1}\n").unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"states\": {\n    \"a\": {\n      \"env\": [\n        1,"), "{index}");
        assert!(index.contains("\"receipts\": {\n    \"r1\": {\n      \"tokens\": 3"), "{index}");
        let err = reopened.apply(&Change::State { id: "b".to_owned(), value_json: "{".to_owned() }).unwrap_err();
        assert!(matches!(err, WriteError::InvalidValue { .. }), "{err}");
    }

    #[test]
    fn empty_batch_creates_nothing() {
        let s = session();
        Writer::open(&s.log, &s.index, Durability::None).append_batch("").unwrap();
        assert!(!s.log.exists() && !s.index.exists());
    }

    #[test]
    fn continues_an_existing_log_and_keeps_the_existing_index() {
        let s = session();
        fs::write(&s.log, "{\"type\":\"session\"}\n").unwrap();
        fs::write(
            &s.index,
            r#"{"sessionId":"s1","eventCount":1,"checkpoints":[],"states":{"a":1},"receipts":{},"x":true}"#,
        )
        .unwrap();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        assert_eq!(writer.byte_offset(), 19);
        writer.append_batch("{\"type\":\"checkpoint\",\"seq\":1}\n").unwrap();
        assert_eq!(read(&s.log), "{\"type\":\"session\"}\n{\"type\":\"checkpoint\",\"seq\":1}\n");
        let index = read(&s.index);
        assert!(
            index.contains("\"a\": 1") && index.contains("\"x\": true") && index.contains("\"byteOffset\": 19"),
            "{index}"
        );
    }

    #[test]
    fn offsets_stay_exact_when_the_log_grows_behind_the_writer() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n").unwrap();
        let mut file = fs::OpenOptions::new().append(true).open(&s.log).unwrap();
        std::io::Write::write_all(&mut file, b"{\"type\":\"input\",\"seq\":1}\n").unwrap();
        writer.append_batch("{\"type\":\"checkpoint\",\"seq\":2}\n").unwrap();
        let log = read(&s.log);
        let checkpoint_offset = log.find(r#"{"type":"checkpoint""#).unwrap();
        assert!(read(&s.index).contains(&format!("\"byteOffset\": {checkpoint_offset}")));
        assert_eq!(writer.byte_offset(), log.len() as u64);
    }

    #[test]
    fn a_removed_log_is_started_again_with_a_header() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n").unwrap();
        fs::remove_file(&s.log).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n").unwrap();
        let log = read(&s.log);
        assert!(log.starts_with(r#"{"type":"session""#) && log.ends_with("{\"type\":\"input\",\"seq\":1}\n"), "{log}");
    }

    #[test]
    fn an_invalid_event_stores_nothing_of_its_batch() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        let err = writer.append_batch("{\"type\":\"input\"}\n{\"seq\":1}\n").unwrap_err();
        assert!(matches!(err, WriteError::InvalidEvent { index: 1, .. }), "{err}");
        assert!(!s.log.exists() && !s.index.exists());
        writer.append_batch("{\"type\":\"input\"}\n").unwrap();
        assert_eq!(read(&s.log).lines().count(), 2);
    }

    #[test]
    fn an_unreadable_index_is_kept_aside_and_rebuilt_from_the_log() {
        let s = session();
        fs::write(&s.log, "{\"type\":\"checkpoint\",\"seq\":4}\n").unwrap();
        fs::write(&s.index, "{\"sessionId\": \"s1\", \"eventC").unwrap();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"x\",\"seq\":5}\n").unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"eventCount\": 6") && index.contains("\"byteOffset\": 0"), "{index}");
        let kept: Vec<_> = fs::read_dir(s._dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        let kept =
            kept.iter().find(|name| name.to_string_lossy().starts_with("s1.index.json.corrupt-")).expect("kept aside");
        assert_eq!(read(&s._dir.path().join(kept)), "{\"sessionId\": \"s1\", \"eventC");
    }

    #[test]
    fn an_index_with_no_checkpoints_array_keeps_its_other_fields() {
        let s = session();
        fs::write(&s.index, r#"{"checkpoints":{},"states":{"a":1}}"#).unwrap();
        let mut writer = Writer::open(&s.log, &s.index, Durability::Full);
        writer.append_batch("{\"type\":\"checkpoint\"}\n").unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"a\": 1") && index.contains("\"byteOffset\": "), "{index}");
    }

    #[test]
    fn a_second_writer_on_the_same_log_is_refused_until_the_first_closes() {
        let s = session();
        let mut first = Writer::open(&s.log, &s.index, Durability::None);
        let mut second = Writer::open(&s.log, &s.index, Durability::None);
        first.append_batch("{\"type\":\"x\",\"seq\":0}\n").unwrap();
        let log = read(&s.log);
        assert!(matches!(second.append_batch("{\"type\":\"y\"}\n"), Err(WriteError::Locked { .. })));
        assert_eq!(read(&s.log), log);
        first.close();
        second.append_batch("{\"type\":\"y\",\"seq\":1}\n").unwrap();
        assert!(read(&s.index).contains("\"eventCount\": 2"));
    }

    #[test]
    fn repair_cuts_a_torn_tail_and_catches_the_index_up() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"x\",\"seq\":0}\n").unwrap();
        writer.close();
        let mut file = fs::OpenOptions::new().append(true).open(&s.log).unwrap();
        std::io::Write::write_all(&mut file, b"{\"type\":\"checkpoint\",\"seq\":1}\n{\"type\":\"x\",\"se").unwrap();
        let recovery = Writer::open(&s.log, &s.index, Durability::None).repair().unwrap();
        assert_eq!(recovery.checkpoints_added, 1);
        assert_eq!(recovery.torn_tail.as_ref().map(|tail| tail.len), Some("{\"type\":\"x\",\"se".len() as u64));
        assert!(read(&s.log).ends_with("{\"type\":\"checkpoint\",\"seq\":1}\n"));
        assert!(read(&s.index).contains("\"eventCount\": 2"));
        let again = Writer::open(&s.log, &s.index, Durability::None).repair().unwrap();
        assert!(!again.index_changed && again.torn_tail.is_none());
    }

    #[test]
    fn repair_of_a_missing_log_is_enoent() {
        let s = session();
        let err = Writer::open(&s.log, &s.index, Durability::None).repair().unwrap_err();
        assert!(matches!(err, WriteError::Io { syscall: "stat", .. }), "{err}");
        assert!(!s.log.exists());
    }

    #[test]
    fn a_failed_index_write_takes_the_batch_back_out_of_the_log() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n").unwrap();
        let log_before = read(&s.log);
        let index_before = read(&s.index);
        // A directory in the spare's place makes the index write fail.
        let spare = s.index.with_file_name("s1.index.json.spare");
        fs::remove_file(&spare).ok();
        fs::create_dir(&spare).unwrap();
        let err = writer.append_batch("{\"type\":\"checkpoint\",\"seq\":1}\n").unwrap_err();
        assert!(matches!(err, WriteError::Io { syscall: "open", .. }), "{err}");
        assert_eq!(read(&s.log), log_before);
        assert_eq!(read(&s.index), index_before);
        fs::remove_dir(&spare).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n").unwrap();
        assert!(read(&s.index).contains("\"eventCount\": 2"));
        assert_ne!(read(&s.index), index_before);
        assert!(!read(&s.index).contains("byteOffset"), "the failed checkpoint was undone");
    }

    #[test]
    fn a_missing_directory_is_an_enoent_on_open() {
        let s = session();
        let mut writer = Writer::open(s.log.with_file_name("no/such/dir.jsonl"), &s.index, Durability::None);
        match writer.append_batch("{\"type\":\"x\"}\n").unwrap_err() {
            WriteError::Io { syscall, source, .. } => {
                assert_eq!(syscall, "open");
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("unexpected {other}"),
        }
    }
}

//! A session's writer: appends batches of events to the log and keeps the index in step,
//! recovering both from crashes and indexing what others append to the log.

use std::path::PathBuf;
use std::time::Duration;

use super::batch_record::BatchRecord;
use super::durability::Durability;
use super::error::SessionError;
use super::event::Event;
use super::fail_points;
use super::index::{IndexFile, SessionIndex};
use super::json::{JsValue, JsonError};
use super::log::{EventLog, Opened};
use super::platform;
use super::recovery::{self, Recovery, Scope};
use super::side_files;

/// How long a last line without its newline, which another appender may still be writing, is
/// given to end before a batch is written after it on a line of its own.
const PARTIAL_LINE_WAIT: Duration = Duration::from_millis(10);
/// How often the log is looked at again meanwhile.
const PARTIAL_LINE_POLLS: u32 = 10;
/// How long `repair` waits to see whether a last line without its newline is still growing
/// before cutting it off as torn.
const TORN_TAIL_WAIT: Duration = Duration::from_millis(50);

/// One change to a session, as callers queue them.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A batch of events: JSON lines, each ending in `\n`, and the caller's time when the call
    /// was made (`new Date().toISOString()`), for the header of a log this batch creates.
    Events { lines: String, created: String },
    /// `states[id] = value`: the id (a string) and the value as JSON text, so that every
    /// JavaScript string, lone surrogates included, arrives as it is.
    State { id_json: String, value_json: String },
    /// `receipts[key] = value`: the key (a string) and the value as JSON text.
    Receipt { key_json: String, value_json: String },
}

/// Appends batches to one session's log and index. Each batch is stored whole or not at all,
/// also across a crash, and lines others append to the log are indexed, never overwritten.
#[derive(Debug)]
pub struct Writer {
    log: EventLog,
    /// The batch being written, recorded beside the log so that a crash cannot leave part of it.
    record: BatchRecord,
    index_file: IndexFile,
    /// The index of the log up to `indexed_to`; loaded and checked against the log on the first batch.
    index: Option<SessionIndex>,
    /// Whether the index in memory has changes its file does not have yet.
    index_unsaved: bool,
    /// Where the whole lines this writer has indexed end.
    indexed_to: u64,
    /// Whether the log was created for the batch being stored (a failed first batch removes it).
    log_created: bool,
    byte_offset: u64,
    /// Counts the changes to the index held in memory, each one complete.
    index_version: u64,
    /// Whether the index was let go of between calls (`suspend`) while its file held all of it.
    suspended: bool,
}

impl Writer {
    /// A writer for the log at `event_path` and the index at `index_path`. Nothing is read
    /// but the log's length, and nothing is written, until the first batch.
    pub fn open(event_path: impl Into<PathBuf>, index_path: impl Into<PathBuf>, durability: Durability) -> Self {
        let log = EventLog::new(event_path, durability);
        let record = BatchRecord::new(log.path(), durability);
        let byte_offset = log.len_on_disk();
        let index_file = IndexFile::new(index_path, durability);
        Writer {
            log,
            record,
            index_file,
            index: None,
            index_unsaved: false,
            indexed_to: 0,
            log_created: false,
            byte_offset,
            index_version: 0,
            suspended: false,
        }
    }

    /// Where the log ended after the last batch this writer stored (at first, its length on disk).
    pub fn byte_offset(&self) -> u64 {
        self.byte_offset
    }

    /// The index as of the last completed change, as `JSON.stringify(index, null, 2)` writes
    /// it; `None` before the first non-empty batch. A suspended session's index is read from its
    /// file, which holds all of it (`None` if it cannot be read).
    pub fn index_json(&self) -> Option<String> {
        match &self.index {
            Some(index) => Some(index.to_json()),
            None if self.suspended => self.index_file.read_text().ok().flatten(),
            None => None,
        }
    }

    /// A number that changes whenever the index this writer holds does, after each change is
    /// complete: equal numbers mean an equal index.
    pub fn index_version(&self) -> u64 {
        self.index_version
    }

    /// Stores a batch: `batch` is JSON lines, each ending in `\n`, one event each. A log that
    /// does not exist is created with a header line whose `created` is `created`; an existing
    /// one, even empty, gets no header, as the original module writes one only for a new file.
    ///
    /// After `Ok`, every line is in the log, together and after everything before it, and the
    /// index file holds the batch's checkpoints and count, along with the lines others appended
    /// before it. After `Err`, neither file holds any of the batch. A crash in between leaves
    /// the batch whole or takes it out on the next opening.
    pub fn append_batch(&mut self, batch: &str, created: &str) -> Result<(), SessionError> {
        let events = parse_batch(batch)?;
        if events.is_empty() {
            return Ok(());
        }
        fail_points::at("write");
        let log_len = self.sync_with_disk()?;
        let header = if self.log_created && log_len == 0 { self.log.header_line(created) } else { String::new() };
        let on_a_new_line = self.wait_for_whole_lines(log_len)?;
        match self.store(&events, &header, on_a_new_line)? {
            Stored::Whole => Ok(()),
            // A line another appender had begun was not ended when the batch landed after it.
            Stored::TakenBack => match self.store(&events, &header, true)? {
                Stored::Whole => Ok(()),
                Stored::TakenBack => {
                    self.index = None;
                    Err(SessionError::io("write", self.log.path(), platform::would_block()))
                }
            },
        }
    }

    /// Applies one change; each is stored whole or not at all.
    pub fn apply(&mut self, change: &Change) -> Result<(), SessionError> {
        match change {
            Change::Events { lines, created } => self.append_batch(lines, created),
            Change::State { id_json, value_json } => self.record("states", id_json, value_json),
            Change::Receipt { key_json, value_json } => self.record("receipts", key_json, value_json),
        }
    }

    /// Sets `index[field][key]` (`key_json`: the key as a JSON string) to the JSON
    /// `value_json` and saves the index. After `Err` the index file and the index in memory
    /// are as before.
    pub fn record(&mut self, field: &str, key_json: &str, value_json: &str) -> Result<(), SessionError> {
        let invalid = |source| SessionError::InvalidValue { field: field.to_owned(), key: key_json.to_owned(), source };
        let key = match JsValue::parse(key_json).map_err(invalid)? {
            JsValue::String(ref key) => key.clone(),
            _ => return Err(invalid(JsonError { message: "the key is not a string", position: 0 })),
        };
        let value = JsValue::parse(value_json).map_err(invalid)?;
        self.sync_with_disk()?;
        let index = self.index.as_mut().expect("synced above");
        let previous = index.set_entry(field, &key, value);
        if let Err(err) = index.with_text(|text| self.index_file.replace(text)) {
            index.restore_entry(field, &key, previous);
            return Err(err);
        }
        self.index_unsaved = false;
        self.index_version += 1;
        Ok(())
    }

    /// Checks the whole log against the index and rebuilds every field that disagrees, takes back
    /// a batch a crash cut short, and cuts off (keeping it aside) a last line without its newline
    /// that has stopped growing. The log must exist. Says what was found and changed.
    pub fn repair(&mut self) -> Result<Recovery, SessionError> {
        SessionError::require_file(self.log.path())?;
        fail_points::at("repair");
        self.log.close();
        self.index = None;
        self.log.open()?;
        let mut recovery = self.recover(Scope::WholeLog)?;
        if let Some(tail) = recovery.partial_tail.as_mut() {
            let len = self.log.len()?;
            std::thread::sleep(TORN_TAIL_WAIT);
            if self.log.len()? == len {
                tail.kept_at = Some(self.log.set_aside_tail(tail.offset)?);
            }
        }
        if self.index_unsaved {
            let index = self.index.as_ref().expect("recovered above");
            index.with_text(|text| self.index_file.replace(text))?;
            self.index_unsaved = false;
        }
        self.byte_offset = self.log.len()?;
        Ok(recovery)
    }

    /// How many file descriptors the session keeps open between calls.
    pub fn descriptors(&self) -> usize {
        usize::from(self.log.is_open()) + usize::from(self.record.is_open()) + self.index_file.descriptors()
    }

    /// Lets go of what an idle session holds between calls: closes every file it keeps open,
    /// releasing the log's lock, and drops the index in memory when its file holds all of it.
    /// The next call opens the log again (taking the lock again, or failing with `Locked` if
    /// another process took it meanwhile), reloads the index as a new writer would, and indexes
    /// what others appended meanwhile.
    pub fn suspend(&mut self) {
        self.log.close();
        self.record.close(false);
        self.index_file.release_descriptors();
        if self.index.is_some() && !self.index_unsaved {
            self.index = None;
            self.suspended = true;
        }
    }

    /// Lets the session go: the log is closed, its lock released, and the files made beside the
    /// log and the index removed (those of a session suspended since its last call too, unless
    /// its log is gone or another process holds it now). The index stays readable; a later
    /// batch opens the log again and checks it anew.
    pub fn close(&mut self) {
        // A session that was never opened (no index version yet) has made no files to remove.
        let held = self.log.is_open() || (self.index_version > 0 && self.reclaim_for_closing());
        self.log.close();
        self.record.close(held);
        self.index_file.close(held);
    }

    /// Takes the log and its lock back for closing a session suspended since its last call,
    /// if the log is still there and no other process holds it; then takes back a batch that a
    /// crash of another writer cut short meanwhile, as the next opening would, so that the
    /// record of that batch can go. Says whether the session is held again.
    fn reclaim_for_closing(&mut self) -> bool {
        if !matches!(self.log.open_if_exists(), Ok(Some(_))) {
            return false;
        }
        match self.record.read() {
            Ok(None) => true,
            Ok(Some(batch)) => self.log.take_back_recorded(&batch).is_ok(),
            Err(_) => false,
        }
    }

    /// Writes one batch at the log's end (after a newline when `on_a_new_line`, to end a line
    /// another appender left unfinished), then indexes it with the lines that landed before it.
    fn store(&mut self, events: &[Event<'_>], header: &str, on_a_new_line: bool) -> Result<Stored, SessionError> {
        let mut bytes =
            String::with_capacity(header.len() + events.iter().map(|event| event.line.len() + 1).sum::<usize>() + 1);
        if on_a_new_line {
            bytes.push('\n');
        }
        let lines_start = bytes.len() as u64;
        bytes.push_str(header);
        let mut offsets = Vec::with_capacity(events.len());
        for event in events {
            offsets.push(bytes.len() as u64);
            bytes.push_str(event.line);
            bytes.push('\n');
        }
        self.record.write(self.indexed_to, bytes.as_bytes())?;
        let start = self.log.append(bytes.as_bytes(), self.log_created)?;
        let len = bytes.len() as u64;
        if start != self.indexed_to {
            // Others' lines landed first: index them, and make sure the batch starts a line.
            self.catch_up(start + lines_start)?;
            if self.indexed_to != start + lines_start {
                self.log.take_back(start, len, false);
                return Ok(Stored::TakenBack);
            }
        }
        let index = self.index.as_mut().expect("synced before storing");
        let update = index.plan(events.iter().zip(offsets.iter().map(|offset| start + offset)));
        let rewrite_index = self.index_unsaved || update.marks_dirty();
        index.apply(update);
        if rewrite_index {
            if let Err(err) = index.with_text(|text| self.index_file.replace(text)) {
                self.log.take_back(start, len, self.log_created);
                // The index file is as before the batch: the next call loads it again.
                self.index = None;
                return Err(err);
            }
        }
        self.index_unsaved = false;
        self.log_created = false;
        self.indexed_to = start + len;
        self.byte_offset = start + len;
        self.index_version += 1;
        Ok(Stored::Whole)
    }

    /// Opens the log and brings the index in line with it: on first opening (or when the log
    /// was replaced or shortened) the whole recovery runs; afterwards only lines appended behind
    /// the writer's back are indexed. Returns the log's length. After an error, the next call
    /// starts over from the files.
    fn sync_with_disk(&mut self) -> Result<u64, SessionError> {
        let result = self.log.open().and_then(|(opened, len)| {
            self.log_created = opened == Opened::Created;
            if opened == Opened::Same && self.index.is_some() && len >= self.indexed_to {
                self.catch_up(len)?;
                return Ok(len);
            }
            self.recover(Scope::FromTrustedCheckpoint)?;
            self.log.len()
        });
        if result.is_err() {
            self.index = None;
            self.log.close();
        }
        result
    }

    /// Waits a little for a last line another appender has begun to end (`log_len` is the log's
    /// length); says whether one is still unfinished.
    fn wait_for_whole_lines(&mut self, mut log_len: u64) -> Result<bool, SessionError> {
        for _ in 0..PARTIAL_LINE_POLLS {
            if self.indexed_to >= log_len {
                return Ok(false);
            }
            std::thread::sleep(PARTIAL_LINE_WAIT / PARTIAL_LINE_POLLS);
            log_len = self.log.len()?;
            self.catch_up(log_len)?;
        }
        Ok(self.indexed_to < log_len)
    }

    /// Indexes the whole lines others appended between `indexed_to` and `until`.
    fn catch_up(&mut self, until: u64) -> Result<(), SessionError> {
        let index = self.index.as_mut().expect("loaded before catching up");
        let caught = recovery::catch_up(&self.log.view(), index, self.indexed_to, until)?;
        self.index_unsaved |= caught.lines > 0;
        self.indexed_to = caught.indexed_to;
        self.index_version += u64::from(caught.lines > 0);
        Ok(())
    }

    /// Takes back a batch a crash cut short, loads the index (setting aside one that cannot be
    /// read) and reconciles it with the log, which must be open.
    fn recover(&mut self, scope: Scope) -> Result<Recovery, SessionError> {
        let taken_back = match self.record.read()? {
            Some(batch) => self.log.take_back_recorded(&batch)?,
            None => None,
        };
        let (loaded, index_kept_at) = match self.index.take() {
            Some(index) => (Some(index), None),
            None => self.load_index()?,
        };
        let (index, mut recovery) = recovery::reconcile(&self.log.view(), loaded, scope, &self.log.session_id())?;
        recovery.index_kept_at = index_kept_at;
        recovery.taken_back = taken_back;
        self.index = Some(index);
        self.suspended = false;
        self.index_unsaved |= recovery.index_changed;
        self.indexed_to = recovery.indexed_to;
        self.byte_offset = self.log.len()?;
        self.index_version += 1;
        Ok(recovery)
    }

    /// The index file's content; an unreadable file is moved aside and `None` returned with
    /// where it went.
    fn load_index(&mut self) -> Result<(Option<SessionIndex>, Option<PathBuf>), SessionError> {
        match self.index_file.read() {
            Ok(index) => Ok((index, None)),
            Err(SessionError::InvalidIndex { .. }) => {
                let path = self.index_file.path();
                let aside = side_files::aside(path, "corrupt");
                std::fs::rename(path, &aside).map_err(|err| SessionError::io("rename", path, err))?;
                Ok((None, Some(aside)))
            }
            Err(err) => Err(err),
        }
    }
}

/// How storing a batch ended.
enum Stored {
    /// The batch is in both files.
    Whole,
    /// The batch was taken back out of the log, to be written again on a new line.
    TakenBack,
}

/// Reads every line of a batch, or says which event is not valid.
fn parse_batch(batch: &str) -> Result<Vec<Event<'_>>, SessionError> {
    batch
        .split_terminator('\n')
        .enumerate()
        .map(|(index, line)| Event::parse(line).map_err(|source| SessionError::InvalidEvent { index, source }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::io::Write;

    const CREATED: &str = "2026-11-29T08:00:00.000Z";

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
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n{\"type\":\"checkpoint\",\"seq\":1}\n", CREATED).unwrap();
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
        let lines = "{\"type\":\"checkpoint\",\"seq\":0,\"stateId\":\"a\"}\n".to_owned();
        writer.apply(&Change::Events { lines, created: CREATED.to_owned() }).unwrap();
        writer.apply(&Change::State { id_json: "\"a\"".to_owned(), value_json: "{\"env\":[1,2]}".to_owned() }).unwrap();
        writer
            .apply(&Change::Receipt { key_json: "\"r1\"".to_owned(), value_json: "{\"tokens\":3}".to_owned() })
            .unwrap();
        writer.close();
        let mut reopened = Writer::open(&s.log, &s.index, Durability::None);
        reopened.append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED).unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"states\": {\n    \"a\": {\n      \"env\": [\n        1,"), "{index}");
        assert!(index.contains("\"receipts\": {\n    \"r1\": {\n      \"tokens\": 3"), "{index}");
        let err =
            reopened.apply(&Change::State { id_json: "\"b\"".to_owned(), value_json: "{".to_owned() }).unwrap_err();
        assert!(matches!(err, SessionError::InvalidValue { .. }), "{err}");
        // Keys that differ only in a lone surrogate are two keys, each kept as it is.
        for id in ["\"s\\ud800\"", "\"s\\udbff\""] {
            reopened.apply(&Change::State { id_json: id.to_owned(), value_json: id.to_owned() }).unwrap();
        }
        let index = read(&s.index);
        assert!(
            index.contains("\"s\\ud800\": \"s\\ud800\"") && index.contains("\"s\\udbff\": \"s\\udbff\""),
            "{index}"
        );
        let err = reopened.apply(&Change::State { id_json: "7".to_owned(), value_json: "1".to_owned() }).unwrap_err();
        assert!(matches!(err, SessionError::InvalidValue { .. }), "{err}");
    }

    #[test]
    fn empty_batch_creates_nothing() {
        let s = session();
        Writer::open(&s.log, &s.index, Durability::None).append_batch("", CREATED).unwrap();
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
        writer.append_batch("{\"type\":\"checkpoint\",\"seq\":1}\n", CREATED).unwrap();
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
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        let mut file = fs::OpenOptions::new().append(true).open(&s.log).unwrap();
        std::io::Write::write_all(&mut file, b"{\"type\":\"input\",\"seq\":1}\n").unwrap();
        writer.append_batch("{\"type\":\"checkpoint\",\"seq\":2}\n", CREATED).unwrap();
        let log = read(&s.log);
        let checkpoint_offset = log.find(r#"{"type":"checkpoint""#).unwrap();
        assert!(read(&s.index).contains(&format!("\"byteOffset\": {checkpoint_offset}")));
        assert_eq!(writer.byte_offset(), log.len() as u64);
    }

    #[test]
    fn a_removed_log_is_started_again_with_a_header() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        fs::remove_file(&s.log).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED).unwrap();
        let log = read(&s.log);
        assert!(log.starts_with(r#"{"type":"session""#) && log.ends_with("{\"type\":\"input\",\"seq\":1}\n"), "{log}");
    }

    #[test]
    fn an_invalid_event_stores_nothing_of_its_batch() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        let err = writer.append_batch("{\"type\":\"input\"}\n{\"seq\":1}\n", CREATED).unwrap_err();
        assert!(matches!(err, SessionError::InvalidEvent { index: 1, .. }), "{err}");
        assert!(!s.log.exists() && !s.index.exists());
        writer.append_batch("{\"type\":\"input\"}\n", CREATED).unwrap();
        assert_eq!(read(&s.log).lines().count(), 2);
    }

    #[test]
    fn an_unreadable_index_is_kept_aside_and_rebuilt_from_the_log() {
        let s = session();
        fs::write(&s.log, "{\"type\":\"checkpoint\",\"seq\":4}\n").unwrap();
        fs::write(&s.index, "{\"sessionId\": \"s1\", \"eventC").unwrap();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"x\",\"seq\":5}\n", CREATED).unwrap();
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
        writer.append_batch("{\"type\":\"checkpoint\"}\n", CREATED).unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"a\": 1") && index.contains("\"byteOffset\": "), "{index}");
    }

    #[test]
    fn a_second_writer_on_the_same_log_is_refused_until_the_first_closes() {
        let s = session();
        let mut first = Writer::open(&s.log, &s.index, Durability::None);
        let mut second = Writer::open(&s.log, &s.index, Durability::None);
        first.append_batch("{\"type\":\"x\",\"seq\":0}\n", CREATED).unwrap();
        let log = read(&s.log);
        assert!(matches!(second.append_batch("{\"type\":\"y\"}\n", CREATED), Err(SessionError::Locked { .. })));
        assert_eq!(read(&s.log), log);
        first.close();
        second.append_batch("{\"type\":\"y\",\"seq\":1}\n", CREATED).unwrap();
        assert!(read(&s.index).contains("\"eventCount\": 2"));
    }

    #[test]
    fn a_suspended_writer_holds_no_index_shows_the_one_on_disk_and_reloads_it_on_the_next_call() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer
            .append_batch("{\"type\":\"checkpoint\",\"seq\":0,\"reason\":\"r\",\"stateId\":\"a\"}\n", CREATED)
            .unwrap();
        writer.record("states", "\"a\"", "{\"x\":1}").unwrap();
        let before = writer.index_json().unwrap();
        writer.suspend();
        assert!(writer.index.is_none() && writer.descriptors() == 0);
        assert_eq!(writer.index_json().unwrap(), before);
        fs::OpenOptions::new()
            .append(true)
            .open(&s.log)
            .unwrap()
            .write_all(b"{\"type\":\"input\",\"seq\":1}\n")
            .unwrap();
        writer
            .append_batch("{\"type\":\"checkpoint\",\"seq\":2,\"reason\":\"r\",\"stateId\":\"b\"}\n", CREATED)
            .unwrap();
        let index: SessionIndex = crate::core::index::read(&s.index).unwrap().unwrap();
        assert_eq!(index.event_count(), Some(3.0));
        assert_eq!(index.checkpoint_count(), 2);
        assert_eq!(writer.index_json().unwrap(), read(&s.index));
        assert!(read(&s.index).contains("\"x\": 1"), "the recorded state is kept");
    }

    #[test]
    fn closing_a_suspended_session_takes_back_a_batch_another_writer_left_cut_short_and_removes_the_side_files() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        writer
            .append_batch("{\"type\":\"checkpoint\",\"seq\":1,\"reason\":\"r\",\"stateId\":\"a\"}\n", CREATED)
            .unwrap();
        writer.suspend();
        let before = read(&s.log);
        // Meanwhile another writer took the session and was killed in the middle of a batch.
        let batch: String = (2..200)
            .map(|seq| format!("{{\"type\":\"input\",\"seq\":{seq},\"pad\":\"{}\"}}\n", "x".repeat(100)))
            .collect();
        BatchRecord::new(&s.log, Durability::None).write(before.len() as u64, batch.as_bytes()).unwrap();
        let mut file = fs::OpenOptions::new().append(true).open(&s.log).unwrap();
        file.write_all(&batch.as_bytes()[..4096 * 3 - before.len()]).unwrap();
        writer.close();
        assert_eq!(read(&s.log), before);
        let mut left: Vec<_> = fs::read_dir(s._dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        left.sort();
        assert_eq!(left, ["s1.index.json", "s1.jsonl"]);
    }

    #[test]
    fn closing_a_suspended_session_another_process_holds_leaves_its_files() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer
            .append_batch("{\"type\":\"checkpoint\",\"seq\":0,\"reason\":\"r\",\"stateId\":\"a\"}\n", CREATED)
            .unwrap();
        writer
            .append_batch("{\"type\":\"checkpoint\",\"seq\":1,\"reason\":\"r\",\"stateId\":\"b\"}\n", CREATED)
            .unwrap();
        writer.suspend();
        let mut other = Writer::open(&s.log, &s.index, Durability::None);
        other.append_batch("{\"type\":\"input\",\"seq\":2}\n", CREATED).unwrap();
        writer.close();
        other.append_batch("{\"type\":\"input\",\"seq\":3}\n", CREATED).unwrap();
        assert!(read(&s.index).contains("\"eventCount\": 4"));
        let batch_record = side_files::beside(&s.log, ".batch");
        assert!(batch_record.exists(), "the holder's batch record is kept");
    }

    #[test]
    fn repair_cuts_a_torn_tail_and_catches_the_index_up() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"x\",\"seq\":0}\n", CREATED).unwrap();
        writer.close();
        let mut file = fs::OpenOptions::new().append(true).open(&s.log).unwrap();
        std::io::Write::write_all(&mut file, b"{\"type\":\"checkpoint\",\"seq\":1}\n{\"type\":\"x\",\"se").unwrap();
        let recovery = Writer::open(&s.log, &s.index, Durability::None).repair().unwrap();
        assert_eq!(recovery.checkpoints_added, 1);
        let tail = recovery.partial_tail.as_ref().expect("a torn tail");
        assert_eq!(tail.len, "{\"type\":\"x\",\"se".len() as u64);
        assert!(tail.kept_at.is_some());
        assert!(read(&s.log).ends_with("{\"type\":\"checkpoint\",\"seq\":1}\n"));
        assert!(read(&s.index).contains("\"eventCount\": 2"));
        let again = Writer::open(&s.log, &s.index, Durability::None).repair().unwrap();
        assert!(!again.index_changed && again.partial_tail.is_none());
    }

    #[test]
    fn repair_of_a_missing_log_is_enoent() {
        let s = session();
        let err = Writer::open(&s.log, &s.index, Durability::None).repair().unwrap_err();
        assert!(matches!(err, SessionError::Io { syscall: "stat", .. }), "{err}");
        assert!(!s.log.exists());
    }

    #[test]
    fn a_failed_index_write_takes_the_batch_back_out_of_the_log() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        let log_before = read(&s.log);
        let index_before = read(&s.index);
        // A directory in the spare's place makes the index write fail.
        let spare = s.index.with_file_name("s1.index.json.spare");
        fs::remove_file(&spare).ok();
        fs::create_dir(&spare).unwrap();
        let err = writer.append_batch("{\"type\":\"checkpoint\",\"seq\":1}\n", CREATED).unwrap_err();
        assert!(matches!(err, SessionError::Io { syscall: "open", .. }), "{err}");
        assert_eq!(read(&s.log), log_before);
        assert_eq!(read(&s.index), index_before);
        fs::remove_dir(&spare).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED).unwrap();
        assert!(read(&s.index).contains("\"eventCount\": 2"));
        assert_ne!(read(&s.index), index_before);
        assert!(!read(&s.index).contains("byteOffset"), "the failed checkpoint was undone");
    }

    #[test]
    fn a_missing_directory_is_an_enoent_on_open() {
        let s = session();
        let mut writer = Writer::open(s.log.with_file_name("no/such/dir.jsonl"), &s.index, Durability::None);
        match writer.append_batch("{\"type\":\"x\"}\n", CREATED).unwrap_err() {
            SessionError::Io { syscall, source, .. } => {
                assert_eq!(syscall, "open");
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn a_line_another_appender_left_unfinished_is_kept_and_the_batch_starts_a_line_of_its_own() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        let before = read(&s.log);
        let mut file = fs::OpenOptions::new().append(true).open(&s.log).unwrap();
        std::io::Write::write_all(&mut file, b"{\"type\":\"input\",\"se").unwrap();
        writer.append_batch("{\"type\":\"checkpoint\",\"seq\":1}\n", CREATED).unwrap();
        let log = read(&s.log);
        assert_eq!(log, format!("{before}{{\"type\":\"input\",\"se\n{{\"type\":\"checkpoint\",\"seq\":1}}\n"));
        let checkpoint_offset = log.rfind("{\"type\":\"checkpoint\"").unwrap();
        assert!(read(&s.index).contains(&format!("\"byteOffset\": {checkpoint_offset}")));
        assert_eq!(writer.byte_offset(), log.len() as u64);
        let names: Vec<_> = fs::read_dir(s._dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert!(!names.iter().any(|name| name.to_string_lossy().contains(".torn-")), "{names:?}");
    }

    #[test]
    fn a_batch_a_crash_cut_short_is_taken_back_on_the_next_opening() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        let before = read(&s.log);
        // What a killed writer leaves: the batch recorded, and only its start in the log.
        let batch: String = (1..200)
            .map(|seq| format!("{{\"type\":\"input\",\"seq\":{seq},\"pad\":\"{}\"}}\n", "x".repeat(100)))
            .collect();
        BatchRecord::new(&s.log, Durability::None).write(before.len() as u64, batch.as_bytes()).unwrap();
        let cut = 4096 * 3 - before.len();
        let mut file = fs::OpenOptions::new().append(true).open(&s.log).unwrap();
        std::io::Write::write_all(&mut file, &batch.as_bytes()[..cut]).unwrap();
        drop(writer);
        let mut reopened = Writer::open(&s.log, &s.index, Durability::None);
        reopened.append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED).unwrap();
        assert_eq!(read(&s.log), format!("{before}{{\"type\":\"input\",\"seq\":1}}\n"));
        assert!(read(&s.index).contains("\"eventCount\": 2"));
    }

    #[test]
    fn a_batch_cut_short_before_others_lines_is_blanked_and_their_lines_kept() {
        let s = session();
        let head = "{\"type\":\"input\",\"seq\":0}\n";
        let batch: String = (1..100)
            .map(|seq| format!("{{\"type\":\"input\",\"seq\":{seq},\"pad\":\"{}\"}}\n", "y".repeat(100)))
            .collect();
        let cut = 4096 - head.len();
        let other = "{\"type\":\"checkpoint\",\"seq\":500}\n";
        fs::write(&s.log, format!("{head}{}{other}", &batch[..cut])).unwrap();
        BatchRecord::new(&s.log, Durability::None).write(head.len() as u64, batch.as_bytes()).unwrap();
        Writer::open(&s.log, &s.index, Durability::None)
            .append_batch("{\"type\":\"input\",\"seq\":501}\n", CREATED)
            .unwrap();
        let log = read(&s.log);
        assert_eq!(log, format!("{head}{}{other}{{\"type\":\"input\",\"seq\":501}}\n", " ".repeat(cut)));
        let index = read(&s.index);
        assert!(
            index.contains("\"eventCount\": 502") && index.contains(&format!("\"byteOffset\": {}", head.len())),
            "{index}"
        );
    }

    // The spare is kept beside the index only where it is swapped with it (Linux, macOS).
    #[cfg(any(target_os = "linux", target_vendor = "apple"))]
    #[test]
    fn a_close_of_a_refused_writer_leaves_the_holders_files() {
        let s = session();
        let mut first = Writer::open(&s.log, &s.index, Durability::None);
        first.append_batch("{\"type\":\"x\",\"seq\":0}\n", CREATED).unwrap();
        first.append_batch("{\"type\":\"x\",\"seq\":1}\n", CREATED).unwrap();
        let mut second = Writer::open(&s.log, &s.index, Durability::None);
        assert!(second.append_batch("{\"type\":\"y\"}\n", CREATED).is_err());
        second.close();
        let names = |dir: &std::path::Path| -> Vec<String> {
            let mut names: Vec<String> = fs::read_dir(dir)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names(s._dir.path()), ["s1.index.json", "s1.index.json.spare", "s1.jsonl", "s1.jsonl.batch"]);
        first.close();
        assert_eq!(names(s._dir.path()), ["s1.index.json", "s1.jsonl"]);
    }
}

/// Arbitrary bytes as an existing log: writing never panics and never cuts the log; what was
/// there stays, the batch starts a line of its own, and after `repair` `verify` finds nothing
/// wrong. `PROPTEST_CASES` sets how many logs are tried.
#[cfg(test)]
mod fuzz {
    use crate::core::durability::Durability;
    use crate::core::verify::verify;
    use crate::core::writer::Writer;
    use proptest::prelude::*;
    use std::fs;

    const CREATED: &str = "2026-11-29T08:00:00.000Z";
    const LAST: &[u8] = b"{\"type\":\"checkpoint\",\"seq\":99}\n";

    /// Pieces a damaged log or index is made of: event lines, garbage, stray newlines, cut-off lines.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (0u32..50, any::<bool>()).prop_map(|(seq, checkpoint)| {
                let kind = if checkpoint { "checkpoint" } else { "input" };
                format!("{{\"type\":\"{kind}\",\"seq\":{seq},\"stateId\":\"s{seq}\"}}\n").into_bytes()
            }),
            prop::collection::vec(any::<u8>(), 0..40),
            Just(b"\n".to_vec()),
            Just(b"{\"type\":\"input\",\"se".to_vec()),
            Just(b"\xff\xfe{\"type\":\"x\"}\n".to_vec()),
            Just(b"{\"eventCount\": 10000, \"checkpoints\": [{\"byteOffset\": 0}]}".to_vec()),
        ]
    }

    proptest! {
        #[test]
        fn any_log_keeps_its_bytes_and_verifies_after_repair(
            pieces in prop::collection::vec(piece(), 0..12),
            index in prop::option::of(prop::collection::vec(piece(), 0..3)),
        ) {
            let original: Vec<u8> = pieces.concat();
            let dir = tempfile::tempdir().unwrap();
            let (log, index_path) = (dir.path().join("f.jsonl"), dir.path().join("f.index.json"));
            fs::write(&log, &original).unwrap();
            if let Some(index) = index {
                fs::write(&index_path, index.concat()).unwrap();
            }
            let mut writer = Writer::open(&log, &index_path, Durability::None);
            writer.append_batch(std::str::from_utf8(LAST).unwrap(), CREATED).unwrap();
            let after = fs::read(&log).unwrap();
            prop_assert!(after.starts_with(&original), "nothing is cut");
            prop_assert!(after.ends_with(LAST), "the batch is the log's last line");
            let between = &after[original.len()..after.len() - LAST.len()];
            let expected: &[u8] = if original.is_empty() || original.ends_with(b"\n") { b"" } else { b"\n" };
            prop_assert!(between == expected || (original.is_empty() && between.starts_with(b"{\"type\":\"session\"")), "{:?}", between);
            prop_assert_eq!(writer.byte_offset(), after.len() as u64);
            let index_text = fs::read_to_string(&index_path).unwrap();
            let checkpoint_at = after.len() - LAST.len();
            prop_assert!(index_text.contains(&format!("\"byteOffset\": {checkpoint_at}")), "{}", index_text);
            let repaired = writer.repair().unwrap();
            writer.close();
            let verified = verify(&log, &index_path).unwrap();
            prop_assert!(verified.problems.is_empty(), "{:?} after {:?}", verified.problems, repaired.changes());
        }

        #[test]
        fn repair_makes_any_session_verify(
            pieces in prop::collection::vec(piece(), 0..12),
            index in prop::collection::vec(piece(), 0..3),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let (log, index_path) = (dir.path().join("f.jsonl"), dir.path().join("f.index.json"));
            fs::write(&log, pieces.concat()).unwrap();
            fs::write(&index_path, index.concat()).unwrap();
            let mut writer = Writer::open(&log, &index_path, Durability::None);
            let repaired = writer.repair().unwrap();
            writer.close();
            let verified = verify(&log, &index_path).unwrap();
            prop_assert!(verified.problems.is_empty(), "{:?} after {:?}", verified.problems, repaired.changes());
            let again = Writer::open(&log, &index_path, Durability::None).repair().unwrap();
            prop_assert!(again.changes().is_empty(), "{:?}", again.changes());
        }
    }
}

//! A session's writer: appends batches of events to the log and keeps the index in step.

use std::path::PathBuf;

use super::error::WriteError;
use super::event::Event;
use super::index::SessionIndex;
use super::index_file;
use super::log::EventLog;

/// Appends batches to one session's log and index. Each batch is stored whole or not at all.
#[derive(Debug)]
pub struct Writer {
    log: EventLog,
    index_path: PathBuf,
    /// Loaded on the first batch, as the original module does.
    index: Option<SessionIndex>,
    /// Whether the index in memory has changes its file does not have yet.
    index_unsaved: bool,
    byte_offset: u64,
}

impl Writer {
    /// A writer for the log at `event_path` and the index at `index_path`. Nothing is read
    /// but the log's length, and nothing is written, until the first batch.
    pub fn open(event_path: impl Into<PathBuf>, index_path: impl Into<PathBuf>) -> Self {
        let log = EventLog::new(event_path);
        let byte_offset = log.len_on_disk();
        Writer { log, index_path: index_path.into(), index: None, index_unsaved: false, byte_offset }
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
    /// holds the batch's checkpoints and count. After `Err`, neither file has changed.
    pub fn append_batch(&mut self, batch: &str) -> Result<(), WriteError> {
        let events = parse_batch(batch)?;
        if events.is_empty() {
            return Ok(());
        }
        self.load_index()?;
        let index = self.index.as_mut().expect("loaded above");

        let end = self.log.open_end()?;
        let mut bytes = if end.created { self.log.header_line() } else { String::new() };
        let mut offsets = Vec::with_capacity(events.len());
        for event in &events {
            offsets.push(end.offset + bytes.len() as u64);
            bytes.push_str(event.line);
            bytes.push('\n');
        }
        let update = match index.plan(events.iter().zip(offsets)) {
            Ok(update) => update,
            Err(source) => {
                self.log.rollback(end);
                return Err(WriteError::InvalidIndex { path: self.index_path.clone(), source });
            }
        };
        let rewrite_index = self.index_unsaved || update.marks_dirty();

        self.log.append(end, bytes.as_bytes())?;
        let undo = index.apply(update);
        if rewrite_index {
            if let Err(err) = index_file::replace(&self.index_path, &index.to_json()) {
                index.undo(undo);
                self.log.rollback(end);
                return Err(err);
            }
        }
        self.index_unsaved = false;
        self.byte_offset = end.offset + bytes.len() as u64;
        Ok(())
    }

    fn load_index(&mut self) -> Result<(), WriteError> {
        if self.index.is_some() {
            return Ok(());
        }
        let loaded = index_file::read(&self.index_path)?;
        self.index_unsaved = loaded.is_none();
        self.index = Some(loaded.unwrap_or_else(|| SessionIndex::new(&self.log.session_id())));
        Ok(())
    }
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
        let mut writer = Writer::open(&s.log, &s.index);
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
    fn empty_batch_creates_nothing() {
        let s = session();
        Writer::open(&s.log, &s.index).append_batch("").unwrap();
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
        let mut writer = Writer::open(&s.log, &s.index);
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
        let mut writer = Writer::open(&s.log, &s.index);
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
        let mut writer = Writer::open(&s.log, &s.index);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n").unwrap();
        fs::remove_file(&s.log).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n").unwrap();
        let log = read(&s.log);
        assert!(log.starts_with(r#"{"type":"session""#) && log.ends_with("{\"type\":\"input\",\"seq\":1}\n"), "{log}");
    }

    #[test]
    fn an_invalid_event_stores_nothing_of_its_batch() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index);
        let err = writer.append_batch("{\"type\":\"input\"}\n{\"seq\":1}\n").unwrap_err();
        assert!(matches!(err, WriteError::InvalidEvent { index: 1, .. }), "{err}");
        assert!(!s.log.exists() && !s.index.exists());
        writer.append_batch("{\"type\":\"input\"}\n").unwrap();
        assert_eq!(read(&s.log).lines().count(), 2);
    }

    #[test]
    fn an_unusable_index_fails_the_batch_before_the_log_changes() {
        let s = session();
        fs::write(&s.index, "{\"checkpoints\":{}}").unwrap();
        let mut writer = Writer::open(&s.log, &s.index);
        let err = writer.append_batch("{\"type\":\"checkpoint\"}\n").unwrap_err();
        assert!(matches!(err, WriteError::InvalidIndex { .. }), "{err}");
        assert!(!s.log.exists());
        fs::write(&s.index, "{oops").unwrap();
        let mut writer = Writer::open(&s.log, &s.index);
        assert!(matches!(writer.append_batch("{\"type\":\"x\"}\n"), Err(WriteError::InvalidIndex { .. })));
        assert!(!s.log.exists());
    }

    #[test]
    fn a_failed_index_write_takes_the_batch_back_out_of_the_log() {
        let s = session();
        let mut writer = Writer::open(&s.log, &s.index);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n").unwrap();
        let log_before = read(&s.log);
        let index_before = read(&s.index);
        // A directory in the index's place makes the rename fail.
        fs::remove_file(&s.index).unwrap();
        fs::create_dir(&s.index).unwrap();
        let err = writer.append_batch("{\"type\":\"checkpoint\",\"seq\":1}\n").unwrap_err();
        assert!(matches!(err, WriteError::Io { syscall: "rename", .. }), "{err}");
        assert_eq!(read(&s.log), log_before);
        fs::remove_dir(&s.index).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n").unwrap();
        assert!(read(&s.index).contains("\"eventCount\": 2"));
        assert_ne!(read(&s.index), index_before);
        assert!(!read(&s.index).contains("byteOffset"), "the failed checkpoint was undone");
    }

    #[test]
    fn a_missing_directory_is_an_enoent_on_open() {
        let s = session();
        let mut writer = Writer::open(s.log.with_file_name("no/such/dir.jsonl"), &s.index);
        match writer.append_batch("{\"type\":\"x\"}\n").unwrap_err() {
            WriteError::Io { syscall, source, .. } => {
                assert_eq!(syscall, "open");
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("unexpected {other}"),
        }
    }
}

//! Bringing the log and the index back into agreement: a torn last line is cut off (and
//! kept aside), and an index that is missing, unreadable or behind is rebuilt from the log,
//! scanning only from the last checkpoint it can still trust.

use std::io::BufRead;
use std::path::PathBuf;

use super::error::WriteError;
use super::event::{Event, EventKind};
use super::index::SessionIndex;
use super::json::JsValue;
use super::log::EventLog;

/// What recovery found and changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Recovery {
    /// A torn last line that was cut off: where it started, how long it was, where it was kept.
    pub torn_tail: Option<TornTail>,
    /// Offsets of whole lines that are not events; they stay in the log, unindexed.
    pub unreadable_lines: Vec<u64>,
    /// Where the scan of the log began: 0, or the last checkpoint the index could be trusted to.
    pub scanned_from: u64,
    /// Lines scanned and indexed.
    pub lines_scanned: u64,
    /// Index checkpoints whose offset did not point at their line, dropped.
    pub checkpoints_dropped: usize,
    /// Checkpoints found in the log that the index lacked, added.
    pub checkpoints_added: usize,
    /// Whether the index now differs from the file it was read from.
    pub index_changed: bool,
    /// Where an index file that could not be read was kept before it was replaced.
    pub index_kept_at: Option<PathBuf>,
}

impl Recovery {
    /// What recovery changed, one sentence each; empty when the files already agreed.
    pub fn changes(&self) -> Vec<String> {
        let mut changes = Vec::new();
        if let Some(TornTail { offset, len, kept_at }) = &self.torn_tail {
            let kept = kept_at.as_ref().map_or(String::new(), |path| format!(", kept in {}", path.display()));
            changes.push(format!("cut a torn tail of {len} bytes from byte {offset} of the log{kept}"));
        }
        if let Some(path) = &self.index_kept_at {
            changes.push(format!("moved the unreadable index to {}", path.display()));
        }
        if self.checkpoints_dropped > 0 {
            changes.push(format!(
                "dropped {} index checkpoints that did not point at their lines",
                self.checkpoints_dropped
            ));
        }
        if self.index_changed {
            changes.push(format!(
                "rebuilt the index from byte {} of the log: {} lines read, {} checkpoints added",
                self.scanned_from, self.lines_scanned, self.checkpoints_added
            ));
        }
        changes
    }
}

/// Bytes at the end of the log that are not a whole event line.
#[derive(Debug, Clone, PartialEq)]
pub struct TornTail {
    pub offset: u64,
    pub len: u64,
    /// Where the bytes were kept when they were cut off; `None` when only checking.
    pub kept_at: Option<PathBuf>,
}

/// Whether recovery changes the log or only says what it would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Repair,
    Check,
}

/// What one pass over the log from some offset found.
#[derive(Debug, Default)]
struct Scan {
    /// Where the torn tail starts, if the log has one.
    torn_at: Option<u64>,
    unreadable_lines: Vec<u64>,
    lines: u64,
    checkpoints: usize,
}

/// Checks the whole index against the open log and repairs both: the log's torn tail is
/// cut, and the index gains what the log holds beyond it. `index` is the index as loaded
/// (`None` when its file was missing or unreadable, in which case it is rebuilt whole).
pub fn reconcile(
    log: &mut EventLog,
    loaded: Option<SessionIndex>,
    mode: Mode,
) -> Result<(SessionIndex, Recovery), WriteError> {
    let before = loaded.as_ref().map(SessionIndex::to_json);
    let mut index = loaded.unwrap_or_else(|| SessionIndex::new(&log.session_id()));
    index.ensure_checkpoints_array();
    let trusted = last_trusted_checkpoint(log, &index)?;
    let checkpoints_dropped = index.truncate_checkpoints(trusted.map_or(0, |(position, _)| position + 1));
    let scanned_from = match trusted {
        Some((_, offset)) => offset,
        None => {
            // Nothing to trust: the count comes from the whole log.
            index.reset_event_count();
            0
        }
    };
    let scan = scan_into(log, &mut index, scanned_from, trusted.is_some())?;
    let recovery = Recovery {
        torn_tail: torn_tail(log, scan.torn_at, mode)?,
        unreadable_lines: scan.unreadable_lines,
        scanned_from,
        lines_scanned: scan.lines,
        checkpoints_dropped,
        checkpoints_added: scan.checkpoints,
        index_changed: before.as_deref() != Some(index.to_json().as_str()),
        index_kept_at: None,
    };
    Ok((index, recovery))
}

/// Indexes the lines appended to the log from `offset` on, behind the writer's back; a torn
/// tail among them is cut off. Returns what was found.
pub fn catch_up(log: &mut EventLog, index: &mut SessionIndex, offset: u64) -> Result<Recovery, WriteError> {
    let before = index.checkpoint_count();
    let scan = scan_into(log, index, offset, false)?;
    Ok(Recovery {
        torn_tail: torn_tail(log, scan.torn_at, Mode::Repair)?,
        unreadable_lines: scan.unreadable_lines,
        scanned_from: offset,
        lines_scanned: scan.lines,
        checkpoints_added: index.checkpoint_count() - before,
        index_changed: scan.lines > 0,
        ..Recovery::default()
    })
}

/// The torn tail starting at `torn_at`, cut off and kept aside when repairing.
fn torn_tail(log: &mut EventLog, torn_at: Option<u64>, mode: Mode) -> Result<Option<TornTail>, WriteError> {
    let Some(offset) = torn_at else { return Ok(None) };
    let len = log.len()? - offset;
    let kept_at = match mode {
        Mode::Repair => Some(log.cut_tail(offset)?),
        Mode::Check => None,
    };
    Ok(Some(TornTail { offset, len, kept_at }))
}

/// The position and offset of the last index checkpoint whose offset points at its own line.
fn last_trusted_checkpoint(log: &EventLog, index: &SessionIndex) -> Result<Option<(usize, u64)>, WriteError> {
    let log_len = log.len()?;
    for (position, entry) in index.checkpoint_entries().iter().enumerate().rev() {
        let Some(JsValue::Number(offset)) = entry.as_object().and_then(|entry| entry.get("byteOffset")) else {
            continue;
        };
        let offset = *offset;
        if offset.fract() != 0.0 || offset < 0.0 || offset >= log_len as f64 {
            continue;
        }
        let offset = offset as u64;
        let mut line = Vec::new();
        log.reader_at(offset)?.read_until(b'\n', &mut line).map_err(|err| WriteError::io("read", log.path(), err))?;
        let Some(line) = line.strip_suffix(b"\n").and_then(|line| std::str::from_utf8(line).ok()) else { continue };
        let Ok(event) = Event::parse(line) else { continue };
        if event.kind == EventKind::Checkpoint && describes(entry, &event, offset) {
            return Ok(Some((position, offset)));
        }
    }
    Ok(None)
}

/// Whether an index entry names the checkpoint `event`: the same seq, reason and stateId
/// (fields another tool added to the entry do not matter).
fn describes(entry: &JsValue, event: &Event<'_>, offset: u64) -> bool {
    let Some(entry) = entry.as_object() else { return false };
    event.checkpoint_entry(offset).iter().all(|(key, value)| entry.get_key(&key) == Some(value))
}

/// Reads every whole line from `offset` to the end and indexes the events among them.
/// A last line without its newline, or one that is not an event, is the torn tail.
fn scan_into(log: &EventLog, index: &mut SessionIndex, offset: u64, skip_first: bool) -> Result<Scan, WriteError> {
    let mut reader = log.reader_at(offset)?;
    let mut scan = Scan::default();
    let mut line = Vec::new();
    let mut at = offset;
    let mut unreadable_last: Option<u64> = None;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|err| WriteError::io("read", log.path(), err))?;
        if read == 0 {
            scan.torn_at = unreadable_last;
            return Ok(scan);
        }
        if line.last() != Some(&b'\n') {
            scan.torn_at = Some(unreadable_last.unwrap_or(at));
            return Ok(scan);
        }
        if let Some(previous) = unreadable_last.take() {
            scan.unreadable_lines.push(previous);
        }
        let text = std::str::from_utf8(&line[..line.len() - 1]).ok();
        match text.map(Event::parse) {
            Some(Ok(event)) => {
                if !(skip_first && at == offset) {
                    scan.checkpoints += usize::from(event.kind == EventKind::Checkpoint);
                    index.add_event(&event, at);
                }
                scan.lines += 1;
            }
            _ => unreadable_last = Some(at),
        }
        at += read as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::durability::Durability;
    use std::fs;

    struct Fixture {
        _dir: tempfile::TempDir,
        log: EventLog,
        path: PathBuf,
    }

    fn log_with(content: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        fs::write(&path, content).unwrap();
        let mut log = EventLog::new(&path, Durability::None);
        log.open().unwrap();
        Fixture { _dir: dir, log, path }
    }

    const LOG: &str = concat!(
        "{\"type\":\"session\",\"version\":1,\"id\":\"s\",\"created\":\"t\"}\n",
        "{\"type\":\"input\",\"seq\":0}\n",
        "{\"type\":\"checkpoint\",\"seq\":1,\"reason\":\"r\",\"stateId\":\"a\"}\n",
        "{\"type\":\"input\",\"seq\":2}\n",
        "{\"type\":\"checkpoint\",\"seq\":3,\"reason\":\"r\",\"stateId\":\"b\"}\n",
    );

    fn checkpoint_offsets() -> [u64; 2] {
        let first = LOG.find("{\"type\":\"checkpoint\"").unwrap();
        let second = first + 1 + LOG[first + 1..].find("{\"type\":\"checkpoint\"").unwrap();
        [first as u64, second as u64]
    }

    fn rebuilt(content: &str) -> SessionIndex {
        let mut fixture = log_with(content);
        reconcile(&mut fixture.log, None, Mode::Repair).unwrap().0
    }

    #[test]
    fn a_missing_index_is_rebuilt_from_the_whole_log() {
        let mut fixture = log_with(LOG);
        let (index, recovery) = reconcile(&mut fixture.log, None, Mode::Repair).unwrap();
        assert_eq!(recovery.scanned_from, 0);
        assert_eq!(recovery.checkpoints_added, 2);
        let json = index.to_json();
        let [first, second] = checkpoint_offsets();
        assert!(json.contains("\"eventCount\": 4"), "{json}");
        assert!(
            json.contains(&format!("\"byteOffset\": {first}")) && json.contains(&format!("\"byteOffset\": {second}")),
            "{json}"
        );
    }

    #[test]
    fn an_index_behind_the_log_is_scanned_from_its_last_trusted_checkpoint() {
        let only_first = LOG.lines().take(3).map(|line| format!("{line}\n")).collect::<String>();
        let behind = rebuilt(&only_first);
        let mut fixture = log_with(LOG);
        let (index, recovery) = reconcile(&mut fixture.log, Some(behind), Mode::Repair).unwrap();
        assert_eq!(recovery.scanned_from, checkpoint_offsets()[0]);
        assert_eq!(recovery.checkpoints_added, 1);
        assert!(recovery.index_changed);
        assert_eq!(index.to_json(), rebuilt(LOG).to_json());
    }

    #[test]
    fn an_index_in_step_with_the_log_is_left_as_it_is() {
        let mut fixture = log_with(LOG);
        let (_, recovery) = reconcile(&mut fixture.log, Some(rebuilt(LOG)), Mode::Repair).unwrap();
        assert_eq!(recovery.scanned_from, checkpoint_offsets()[1]);
        assert!(!recovery.index_changed);
        assert_eq!(recovery.lines_scanned, 1);
    }

    #[test]
    fn checkpoints_pointing_at_the_wrong_line_are_dropped_and_found_again() {
        let shifted = format!(
            "{{\"type\":\"input\",\"seq\":0}}\n{}",
            LOG.lines().skip(1).map(|l| format!("{l}\n")).collect::<String>()
        );
        let mut fixture = log_with(&shifted);
        let (index, recovery) = reconcile(&mut fixture.log, Some(rebuilt(LOG)), Mode::Repair).unwrap();
        assert_eq!(recovery.checkpoints_dropped, 2);
        assert_eq!(recovery.scanned_from, 0);
        assert_eq!(index.to_json(), rebuilt(&shifted).to_json());
    }

    #[test]
    fn a_torn_tail_is_cut_and_kept_aside() {
        for torn in
            ["{\"type\":\"input\",\"se", "{\"type\":\"input\",\"se\n", "garbage\n{\"type\":\"x\"", "\u{0}\u{0}\u{0}"]
        {
            let mut fixture = log_with(&format!("{LOG}{torn}"));
            let (index, recovery) = reconcile(&mut fixture.log, None, Mode::Repair).unwrap();
            let tail = recovery.torn_tail.expect("a torn tail");
            assert_eq!(tail.offset, LOG.len() as u64, "{torn:?}");
            assert_eq!(fs::read_to_string(&fixture.path).unwrap(), LOG, "{torn:?}");
            assert_eq!(fs::read_to_string(tail.kept_at.unwrap()).unwrap(), torn);
            assert_eq!(index.to_json(), rebuilt(LOG).to_json());
        }
    }

    #[test]
    fn unreadable_lines_before_the_end_are_kept_but_not_indexed() {
        let content = format!("{LOG}not json\n{{\"type\":\"input\",\"seq\":9}}\n");
        let mut fixture = log_with(&content);
        let (index, recovery) = reconcile(&mut fixture.log, None, Mode::Repair).unwrap();
        assert_eq!(recovery.unreadable_lines, vec![LOG.len() as u64]);
        assert!(recovery.torn_tail.is_none());
        assert_eq!(fs::read_to_string(&fixture.path).unwrap(), content);
        assert!(index.to_json().contains("\"eventCount\": 10"));
    }

    #[test]
    fn a_log_without_a_header_is_accepted() {
        let index = rebuilt("{\"type\":\"checkpoint\",\"seq\":0}\n");
        assert!(index.to_json().contains("\"byteOffset\": 0"));
    }

    #[test]
    fn catch_up_indexes_lines_appended_behind_the_writer() {
        let mut fixture = log_with(LOG);
        let first_two = LOG.lines().take(2).map(|line| format!("{line}\n")).collect::<String>();
        let mut index = rebuilt(&first_two);
        let recovery = catch_up(&mut fixture.log, &mut index, first_two.len() as u64).unwrap();
        assert_eq!(recovery.checkpoints_added, 2);
        assert_eq!(index.to_json(), rebuilt(LOG).to_json());
    }
}

/// Arbitrary bytes as an existing log: recovery never panics, and always leaves a log of
/// whole lines whose cut-off tail was kept aside. `PROPTEST_CASES` sets how many logs are tried.
#[cfg(test)]
mod fuzz {
    use crate::core::durability::Durability;
    use crate::core::writer::Writer;
    use proptest::prelude::*;
    use std::fs;

    const LAST: &[u8] = b"{\"type\":\"checkpoint\",\"seq\":99}\n";

    /// Pieces a damaged log is made of: event lines, garbage, stray newlines, cut-off lines.
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
        ]
    }

    proptest! {
        #[test]
        fn any_log_recovers_to_whole_lines(pieces in prop::collection::vec(piece(), 0..12)) {
            let original: Vec<u8> = pieces.concat();
            let dir = tempfile::tempdir().unwrap();
            let (log, index) = (dir.path().join("f.jsonl"), dir.path().join("f.index.json"));
            fs::write(&log, &original).unwrap();
            let mut writer = Writer::open(&log, &index, Durability::None);
            writer.append_batch(std::str::from_utf8(LAST).unwrap()).unwrap();
            let after = fs::read(&log).unwrap();
            prop_assert!(after.ends_with(LAST), "the batch is the log's last line");
            prop_assert_eq!(writer.byte_offset(), after.len() as u64);
            let torn: Vec<u8> = fs::read_dir(dir.path()).unwrap()
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.to_string_lossy().contains(".torn-"))
                .flat_map(|path| fs::read(path).unwrap())
                .collect();
            let survived = original.len() - torn.len();
            prop_assert_eq!(&after[..survived], &original[..survived], "the log keeps its whole lines");
            let mut rebuilt = original[..survived].to_vec();
            rebuilt.extend_from_slice(&torn);
            prop_assert_eq!(rebuilt, original, "what was cut is kept aside");
            let index_text = fs::read_to_string(&index).unwrap();
            let checkpoint_at = after.len() - LAST.len();
            prop_assert!(index_text.contains(&format!("\"byteOffset\": {checkpoint_at}")), "{}", index_text);
        }
    }
}

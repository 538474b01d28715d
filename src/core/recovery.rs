//! Bringing the log and the index back into agreement: an index that is missing, unreadable,
//! wrong or behind is rebuilt from the log, scanning only from the last checkpoint it can still
//! trust when opening a session, or the whole log when repairing or verifying.
//!
//! Recovery reads the log only: it reports what is damaged (lines holding NUL bytes, which a
//! power cut leaves where the disk lost data, and a last line without its newline), and the
//! writer sets that aside (`EventLog::set_aside`). Whole lines that are not events stay in the
//! log, unindexed.

use std::io::{BufRead, Read};
use std::path::PathBuf;

use super::error::SessionError;
use super::event::{Event, EventKind};
use super::index::{Indexes, SessionIndex};
use super::json::JsValue;
use super::log::LogView;

/// What recovery found and changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Recovery {
    /// A last line without its newline: where it starts, how long it is, and where it was
    /// kept when `repair` cut it off.
    pub partial_tail: Option<TornTail>,
    /// A batch whose write a crash cut short, taken back out of the log: where it was, how many bytes.
    pub taken_back: Option<(u64, u64)>,
    /// Whether the batch taken back was a new log's first, header included, and the log is empty
    /// again: the next batch writes the header, as it would have.
    pub first_batch_taken_back: bool,
    /// Offsets of whole lines that are not events; they stay in the log, unindexed.
    pub unreadable_lines: Vec<u64>,
    /// Lines holding NUL bytes, in the part of the log scanned: data a power cut lost, which
    /// no JSON reader can read. Each `(offset, len)`, neighbours joined.
    pub damaged: Vec<Span>,
    /// Where the bytes the writer set aside (damaged lines, a torn last line) were kept.
    pub set_aside_at: Option<PathBuf>,
    /// Where the scan of the log began: 0, or the last checkpoint the index could be trusted to.
    pub scanned_from: u64,
    /// Where the log's whole lines end: the index covers the log up to here.
    pub indexed_to: u64,
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
        if let Some((offset, len)) = self.taken_back {
            changes.push(format!("took back the {len} bytes at byte {offset} of a batch a crash cut short"));
        }
        if let Some(TornTail { offset, len, kept_at: Some(path) }) = &self.partial_tail {
            changes.push(format!(
                "cut a torn tail of {len} bytes from byte {offset} of the log, kept in {}",
                path.display()
            ));
        }
        if let Some(path) = &self.set_aside_at {
            changes.push(format!("moved damaged bytes out of the log into {}", path.display()));
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

/// A run of bytes in the log: where it starts and how long it is.
pub type Span = (u64, u64);

/// Bytes at the end of the log that are not a whole line.
#[derive(Debug, Clone, PartialEq)]
pub struct TornTail {
    pub offset: u64,
    pub len: u64,
    /// Where the bytes were kept when they were cut off; `None` while they are in the log.
    pub kept_at: Option<PathBuf>,
}

/// How much of the index recovery checks against the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Opening a session: every checkpoint of the index is checked against its line, in order
    /// (a power cut can leave an index made of blocks of two versions, which parses and holds a
    /// wrong entry before right ones), the index is trusted up to the last of those that all
    /// point at their lines (when its `eventCount` is plausible), and the log is read from there
    /// on. The cost follows the checkpoints (one short read each) and what the index lacks, not
    /// the size of the log.
    EveryCheckpoint,
    /// Repairing or verifying: every field is recomputed from the whole log.
    WholeLog,
}

/// What one pass over the log from some offset found.
#[derive(Debug, Default)]
struct Scan {
    /// Where the last whole line ends.
    whole_end: u64,
    /// Whether bytes without a newline follow the last whole line.
    partial: bool,
    unreadable_lines: Vec<u64>,
    damaged: Vec<Span>,
    lines: u64,
    checkpoints: usize,
    /// The largest numeric `seq` among the lines indexed, NaN when there was none.
    max_seq: f64,
}

/// Checks the index against the log and rebuilds what disagrees; `loaded` is the index as
/// loaded (`None` when its file was missing or unreadable, in which case it is rebuilt whole).
/// States, receipts and fields the writer does not know are kept. Reads the log only.
pub fn reconcile(
    log: &LogView<'_>,
    loaded: Option<SessionIndex>,
    scope: Scope,
    session_id: &str,
) -> Result<(SessionIndex, Recovery), SessionError> {
    let before = loaded.as_ref().map(Baseline::of);
    let mut index = loaded.unwrap_or_else(|| SessionIndex::new(session_id));
    index.ensure_checkpoints_array();
    let trusted = match scope {
        Scope::EveryCheckpoint => last_of_trusted_checkpoints(log, &index)?,
        Scope::WholeLog => None,
    };
    let kept = trusted.map_or(0, |trusted| trusted.position + 1);
    let dropped = index.truncate_checkpoints(kept);
    // Rebuilding the whole index drops every checkpoint to find it again: only a trusted scan
    // drops checkpoints for being wrong.
    let checkpoints_dropped = if scope == Scope::WholeLog { 0 } else { dropped.len() };
    let mut scanned_from = trusted.map_or(0, |trusted| trusted.offset);
    if trusted.is_none() {
        index.set_event_count(0.0);
    }
    let mut scan = scan_into(log, &mut index, scanned_from, u64::MAX, trusted.is_some())?;
    if trusted.is_some_and(|trusted| !index.event_count_covers(trusted.seq)) {
        // An eventCount this log cannot give: count again from the start. The count changes.
        index.truncate_checkpoints(0);
        index.set_event_count(0.0);
        scanned_from = 0;
        scan = scan_into(log, &mut index, 0, u64::MAX, false)?;
    } else if trusted.is_some_and(|trusted| !count_is_the_tails(&index, trusted.seq, scan.max_seq)) {
        // A count ahead of what the log's tail gives, as an index that outlived the end of its
        // log in a power cut keeps: only the whole log tells the count (events before the
        // checkpoint may have larger seqs). The checkpoints, trusted, stay as they are.
        let mut counted = SessionIndex::new(session_id);
        scan_into(log, &mut counted, 0, u64::MAX, false)?;
        index.set_event_count(counted.event_count().unwrap_or(0.0));
    }
    let index_changed = before.is_none_or(|before| before.changed_into(&index, kept, &dropped));
    let log_len = log.len()?;
    let recovery = Recovery {
        partial_tail: scan.partial.then(|| TornTail {
            offset: scan.whole_end,
            len: log_len.saturating_sub(scan.whole_end),
            kept_at: None,
        }),
        unreadable_lines: scan.unreadable_lines,
        damaged: scan.damaged,
        scanned_from,
        indexed_to: scan.whole_end,
        lines_scanned: scan.lines,
        checkpoints_dropped,
        checkpoints_added: scan.checkpoints,
        index_changed,
        ..Recovery::default()
    };
    Ok((index, recovery))
}

/// Whether the index's `eventCount`, a valid count once the lines from its last trusted
/// checkpoint on were indexed, is the count those lines give: one past the largest `seq` among
/// the checkpoint's (`checkpoint_seq`) and theirs (`tail_max_seq`, NaN when none has one). When it
/// is larger, the count is ahead of the log, or comes from events before the checkpoint with
/// larger `seq`s.
fn count_is_the_tails(index: &SessionIndex, checkpoint_seq: Option<f64>, tail_max_seq: f64) -> bool {
    let tail_max = match checkpoint_seq {
        Some(seq) if !tail_max_seq.is_nan() => seq.max(tail_max_seq),
        Some(seq) => seq,
        None => tail_max_seq,
    };
    let tail_count = if tail_max.is_nan() { 0.0 } else { tail_max + 1.0 };
    index.event_count() == Some(tail_count)
}

/// What tells whether reconciling changed a loaded index, without rendering the index: the
/// only changes reconciling makes are to `checkpoints` (dropped from some point on, found again
/// in the log) and to `eventCount`.
struct Baseline {
    had_checkpoints_array: bool,
    checkpoints: usize,
    event_count: Option<String>,
}

impl Baseline {
    fn of(index: &SessionIndex) -> Self {
        Baseline {
            had_checkpoints_array: index.has_checkpoints_array(),
            checkpoints: index.checkpoint_count(),
            event_count: index.event_count_text(),
        }
    }

    /// Whether `index`, which kept the first `kept` checkpoints of the baseline's and dropped
    /// `dropped`, now writes a different text than it did.
    fn changed_into(&self, index: &SessionIndex, kept: usize, dropped: &[JsValue]) -> bool {
        let found_again = index.checkpoint_entries().get(kept..);
        !self.had_checkpoints_array
            || index.checkpoint_count() != self.checkpoints
            || self.event_count != index.event_count_text()
            || (!dropped.is_empty() && found_again != Some(dropped))
    }
}

/// What catching up with lines appended behind the writer found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CatchUp {
    /// Where the whole lines read end: the index now covers the log up to here.
    pub indexed_to: u64,
    /// Whole lines read (events or not).
    pub lines: u64,
}

/// Indexes the whole lines in the log between `from` and `until` (the end of the log at most),
/// appended behind the writer's back. A last line without its newline is left for later.
pub fn catch_up(log: &LogView<'_>, index: &mut impl Indexes, from: u64, until: u64) -> Result<CatchUp, SessionError> {
    let scan = scan_into(log, index, from, until, false)?;
    Ok(CatchUp { indexed_to: scan.whole_end, lines: scan.lines + scan.unreadable_lines.len() as u64 })
}

/// A checkpoint of the index whose offset points at its own line.
#[derive(Debug, Clone, Copy)]
struct Trusted {
    position: usize,
    offset: u64,
    /// The checkpoint's numeric `seq`.
    seq: Option<f64>,
}

/// The last of the index checkpoints that, from the first on, all point at their own lines.
fn last_of_trusted_checkpoints(log: &LogView<'_>, index: &SessionIndex) -> Result<Option<Trusted>, SessionError> {
    let log_len = log.len()?;
    let mut last = None;
    for (position, entry) in index.checkpoint_entries().iter().enumerate() {
        match trusted_at(log, log_len, position, entry)? {
            Some(trusted) => last = Some(trusted),
            None => break,
        }
    }
    Ok(last)
}

/// The checkpoint `entry`, at `position` in the index, if its offset points at its own line
/// in the log (`log_len` bytes long).
fn trusted_at(
    log: &LogView<'_>,
    log_len: u64,
    position: usize,
    entry: &JsValue,
) -> Result<Option<Trusted>, SessionError> {
    let Some(JsValue::Number(offset)) = entry.as_object().and_then(|entry| entry.get("byteOffset")) else {
        return Ok(None);
    };
    let offset = *offset;
    if offset.fract() != 0.0 || offset < 0.0 || offset >= log_len as f64 {
        return Ok(None);
    }
    let offset = offset as u64;
    let line = log.line_at(offset)?;
    let Some(line) = line.strip_suffix(b"\n").and_then(|line| std::str::from_utf8(line).ok()) else { return Ok(None) };
    let Ok(event) = Event::parse(line) else { return Ok(None) };
    let trusted = event.kind == EventKind::Checkpoint && describes(entry, &event, offset);
    Ok(trusted.then_some(Trusted { position, offset, seq: event.seq }))
}

/// Whether an index entry names the checkpoint `event`: the same seq, reason and stateId
/// (fields another tool added to the entry do not matter).
fn describes(entry: &JsValue, event: &Event<'_>, offset: u64) -> bool {
    let Some(entry) = entry.as_object() else { return false };
    event.checkpoint_entry(offset).iter().all(|(key, value)| entry.get_key(&key) == Some(value))
}

/// Reads every whole line from `offset` up to `until` and indexes the events among them.
fn scan_into(
    log: &LogView<'_>,
    index: &mut impl Indexes,
    offset: u64,
    until: u64,
    skip_first: bool,
) -> Result<Scan, SessionError> {
    let mut reader = log.reader_at(offset)?.take(until.saturating_sub(offset));
    let mut scan = Scan { whole_end: offset, max_seq: f64::NAN, ..Scan::default() };
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|err| SessionError::io("read", log.path(), err))?;
        if read == 0 {
            return Ok(scan);
        }
        let at = scan.whole_end;
        if line.contains(&0) {
            add_span(&mut scan.damaged, (at, read as u64));
        } else if line.last() != Some(&b'\n') {
            scan.partial = true;
        }
        if line.last() != Some(&b'\n') {
            return Ok(scan);
        }
        scan.whole_end += read as u64;
        if line.contains(&0) {
            continue;
        }
        let text = std::str::from_utf8(&line[..line.len() - 1]).ok();
        match text.map(Event::parse) {
            Some(Ok(event)) => {
                if !(skip_first && at == offset) {
                    scan.checkpoints += usize::from(event.kind == EventKind::Checkpoint);
                    index.add_event(&event, at);
                    if let Some(seq) = event.seq {
                        scan.max_seq = if scan.max_seq.is_nan() { seq } else { scan.max_seq.max(seq) };
                    }
                }
                scan.lines += 1;
            }
            _ => scan.unreadable_lines.push(at),
        }
    }
}

/// Adds `span` to `spans`, joining it to the last one when they touch.
fn add_span(spans: &mut Vec<Span>, (offset, len): Span) {
    match spans.last_mut() {
        Some((last_offset, last_len)) if *last_offset + *last_len == offset => *last_len += len,
        _ => spans.push((offset, len)),
    }
}

/// Lines holding NUL bytes between `from` (a line's start) and `until`, neighbours joined, and
/// bytes after the last newline when they hold one: what a power cut leaves where the disk lost
/// data (zero-filled blocks), found by looking for NUL bytes alone, without reading lines.
pub fn zero_filled_lines(log: &LogView<'_>, from: u64, until: u64) -> Result<Vec<Span>, SessionError> {
    let mut reader = log.reader_at(from)?.take(until.saturating_sub(from));
    let mut spans = Vec::new();
    let (mut at, mut line_start) = (from, from);
    let mut damaged = false;
    loop {
        let chunk = reader.fill_buf().map_err(|err| SessionError::io("read", log.path(), err))?;
        if chunk.is_empty() {
            break;
        }
        let mut i = 0;
        while i < chunk.len() {
            if damaged {
                let Some(newline) = memchr::memchr(b'\n', &chunk[i..]) else { break };
                let end = at + (i + newline + 1) as u64;
                add_span(&mut spans, (line_start, end - line_start));
                (damaged, line_start, i) = (false, end, i + newline + 1);
            } else {
                let nul = memchr::memchr(0, &chunk[i..]);
                let searched = &chunk[i..i + nul.unwrap_or(chunk.len() - i)];
                if let Some(newline) = memchr::memrchr(b'\n', searched) {
                    line_start = at + (i + newline + 1) as u64;
                }
                let Some(nul) = nul else { break };
                (damaged, i) = (true, i + nul);
            }
        }
        let len = chunk.len();
        reader.consume(len);
        at += len as u64;
    }
    if damaged {
        add_span(&mut spans, (line_start, at - line_start));
    }
    Ok(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::durability::Durability;
    use crate::core::log::EventLog;
    use std::fs;

    struct Fixture {
        _dir: tempfile::TempDir,
        log: EventLog,
    }

    fn log_with(content: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        fs::write(&path, content).unwrap();
        let mut log = EventLog::new(&path, Durability::None);
        log.open().unwrap();
        Fixture { _dir: dir, log }
    }

    fn reconciled(fixture: &Fixture, loaded: Option<SessionIndex>, scope: Scope) -> (SessionIndex, Recovery) {
        reconcile(&fixture.log.view(), loaded, scope, "s").unwrap()
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
        reconciled(&log_with(content), None, Scope::WholeLog).0
    }

    #[test]
    fn a_missing_index_is_rebuilt_from_the_whole_log() {
        let (index, recovery) = reconciled(&log_with(LOG), None, Scope::EveryCheckpoint);
        assert_eq!(recovery.scanned_from, 0);
        assert_eq!(recovery.checkpoints_added, 2);
        assert_eq!(recovery.indexed_to, LOG.len() as u64);
        let json = index.to_json();
        let [first, second] = checkpoint_offsets();
        assert!(json.contains("\"eventCount\": 4"), "{json}");
        assert!(
            json.contains(&format!("\"byteOffset\": {first}")) && json.contains(&format!("\"byteOffset\": {second}")),
            "{json}"
        );
    }

    #[test]
    fn an_index_behind_the_log_is_scanned_from_its_last_checkpoint() {
        let only_first = LOG.lines().take(3).map(|line| format!("{line}\n")).collect::<String>();
        let behind = rebuilt(&only_first);
        let (index, recovery) = reconciled(&log_with(LOG), Some(behind), Scope::EveryCheckpoint);
        assert_eq!(recovery.scanned_from, checkpoint_offsets()[0]);
        assert_eq!(recovery.checkpoints_added, 1);
        assert!(recovery.index_changed);
        assert_eq!(index.to_json(), rebuilt(LOG).to_json());
    }

    #[test]
    fn an_index_in_step_with_the_log_is_left_as_it_is() {
        let (_, recovery) = reconciled(&log_with(LOG), Some(rebuilt(LOG)), Scope::EveryCheckpoint);
        assert_eq!(recovery.scanned_from, checkpoint_offsets()[1]);
        assert!(!recovery.index_changed);
        assert_eq!(recovery.lines_scanned, 1);
    }

    #[test]
    fn an_event_count_the_log_cannot_give_is_counted_again_on_opening() {
        for count in ["-5", "\"x\"", "1e400", "2.5", "3", "null"] {
            let text = rebuilt(LOG).to_json().replace("\"eventCount\": 4", &format!("\"eventCount\": {count}"));
            let loaded = SessionIndex::parse(&text).unwrap();
            let (index, recovery) = reconciled(&log_with(LOG), Some(loaded), Scope::EveryCheckpoint);
            assert_eq!(index.to_json(), rebuilt(LOG).to_json(), "{count}");
            assert_eq!(recovery.scanned_from, 0, "{count}");
        }
    }

    #[test]
    fn repairing_recomputes_every_field_from_the_whole_log() {
        let text = rebuilt(LOG)
            .to_json()
            .replace("\"eventCount\": 4", "\"eventCount\": 10000")
            .replace("\"reason\": \"r\"", "\"reason\": \"q\"");
        let loaded = SessionIndex::parse(&text.replace("\"states\": {}", "\"states\": {\"a\": 1}")).unwrap();
        let (index, recovery) = reconciled(&log_with(LOG), Some(loaded), Scope::WholeLog);
        assert!(recovery.index_changed);
        assert_eq!(
            index.to_json(),
            rebuilt(LOG).to_json().replace("\"states\": {}", "\"states\": {\n    \"a\": 1\n  }")
        );
    }

    #[test]
    fn checkpoints_pointing_at_the_wrong_line_are_dropped_and_found_again() {
        let shifted = format!(
            "{{\"type\":\"input\",\"seq\":0}}\n{}",
            LOG.lines().skip(1).map(|l| format!("{l}\n")).collect::<String>()
        );
        let (index, recovery) = reconciled(&log_with(&shifted), Some(rebuilt(LOG)), Scope::EveryCheckpoint);
        assert_eq!(recovery.checkpoints_dropped, 2);
        assert_eq!(recovery.scanned_from, 0);
        assert_eq!(index.to_json(), rebuilt(&shifted).to_json());
    }

    #[test]
    fn a_partial_last_line_is_left_in_the_log_and_not_indexed() {
        for partial in ["{\"type\":\"input\",\"se", "garbage\n{\"type\":\"x\""] {
            let fixture = log_with(&format!("{LOG}{partial}"));
            let (index, recovery) = reconciled(&fixture, None, Scope::WholeLog);
            let tail = recovery.partial_tail.expect("a partial tail");
            let whole = LOG.len() + partial.rfind('\n').map_or(0, |at| at + 1);
            assert_eq!(
                (tail.offset, tail.len),
                (whole as u64, (LOG.len() + partial.len() - whole) as u64),
                "{partial:?}"
            );
            assert_eq!(recovery.indexed_to, whole as u64);
            assert_eq!(fs::read_to_string(fixture.log.path()).unwrap(), format!("{LOG}{partial}"), "{partial:?}");
            assert_eq!(index.to_json(), rebuilt(LOG).to_json());
        }
    }

    #[test]
    fn lines_holding_nul_bytes_are_damage_whole_or_last() {
        let content = format!("{LOG}\u{0}\u{0}\n{{\"type\":\"input\",\"seq\":9}}\n\u{0}x\n\u{0}");
        let fixture = log_with(&content);
        let (index, recovery) = reconciled(&fixture, None, Scope::WholeLog);
        let at = LOG.len() as u64;
        assert_eq!(recovery.damaged, vec![(at, 3), (at + 28, 4)]);
        assert!(recovery.partial_tail.is_none() && recovery.unreadable_lines.is_empty());
        assert!(index.to_json().contains("\"eventCount\": 10"));
        assert_eq!(zero_filled_lines(&fixture.log.view(), 0, u64::MAX).unwrap(), vec![(at, 3), (at + 28, 4)]);
        assert_eq!(zero_filled_lines(&fixture.log.view(), 0, at + 2).unwrap(), vec![(at, 2)]);
    }

    #[test]
    fn unreadable_lines_are_kept_but_not_indexed() {
        let content = format!("{LOG}not json\n{{\"type\":\"input\",\"seq\":9}}\n\n");
        let fixture = log_with(&content);
        let (index, recovery) = reconciled(&fixture, None, Scope::WholeLog);
        let second = content.len() as u64 - 1;
        assert_eq!(recovery.unreadable_lines, vec![LOG.len() as u64, second]);
        assert!(recovery.partial_tail.is_none());
        assert_eq!(fs::read_to_string(fixture.log.path()).unwrap(), content);
        assert!(index.to_json().contains("\"eventCount\": 10"));
    }

    #[test]
    fn a_log_without_a_header_is_accepted() {
        let index = rebuilt("{\"type\":\"checkpoint\",\"seq\":0}\n");
        assert!(index.to_json().contains("\"byteOffset\": 0"));
    }

    #[test]
    fn catch_up_indexes_whole_lines_appended_behind_the_writer() {
        let fixture = log_with(&format!("{LOG}{{\"type\":\"inp"));
        let first_two = LOG.lines().take(2).map(|line| format!("{line}\n")).collect::<String>();
        let mut index = rebuilt(&first_two);
        let caught = catch_up(&fixture.log.view(), &mut index, first_two.len() as u64, u64::MAX).unwrap();
        assert_eq!(caught, CatchUp { indexed_to: LOG.len() as u64, lines: 3 });
        assert_eq!(index.to_json(), rebuilt(LOG).to_json());
    }
}

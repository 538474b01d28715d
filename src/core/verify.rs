//! Checking a session's files without changing them and without the writer's lock: what
//! `repair` would change, in words. A session another process is writing can be checked while
//! it is written, and a read-only one too.

use std::fs::OpenOptions;
use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

use super::error::SessionError;
use super::fail_points;
use super::index;
use super::index::SessionIndex;
use super::json::{write_number, JsValue};
use super::log::{session_id, LogView};
use super::platform::{self, FileState};
use super::recovery::{self, Scope};
use super::regular_file::{self, Links};

/// How many times a session that changed while it was read is read again.
const ATTEMPTS: u32 = 10;
/// How long to wait before reading a changing session again, and for a last line without its
/// newline to grow (it is then being written, not torn).
const SETTLE_WAIT: Duration = Duration::from_millis(20);

/// Every problem found in a session's log and index; none means they agree.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Verification {
    pub problems: Vec<String>,
    /// What is worth knowing but is no damage: lines that are not events (kept in the log and
    /// not indexed, as the writer does), a last line still being written.
    pub notes: Vec<String>,
    /// The events the log holds as the index counts them (`eventCount`: the largest numeric
    /// `seq` plus one), so the session header line is not one.
    pub events: u64,
    /// Checkpoints in the log.
    pub checkpoints: usize,
}

/// Reads the log at `log_path` whole and compares the index at `index_path` with the index
/// the log implies. Opens both read-only, takes no lock and writes nothing. A session that
/// changes while it is read (a writer storing a batch) is read again, up to a few times.
pub fn verify(log_path: &Path, index_path: &Path) -> Result<Verification, SessionError> {
    fail_points::at("verify");
    let mut attempt = 1;
    loop {
        let (verification, settled) = verify_once(log_path, index_path)?;
        if settled || verification.problems.is_empty() || attempt == ATTEMPTS {
            return Ok(verification);
        }
        attempt += 1;
        sleep(SETTLE_WAIT);
    }
}

/// One reading of the session; also says whether it stayed as it was while being read.
fn verify_once(log_path: &Path, index_path: &Path) -> Result<(Verification, bool), SessionError> {
    let index_stamp = stamp(index_path);
    let found = index::read(index_path);
    let file = regular_file::open(log_path, OpenOptions::new().read(true), Links::Follow)?;
    let log = LogView::new(&file, log_path);
    let log_len = log.len()?;
    let (expected, recovery) = recovery::reconcile(&log, None, Scope::WholeLog, &session_id(log_path))?;
    let mut verification = Verification {
        events: expected
            .event_count()
            .filter(|count| count.is_finite() && *count >= 0.0)
            .map_or(0, |count| count as u64),
        checkpoints: expected.checkpoint_count(),
        ..Verification::default()
    };
    for (offset, len) in &recovery.damaged {
        verification.problems.push(format!(
            "the {len} bytes at byte {offset} of the log hold NUL bytes, as a power cut leaves them (the next writer or repair sets them aside)"
        ));
    }
    for kept in set_aside_beside(log_path) {
        verification.notes.push(format!("bytes recovery set aside are kept in {}", kept.display()));
    }
    for offset in &recovery.unreadable_lines {
        verification
            .notes
            .push(format!("the line at byte {offset} of the log is not a JSON event (kept, not indexed)"));
    }
    let mut settled = true;
    if let Some(tail) = &recovery.partial_tail {
        sleep(SETTLE_WAIT);
        if log.len()? != log_len {
            settled = false;
            verification.notes.push(format!("the log's last line, from byte {}, is still being written", tail.offset));
        } else {
            verification.problems.push(format!(
                "the log's last {} bytes, from byte {}, are not a whole event line",
                tail.len, tail.offset
            ));
        }
    }
    settled &= stamp(index_path) == index_stamp && log.len()? == log_len;
    let mut differences = Vec::new();
    let lagging = match &found {
        Ok(Some(index)) => {
            compare_indexes(index, &expected, &mut differences);
            !differences.is_empty() && lags_behind(index, &expected)
        }
        _ => false,
    };
    // An index a batch or two behind its log is also what a writer leaves for a moment between
    // writing a batch and its index (longer when it is not scheduled): it is damage only if it
    // stays so.
    if settled && lagging {
        sleep(SETTLE_WAIT);
        settled = stamp(index_path) == index_stamp && log.len()? == log_len;
    }
    match found {
        Ok(None) => verification.problems.push("the index file is missing".to_owned()),
        Err(SessionError::InvalidIndex { source, .. }) => {
            verification.problems.push(format!("the index file {source}"))
        }
        Err(err) => return Err(err),
        // The files changed while they were read: a writer is storing batches.
        Ok(Some(_)) if !settled && lagging => verification.notes.push(
            "the session was being written while it was read; the index was behind the log's last lines".to_owned(),
        ),
        Ok(Some(_)) => verification.problems.extend(differences),
    }
    Ok((verification, settled))
}

/// Whether `found` is what the index of `expected`'s log was before its last batches: its
/// checkpoints the first of the log's, and its count not ahead of the log's.
fn lags_behind(found: &SessionIndex, expected: &SessionIndex) -> bool {
    let (found_entries, expected_entries) = (found.checkpoint_entries(), expected.checkpoint_entries());
    let count_behind = match (found.event_count(), expected.event_count()) {
        (Some(found), Some(expected)) => found.is_finite() && found <= expected,
        _ => false,
    };
    count_behind && found_entries.len() <= expected_entries.len() && expected_entries.starts_with(found_entries)
}

/// The files recovery made beside the log at `log_path` to keep bytes it moved out of it
/// (`<log>.torn-<ms>`), in name order.
fn set_aside_beside(log_path: &Path) -> Vec<std::path::PathBuf> {
    let (Some(dir), Some(name)) = (log_path.parent(), log_path.file_name()) else { return Vec::new() };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = format!("{}.torn-", name.to_string_lossy());
    let mut kept: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect();
    kept.sort();
    kept
}

/// What tells an index file from a newer one.
fn stamp(path: &Path) -> Option<FileState> {
    platform::state_at(path).ok()
}

fn compare_indexes(found: &SessionIndex, expected: &SessionIndex, problems: &mut Vec<String>) {
    let (found_count, expected_count) = (found.event_count(), expected.event_count());
    if found_count != expected_count {
        problems.push(format!(
            "the index's eventCount is {}, the log's events make it {}",
            show(found_count),
            show(expected_count)
        ));
    }
    let (found_entries, expected_entries) = (found.checkpoint_entries(), expected.checkpoint_entries());
    if found_entries.len() != expected_entries.len() {
        problems.push(format!(
            "the index lists {} checkpoints, the log holds {}",
            found_entries.len(),
            expected_entries.len()
        ));
    }
    if let Some(position) = found_entries.iter().zip(expected_entries).position(|(found, expected)| found != expected) {
        problems.push(format!(
            "checkpoint {position} of the index is {}, the log has {}",
            compact(&found_entries[position]),
            compact(&expected_entries[position])
        ));
    }
}

/// A count as JavaScript prints it.
fn show(count: Option<f64>) -> String {
    match count {
        None => "missing".to_owned(),
        Some(count) if count.is_nan() => "NaN".to_owned(),
        Some(count) if count.is_infinite() => if count > 0.0 { "Infinity" } else { "-Infinity" }.to_owned(),
        Some(count) => {
            let mut text = String::new();
            write_number(&mut text, count);
            text
        }
    }
}

fn compact(value: &JsValue) -> String {
    value.to_pretty_json().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::durability::Durability;
    use crate::core::test_support::CREATED;
    use crate::core::writer::Writer;
    use std::fs;

    #[test]
    fn agrees_after_writing_and_names_each_problem_after_damage() {
        let dir = tempfile::tempdir().unwrap();
        let (log, index) = (dir.path().join("s.jsonl"), dir.path().join("s.index.json"));
        let mut writer = Writer::new(&log, &index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n{\"type\":\"checkpoint\",\"seq\":1}\n", CREATED).unwrap();
        let while_held = verify(&log, &index).unwrap();
        assert_eq!(while_held.problems, Vec::<String>::new(), "the writer's lock does not stop verify");
        writer.close();
        let clean = verify(&log, &index).unwrap();
        assert_eq!(clean.problems, Vec::<String>::new());
        assert_eq!((clean.events, clean.checkpoints), (2, 1), "the header line is no event: the count is the index's");

        let mut file = fs::OpenOptions::new().append(true).open(&log).unwrap();
        std::io::Write::write_all(&mut file, b"{\"type\":\"checkpoint\",\"seq\":7}\n{\"type\":").unwrap();
        let damaged = verify(&log, &index).unwrap();
        assert_eq!(damaged.problems.len(), 3, "{:?}", damaged.problems);
        assert!(damaged.problems[0].contains("last 8 bytes"));
        assert!(damaged.problems[1].contains("eventCount is 2, the log's events make it 8"));
        assert!(damaged.problems[2].contains("lists 1 checkpoints, the log holds 2"));
        assert!(fs::read_to_string(&log).unwrap().ends_with("{\"type\":"), "verify changes nothing");

        std::io::Write::write_all(&mut file, b"\0\0\n{\"type\":\"input\",\"seq\":9}\n").unwrap();
        let zeros = verify(&log, &index).unwrap();
        assert!(zeros.problems.iter().any(|problem| problem.contains("hold NUL bytes")), "{:?}", zeros.problems);
        Writer::new(&log, &index, Durability::None).repair().unwrap();
        let repaired = verify(&log, &index).unwrap();
        assert_eq!(repaired.problems, Vec::<String>::new());
        assert!(repaired.notes.iter().any(|note| note.contains("s.jsonl.torn-")), "{:?}", repaired.notes);
    }
}

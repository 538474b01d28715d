//! Checking a session's files without changing them: what recovery would repair, in words.

use std::path::Path;

use super::durability::Durability;
use super::error::WriteError;
use super::index::SessionIndex;
use super::index_file;
use super::json::JsValue;
use super::log::EventLog;
use super::recovery::{self, Mode};
use super::writer::require_file;

/// Every problem found in a session's log and index; none means they agree.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Verification {
    pub problems: Vec<String>,
    /// Lines in the log that are events.
    pub events: u64,
    /// Checkpoints in the log.
    pub checkpoints: usize,
}

/// Reads the log at `log_path` whole and compares the index at `index_path` with the index
/// the log implies. Writes nothing; fails with `Locked` while a writer has the session open.
pub fn verify(log_path: &Path, index_path: &Path) -> Result<Verification, WriteError> {
    require_file(log_path)?;
    let mut log = EventLog::new(log_path, Durability::None);
    log.open()?;
    let (expected, recovery) = recovery::reconcile(&mut log, None, Mode::Check)?;
    let mut problems = Vec::new();
    if let Some(tail) = &recovery.torn_tail {
        problems
            .push(format!("the log's last {} bytes, from byte {}, are not a whole event line", tail.len, tail.offset));
    }
    for offset in &recovery.unreadable_lines {
        problems.push(format!("the line at byte {offset} of the log is not a JSON event"));
    }
    match index_file::read(index_path) {
        Ok(None) => problems.push("the index file is missing".to_owned()),
        Err(WriteError::InvalidIndex { source, .. }) => problems.push(format!("the index file {source}")),
        Err(err) => return Err(err),
        Ok(Some(index)) => compare_indexes(&index, &expected, &mut problems),
    }
    Ok(Verification { problems, events: recovery.lines_scanned, checkpoints: expected.checkpoint_count() })
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

fn show(count: Option<f64>) -> String {
    count.map_or_else(|| "missing".to_owned(), |count| count.to_string())
}

fn compact(value: &JsValue) -> String {
    value.to_pretty_json().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::writer::Writer;
    use std::fs;

    #[test]
    fn agrees_after_writing_and_names_each_problem_after_damage() {
        let dir = tempfile::tempdir().unwrap();
        let (log, index) = (dir.path().join("s.jsonl"), dir.path().join("s.index.json"));
        let mut writer = Writer::open(&log, &index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n{\"type\":\"checkpoint\",\"seq\":1}\n").unwrap();
        writer.close();
        let clean = verify(&log, &index).unwrap();
        assert_eq!(clean.problems, Vec::<String>::new());
        assert_eq!((clean.events, clean.checkpoints), (3, 1));

        let mut file = fs::OpenOptions::new().append(true).open(&log).unwrap();
        std::io::Write::write_all(&mut file, b"{\"type\":\"checkpoint\",\"seq\":7}\n{\"type\":").unwrap();
        let damaged = verify(&log, &index).unwrap();
        assert_eq!(damaged.problems.len(), 3, "{:?}", damaged.problems);
        assert!(damaged.problems[0].contains("last 8 bytes"));
        assert!(damaged.problems[1].contains("eventCount is 2, the log's events make it 8"));
        assert!(damaged.problems[2].contains("lists 1 checkpoints, the log holds 2"));
        assert!(fs::read_to_string(&log).unwrap().ends_with("{\"type\":"), "verify changes nothing");
    }
}

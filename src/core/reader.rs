//! Reading a session: a log from a byte offset, only the lines asked for, so that the cost
//! follows what is returned, not the size of the file; and its index, checked as a reader
//! needs it.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::error::SessionError;
use super::event::{Event, EventKind};
use super::fail_points;
use super::index::{IndexError, SessionIndex};
use super::json::JsValue;
use super::regular_file::{self, Links};

/// Whole event lines read from a log, and where to go on from.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Chunk {
    /// Event lines, each ending in `\n`; lines that are not events are passed over.
    pub text: String,
    /// Where the next line starts.
    pub next_offset: u64,
    /// Whether the log has no whole line after `next_offset`.
    pub at_end: bool,
}

/// Reads up to `max_lines` whole lines of the log at `path` from byte `offset`. With
/// `require_checkpoint`, fails with `NotACheckpoint` unless `offset` starts a checkpoint line.
pub fn read_lines(path: &Path, offset: u64, max_lines: usize, require_checkpoint: bool) -> Result<Chunk, SessionError> {
    fail_points::at("read");
    let io = |syscall| move |err| SessionError::io(syscall, path, err);
    let mut file = regular_file::open(path, OpenOptions::new().read(true), Links::Follow)?;
    let starts_line = offset == 0 || {
        let mut before = [0u8];
        file.seek(SeekFrom::Start(offset - 1)).map_err(io("lseek"))?;
        file.read(&mut before).map_err(io("read"))? == 1 && before[0] == b'\n'
    };
    file.seek(SeekFrom::Start(offset)).map_err(io("lseek"))?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut chunk = Chunk { next_offset: offset, ..Chunk::default() };
    let mut line = Vec::new();
    let mut lines = 0;
    while lines < max_lines {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(io("read"))?;
        if read == 0 || line.last() != Some(&b'\n') {
            chunk.at_end = true;
            break;
        }
        let event = std::str::from_utf8(&line[..read - 1]).ok().and_then(|text| Event::parse(text).ok());
        if require_checkpoint && chunk.next_offset == offset {
            let is_checkpoint = starts_line && event.as_ref().is_some_and(|event| event.kind == EventKind::Checkpoint);
            if !is_checkpoint {
                return Err(SessionError::NotACheckpoint { path: path.to_owned(), offset });
            }
        }
        if let Some(event) = event {
            chunk.text.push_str(event.line);
            chunk.text.push('\n');
            lines += 1;
        }
        chunk.next_offset += read as u64;
    }
    if require_checkpoint && chunk.next_offset == offset {
        return Err(SessionError::NotACheckpoint { path: path.to_owned(), offset });
    }
    Ok(chunk)
}

/// The largest integer a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Reads the index file at `path` as a reader uses it: a JSON object whose `checkpoints` is an
/// array of objects, each with a `byteOffset` that is a non-negative integer. Fails with
/// `InvalidIndex` saying what it is not (a writer rebuilds such an index instead), or with
/// the failed system call. Returns the file's text, decoded as `readFile(file, 'utf8')` does.
pub fn read_index(path: &Path) -> Result<String, SessionError> {
    let mut bytes = Vec::new();
    regular_file::open(path, OpenOptions::new().read(true), Links::Follow)?
        .read_to_end(&mut bytes)
        .map_err(|err| SessionError::io("read", path, err))?;
    let text = String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
    let invalid = |source| SessionError::InvalidIndex { path: path.to_owned(), source };
    let index = SessionIndex::parse(&text).map_err(invalid)?;
    if !index.has_checkpoints_array() {
        return Err(invalid(IndexError::NoCheckpoints));
    }
    for (at, entry) in index.checkpoint_entries().iter().enumerate() {
        let entry = entry.as_object().ok_or(invalid(IndexError::CheckpointNotAnObject(at)))?;
        let is_offset = matches!(entry.get("byteOffset"), Some(JsValue::Number(offset))
            if offset.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(offset));
        if !is_offset {
            return Err(invalid(IndexError::CheckpointWithoutOffset(at)));
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const LOG: &str = "{\"type\":\"session\"}\n{\"type\":\"checkpoint\",\"seq\":0}\nnot json\n{\"type\":\"input\",\"seq\":1}\n{\"type\":\"in";

    fn log() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        fs::write(&path, LOG).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_whole_event_lines_from_a_checkpoint_in_pieces() {
        let (_dir, path) = log();
        let at = LOG.find("{\"type\":\"checkpoint\"").unwrap() as u64;
        let first = read_lines(&path, at, 1, true).unwrap();
        assert_eq!(first.text, "{\"type\":\"checkpoint\",\"seq\":0}\n");
        assert!(!first.at_end);
        let rest = read_lines(&path, first.next_offset, 10, false).unwrap();
        assert_eq!(rest.text, "{\"type\":\"input\",\"seq\":1}\n");
        assert!(rest.at_end);
        assert_eq!(rest.next_offset, LOG.rfind('\n').unwrap() as u64 + 1);
    }

    #[test]
    fn an_index_a_reader_cannot_use_is_refused_saying_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.index.json");
        let refused = |text: &str| {
            fs::write(&path, text).unwrap();
            match read_index(&path) {
                Err(SessionError::InvalidIndex { source, .. }) => source,
                other => panic!("{text}: {other:?}"),
            }
        };
        assert!(matches!(refused("nope"), IndexError::NotJson(_)));
        assert_eq!(refused("[]"), IndexError::NotAnObject);
        assert_eq!(refused("{\"sessionId\":\"s\"}"), IndexError::NoCheckpoints);
        assert_eq!(refused("{\"checkpoints\":[{\"byteOffset\":0},null]}"), IndexError::CheckpointNotAnObject(1));
        for offset in ["\"0\"", "-1", "1.5", "9007199254740992"] {
            let text = format!("{{\"checkpoints\":[{{\"byteOffset\":{offset}}}]}}");
            assert_eq!(refused(&text), IndexError::CheckpointWithoutOffset(0), "{offset}");
        }
        let usable = "{\"checkpoints\":[{\"byteOffset\":12,\"seq\":0}],\"states\":{}}";
        fs::write(&path, usable).unwrap();
        assert_eq!(read_index(&path).unwrap(), usable);
    }

    #[test]
    fn an_offset_that_is_not_a_checkpoint_line_is_refused() {
        let (_dir, path) = log();
        for offset in [0, 1, LOG.find("{\"type\":\"input\"").unwrap() as u64, LOG.len() as u64, 10_000] {
            assert!(matches!(read_lines(&path, offset, 5, true), Err(SessionError::NotACheckpoint { .. })), "{offset}");
        }
    }
}

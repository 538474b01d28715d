//! Reading a log from a byte offset: only the lines asked for are read, so the cost follows
//! what is returned, not the size of the file.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::error::SessionError;
use super::event::{Event, EventKind};
use super::fail_points;
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
    fn an_offset_that_is_not_a_checkpoint_line_is_refused() {
        let (_dir, path) = log();
        for offset in [0, 1, LOG.find("{\"type\":\"input\"").unwrap() as u64, LOG.len() as u64, 10_000] {
            assert!(matches!(read_lines(&path, offset, 5, true), Err(SessionError::NotACheckpoint { .. })), "{offset}");
        }
    }
}

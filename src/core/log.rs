//! The append-only event log: one JSON line per event, after a session header line.
//! A writer holds an exclusive lock on the log while it has it open. Others may append to it
//! all the same (the server's `fs.appendFileSync`, which takes no lock): the writer only ever
//! appends, learns where its bytes landed from the kernel, and takes back only bytes it wrote.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::batch_record::{self, RecordedBatch};
use super::durability::Durability;
use super::error::SessionError;
use super::json::JsString;
use super::platform::{self, FileId};
use super::recovery::Span;
use super::regular_file::{self, Links};
use super::side_files;

/// How far after the indexed end of the log a recorded batch is looked for: others' lines can
/// land between the moment the batch was recorded and its write, but not many.
const RECORDED_BATCH_SEARCH_BYTES: u64 = 1 << 20;

/// The kernel cuts a write short, when the process is killed, only at a page boundary: a batch
/// cut short ends at a multiple of this.
const PAGE_BYTES: u64 = 4096;

/// The log file of one session, kept open and locked between batches.
#[derive(Debug)]
pub struct EventLog {
    /// The log file's path, symbolic links at it followed (`regular_file::resolve_links`).
    path: PathBuf,
    /// The session id the header carries, from the path the caller gave.
    session_id: String,
    file: Option<File>,
    /// The open file's identity, to tell whether the path still names it.
    identity: FileId,
    durability: Durability,
}

/// How `EventLog::open` found the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The file this log already had open (or had open before `close`).
    Same,
    /// A file that existed already, opened now.
    Existing,
    /// A new, empty file, created now.
    Created,
}

/// Takes `len` bytes at `start` out of the log `file`: cut when they end it, and otherwise, since
/// lines follow, overwritten with spaces, which JSON readers pass over as the whitespace before
/// the next line. Returns the log's length after.
fn remove(file: &File, start: u64, len: u64) -> io::Result<u64> {
    let log_len = file.metadata()?.len();
    if log_len == start + len {
        platform::truncate_appended(file, start)?;
        Ok(start)
    } else {
        if log_len > start + len {
            platform::overwrite_in_appended(file, &vec![b' '; len as usize], start)?;
        }
        Ok(log_len)
    }
}

/// Read-only access to a log's bytes, for scanning: the writer's open log or a file opened
/// only to be read (`verify`).
#[derive(Debug, Clone, Copy)]
pub struct LogView<'a> {
    file: &'a File,
    path: &'a Path,
}

impl EventLog {
    /// A log at `path`, written through a symbolic link there; nothing is opened or created
    /// until `open`.
    pub fn new(path: impl Into<PathBuf>, durability: Durability) -> Self {
        let given = path.into();
        let session_id = session_id(&given);
        EventLog { path: regular_file::resolve_links(&given), session_id, file: None, identity: (0, 0), durability }
    }

    /// The log's path (where symbolic links at the path given lead).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log's current length in bytes; 0 when it cannot be read, as the original's
    /// `existsSync` check gives.
    pub fn len_on_disk(&self) -> u64 {
        fs::metadata(&self.path).map_or(0, |metadata| metadata.len())
    }

    /// The session id the header carries; see `session_id`.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The session header line, newline included, written first in a new log; `created` is the
    /// caller's `new Date().toISOString()`, so a clock the caller mocks is the one written.
    pub fn header_line(&self, created: &str) -> String {
        let created = JsString::new(created);
        let created = created.escaped();
        let id = JsString::new(&self.session_id);
        format!("{{\"type\":\"session\",\"version\":1,\"id\":\"{}\",\"created\":\"{created}\"}}\n", id.escaped())
    }

    /// Makes sure the log is open and locked, creating it if it does not exist. A log removed
    /// or replaced behind the writer's back is opened anew; the file this log closed (`close`)
    /// and opens again is `Same`. Fails with `Locked` when another
    /// writer, in this process or another, holds the log, and with `NotAFile` (or `EISDIR`)
    /// when the path names anything but a regular file (it may be a link to one). Also says
    /// the log's length.
    pub fn open(&mut self) -> Result<(Opened, u64), SessionError> {
        Ok(self.open_creating(true)?.expect("a missing log is created"))
    }

    /// `open`, except that a missing log is not created: `None` then.
    pub fn open_if_exists(&mut self) -> Result<Option<(Opened, u64)>, SessionError> {
        self.open_creating(false)
    }

    fn open_creating(&mut self, create: bool) -> Result<Option<(Opened, u64)>, SessionError> {
        if self.file.is_some() {
            if let Some(len) = self.len_if_still_at_path()? {
                return Ok(Some((Opened::Same, len)));
            }
            self.file = None;
        }
        let mut options = OpenOptions::new();
        platform::open_for_appending(&mut options);
        let (file, opened) = match regular_file::open(&self.path, &mut options, Links::Follow) {
            Ok(file) => (file, Opened::Existing),
            Err(err) if err.is_not_found() && !create => return Ok(None),
            Err(err) if err.is_not_found() => {
                let file = regular_file::open(&self.path, options.create_new(true), Links::Follow)?;
                self.durability.sync_new_name(&self.path).map_err(|err| self.io("fsync", err))?;
                (file, Opened::Created)
            }
            Err(err) => return Err(err),
        };
        match platform::try_lock_session(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                if opened == Opened::Created {
                    let _ = fs::remove_file(&self.path);
                }
                return Err(SessionError::Locked {
                    path: self.path.clone(),
                    holder: batch_record::last_writer(&self.path),
                });
            }
            Err(TryLockError::Error(err)) => return Err(self.io("flock", err)),
        }
        let state = platform::state(&file).map_err(|err| self.io("fstat", err))?;
        // The file this log had open before it let its descriptor go is the same log.
        let opened = if opened == Opened::Existing && state.id == self.identity { Opened::Same } else { opened };
        self.identity = state.id;
        self.file = Some(file);
        Ok(Some((opened, state.len)))
    }

    /// Whether the log is open (and so locked by this writer).
    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }

    /// Lets the log go: closes the file and releases its lock.
    pub fn close(&mut self) {
        self.file = None;
    }

    /// The open log's bytes, to read.
    pub fn view(&self) -> LogView<'_> {
        LogView::new(self.file(), &self.path)
    }

    /// The open log's length in bytes.
    pub fn len(&self) -> Result<u64, SessionError> {
        self.view().len()
    }

    /// Appends `bytes` (not empty) at the log's end, flushed as the durability mode asks, and
    /// returns the offset where they start: lines others append land before or after them,
    /// never among them. On failure, the bytes that reached the log are taken back out (and the
    /// log removed when `remove_if_empty` and nothing is left of it).
    pub fn append(&mut self, bytes: &[u8], remove_if_empty: bool) -> Result<u64, SessionError> {
        let file = self.file();
        let mut start: Option<u64> = None;
        let mut written = 0;
        let failure = loop {
            if written == bytes.len() {
                break self.durability.sync_log(file).err().map(|err| self.io("fdatasync", err));
            }
            match platform::append(file, &bytes[written..]) {
                Ok((_, 0)) => break Some(self.io("write", io::ErrorKind::WriteZero.into())),
                Ok((at, count)) if start.is_none_or(|start| start + written as u64 == at) => {
                    start.get_or_insert(at);
                    written += count;
                }
                Ok((at, count)) => {
                    // Another appender's bytes landed between two parts of a short write.
                    self.take_back(at, count as u64, false);
                    break Some(self.io("write", platform::would_block()));
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => break Some(self.io("write", err)),
            }
        };
        match (failure, start) {
            (None, Some(start)) => Ok(start),
            (failure, start) => {
                if let Some(start) = start {
                    self.take_back(start, written as u64, remove_if_empty);
                }
                Err(failure.unwrap_or_else(|| self.io("write", io::ErrorKind::WriteZero.into())))
            }
        }
    }

    /// Takes back out of the log `len` bytes this writer wrote at `start` (see `remove`), and
    /// removes the log when `remove_if_empty` and nothing is left of it. Best effort: the caller
    /// reports the error that made it undo.
    pub fn take_back(&mut self, start: u64, len: u64, remove_if_empty: bool) {
        let Some(file) = &self.file else { return };
        let left = remove(file, start, len).ok();
        let _ = self.durability.sync_log(file);
        if remove_if_empty && start == 0 && left == Some(0) {
            let _ = fs::remove_file(&self.path);
            self.file = None;
        }
    }

    /// Takes back out of the log what reached it of `batch`, when a crash or a power cut stopped
    /// its write: its start (a write the kernel cut short at a page boundary), or the whole of
    /// it with blocks the disk lost read as zeros. Returns where those bytes were and how many,
    /// or `None` when the log holds all of the batch intact or none of it.
    pub fn take_back_recorded(&mut self, batch: &RecordedBatch) -> Result<Option<Span>, SessionError> {
        let Some(&first) = batch.bytes.first() else { return Ok(None) };
        let log_len = self.len()?;
        if batch.base >= log_len {
            return Ok(None);
        }
        let until = log_len.min(batch.base + RECORDED_BATCH_SEARCH_BYTES + batch.bytes.len() as u64);
        let mut after_base = Vec::new();
        self.view()
            .reader_at(batch.base)?
            .take(until - batch.base)
            .read_to_end(&mut after_base)
            .map_err(|err| self.io("read", err))?;
        // Where the disk lost a block the log reads zeros: they stand for any byte of the batch.
        let starts = after_base.iter().enumerate().filter(|&(at, &byte)| byte == first || (at == 0 && byte == 0));
        for (at, _) in starts {
            let pairs = after_base[at..].iter().zip(&batch.bytes);
            let matched = pairs.clone().take_while(|&(&a, &b)| a == b || a == 0).count();
            let lost_blocks = pairs.take(matched).any(|(&a, &b)| a == 0 && b != 0);
            // A batch cut short with only zeros (and newlines) after it to the log's end, a tail
            // a power cut filled: the batch ends where the zeros begin (a batch holds no NUL).
            let written = matched - after_base[at..at + matched].iter().rev().take_while(|&&byte| byte == 0).count();
            let rest = &after_base[at + written..];
            let zero_tail = until == log_len
                && written > 0
                && written < batch.bytes.len()
                && rest.contains(&0)
                && rest.iter().all(|&byte| byte == 0 || byte == b'\n');
            let matched = if zero_tail { written } else { matched };
            let (start, matched) = (batch.base + at as u64, matched as u64);
            let whole = matched == batch.bytes.len() as u64;
            if whole && !lost_blocks && !zero_tail {
                return Ok(None);
            }
            let at_line_start = at == 0 || after_base[at - 1] == b'\n' || first == b'\n';
            let cut_short = matched > 0
                && (whole
                    || zero_tail
                    || start + matched == log_len
                    || (at_line_start && (start + matched).is_multiple_of(PAGE_BYTES)));
            if cut_short {
                self.set_aside_rest_of_line(start + matched, log_len)?;
                self.take_back(start, matched, false);
                return Ok(Some((start, matched)));
            }
        }
        Ok(None)
    }

    /// The open log's bytes from `from` to `until` (its end at most).
    pub fn read(&self, from: u64, until: u64) -> Result<Vec<u8>, SessionError> {
        let mut bytes = Vec::new();
        self.view()
            .reader_at(from)?
            .take(until.saturating_sub(from))
            .read_to_end(&mut bytes)
            .map_err(|err| self.io("read", err))?;
        Ok(bytes)
    }

    /// Whether the log's bytes from `from` to `until` hold a NUL byte.
    pub fn holds_nul(&self, from: u64, until: u64) -> Result<bool, SessionError> {
        Ok(memchr::memchr(0, &self.read(from, until)?).is_some())
    }

    /// When `end` falls inside a line (a recorded batch taken back up to there, its record
    /// damaged further on), sets aside the rest of that line unless it is an event of its own
    /// (another appender's, glued on): blanking only the start of a line would leave one no JSON
    /// reader can read.
    fn set_aside_rest_of_line(&mut self, end: u64, log_len: u64) -> Result<(), SessionError> {
        if end == 0 || end >= log_len || self.read(end - 1, end)? == b"\n" {
            return Ok(());
        }
        let rest = self.view().line_at(end)?;
        let text = rest.strip_suffix(b"\n").unwrap_or(&rest);
        let an_event = std::str::from_utf8(text).is_ok_and(|text| super::event::Event::parse(text).is_ok());
        if !an_event {
            self.set_aside(&[(end, rest.len() as u64)])?;
        }
        Ok(())
    }

    /// Moves `spans` of the log (in order, apart) out of it: their bytes are first kept in a new
    /// file beside the log (`<log>.torn-<milliseconds>`), whose path is returned, then cut from
    /// the log's end or, where lines follow, overwritten with spaces (see `remove`). Recovery
    /// does this to lines no JSON reader can read: a torn last line, NUL bytes a power cut left.
    pub fn set_aside(&mut self, spans: &[Span]) -> Result<PathBuf, SessionError> {
        let aside = side_files::aside(&self.path, "torn");
        let mut kept = Vec::new();
        for &(offset, len) in spans {
            self.view().reader_at(offset)?.take(len).read_to_end(&mut kept).map_err(|err| self.io("read", err))?;
        }
        let mut options = OpenOptions::new();
        let mut file = regular_file::open(&aside, options.write(true).create_new(true), Links::Refuse)?;
        file.write_all(&kept).and_then(|()| file.sync_all()).map_err(|err| SessionError::io("write", &aside, err))?;
        let file = self.file();
        for &(offset, len) in spans.iter().rev() {
            remove(file, offset, len).map_err(|err| self.io("ftruncate", err))?;
        }
        self.durability.sync_log(file).map_err(|err| self.io("fdatasync", err))?;
        Ok(aside)
    }

    fn file(&self) -> &File {
        self.file.as_ref().expect("the log is opened before it is used")
    }

    fn io(&self, syscall: &'static str, err: io::Error) -> SessionError {
        SessionError::io(syscall, &self.path, err)
    }

    /// The open log's length if its path still names it, `None` if not.
    fn len_if_still_at_path(&self) -> Result<Option<u64>, SessionError> {
        let at_path = match platform::state_at(&self.path) {
            Ok(state) => state,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(self.io("stat", err)),
        };
        Ok((at_path.id == self.identity).then_some(at_path.len))
    }
}

impl<'a> LogView<'a> {
    /// The bytes of `file`, opened at `path`.
    pub fn new(file: &'a File, path: &'a Path) -> Self {
        LogView { file, path }
    }

    /// The log's path.
    pub fn path(&self) -> &'a Path {
        self.path
    }

    /// The log's length in bytes now.
    pub fn len(&self) -> Result<u64, SessionError> {
        Ok(self.file.metadata().map_err(|err| SessionError::io("fstat", self.path, err))?.len())
    }

    /// The line that starts at byte `offset`, its newline included (none when the log ends
    /// first), read in small pieces: a checkpoint's line is short.
    pub fn line_at(&self, offset: u64) -> Result<Vec<u8>, SessionError> {
        const FIRST_READ: usize = 512;
        let mut line = vec![0; FIRST_READ];
        let mut filled = 0;
        loop {
            let read = platform::read_at(self.file, &mut line[filled..], offset + filled as u64)
                .map_err(|err| SessionError::io("read", self.path, err))?;
            if let Some(end) = memchr::memchr(b'\n', &line[filled..filled + read]) {
                line.truncate(filled + end + 1);
                return Ok(line);
            }
            filled += read;
            if read == 0 {
                line.truncate(filled);
                return Ok(line);
            }
            if filled == line.len() {
                line.resize(line.len() * 2, 0);
            }
        }
    }

    /// A buffered reader of the log from byte `offset` on. It reads at positions of its own,
    /// so that it and the writer's appends do not depend on each other (`platform::read_at`).
    pub fn reader_at(&self, offset: u64) -> Result<BufReader<PositionalReader<'a>>, SessionError> {
        Ok(BufReader::with_capacity(1 << 20, PositionalReader { file: self.file, at: offset }))
    }
}

/// Reads a file from a position of its own (`platform::read_at`).
#[derive(Debug)]
pub struct PositionalReader<'a> {
    file: &'a File,
    at: u64,
}

impl Read for PositionalReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = platform::read_at(self.file, buf, self.at)?;
        self.at += read as u64;
        Ok(read)
    }
}

/// The session id a log's header carries: the file name without `.jsonl`, as
/// `path.basename(file, '.jsonl')` gives it on this platform (where `\\` separates names too on
/// Windows, and is part of a name elsewhere).
pub fn session_id(path: &Path) -> String {
    let text = path.to_string_lossy();
    let name =
        text.trim_end_matches(std::path::is_separator).rsplit(std::path::is_separator).next().unwrap_or_default();
    match name.strip_suffix(".jsonl") {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_follows_path_basename() {
        let id = |path: &str| session_id(Path::new(path));
        assert_eq!(id("/a/b/sess-1.jsonl"), "sess-1");
        assert_eq!(id("sess.jsonl"), "sess");
        assert_eq!(id("/a/b/.jsonl"), ".jsonl");
        assert_eq!(id("/a/b/log.txt"), "log.txt");
        assert_eq!(id("/a/b/x.jsonl/"), "x");
        assert_eq!(id("/a/b/x.JSONL"), "x.JSONL");
    }

    #[test]
    fn session_id_splits_on_the_separators_of_this_platform() {
        let id = |path: &str| session_id(Path::new(path));
        if cfg!(windows) {
            assert_eq!(id(r"C:\Users\u\sessions\s1.jsonl"), "s1");
            assert_eq!(id(r"C:\Users/u\s1.jsonl\"), "s1");
        } else {
            assert_eq!(id(r"C:\Users\u\sessions\s1.jsonl"), r"C:\Users\u\sessions\s1");
        }
    }

    // The original's header for C:\...\s1.jsonl, where `path.basename` splits on both separators.
    #[cfg(windows)]
    #[test]
    fn a_windows_path_gives_the_original_header() {
        let header = EventLog::new(r"C:\Users\u\AppData\Local\Temp\s1.jsonl", Durability::None)
            .header_line("2026-11-26T12:41:07.123Z");
        assert_eq!(
            header,
            "{\"type\":\"session\",\"version\":1,\"id\":\"s1\",\"created\":\"2026-11-26T12:41:07.123Z\"}\n"
        );
    }

    #[test]
    fn header_is_the_original_json_with_an_iso_time() {
        let header = EventLog::new("/tmp/a\"b.jsonl", Durability::None).header_line("2026-11-26T12:41:07.123Z");
        assert_eq!(
            header,
            "{\"type\":\"session\",\"version\":1,\"id\":\"a\\\"b\",\"created\":\"2026-11-26T12:41:07.123Z\"}\n"
        );
    }

    #[test]
    fn a_second_open_of_the_same_log_is_refused_until_the_first_closes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut first = EventLog::new(&path, Durability::None);
        let mut second = EventLog::new(&path, Durability::None);
        assert_eq!(first.open().unwrap().0, Opened::Created);
        assert!(matches!(second.open(), Err(SessionError::Locked { .. })));
        assert!(path.exists(), "the refused open must not remove the first writer's log");
        first.close();
        assert_eq!(second.open().unwrap().0, Opened::Existing);
    }

    fn opened_with(content: &str) -> (tempfile::TempDir, PathBuf, EventLog) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        fs::write(&path, content).unwrap();
        let mut log = EventLog::new(&path, Durability::None);
        log.open().unwrap();
        (dir, path, log)
    }

    #[test]
    fn appends_say_where_they_landed_after_others_lines() {
        let (_dir, path, mut log) = opened_with("{\"type\":\"a\"}\n");
        assert_eq!(log.append(b"{\"type\":\"b\"}\n", false).unwrap(), 13);
        fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"type\":\"other\"}\n").unwrap();
        assert_eq!(log.append(b"{\"type\":\"c\"}\n", false).unwrap(), 26 + 17);
    }

    #[test]
    fn taking_back_cuts_the_end_or_blanks_bytes_others_wrote_after() {
        let (_dir, path, mut log) = opened_with("{\"type\":\"a\"}\n");
        let start = log.append(b"{\"type\":\"mine\"}\n", false).unwrap();
        log.take_back(start, 16, false);
        assert_eq!(fs::read_to_string(&path).unwrap(), "{\"type\":\"a\"}\n");
        let start = log.append(b"{\"type\":\"mine\"}\n", false).unwrap();
        fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"type\":\"other\"}\n").unwrap();
        log.take_back(start, 16, false);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            format!("{{\"type\":\"a\"}}\n{}{{\"type\":\"other\"}}\n", " ".repeat(16))
        );
    }

    #[test]
    fn a_recorded_batch_cut_short_is_taken_back_and_a_whole_one_is_left() {
        let head = "{\"type\":\"a\"}\n";
        let batch = RecordedBatch { base: head.len() as u64, bytes: b"{\"type\":\"b\"}\n{\"type\":\"c\"}\n".to_vec() };
        let whole = format!("{head}{}", std::str::from_utf8(&batch.bytes).unwrap());
        let (_dir, path, mut log) = opened_with(&whole);
        assert_eq!(log.take_back_recorded(&batch).unwrap(), None);
        assert_eq!(fs::read_to_string(&path).unwrap(), whole);

        let other = "{\"type\":\"other\"}\n";
        let (_dir, path, mut log) = opened_with(&format!("{head}{other}{{\"type\":\"b\"}}\n{{\"ty"));
        assert_eq!(log.take_back_recorded(&batch).unwrap(), Some(((head.len() + other.len()) as u64, 17)));
        assert_eq!(fs::read_to_string(&path).unwrap(), format!("{head}{other}"));
        assert_eq!(log.take_back_recorded(&batch).unwrap(), None, "nothing left to take back");
    }
}

//! A session's writer: appends batches of events to the log and keeps the index in step,
//! recovering both from crashes and power cuts and indexing what others append to the log.

use std::path::PathBuf;
use std::time::Duration;

use super::batch_record::BatchRecord;
use super::durability::Durability;
use super::error::SessionError;
use super::event::Event;
use super::fail_points;
use super::index::{IndexFile, Indexes, SessionIndex, WrittenIndex};
use super::json::{JsValue, JsonError};
use super::log::{EventLog, Opened};
use super::platform::{self, FileState};
use super::recovery::{self, Recovery, Scope, TornTail};
use super::regular_file;
use super::side_files::{self, OnClose};

/// How long a last line without its newline must stay as it is before it is taken for torn
/// (its writer stopped: killed, or the power went) and set aside. An appender writes a line in
/// one `write`, which the kernel copies in microseconds; a line that has not grown for this long
/// has no writer left, even on a loaded machine. `repair` waits as long.
const TORN_TAIL_WAIT: Duration = Duration::from_millis(50);
/// How many times the log is looked at meanwhile.
const TORN_TAIL_POLLS: u32 = 10;

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
    batch_record: BatchRecord,
    index_file: IndexFile,
    /// What the writer holds of its session between calls.
    state: State,
    /// Where the log ended after the last batch this writer stored.
    byte_offset: u64,
    /// Counts the changes to the index held in memory, each one complete.
    index_version: u64,
}

/// What a writer holds of its session between calls. The first call opens the session
/// (`Unopened` to `Held`); an idle session is suspended (`Held` to `Suspended`, keeping its index
/// with the checkpoints' text left in the index file, or `Held` with its files closed when where
/// it left off cannot be told); a failed call lets the index go (to `Suspended` with no resume
/// point: the files are the truth), and the next call opens the session again.
#[derive(Debug)]
enum State {
    /// No call has opened the session yet: no file of it was touched, none made.
    Unopened,
    /// The index is in memory, in step with the log. The log may be closed between calls (its
    /// descriptor given back); the next call opens it again and goes on only if it is the same
    /// file, as long as or longer than the index covers.
    Held(Held),
    /// The files are closed. The next call resumes from where this writer left off when nothing
    /// but others' lines changed since (`ResumePoint`), and otherwise (or after a failed call)
    /// opens the session as a new writer would.
    Suspended(Option<ResumePoint>),
}

/// What a suspended session keeps to resume where it left off without recovering: its index,
/// most of whose text is left in the index file (a few hundred bytes held), and the files as it
/// left them.
#[derive(Debug)]
struct ResumePoint {
    /// The index, covering the log up to `held.indexed_to`.
    held: Held,
    files: LeftFiles,
}

/// The session's files as a writer left them, to tell on the next call whether anything but
/// lines appended to the log changed since: the log the same file, no shorter, ending in the same
/// bytes where the index covered it; the index and the batch record untouched (another process
/// that held the session meanwhile changes them).
#[derive(Debug)]
struct LeftFiles {
    /// The log's last bytes before the end of what the index covers.
    last_bytes: Vec<u8>,
    /// The index file and the batch record as the writer left them (`None`: absent).
    index: Option<FileState>,
    batch_record: Option<FileState>,
}

/// Memory a parsed index takes per byte of its text, about: its values and its text's pieces
/// (about 500 bytes per checkpoint, whose text is about 110 bytes).
const PARSED_BYTES_PER_TEXT_BYTE: usize = 5;

/// How many of the log's bytes before the end of what was indexed tell a log rewritten in place.
const RESUME_CHECK_BYTES: u64 = 64;

/// A session's index held in memory, and how far into the log it goes.
#[derive(Debug)]
struct Held {
    index: HeldIndex,
    /// Where the whole lines the index covers end.
    indexed_to: u64,
    /// Whether the index has changes its file does not have yet.
    unsaved: bool,
}

/// A held session's index: parsed, or held as the text the writer last wrote to its file (a
/// session resumed after suspension, whose index was not parsed again). A change the text
/// cannot take (a state, a receipt, an index someone else wrote) parses it first.
#[derive(Debug)]
enum HeldIndex {
    Parsed(SessionIndex),
    Written(WrittenIndex),
}

impl HeldIndex {
    /// The index parsed, parsing it now if it is held as written (its filed text read back).
    fn parsed(&mut self, index_file: &IndexFile) -> Result<&mut SessionIndex, SessionError> {
        if let HeldIndex::Written(written) = self {
            let text = written.with_text(|text| index_file.text_of(text))?;
            let parsed = SessionIndex::parse(&text)
                .map_err(|source| SessionError::InvalidIndex { path: index_file.path().to_owned(), source })?;
            *self = HeldIndex::Parsed(parsed);
        }
        match self {
            HeldIndex::Parsed(index) => Ok(index),
            HeldIndex::Written(_) => unreachable!("parsed above"),
        }
    }

    fn plan<'e>(&self, events: impl Iterator<Item = (&'e Event<'e>, u64)>) -> super::index::IndexUpdate {
        match self {
            HeldIndex::Parsed(index) => index.plan(events),
            HeldIndex::Written(index) => index.plan(events),
        }
    }

    fn apply(&mut self, update: super::index::IndexUpdate) {
        match self {
            HeldIndex::Parsed(index) => index.apply(update),
            HeldIndex::Written(index) => index.apply(update),
        }
    }

    fn with_text<R>(&self, use_text: impl FnOnce(&[super::index::PieceRef<'_>]) -> R) -> R {
        match self {
            HeldIndex::Parsed(index) => index.with_text(use_text),
            HeldIndex::Written(index) => index.with_text(use_text),
        }
    }
}

impl Indexes for HeldIndex {
    fn add_event(&mut self, event: &Event<'_>, offset: u64) {
        match self {
            HeldIndex::Parsed(index) => index.add_event(event, offset),
            HeldIndex::Written(index) => index.add_event(event, offset),
        }
    }
}

/// The log as a call found it when it opened the session.
#[derive(Debug, Clone, Copy)]
struct OpenedLog {
    len: u64,
    /// Whether the log was created for this call (a failed first batch removes it again).
    created: bool,
}

impl Writer {
    /// A writer for the log at `event_path` and the index at `index_path`. Nothing is read but
    /// the log's length (and where symbolic links at the two paths lead), and nothing is written,
    /// until the first batch. A path that is a symbolic link is written through: the files the
    /// writer makes beside the log and the index are made beside the files the links lead to.
    pub fn new(event_path: impl Into<PathBuf>, index_path: impl Into<PathBuf>, durability: Durability) -> Self {
        let log = EventLog::new(event_path, durability);
        let batch_record = BatchRecord::new(log.path(), durability);
        let byte_offset = log.len_on_disk();
        let index_file = IndexFile::new(regular_file::resolve_links(&index_path.into()), durability);
        Writer { log, batch_record, index_file, state: State::Unopened, byte_offset, index_version: 0 }
    }

    /// Where the log ended after the last batch this writer stored (at first, its length on disk).
    pub fn byte_offset(&self) -> u64 {
        self.byte_offset
    }

    /// The index as of the last completed change, as `JSON.stringify(index, null, 2)` writes
    /// it; `None` before the first non-empty batch. Text left in the index file is read back; a
    /// session that let go of its index after a failed call has it read from its file (`None` if
    /// it cannot be read).
    pub fn index_json(&self) -> Option<String> {
        let held = match &self.state {
            State::Held(held) | State::Suspended(Some(ResumePoint { held, .. })) => held,
            State::Suspended(None) => return self.index_file.read_text().ok().flatten(),
            State::Unopened => return None,
        };
        held.index.with_text(|text| self.index_file.text_of(text)).ok()
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
        self.with_session(|writer, held, log| {
            let header = if log.created && log.len == 0 { writer.log.header_line(created) } else { String::new() };
            let tail = writer.settle_last_line(held, log.len)?;
            let on_a_new_line = tail.is_some_and(|tail| tail.kept_at.is_none());
            match writer.store(held, &events, &header, on_a_new_line, log.created)? {
                Stored::Whole => Ok(()),
                // A line another appender had begun was not ended when the batch landed after it.
                Stored::TakenBack => match writer.store(held, &events, &header, true, log.created)? {
                    Stored::Whole => Ok(()),
                    Stored::TakenBack => Err(SessionError::io("write", writer.log.path(), platform::would_block())),
                },
            }
        })
    }

    /// Applies one change; each is stored whole or not at all.
    pub fn apply(&mut self, change: &Change) -> Result<(), SessionError> {
        match change {
            Change::Events { lines, created } => self.append_batch(lines, created),
            Change::State { id_json, value_json } => self.set_index_entry("states", id_json, value_json),
            Change::Receipt { key_json, value_json } => self.set_index_entry("receipts", key_json, value_json),
        }
    }

    /// Sets `index[field][key]` (`key_json`: the key as a JSON string) to the JSON
    /// `value_json` and saves the index. After `Err` the index file is as before.
    pub fn set_index_entry(&mut self, field: &str, key_json: &str, value_json: &str) -> Result<(), SessionError> {
        let invalid = |source| SessionError::InvalidValue { field: field.to_owned(), key: key_json.to_owned(), source };
        let key = match JsValue::parse(key_json).map_err(invalid)? {
            JsValue::String(ref key) => key.clone(),
            _ => return Err(invalid(JsonError { message: "the key is not a string", position: 0 })),
        };
        let value = JsValue::parse(value_json).map_err(invalid)?;
        self.with_session(|writer, held, _| {
            held.index.parsed(&writer.index_file)?.set_entry(field, &key, value);
            writer.save_index(held)
        })
    }

    /// Checks the whole log against the index and rebuilds every field that disagrees, takes back
    /// a batch a crash cut short, and sets aside (keeping them beside the log) lines holding NUL
    /// bytes and a last line without its newline that has stopped growing. The log must exist.
    /// Says what was found and changed.
    pub fn repair(&mut self) -> Result<Recovery, SessionError> {
        SessionError::require_file(self.log.path())?;
        fail_points::at("repair");
        self.log.close();
        self.state = State::Suspended(None);
        self.log.open()?;
        let (mut held, mut recovery) = self.recover(Scope::WholeLog)?;
        let log_len = self.log.len()?;
        if let Some(kept_at) = self.settle_last_line(&mut held, log_len)?.and_then(|tail| tail.kept_at) {
            if let Some(tail) = recovery.partial_tail.as_mut() {
                tail.kept_at = Some(kept_at);
            }
        }
        if held.unsaved {
            self.save_index(&mut held)?;
        }
        self.byte_offset = self.log.len()?;
        self.state = State::Held(held);
        Ok(recovery)
    }

    /// How many file descriptors the session keeps open between calls.
    pub fn descriptors(&self) -> usize {
        usize::from(self.log.is_open()) + usize::from(self.batch_record.is_open()) + self.index_file.descriptors()
    }

    /// Lets go of what an idle session holds between calls: closes every file it keeps open,
    /// releasing the log's lock, and keeps its index with the checkpoints' text left in the index
    /// file, with where it left off. The next call opens the log again (taking the lock again,
    /// or failing with `Locked` if another process took it meanwhile); if the files are as it
    /// left them but for lines others appended, it indexes those lines and goes on (no reading
    /// of the index, no recovery), and otherwise recovers as a new writer would.
    pub fn suspend(&mut self) {
        self.state = match std::mem::replace(&mut self.state, State::Suspended(None)) {
            State::Held(mut held) => {
                self.file_away(&mut held);
                match self.left_files(held.indexed_to) {
                    Some(files) => State::Suspended(Some(ResumePoint { held, files })),
                    // A change its file lacks is kept, and written on the next call.
                    None if held.unsaved => State::Held(held),
                    None => State::Suspended(None),
                }
            }
            state => state,
        };
        self.log.close();
        self.batch_record.close(OnClose::Keep);
        self.index_file.release_descriptors();
    }

    /// The memory the index held between calls takes, about, in bytes: a parsed index's values
    /// and text, or the pieces held of a text held as written (not those left in its files).
    pub fn index_bytes(&self) -> usize {
        let held = match &self.state {
            State::Held(held) | State::Suspended(Some(ResumePoint { held, .. })) => held,
            State::Suspended(None) | State::Unopened => return 0,
        };
        match &held.index {
            HeldIndex::Parsed(_) => self.index_file.written_len() as usize * PARSED_BYTES_PER_TEXT_BYTE,
            HeldIndex::Written(written) => written.held_bytes(),
        }
    }

    /// Lets go of the text of the index's checkpoints where its files hold it, as `suspend`
    /// does, keeping the session's files as they are (open, or closed if suspended).
    pub fn file_index(&mut self) {
        let mut state = std::mem::replace(&mut self.state, State::Suspended(None));
        match &mut state {
            State::Held(held) => self.file_away(held),
            State::Suspended(Some(point)) => {
                self.file_away(&mut point.held);
                self.index_file.release_descriptors();
            }
            State::Suspended(None) | State::Unopened => {}
        }
        self.state = state;
    }

    /// Lets go of the text of the held index's checkpoints where the index file holds it as this
    /// writer last wrote it: a parsed index is held as its text from now on (the spare brought up
    /// to it first, so that both files hold it), then that text's checkpoints are left in the
    /// files. Best effort: where the files do not hold the text, the index stays as it is.
    fn file_away(&mut self, held: &mut Held) {
        if held.unsaved {
            return;
        }
        if let HeldIndex::Parsed(index) = &held.index {
            if !index.with_text(|text| self.index_file.holds_exactly(text))
                || index.with_text(|text| self.index_file.copy_live_to_spare(text)).is_err()
            {
                return;
            }
            let Some(written) = WrittenIndex::new(index.to_json()) else { return };
            written.with_text(|text| self.index_file.relabel(text));
            held.index = HeldIndex::Written(written);
        }
        if let HeldIndex::Written(written) = &mut held.index {
            written.file_away(&mut self.index_file);
        }
    }

    /// The files as they are now, for an index covering the log up to `indexed_to`; `None`
    /// when that cannot be told (the log is not open, or cannot be read).
    fn left_files(&self, indexed_to: u64) -> Option<LeftFiles> {
        if !self.log.is_open() {
            return None;
        }
        let from = indexed_to.saturating_sub(RESUME_CHECK_BYTES);
        Some(LeftFiles {
            last_bytes: self.log.read(from, indexed_to).ok()?,
            index: platform::link_state_at(self.index_file.path()).ok(),
            batch_record: platform::link_state_at(self.batch_record.path()).ok(),
        })
    }

    /// Whether the files are as the writer left them at `point`, but for lines appended to the
    /// log since (`log_len`: its length now, the log being the same file).
    fn still_at(&self, point: &ResumePoint, log_len: u64) -> bool {
        let indexed_to = point.held.indexed_to;
        let from = indexed_to.saturating_sub(RESUME_CHECK_BYTES);
        log_len >= indexed_to
            && platform::link_state_at(self.index_file.path()).ok() == point.files.index
            && platform::link_state_at(self.batch_record.path()).ok() == point.files.batch_record
            && self.log.read(from, indexed_to).is_ok_and(|bytes| bytes == point.files.last_bytes)
    }

    /// Lets the session go: the log is closed, its lock released, and the files made beside the
    /// log and the index removed (those of a session suspended since its last call too, unless
    /// its log is gone or another process holds it now). The index stays readable; a later
    /// batch opens the log again and checks it anew.
    pub fn close(&mut self) {
        let holds_session =
            self.log.is_open() || (!matches!(self.state, State::Unopened) && self.reclaim_for_closing());
        let side_files = if holds_session { OnClose::Remove } else { OnClose::Keep };
        self.log.close();
        self.batch_record.close(side_files);
        self.index_file.close(side_files);
    }

    /// Takes the log and its lock back for closing a session suspended since its last call,
    /// if the log is still there and no other process holds it; then takes back a batch that a
    /// crash of another writer cut short meanwhile, as the next opening would, so that the
    /// record of that batch can go. Says whether the session is held again.
    fn reclaim_for_closing(&mut self) -> bool {
        if !matches!(self.log.open_if_exists(), Ok(Some(_))) {
            return false;
        }
        match self.batch_record.read() {
            Ok(None) => true,
            Ok(Some(batch)) => self.log.take_back_recorded(&batch).is_ok(),
            Err(_) => false,
        }
    }

    /// Runs one call on the session, opened for it: `call` gets the index held in memory and the
    /// log as it found it. After an error the index is let go of, and the next call starts over
    /// from the files.
    fn with_session<T>(
        &mut self,
        call: impl FnOnce(&mut Self, &mut Held, OpenedLog) -> Result<T, SessionError>,
    ) -> Result<T, SessionError> {
        let ever_held = !matches!(self.state, State::Unopened);
        let result = self.open_session().and_then(|(mut held, log)| {
            let result = call(self, &mut held, log);
            if result.is_ok() {
                self.state = State::Held(held);
            }
            result
        });
        if result.is_err() {
            self.log.close();
            self.state = if ever_held { State::Suspended(None) } else { State::Unopened };
        }
        result
    }

    /// Opens the log and brings the index in line with it: when the session is held, or
    /// suspended with its files as it left them, and the log is the same file, only lines
    /// appended behind the writer's back are indexed; otherwise the session is recovered. The
    /// state is let go of meanwhile: the caller puts it back.
    fn open_session(&mut self) -> Result<(Held, OpenedLog), SessionError> {
        let (opened, len) = self.log.open()?;
        let log = OpenedLog { len, created: opened == Opened::Created };
        match std::mem::replace(&mut self.state, State::Suspended(None)) {
            State::Held(mut held) if opened == Opened::Same && len >= held.indexed_to => {
                self.catch_up(&mut held, len)?;
                Ok((held, log))
            }
            State::Suspended(Some(point)) if opened == Opened::Same && self.still_at(&point, len) => {
                let mut held = point.held;
                self.catch_up(&mut held, len)?;
                Ok((held, log))
            }
            _ => {
                let (held, recovery) = self.recover(Scope::EveryCheckpoint).inspect_err(|_| {
                    // A log created for this call goes again with it: a rejected call leaves no file.
                    if log.created {
                        self.log.take_back(0, 0, true);
                    }
                })?;
                let created = log.created || recovery.first_batch_taken_back;
                Ok((held, OpenedLog { len: self.log.len()?, created }))
            }
        }
    }

    /// Writes one batch at the log's end (after a newline when `on_a_new_line`, to end a line
    /// another appender left unfinished), then indexes it with the lines that landed before it.
    /// A log `created` for this batch is removed again if the batch cannot be stored.
    fn store(
        &mut self,
        held: &mut Held,
        events: &[Event<'_>],
        header: &str,
        on_a_new_line: bool,
        created: bool,
    ) -> Result<Stored, SessionError> {
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
        self.batch_record.write(held.indexed_to, bytes.as_bytes())?;
        let start = self.log.append(bytes.as_bytes(), created)?;
        let len = bytes.len() as u64;
        if start != held.indexed_to {
            // Others' lines landed first: index them, and make sure the batch starts a line.
            self.catch_up(held, start + lines_start)?;
            if held.indexed_to != start + lines_start {
                self.log.take_back(start, len, false);
                return Ok(Stored::TakenBack);
            }
        }
        let update = held.index.plan(events.iter().zip(offsets.iter().map(|offset| start + offset)));
        let rewrite_index = held.unsaved || update.marks_dirty();
        held.index.apply(update);
        if rewrite_index {
            if let Err(err) = self.save_index(held) {
                // The index file is as before the batch: the next call loads it again.
                self.log.take_back(start, len, created);
                return Err(err);
            }
        }
        held.indexed_to = start + len;
        self.byte_offset = start + len;
        self.index_version += 1;
        Ok(Stored::Whole)
    }

    /// Writes the index held in memory to its file. If someone else wrote the file since this
    /// writer last read or wrote it (a tool, the server's own `saveIndex`), its fields are taken
    /// in first (states, receipts, fields this writer does not know), keeping what the log
    /// decides (`eventCount`, `checkpoints`). After `Err` the file is as before.
    fn save_index(&mut self, held: &mut Held) -> Result<(), SessionError> {
        if let Some(theirs) = self.index_file.read_if_changed()? {
            held.index.parsed(&self.index_file)?.adopt_fields_of(theirs);
        }
        held.index.with_text(|text| self.index_file.replace(text))?;
        held.unsaved = false;
        self.index_version += 1;
        Ok(())
    }

    /// Waits for a last line without its newline (`log_len` is the log's length) to end, up to
    /// `TORN_TAIL_WAIT`. One that stays as it is meanwhile is torn, and is set aside (kept beside
    /// the log, cut from it); one that holds NUL bytes is set aside at once. Returns the last line
    /// found unfinished: set aside (`kept_at`), or still being written (the next batch then starts
    /// a line of its own).
    fn settle_last_line(&mut self, held: &mut Held, mut log_len: u64) -> Result<Option<TornTail>, SessionError> {
        let mut grew = false;
        for _ in 0..TORN_TAIL_POLLS {
            if held.indexed_to >= log_len || self.log.holds_nul(held.indexed_to, log_len)? {
                break;
            }
            std::thread::sleep(TORN_TAIL_WAIT / TORN_TAIL_POLLS);
            let now = self.log.len()?;
            grew |= now != log_len;
            log_len = now;
            self.catch_up(held, log_len)?;
        }
        if held.indexed_to >= log_len {
            return Ok(None);
        }
        let offset = held.indexed_to;
        let mut tail = TornTail { offset, len: log_len - offset, kept_at: None };
        if !grew || self.log.holds_nul(offset, log_len)? {
            tail.kept_at = Some(self.log.set_aside(&[(offset, log_len - offset)])?);
        }
        Ok(Some(tail))
    }

    /// Indexes the whole lines others appended between `indexed_to` and `until`.
    fn catch_up(&mut self, held: &mut Held, until: u64) -> Result<(), SessionError> {
        let caught = recovery::catch_up(&self.log.view(), &mut held.index, held.indexed_to, until)?;
        held.unsaved |= caught.lines > 0;
        held.indexed_to = caught.indexed_to;
        self.index_version += u64::from(caught.lines > 0);
        Ok(())
    }

    /// Recovers the session from its files, the log being open: takes back a batch a crash cut
    /// short, sets aside lines a power cut filled with zeros (in the whole log when the last
    /// writer did not close the session, otherwise where recovery reads), loads the index
    /// (setting aside one that cannot be read) and reconciles it with the log.
    fn recover(&mut self, scope: Scope) -> Result<(Held, Recovery), SessionError> {
        let closed_cleanly = !self.batch_record.exists();
        let mut first_batch = false;
        let taken_back = match self.batch_record.read()? {
            Some(batch) => {
                first_batch = batch.base == 0 && batch.bytes.starts_with(b"{\"type\":\"session\",");
                self.log.take_back_recorded(&batch)?
            }
            None => None,
        };
        let mut scope = scope;
        let mut set_aside_at = None;
        if !closed_cleanly {
            let damaged = recovery::zero_filled_lines(&self.log.view(), 0, u64::MAX)?;
            if !damaged.is_empty() {
                set_aside_at = Some(self.log.set_aside(&damaged)?);
                scope = Scope::WholeLog;
            }
        }
        let (mut index, mut recovery, mut index_kept_at) = self.reconcile(scope)?;
        if !recovery.damaged.is_empty() {
            set_aside_at = Some(self.log.set_aside(&recovery.damaged)?);
            (index, recovery, index_kept_at) = self.reconcile(scope)?;
        }
        recovery.index_kept_at = index_kept_at;
        recovery.first_batch_taken_back = first_batch && taken_back.is_some() && self.log.len()? == 0;
        recovery.taken_back = taken_back;
        recovery.set_aside_at = set_aside_at;
        self.byte_offset = self.log.len()?;
        self.index_version += 1;
        let held =
            Held { index: HeldIndex::Parsed(index), indexed_to: recovery.indexed_to, unsaved: recovery.index_changed };
        Ok((held, recovery))
    }

    /// Loads the index and reconciles it with the log; also says where an unreadable index
    /// file was moved.
    fn reconcile(&mut self, scope: Scope) -> Result<(SessionIndex, Recovery, Option<PathBuf>), SessionError> {
        let (loaded, index_kept_at) = self.load_index()?;
        let (index, recovery) = recovery::reconcile(&self.log.view(), loaded, scope, self.log.session_id())?;
        Ok((index, recovery, index_kept_at))
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
    use crate::core::test_support::{read, session, CREATED};
    use std::fs;
    use std::io::Write;

    #[test]
    fn first_batch_writes_header_events_and_index() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
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
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        let lines = "{\"type\":\"checkpoint\",\"seq\":0,\"stateId\":\"a\"}\n".to_owned();
        writer.apply(&Change::Events { lines, created: CREATED.to_owned() }).unwrap();
        writer.apply(&Change::State { id_json: "\"a\"".to_owned(), value_json: "{\"env\":[1,2]}".to_owned() }).unwrap();
        writer
            .apply(&Change::Receipt { key_json: "\"r1\"".to_owned(), value_json: "{\"tokens\":3}".to_owned() })
            .unwrap();
        writer.close();
        let mut reopened = Writer::new(&s.log, &s.index, Durability::None);
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
        Writer::new(&s.log, &s.index, Durability::None).append_batch("", CREATED).unwrap();
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
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
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
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
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
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        fs::remove_file(&s.log).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED).unwrap();
        let log = read(&s.log);
        assert!(log.starts_with(r#"{"type":"session""#) && log.ends_with("{\"type\":\"input\",\"seq\":1}\n"), "{log}");
    }

    #[test]
    fn an_invalid_event_stores_nothing_of_its_batch() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
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
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"x\",\"seq\":5}\n", CREATED).unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"eventCount\": 6") && index.contains("\"byteOffset\": 0"), "{index}");
        let kept: Vec<_> = fs::read_dir(s.dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        let kept =
            kept.iter().find(|name| name.to_string_lossy().starts_with("s1.index.json.corrupt-")).expect("kept aside");
        assert_eq!(read(&s.dir.path().join(kept)), "{\"sessionId\": \"s1\", \"eventC");
    }

    #[test]
    fn an_index_with_no_checkpoints_array_keeps_its_other_fields() {
        let s = session();
        fs::write(&s.index, r#"{"checkpoints":{},"states":{"a":1}}"#).unwrap();
        let mut writer = Writer::new(&s.log, &s.index, Durability::Full);
        writer.append_batch("{\"type\":\"checkpoint\"}\n", CREATED).unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"a\": 1") && index.contains("\"byteOffset\": "), "{index}");
    }

    #[test]
    fn a_second_writer_on_the_same_log_is_refused_until_the_first_closes() {
        let s = session();
        let mut first = Writer::new(&s.log, &s.index, Durability::None);
        let mut second = Writer::new(&s.log, &s.index, Durability::None);
        first.append_batch("{\"type\":\"x\",\"seq\":0}\n", CREATED).unwrap();
        let log = read(&s.log);
        assert!(matches!(second.append_batch("{\"type\":\"y\"}\n", CREATED), Err(SessionError::Locked { .. })));
        assert_eq!(read(&s.log), log);
        first.close();
        second.append_batch("{\"type\":\"y\",\"seq\":1}\n", CREATED).unwrap();
        assert!(read(&s.index).contains("\"eventCount\": 2"));
    }

    #[test]
    fn a_suspended_writer_holds_no_descriptors_shows_its_index_and_goes_on_from_it_on_the_next_call() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer
            .append_batch("{\"type\":\"checkpoint\",\"seq\":0,\"reason\":\"r\",\"stateId\":\"a\"}\n", CREATED)
            .unwrap();
        writer.set_index_entry("states", "\"a\"", "{\"x\":1}").unwrap();
        let before = writer.index_json().unwrap();
        writer.suspend();
        assert!(matches!(writer.state, State::Suspended(Some(_))) && writer.descriptors() == 0);
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
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
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
        assert_eq!(s.file_names(), ["s1.index.json", "s1.jsonl"]);
    }

    #[test]
    fn closing_a_suspended_session_another_process_holds_leaves_its_files() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer
            .append_batch("{\"type\":\"checkpoint\",\"seq\":0,\"reason\":\"r\",\"stateId\":\"a\"}\n", CREATED)
            .unwrap();
        writer
            .append_batch("{\"type\":\"checkpoint\",\"seq\":1,\"reason\":\"r\",\"stateId\":\"b\"}\n", CREATED)
            .unwrap();
        writer.suspend();
        let mut other = Writer::new(&s.log, &s.index, Durability::None);
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
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"x\",\"seq\":0}\n", CREATED).unwrap();
        writer.close();
        let mut file = fs::OpenOptions::new().append(true).open(&s.log).unwrap();
        std::io::Write::write_all(&mut file, b"{\"type\":\"checkpoint\",\"seq\":1}\n{\"type\":\"x\",\"se").unwrap();
        let recovery = Writer::new(&s.log, &s.index, Durability::None).repair().unwrap();
        assert_eq!(recovery.checkpoints_added, 1);
        let tail = recovery.partial_tail.as_ref().expect("a torn tail");
        assert_eq!(tail.len, "{\"type\":\"x\",\"se".len() as u64);
        assert!(tail.kept_at.is_some());
        assert!(read(&s.log).ends_with("{\"type\":\"checkpoint\",\"seq\":1}\n"));
        assert!(read(&s.index).contains("\"eventCount\": 2"));
        let again = Writer::new(&s.log, &s.index, Durability::None).repair().unwrap();
        assert!(!again.index_changed && again.partial_tail.is_none());
    }

    #[test]
    fn repair_of_a_missing_log_is_enoent() {
        let s = session();
        let err = Writer::new(&s.log, &s.index, Durability::None).repair().unwrap_err();
        assert!(matches!(err, SessionError::Io { syscall: "stat", .. }), "{err}");
        assert!(!s.log.exists());
    }

    #[test]
    fn a_failed_index_write_takes_the_batch_back_out_of_the_log() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
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
    fn a_first_call_refused_for_its_index_leaves_no_log_behind() {
        let s = session();
        fs::create_dir(&s.index).unwrap();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        assert!(writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).is_err());
        assert!(!s.log.exists(), "the log created for the refused call is gone");
        fs::remove_dir(&s.index).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        assert!(read(&s.log).starts_with("{\"type\":\"session\""), "the next call writes the header");
    }

    #[test]
    fn a_missing_directory_is_an_enoent_on_open() {
        let s = session();
        let mut writer = Writer::new(s.log.with_file_name("no/such/dir.jsonl"), &s.index, Durability::None);
        match writer.append_batch("{\"type\":\"x\"}\n", CREATED).unwrap_err() {
            SessionError::Io { syscall, source, .. } => {
                assert_eq!(syscall, "open");
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("unexpected {other}"),
        }
    }

    /// Appends `bytes` to the log at `path`, as another appender would.
    fn append_to(path: &std::path::Path, bytes: &[u8]) {
        fs::OpenOptions::new().append(true).open(path).unwrap().write_all(bytes).unwrap();
    }

    /// The text of the `.torn-` files in the session's directory, in name order.
    fn set_aside(s: &crate::core::test_support::TempSession) -> Vec<String> {
        let names = s.file_names();
        names.iter().filter(|name| name.contains(".torn-")).map(|name| read(&s.dir.path().join(name))).collect()
    }

    /// Whether every non-blank line of the log parses as JSON, as the server's own loader needs.
    fn loads_line_by_line(log: &str) -> bool {
        log.lines()
            .filter(|line| !line.trim().is_empty())
            .all(|line| serde_json::from_str::<serde_json::Value>(line).is_ok())
    }

    #[test]
    fn a_last_line_another_appender_stopped_writing_is_set_aside_before_the_next_batch() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        let before = read(&s.log);
        append_to(&s.log, b"{\"type\":\"output\",\"seq\":99,\"value\":\"half wri");
        writer.append_batch("{\"type\":\"checkpoint\",\"seq\":1}\n", CREATED).unwrap();
        let log = read(&s.log);
        assert_eq!(log, format!("{before}{{\"type\":\"checkpoint\",\"seq\":1}}\n"));
        assert!(loads_line_by_line(&log));
        assert_eq!(set_aside(&s), ["{\"type\":\"output\",\"seq\":99,\"value\":\"half wri"]);
        assert!(read(&s.index).contains(&format!("\"byteOffset\": {}", before.len())));
        assert_eq!(writer.byte_offset(), log.len() as u64);
    }

    #[test]
    fn a_last_line_still_growing_is_kept_and_the_batch_starts_a_line_of_its_own() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        append_to(&s.log, b"{\"type\":\"input\",\"se");
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let growing = {
            let (done, log) = (done.clone(), s.log.clone());
            std::thread::spawn(move || {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    append_to(&log, b"q");
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        };
        writer.append_batch("{\"type\":\"checkpoint\",\"seq\":1}\n", CREATED).unwrap();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        growing.join().unwrap();
        let log = read(&s.log);
        let checkpoint_offset = log.rfind("{\"type\":\"checkpoint\"").unwrap();
        assert!(
            log[..checkpoint_offset].ends_with('\n') && log[..checkpoint_offset].contains("{\"type\":\"input\",\"seq")
        );
        assert!(read(&s.index).contains(&format!("\"byteOffset\": {checkpoint_offset}")));
        assert!(set_aside(&s).is_empty(), "a line still being written is not set aside");
    }

    #[test]
    fn a_torn_or_zero_filled_tail_is_set_aside_when_the_session_is_opened() {
        for tail in
            ["{\"type\":\"output\",\"seq\":99,\"value\":\"half wri", &"\0".repeat(4096), "\0\0\0\0\n", "\0\0\n\0\0"]
        {
            let s = session();
            let mut writer = Writer::new(&s.log, &s.index, Durability::None);
            writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
            writer.close();
            let before = read(&s.log);
            append_to(&s.log, tail.as_bytes());
            Writer::new(&s.log, &s.index, Durability::None)
                .append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED)
                .unwrap();
            let log = read(&s.log);
            assert_eq!(log, format!("{before}{{\"type\":\"input\",\"seq\":1}}\n"), "{tail:?}");
            assert!(loads_line_by_line(&log), "{tail:?}");
            assert_eq!(set_aside(&s), [tail], "{tail:?}");
        }
    }

    #[test]
    fn an_index_whose_count_is_ahead_of_its_log_is_counted_again() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        let batch: String = (0..25)
            .map(|seq| match seq % 10 {
                4 => format!("{{\"type\":\"checkpoint\",\"seq\":{seq},\"reason\":\"r\",\"stateId\":\"s{seq}\"}}\n"),
                _ => format!("{{\"type\":\"input\",\"seq\":{seq}}}\n"),
            })
            .collect();
        writer.append_batch(&batch, CREATED).unwrap();
        writer.close();
        fs::write(&s.index, read(&s.index).replace("\"eventCount\": 25", "\"eventCount\": 40")).unwrap();
        let mut reopened = Writer::new(&s.log, &s.index, Durability::None);
        reopened.append_batch("{\"type\":\"input\",\"seq\":25}\n", CREATED).unwrap();
        assert!(read(&s.index).contains("\"eventCount\": 26"), "{}", read(&s.index));
        assert!(crate::core::verify(&s.log, &s.index).unwrap().problems.is_empty());
    }

    #[test]
    fn zero_filled_lines_a_power_cut_left_inside_the_log_are_set_aside_with_the_checkpoints_into_them() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        let line = |seq: u32| {
            format!(
                "{{\"type\":\"checkpoint\",\"seq\":{seq},\"reason\":\"auto\",\"stateId\":\"s{seq}\",\"pad\":\"{}\"}}\n",
                "p".repeat(200)
            )
        };
        for batch in 0..3 {
            writer.append_batch(&(batch * 20..batch * 20 + 20).map(line).collect::<String>(), CREATED).unwrap();
        }
        writer.suspend();
        // The power went: the disk kept the later blocks of the log, not one of the first batch's,
        // and the writer never closed the session (its batch record is still there).
        let mut bytes = fs::read(&s.log).unwrap();
        bytes[4096..8192].fill(0);
        fs::write(&s.log, &bytes).unwrap();
        drop(writer);
        let mut reopened = Writer::new(&s.log, &s.index, Durability::None);
        reopened.append_batch(&line(60), CREATED).unwrap();
        let log = read(&s.log);
        assert!(!log.contains('\0'));
        assert!(loads_line_by_line(&log));
        let verified = crate::core::verify(&s.log, &s.index).unwrap();
        assert!(verified.problems.is_empty(), "{:?}", verified.problems);
        assert_eq!(set_aside(&s).iter().map(|text| text.matches('\0').count()).sum::<usize>(), 4096);
    }

    #[test]
    fn after_a_writer_stopped_without_closing_every_checkpoint_is_checked_not_only_the_last() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        for seq in 0..6 {
            writer
                .append_batch(&format!("{{\"type\":\"checkpoint\",\"seq\":{seq},\"stateId\":\"s{seq}\"}}\n"), CREATED)
                .unwrap();
        }
        writer.suspend();
        drop(writer);
        // A power cut left an index made of blocks of two versions: an earlier checkpoint lost
        // its stateId, the last one is right. The batch record says no writer closed the session.
        let chimera = read(&s.index).replacen(",\n      \"stateId\": \"s2\"", "", 1);
        assert_ne!(chimera, read(&s.index));
        fs::write(&s.index, chimera).unwrap();
        Writer::new(&s.log, &s.index, Durability::None)
            .append_batch("{\"type\":\"input\",\"seq\":6}\n", CREATED)
            .unwrap();
        let verified = crate::core::verify(&s.log, &s.index).unwrap();
        assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    }

    #[test]
    fn an_index_written_by_someone_else_meanwhile_keeps_its_fields_and_takes_the_log_s_count() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        // The server's own saveIndex, while the writer holds the session.
        let theirs = read(&s.index)
            .replace("\"states\": {}", "\"states\": {\n    \"a\": 1\n  }")
            .replace("\"eventCount\": 1", "\"eventCount\": 0");
        fs::write(&s.index, format!("{theirs}\n")).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED).unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"a\": 1") && index.contains("\"eventCount\": 2"), "{index}");
        assert_eq!(writer.index_json().unwrap(), index);
    }

    #[test]
    fn an_index_rewritten_in_place_by_someone_else_while_its_checkpoints_are_filed_keeps_both_sides() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        let checkpoint = |seq: u32| format!("{{\"type\":\"checkpoint\",\"seq\":{seq},\"stateId\":\"s{seq}\"}}\n");
        for seq in 0..3 {
            writer.append_batch(&checkpoint(seq), CREATED).unwrap();
            // The index memory budget: its checkpoints left in its files, the session held.
            writer.file_index();
        }
        // Filed only where the spare, which no one else writes, holds them too: where the system
        // swaps the spare with the index (Linux, macOS).
        let filed =
            matches!(&writer.state, State::Held(Held { index: HeldIndex::Written(index), .. }) if index.is_filed());
        assert_eq!(filed, cfg!(any(target_os = "linux", target_vendor = "apple")));
        // The server's own writer rewrites the index in place (`fs.writeFileSync`).
        let theirs = read(&s.index).replace("\"states\": {}", "\"states\": {\n    \"a\": 1\n  }");
        fs::write(&s.index, theirs).unwrap();
        writer.append_batch(&checkpoint(3), CREATED).unwrap();
        let index = read(&s.index);
        assert!(index.contains("\"a\": 1") && index.contains("\"eventCount\": 4"), "{index}");
        assert_eq!(crate::core::index::read(&s.index).unwrap().unwrap().checkpoint_count(), 4);
        assert!(crate::core::verify(&s.log, &s.index).unwrap().problems.is_empty());
    }

    #[test]
    fn a_session_closed_before_its_turn_to_be_suspended_comes_is_suspended_without_harm() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        // A budget's thread took it to be suspended; the server closed it first.
        writer.close();
        writer.suspend();
        writer.file_index();
        writer.append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED).unwrap();
        assert!(crate::core::verify(&s.log, &s.index).unwrap().problems.is_empty());
    }

    /// A session of a few batches, suspended, with its log's text.
    fn suspended_session() -> (crate::core::test_support::TempSession, Writer) {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        for seq in 0..6 {
            let kind = if seq % 3 == 2 { "checkpoint" } else { "input" };
            writer
                .append_batch(&format!("{{\"type\":\"{kind}\",\"seq\":{seq},\"stateId\":\"s{seq}\"}}\n"), CREATED)
                .unwrap();
        }
        writer.suspend();
        // Its checkpoints left in its files where the system swaps the spare with the index.
        let filed = |held: &Held| matches!(&held.index, HeldIndex::Written(index) if index.is_filed());
        let swaps = cfg!(any(target_os = "linux", target_vendor = "apple"));
        assert!(
            matches!(&writer.state, State::Suspended(Some(point)) if filed(&point.held) == swaps),
            "{:?}",
            writer.state
        );
        (s, writer)
    }

    fn held_as_written(writer: &Writer) -> bool {
        matches!(&writer.state, State::Held(Held { index: HeldIndex::Written(_), .. }))
    }

    #[test]
    fn a_suspended_session_resumes_where_it_left_off_and_indexes_what_others_appended() {
        let (s, mut writer) = suspended_session();
        append_to(
            &s.log,
            b"{\"type\":\"checkpoint\",\"seq\":6,\"stateId\":\"theirs\"}\n{\"type\":\"input\",\"seq\":7}\n",
        );
        writer.append_batch("{\"type\":\"checkpoint\",\"seq\":8,\"stateId\":\"s8\"}\n", CREATED).unwrap();
        assert!(held_as_written(&writer), "resumed without recovering: {:?}", writer.state);
        writer.append_batch("{\"type\":\"input\",\"seq\":9}\n", CREATED).unwrap();
        let verified = crate::core::verify(&s.log, &s.index).unwrap();
        assert!(verified.problems.is_empty(), "{:?}", verified.problems);
        assert_eq!(verified.checkpoints, 4);
        assert_eq!(writer.index_json().unwrap(), read(&s.index));
        // A state, which the index's text cannot take as it is, parses it.
        writer.set_index_entry("states", "\"s8\"", "{\"x\":1}").unwrap();
        assert!(read(&s.index).contains("\"s8\": {\n      \"x\": 1"));
        assert!(crate::core::verify(&s.log, &s.index).unwrap().problems.is_empty());
    }

    #[test]
    fn a_suspended_session_whose_files_changed_meanwhile_is_recovered() {
        type Change = fn(&crate::core::test_support::TempSession);
        let changes: [(&str, Change); 5] = [
            ("log replaced", |s| {
                let text = read(&s.log);
                fs::remove_file(&s.log).unwrap();
                fs::write(&s.log, text.replace("\"seq\":5", "\"seq\":50")).unwrap();
            }),
            ("log cut and grown again in place", |s| {
                let text = read(&s.log).replace("\"seq\":5", "\"seq\":70");
                fs::OpenOptions::new().write(true).open(&s.log).unwrap().write_all(text.as_bytes()).unwrap();
            }),
            ("log truncated", |s| {
                let text = read(&s.log);
                let cut = text[..text.len() - 1].rfind('\n').unwrap() + 1;
                fs::OpenOptions::new().write(true).open(&s.log).unwrap().set_len(cut as u64).unwrap();
            }),
            ("index written by another tool", |s| {
                fs::write(&s.index, read(&s.index).replace("\"states\": {}", "\"states\": {\"t\": 1}")).unwrap();
            }),
            ("session taken by another process", |s| {
                let mut other = Writer::new(&s.log, &s.index, Durability::None);
                other.append_batch("{\"type\":\"checkpoint\",\"seq\":60,\"stateId\":\"x\"}\n", CREATED).unwrap();
                other.close();
            }),
        ];
        for (what, change) in changes {
            let (s, mut writer) = suspended_session();
            change(&s);
            writer.append_batch("{\"type\":\"input\",\"seq\":100}\n", CREATED).unwrap();
            assert!(!held_as_written(&writer), "{what}: recovered, not resumed");
            let verified = crate::core::verify(&s.log, &s.index).unwrap();
            assert!(verified.problems.is_empty(), "{what}: {:?}", verified.problems);
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_index_or_log_that_is_a_symbolic_link_is_written_through_and_stays_a_link() {
        for absolute in [true, false] {
            let s = session();
            let real = s.dir.path().join("real");
            fs::create_dir(&real).unwrap();
            for (link, target) in [(&s.log, "s1.jsonl"), (&s.index, "s1.index.json")] {
                let target = if absolute { real.join(target) } else { PathBuf::from("real").join(target) };
                std::os::unix::fs::symlink(target, link).unwrap();
            }
            let mut writer = Writer::new(&s.log, &s.index, Durability::None);
            for seq in 0..3 {
                writer.append_batch(&format!("{{\"type\":\"checkpoint\",\"seq\":{seq}}}\n"), CREATED).unwrap();
            }
            assert!(fs::symlink_metadata(&s.index).unwrap().file_type().is_symlink(), "absolute {absolute}");
            assert!(read(&real.join("s1.index.json")).contains("\"eventCount\": 3"));
            let mut names: Vec<String> = fs::read_dir(&real)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            assert_eq!(names, ["s1.index.json", "s1.index.json.spare", "s1.jsonl", "s1.jsonl.batch"]);
            writer.close();
            assert_eq!(s.file_names(), ["real", "s1.index.json", "s1.jsonl"]);
        }
    }

    #[test]
    fn a_batch_cut_short_with_zeros_after_it_is_taken_back_whole_and_the_zeros_set_aside() {
        for tail in ["\0\0\0\0\n".to_owned(), "\0".repeat(4096)] {
            let s = session();
            let mut writer = Writer::new(&s.log, &s.index, Durability::None);
            writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
            let before = read(&s.log);
            // A killed writer's batch cut after its first line, then a tail of zeros.
            let batch = "{\"type\":\"input\",\"seq\":1}\n{\"type\":\"input\",\"seq\":2}\n";
            BatchRecord::new(&s.log, Durability::None).write(before.len() as u64, batch.as_bytes()).unwrap();
            append_to(&s.log, &batch.as_bytes()[..30]);
            append_to(&s.log, tail.as_bytes());
            drop(writer);
            let mut reopened = Writer::new(&s.log, &s.index, Durability::None);
            reopened.append_batch("{\"type\":\"input\",\"seq\":3}\n", CREATED).unwrap();
            // Not the batch's first line alone: the whole batch out, the zeros kept aside.
            assert_eq!(read(&s.log), format!("{before}{{\"type\":\"input\",\"seq\":3}}\n"));
            assert_eq!(set_aside(&s), std::slice::from_ref(&tail));

            // The same batch stored whole (acknowledged), then the zeros: it stays.
            let s = session();
            let mut writer = Writer::new(&s.log, &s.index, Durability::None);
            writer.append_batch(batch, CREATED).unwrap();
            let stored = read(&s.log);
            append_to(&s.log, tail.as_bytes());
            drop(writer);
            let mut reopened = Writer::new(&s.log, &s.index, Durability::None);
            reopened.append_batch("{\"type\":\"input\",\"seq\":3}\n", CREATED).unwrap();
            assert_eq!(read(&s.log), format!("{stored}{{\"type\":\"input\",\"seq\":3}}\n"));
            assert_eq!(set_aside(&s), [tail]);
        }
    }

    #[test]
    fn a_batch_a_crash_cut_short_is_taken_back_on_the_next_opening() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
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
        let mut reopened = Writer::new(&s.log, &s.index, Durability::None);
        reopened.append_batch("{\"type\":\"input\",\"seq\":1}\n", CREATED).unwrap();
        assert_eq!(read(&s.log), format!("{before}{{\"type\":\"input\",\"seq\":1}}\n"));
        assert!(read(&s.index).contains("\"eventCount\": 2"));
    }

    #[test]
    fn a_new_session_s_first_batch_a_crash_cut_short_leaves_the_next_batch_its_header() {
        let s = session();
        let mut writer = Writer::new(&s.log, &s.index, Durability::None);
        let batch: String = (0..200)
            .map(|seq| format!("{{\"type\":\"input\",\"seq\":{seq},\"pad\":\"{}\"}}\n", "x".repeat(100)))
            .collect();
        let header = EventLog::new(&s.log, Durability::None).header_line(CREATED);
        let bytes = format!("{header}{batch}");
        // What a writer killed in its first call leaves: the record, and a page of the batch.
        BatchRecord::new(&s.log, Durability::None).write(0, bytes.as_bytes()).unwrap();
        fs::write(&s.log, &bytes.as_bytes()[..4096]).unwrap();
        writer.append_batch("{\"type\":\"input\",\"seq\":0}\n", CREATED).unwrap();
        assert_eq!(read(&s.log), format!("{header}{{\"type\":\"input\",\"seq\":0}}\n"));
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
        Writer::new(&s.log, &s.index, Durability::None)
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
        let mut first = Writer::new(&s.log, &s.index, Durability::None);
        first.append_batch("{\"type\":\"x\",\"seq\":0}\n", CREATED).unwrap();
        first.append_batch("{\"type\":\"x\",\"seq\":1}\n", CREATED).unwrap();
        let mut second = Writer::new(&s.log, &s.index, Durability::None);
        assert!(second.append_batch("{\"type\":\"y\"}\n", CREATED).is_err());
        second.close();
        assert_eq!(s.file_names(), ["s1.index.json", "s1.index.json.spare", "s1.jsonl", "s1.jsonl.batch"]);
        first.close();
        assert_eq!(s.file_names(), ["s1.index.json", "s1.jsonl"]);
    }
}

/// Arbitrary bytes as an existing log: writing never panics and never cuts the log; what was
/// there stays, the batch starts a line of its own, and after `repair` `verify` finds nothing
/// wrong. `PROPTEST_CASES` sets how many logs are tried.
#[cfg(test)]
mod fuzz {
    use crate::core::durability::Durability;
    use crate::core::test_support::CREATED;
    use crate::core::verify::verify;
    use crate::core::writer::Writer;
    use proptest::prelude::*;
    use std::fs;

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

    /// How many bytes recovery kept aside in `.torn-` files in `dir`.
    fn kept_aside(dir: &std::path::Path) -> u64 {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.file_name().to_string_lossy().contains(".torn-"))
            .map(|entry| entry.metadata().unwrap().len())
            .sum()
    }

    proptest! {
        #[test]
        fn any_log_keeps_its_bytes_in_place_or_aside_and_verifies_after_repair(
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
            let mut writer = Writer::new(&log, &index_path, Durability::None);
            writer.append_batch(std::str::from_utf8(LAST).unwrap(), CREATED).unwrap();
            let after = fs::read(&log).unwrap();
            prop_assert!(after.ends_with(LAST), "the batch is the log's last line");
            let mut before_batch = &after[..after.len() - LAST.len()];
            if original.is_empty() && before_batch.starts_with(b"{\"type\":\"session\"") {
                before_batch = b"";
            }
            // What was there stays in place, or is blanked with spaces or cut off and kept aside.
            let removed = original.len().saturating_sub(before_batch.len())
                + before_batch.iter().zip(&original).filter(|&(&now, &was)| now != was).count();
            prop_assert!(before_batch.iter().zip(&original).all(|(&now, &was)| now == was || now == b' '));
            prop_assert!(before_batch.len() <= original.len(), "{:?}", before_batch);
            prop_assert!(kept_aside(dir.path()) >= removed as u64, "{} bytes removed", removed);
            prop_assert_eq!(writer.byte_offset(), after.len() as u64);
            let index_text = fs::read_to_string(&index_path).unwrap();
            let checkpoint_at = after.len() - LAST.len();
            prop_assert!(index_text.contains(&format!("\"byteOffset\": {checkpoint_at}")), "{}", index_text);
            let repaired = writer.repair().unwrap();
            writer.close();
            prop_assert!(!fs::read(&log).unwrap().contains(&0), "repair leaves no NUL byte in the log");
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
            let mut writer = Writer::new(&log, &index_path, Durability::None);
            let repaired = writer.repair().unwrap();
            writer.close();
            let verified = verify(&log, &index_path).unwrap();
            prop_assert!(verified.problems.is_empty(), "{:?} after {:?}", verified.problems, repaired.changes());
            let again = Writer::new(&log, &index_path, Durability::None).repair().unwrap();
            prop_assert!(again.changes().is_empty(), "{:?}", again.changes());
        }
    }
}

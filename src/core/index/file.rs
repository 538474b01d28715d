//! The index file: read once, then replaced whole on every write, so that no reader ever
//! sees part of one.
//!
//! A write goes to a spare file beside the index (`<index>.spare`), which is then swapped
//! with the index in one atomic rename (`platform::swap`): the spare then holds the previous
//! index, and the next write brings it up to date by writing only the pieces of text it lacks
//! (see `pieces`). No file is created per write, which on ext4 costs several times the write
//! itself, and a large index costs what changed in it, not its size. Where the system or the
//! file system cannot swap (Windows, some Linux file systems), or no index exists yet, the
//! spare is renamed over the index, which is atomic too.
//!
//! A reader that opened an earlier index may still be reading it when it has become the
//! spare: the spare is only written to when no one else has it open, and is otherwise left to
//! that reader and replaced by a new file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};

use super::pieces::{self, Filing, Layout, PieceRef};
use super::SessionIndex;
use crate::core::durability::Durability;
use crate::core::error::SessionError;
use crate::core::platform::{self, FileState};
use crate::core::regular_file::{self, Links};
use crate::core::side_files::{self, OnClose};
use std::borrow::Cow;

/// Bytes of neighbouring pieces joined into one write.
const WRITE_RUN_BYTES: usize = 1 << 20;

/// A session's index file and the spare its writes go through.
#[derive(Debug)]
pub struct IndexFile {
    path: PathBuf,
    spare_path: PathBuf,
    durability: Durability,
    /// What the index holds, as this writer last wrote it.
    live: Option<Written>,
    /// What the spare holds, when this writer knows.
    spare: Option<Written>,
    /// The index file as this writer last read or wrote it.
    seen: Option<Stamp>,
    /// Whether the last write swapped the spare with the index (then the spare holds the
    /// version before, which no one else writes).
    swapped: bool,
}

/// A text this writer wrote to a file, and the file just after.
#[derive(Debug)]
struct Written {
    layout: Layout,
    stamp: Stamp,
    /// The file, kept open from when it was written, so that it need not be opened again
    /// when it is next the spare.
    file: Option<File>,
}

/// What tells a file from the same file changed by someone else since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp(FileState);

impl Stamp {
    fn of(file: &File) -> io::Result<Self> {
        platform::state(file).map(Stamp)
    }

    /// The stamp of the file at `path` (of a link itself, not what it points at); `None` when
    /// there is none.
    fn at(path: &Path) -> io::Result<Option<Self>> {
        match platform::link_state_at(path) {
            Ok(state) => Ok(Some(Stamp(state))),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn len(&self) -> u64 {
        self.0.len
    }

    /// Whether both stamps were taken of the same file, changed or not.
    fn is_same_file(&self, other: &Stamp) -> bool {
        self.0.id == other.0.id
    }
}

impl IndexFile {
    /// The index at `path`; nothing is touched until it is read or replaced.
    pub fn new(path: impl Into<PathBuf>, durability: Durability) -> Self {
        let path = path.into();
        let spare_path = side_files::beside(&path, ".spare");
        IndexFile { path, spare_path, durability, live: None, spare: None, seen: None, swapped: false }
    }

    /// The index file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the index; `None` when there is no such file. When the file holds exactly the
    /// text the index writes (as this module and the original both write it), the index's
    /// pieces are taken to be in it, so that once it becomes the spare it is patched, not
    /// written whole.
    pub fn read(&mut self) -> Result<Option<SessionIndex>, SessionError> {
        let Some((text, stamp)) = read_with_stamp(&self.path)? else {
            return Ok(None);
        };
        self.seen = Some(stamp);
        let index = parse(&self.path, &text)?;
        let layout = index.with_text(|pieces| pieces::text_is(pieces, &text).then(|| Layout::of(pieces)));
        self.live = layout.map(|layout| Written { layout, stamp, file: None });
        Ok(Some(index))
    }

    /// The index as someone else wrote it to the file since this writer last read or wrote it
    /// (one `stat` tells); `None` when the file is as this writer knows it, missing, or not an
    /// index (a write still in progress, which this writer's next one replaces whole).
    pub fn read_if_changed(&mut self) -> Result<Option<SessionIndex>, SessionError> {
        let on_disk = Stamp::at(&self.path).map_err(|err| SessionError::io("stat", &self.path, err))?;
        if on_disk.is_none() || on_disk == self.seen {
            return Ok(None);
        }
        match self.read() {
            Err(SessionError::InvalidIndex { .. }) => Ok(None),
            read => read,
        }
    }

    /// The index file's text as it is (decoded as `read` decodes it), changing nothing this
    /// writer knows of it; `None` when there is no such file.
    pub fn read_text(&self) -> Result<Option<String>, SessionError> {
        Ok(read_with_stamp(&self.path)?.map(|(text, _)| text))
    }

    /// Replaces the index with the text `text` makes, flushed as the durability mode asks;
    /// returns how many bytes of it had to be written. Readers see the old index or the new
    /// one, never a part; after an error the index is untouched.
    pub fn replace(&mut self, text: &[PieceRef<'_>]) -> Result<u64, SessionError> {
        let (spare, known) = self.open_spare()?;
        let layout = Layout::of(text);
        let mut bytes_written = 0;
        let stamp = self
            .patch(&spare, known.as_ref(), text, &layout)
            .map(|written| bytes_written = written)
            .and_then(|()| self.durability.sync_replacement(&spare))
            .and_then(|()| Stamp::of(&spare))
            .map_err(|err| SessionError::io("write", &self.spare_path, err))?;
        let written = Written { layout, stamp, file: Some(spare) };
        self.seen = Some(stamp);
        let synced = match platform::swap(&self.spare_path, &self.path) {
            Ok(()) => {
                self.swapped = true;
                self.spare = self.live.replace(written);
                self.durability.sync_renamed(&self.path)
            }
            // No index yet, or a system or file system that cannot swap: move the spare into place.
            Err(swap) => {
                self.swapped = false;
                let held = self.live.as_mut().and_then(|live| live.file.take());
                platform::rename_over(&self.spare_path, &self.path, held)
                    .map_err(|err| SessionError::io("rename", &self.path, err))?;
                self.live = Some(written);
                if swap.kind() == ErrorKind::NotFound {
                    self.durability.sync_new_name(&self.path)
                } else {
                    self.durability.sync_renamed(&self.path)
                }
            }
        };
        synced.map_err(|err| SessionError::io("fsync", &self.path, err))?;
        Ok(bytes_written)
    }

    /// Brings the spare up to the text `text` makes, which the index file holds now, without
    /// swapping it in: an index let go of now leaves a spare that the first write after
    /// `relabel` need only patch. After an error the next write writes the spare whole.
    pub fn copy_live_to_spare(&mut self, text: &[PieceRef<'_>]) -> Result<(), SessionError> {
        let (spare, known) = self.open_spare()?;
        let layout = Layout::of(text);
        let stamp = self
            .patch(&spare, known.as_ref(), text, &layout)
            .and_then(|_| Stamp::of(&spare))
            .map_err(|err| SessionError::io("write", &self.spare_path, err))?;
        self.spare = Some(Written { layout, stamp, file: Some(spare) });
        Ok(())
    }

    /// Takes `text`'s pieces, which make exactly the text the index file holds, for the pieces
    /// of that text (and of the spare's, when it holds the same one: equal layouts mean equal
    /// texts), so that the next write patches the spare instead of writing it whole. For an
    /// index held again as the text last written, with pieces of its own.
    pub fn relabel(&mut self, text: &[PieceRef<'_>]) {
        let layout = Layout::of(text);
        if let (Some(live), Some(spare)) = (&self.live, &mut self.spare) {
            if spare.layout == live.layout {
                spare.layout = layout.clone();
            }
        }
        if let Some(live) = &mut self.live {
            live.layout = layout;
        }
    }

    /// The length of the text this writer last wrote to the index or read from it (0 if none).
    pub fn written_len(&self) -> u64 {
        self.live.as_ref().map_or(0, |live| live.layout.len())
    }

    /// Whether the index file holds exactly the text `text` makes, as this writer last wrote
    /// or read it.
    pub fn holds_exactly(&self, text: &[PieceRef<'_>]) -> bool {
        self.live.as_ref().is_some_and(|live| live.layout == Layout::of(text))
    }

    /// The whole text `text` makes, its filed pieces read back from the spare or the index,
    /// whichever holds them as this writer wrote it.
    pub fn text_of(&self, text: &[PieceRef<'_>]) -> Result<String, SessionError> {
        if let Some(whole) = pieces::concat(text) {
            return Ok(whole);
        }
        let mut bytes = Vec::with_capacity(text.iter().map(|piece| piece.len() as usize).sum());
        for piece in text {
            match piece.text() {
                Some(held) => bytes.extend_from_slice(held.as_bytes()),
                None => bytes.extend_from_slice(&self.read_filed(*piece, None)?),
            }
        }
        Ok(String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()))
    }

    /// The bytes of the filed `piece`, read from a file whose layout places it and which is as
    /// this writer left it: the spare being patched (`patching`, read before it is written), the
    /// spare, or the index. Fails when none is (another process rewrote the index meanwhile and
    /// this writer's spare does not hold the piece).
    fn read_filed(&self, piece: PieceRef<'_>, patching: Option<(&File, &Layout)>) -> Result<Vec<u8>, SessionError> {
        if let Some((file, layout)) = patching {
            if let Some(bytes) = layout.offset_of(piece.id()).and_then(|at| read_exact_at(file, at, piece.len()).ok()) {
                return Ok(bytes);
            }
        }
        let files = [(&self.spare, &self.spare_path), (&self.live, &self.path)];
        for (written, path) in files {
            let Some(written) = written else { continue };
            let Some(offset) = written.layout.offset_of(piece.id()) else { continue };
            let Ok(file) = File::open(path) else { continue };
            // The file is read only while it is as this writer left it, before and after.
            let unchanged = || Stamp::of(&file).is_ok_and(|stamp| stamp == written.stamp);
            if unchanged() {
                if let Ok(bytes) = read_exact_at(&file, offset, piece.len()) {
                    if unchanged() {
                        return Ok(bytes);
                    }
                }
            }
        }
        let gone = io::Error::other(
            "the index was rewritten by another process while this writer held part of it only in the file",
        );
        Err(SessionError::io("read", &self.path, gone))
    }

    /// How many descriptors this index keeps open between writes (the index and its spare).
    pub fn descriptors(&self) -> usize {
        [&self.live, &self.spare]
            .iter()
            .filter(|written| written.as_ref().is_some_and(|written| written.file.is_some()))
            .count()
    }

    /// Closes the files kept open between writes, remembering what they hold: the next write
    /// opens the spare again by its path, and patches it if it is still as this writer left it.
    pub fn release_descriptors(&mut self) {
        for written in [&mut self.live, &mut self.spare].into_iter().flatten() {
            written.file = None;
        }
    }

    /// Lets go of both files; removes the spare with `OnClose::Remove` (when this writer held
    /// the session), leaving only the index beside the log.
    pub fn close(&mut self, on_close: OnClose) {
        (self.live, self.spare) = (None, None);
        if on_close == OnClose::Remove {
            // Best effort: a spare left behind is reused by the next writer.
            let _ = fs::remove_file(&self.spare_path);
        }
    }

    /// Turns `file`, holding the text laid out as `known` (`None`: unknown content), into the
    /// text `text` makes, laid out as `layout`; returns how many bytes it wrote. Filed pieces it
    /// lacks are read (`read_filed`) before anything is written.
    fn patch(&self, file: &File, known: Option<&Layout>, text: &[PieceRef<'_>], layout: &Layout) -> io::Result<u64> {
        let (missing, known_len) = match known {
            Some(known) => (known.missing(text), known.len()),
            None => (Layout::default().missing(text), file.metadata()?.len()),
        };
        let mut writes: Vec<(u64, Cow<'_, [u8]>)> = Vec::with_capacity(missing.len());
        for (at, piece) in missing {
            let bytes = match piece.text() {
                Some(held) => Cow::Borrowed(held.as_bytes()),
                None => Cow::Owned(self.read_filed(piece, known.map(|known| (file, known))).map_err(io::Error::other)?),
            };
            writes.push((at, bytes));
        }
        write_at_offsets(file, &writes)?;
        // Cut what is left of longer content only now: truncating to zero first makes ext4 flush
        // the file when it is closed.
        if known_len > layout.len() {
            file.set_len(layout.len())?;
        }
        Ok(writes.iter().map(|(_, bytes)| bytes.len() as u64).sum())
    }

    /// The spare, with the layout of what it holds when this writer knows. One left by an
    /// earlier writer of this session is reused (only the writer holding the session's log
    /// writes it), unless someone still has it open: then it is left to them and a new spare
    /// is made.
    fn open_spare(&mut self) -> Result<(File, Option<Layout>), SessionError> {
        let known = self.spare.take();
        let Some(on_disk) =
            Stamp::at(&self.spare_path).map_err(|err| SessionError::io("stat", &self.spare_path, err))?
        else {
            return create_new(&self.spare_path).map(|file| (file, None));
        };
        // The file kept open is used while the spare's path still names it; what it holds is
        // known while it is as this writer left it.
        let (held, layout) = match known {
            Some(Written { layout, stamp, file }) => {
                (file.filter(|_| stamp.is_same_file(&on_disk)), (stamp == on_disk).then_some(layout))
            }
            None => (None, None),
        };
        let spare = match held {
            Some(file) => file,
            // Read access too, so that a FIFO planted there opens at once and is refused.
            None => regular_file::open(&self.spare_path, OpenOptions::new().read(true).write(true), Links::Refuse)?,
        };
        if platform::open_only_here(&spare) {
            return Ok((spare, layout));
        }
        drop(spare);
        match fs::remove_file(&self.spare_path) {
            Err(err) if err.kind() != ErrorKind::NotFound => {
                return Err(SessionError::io("unlink", &self.spare_path, err));
            }
            _ => {}
        }
        create_new(&self.spare_path).map(|file| (file, None))
    }
}

/// The index and its spare hold the text of the pieces this writer wrote to them, so that the
/// text of a piece need not be held in memory (`text_of`, `read_filed` read it back). A piece is
/// filed only once both hold it, the spare as the last write swapped it: another process may
/// rewrite the index in place, never the spare. Where the index is renamed into place instead
/// of swapped (Windows, file systems that cannot swap), no spare is kept, and nothing is filed.
impl Filing for IndexFile {
    fn holds(&self, id: u64) -> bool {
        let holds = |written: &Written| written.layout.offset_of(id).is_some();
        self.swapped && self.live.as_ref().is_some_and(holds) && self.spare.as_ref().is_some_and(holds)
    }

    fn merge(&mut self, first: u64, second: u64) -> Option<u64> {
        let files = [&self.live, &self.spare];
        let agree = files.iter().all(|written| {
            written.as_ref().is_none_or(|written| {
                written.layout.has_neighbours(first, second) || !written.layout.has_either(first, second)
            })
        });
        if !agree || !self.live.as_ref().is_some_and(|live| live.layout.has_neighbours(first, second)) {
            return None;
        }
        let merged = pieces::fresh_id();
        for written in [&mut self.live, &mut self.spare].into_iter().flatten() {
            written.layout.merge(first, second, merged);
        }
        Some(merged)
    }
}

/// Creates a file that did not exist (never through a link planted at its path), for reading
/// too: a spare's pieces are read back from it.
fn create_new(path: &Path) -> Result<File, SessionError> {
    regular_file::open(path, OpenOptions::new().read(true).write(true).create_new(true), Links::Refuse)
}

/// Reads exactly `len` bytes of `file` at `offset`.
fn read_exact_at(file: &File, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; len as usize];
    let mut read = 0;
    while read < bytes.len() {
        match platform::read_at(file, &mut bytes[read..], offset + read as u64)? {
            0 => return Err(ErrorKind::UnexpectedEof.into()),
            count => read += count,
        }
    }
    Ok(bytes)
}

/// Writes each `(offset, bytes)`, joining neighbours into one write.
fn write_at_offsets(file: &File, writes: &[(u64, Cow<'_, [u8]>)]) -> io::Result<()> {
    let mut run: Vec<u8> = Vec::new();
    let mut run_start = 0;
    for (at, text) in writes {
        let at = *at;
        if run_start + run.len() as u64 != at || run.len() + text.len() > WRITE_RUN_BYTES {
            platform::write_all_at(file, &run, run_start)?;
            run.clear();
            run_start = at;
        }
        if text.len() > WRITE_RUN_BYTES {
            platform::write_all_at(file, text, at)?;
            run_start = at + text.len() as u64;
        } else {
            run.extend_from_slice(text);
        }
    }
    platform::write_all_at(file, &run, run_start)
}

/// Reads the index at `path`; `None` when there is no such file.
pub fn read(path: &Path) -> Result<Option<SessionIndex>, SessionError> {
    read_with_stamp(path)?.map(|(text, _)| parse(path, &text)).transpose()
}

/// The file's text (decoded as `readFile(file, 'utf8')` decodes it, bytes that are not UTF-8
/// becoming U+FFFD) and stamp; `None` when there is no such file.
fn read_with_stamp(path: &Path) -> Result<Option<(String, Stamp)>, SessionError> {
    let read = |mut file: File| {
        let stamp = Stamp::of(&file)?;
        let mut bytes = Vec::with_capacity(stamp.len() as usize);
        io::Read::read_to_end(&mut file, &mut bytes)?;
        let text = String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
        Ok((text, stamp))
    };
    let file = match regular_file::open(path, OpenOptions::new().read(true), Links::Follow) {
        Ok(file) => file,
        Err(err) if err.is_not_found() => return Ok(None),
        Err(err) => return Err(err),
    };
    read(file).map(Some).map_err(|err| SessionError::io("read", path, err))
}

fn parse(path: &Path, text: &str) -> Result<SessionIndex, SessionError> {
    SessionIndex::parse(text).map_err(|source| SessionError::InvalidIndex { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::index::pieces::Piece;

    fn replace(index: &mut IndexFile, pieces: &[&Piece]) -> u64 {
        let text: Vec<PieceRef<'_>> = pieces.iter().map(|piece| piece.as_ref()).collect();
        index.replace(&text).unwrap()
    }

    fn piece(text: &str) -> Piece {
        Piece::new(text.to_owned())
    }

    // The spare is swapped with the index only where the system can (Linux, macOS).
    #[cfg(any(target_os = "linux", target_vendor = "apple"))]
    #[test]
    fn replaces_the_index_whole_and_keeps_the_previous_one_in_the_spare() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = IndexFile::new(dir.path().join("s.index.json"), Durability::Full);
        replace(&mut index, &[&piece("{\"a\": 1}")]);
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{\"a\": 1}");
        replace(&mut index, &[&piece("{}")]);
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{}");
        assert_eq!(fs::read_to_string(&index.spare_path).unwrap(), "{\"a\": 1}");
        replace(&mut index, &[&piece("{\"b\": 22222}")]);
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{\"b\": 22222}");
        index.close(OnClose::Remove);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(names, ["s.index.json"]);
    }

    #[test]
    fn every_version_is_exact_while_pieces_are_kept_changed_and_moved() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = IndexFile::new(dir.path().join("s.index.json"), Durability::None);
        let (head, tail) = (piece("{\"list\": ["), piece("]}"));
        let mut items: Vec<Piece> = Vec::new();
        for round in 0..40 {
            match round % 5 {
                0..=2 => items.push(piece(&format!("{round},"))),
                3 => items.truncate(items.len() / 2),
                _ => items.insert(0, piece("x,")),
            }
            let count = piece(&round.to_string());
            let mut text = vec![&head, &count];
            text.extend(&items);
            text.push(&tail);
            replace(&mut index, &text);
            let expected: String = text.iter().map(|piece| piece.text()).collect();
            assert_eq!(fs::read_to_string(index.path()).unwrap(), expected, "round {round}");
        }
    }

    // A spare is reused only where a write lease says no one has it open (Linux).
    #[cfg(target_os = "linux")]
    #[test]
    fn only_what_changed_is_written_once_the_spare_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = IndexFile::new(dir.path().join("s.index.json"), Durability::None);
        let (big, end) = (piece(&format!("[\"{}\"", "x".repeat(100_000))), piece("]"));
        let count = |n: u32| piece(&format!(", {n}"));
        assert!(replace(&mut index, &[&big, &count(1), &end]) > 100_000, "a new spare is written whole");
        assert!(replace(&mut index, &[&big, &count(2), &end]) > 100_000, "so is one of unknown content");
        assert_eq!(replace(&mut index, &[&big, &count(3), &end]), 3, "the count, the end in place");
        assert_eq!(replace(&mut index, &[&big, &count(40), &end]), 5, "the longer count and the end it moved");
    }

    // A spare is reused only where a write lease says no one has it open (Linux).
    #[cfg(target_os = "linux")]
    #[test]
    fn an_index_held_as_written_text_with_its_checkpoints_left_in_the_file_is_patched_and_read_back() {
        use crate::core::event::Event;
        use crate::core::index::Indexes;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.index.json");
        let mut file = IndexFile::new(&path, Durability::None);
        let mut index = crate::core::index::SessionIndex::new("s");
        for seq in 0..3000 {
            let line = format!("{{\"type\":\"checkpoint\",\"seq\":{seq},\"stateId\":\"s{seq}\"}}");
            index.add_event(&Event::parse(&line).unwrap(), seq * 100);
            if seq % 1000 == 999 {
                index.with_text(|text| file.replace(text)).unwrap();
            }
        }
        assert!(index.with_text(|text| file.holds_exactly(text)));
        index.with_text(|text| file.copy_live_to_spare(text)).unwrap();
        let mut written = crate::core::index::WrittenIndex::new(index.to_json()).unwrap();
        written.with_text(|text| file.relabel(text));
        written.file_away(&mut file);
        assert!(written.is_filed());
        file.release_descriptors();
        for seq in 3000..3003 {
            let line = format!("{{\"type\":\"checkpoint\",\"seq\":{seq}}}");
            let checkpoint = Event::parse(&line).unwrap();
            index.add_event(&checkpoint, seq * 100);
            written.add_event(&checkpoint, seq * 100);
            let bytes = written.with_text(|text| file.replace(text)).unwrap();
            assert_eq!(fs::read_to_string(&path).unwrap(), index.to_json());
            assert_eq!(written.with_text(|text| file.text_of(text)).unwrap(), index.to_json());
            assert!(bytes < 400, "{bytes} bytes written");
            // The checkpoints added are left in the files with the rest.
            written.file_away(&mut file);
            assert!(written.with_text(|text| text.len()) <= 7, "the checkpoints' text stays in a few pieces");
        }
        // A count one digit longer moves the checkpoints: their text is read back and written.
        let longer = Event::parse(r#"{"type":"input","seq":99999}"#).unwrap();
        index.add_event(&longer, 400_000);
        written.add_event(&longer, 400_000);
        assert!(written.with_text(|text| file.replace(text)).unwrap() > 100_000);
        assert_eq!(fs::read_to_string(&path).unwrap(), index.to_json());
        // Someone else rewrote both files: the text left in them is gone, and that is an error.
        fs::write(&path, "{}").unwrap();
        fs::write(&file.spare_path, "{}").unwrap();
        assert!(matches!(written.with_text(|text| file.text_of(text)), Err(SessionError::Io { .. })));
    }

    // A spare is reused only where a write lease says no one has it open (Linux).
    #[cfg(target_os = "linux")]
    #[test]
    fn an_index_read_as_written_is_patched_once_it_is_the_spare() {
        use crate::core::event::Event;
        use crate::core::index::Indexes;
        use crate::core::json::JsValue;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.index.json");
        let checkpoints: Vec<String> =
            (0..5000).map(|n| format!("{{\"seq\":{n},\"byteOffset\":{}}}", n * 100)).collect();
        let original = format!("{{\"eventCount\":5000,\"checkpoints\":[{}],\"states\":{{}}}}", checkpoints.join(","));
        fs::write(&path, JsValue::parse(&original).unwrap().to_pretty_json()).unwrap();
        let mut file = IndexFile::new(&path, Durability::None);
        let mut index = file.read().unwrap().unwrap();
        let mut write = |file: &mut IndexFile, line: &str| {
            index.add_event(&Event::parse(line).unwrap(), 500_000);
            let written = index.with_text(|text| file.replace(text)).unwrap();
            assert_eq!(fs::read_to_string(&path).unwrap(), index.to_json());
            written
        };
        assert!(write(&mut file, r#"{"type":"input","seq":5000}"#) > 100_000, "the first spare is new");
        let written = write(&mut file, r#"{"type":"checkpoint","seq":5001}"#);
        assert!(written < 20_000, "{written} bytes written");
    }

    #[test]
    fn a_reader_holding_an_earlier_index_keeps_reading_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = IndexFile::new(dir.path().join("s.index.json"), Durability::None);
        replace(&mut index, &[&piece("[\"first\"]")]);
        let reader = File::open(index.path()).unwrap();
        for text in ["[\"second\"]", "[\"third, longer\"]", "[4]"] {
            replace(&mut index, &[&piece(text)]);
        }
        let mut held = String::new();
        io::Read::read_to_string(&mut &reader, &mut held).unwrap();
        assert_eq!(held, "[\"first\"]");
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "[4]");
    }

    #[test]
    fn a_spare_changed_behind_the_writers_back_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = IndexFile::new(dir.path().join("s.index.json"), Durability::None);
        let (kept, end) = (piece("{\"kept\": \"a long value\""), piece("}"));
        replace(&mut index, &[&kept, &end]);
        replace(&mut index, &[&kept, &piece(", \"n\": 1"), &end]);
        fs::write(&index.spare_path, "garbage that is longer than the index").unwrap();
        let text = [&kept, &piece(", \"n\": 2"), &end];
        replace(&mut index, &text);
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{\"kept\": \"a long value\", \"n\": 2}");
        // Another file put where the spare was: it is replaced, not the file held open.
        let elsewhere = dir.path().join("other");
        fs::write(&elsewhere, "x").unwrap();
        fs::rename(&elsewhere, &index.spare_path).unwrap();
        replace(&mut index, &[&kept, &piece(", \"n\": 3"), &end]);
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{\"kept\": \"a long value\", \"n\": 3}");
    }

    #[test]
    fn a_failed_write_leaves_the_index_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = IndexFile::new(dir.path().join("s.index.json"), Durability::None);
        replace(&mut index, &[&piece("{\"kept\": true}")]);
        fs::remove_file(&index.spare_path).ok();
        fs::create_dir(&index.spare_path).unwrap();
        let text = piece("{}");
        assert!(matches!(index.replace(&[text.as_ref()]), Err(SessionError::Io { .. })));
        assert_eq!(fs::read_to_string(index.path()).unwrap(), "{\"kept\": true}");
    }
}

//! What the disk would hold if the power went now: for each file changed since the mount, its
//! bytes as of its last sync and the pages changed since; for each directory whose entries
//! changed since its last sync, its entries as of then.
//!
//! The backing directory always holds the newest state (the page cache, in a kernel's terms);
//! this is the rest of the picture, which the cut applies.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use crate::write_back::PAGE;

/// A file's bytes as of its last sync, and the pages changed since.
#[derive(Debug, Default, Clone)]
pub struct FileImage {
    /// The bytes the disk holds.
    pub synced: Vec<u8>,
    /// The pages written, truncated or extended since the last sync.
    pub dirty: BTreeSet<u64>,
}

/// The non-directory entries of a directory as of its last sync: name to inode.
pub type Entries = BTreeMap<OsString, u64>;

/// The synced state of every file and directory changed since the mount.
#[derive(Debug, Default)]
pub struct Durable {
    files: HashMap<u64, FileImage>,
    dirs: HashMap<u64, Entries>,
}

impl Durable {
    /// Records, before the first change to a file that existed at the mount, what it holds
    /// (`current` is asked only then).
    pub fn file_changing(&mut self, ino: u64, current: impl FnOnce() -> io::Result<Vec<u8>>) -> io::Result<()> {
        if let Entry::Vacant(vacant) = self.files.entry(ino) {
            vacant.insert(FileImage { synced: current()?, dirty: BTreeSet::new() });
        }
        Ok(())
    }

    /// Records a file created since the mount: nothing of its data is on the disk yet.
    pub fn file_created(&mut self, ino: u64) {
        self.files.entry(ino).or_default();
    }

    /// Records that `pages` of a file (already recorded as changing) changed.
    pub fn pages_changed(&mut self, ino: u64, pages: impl Iterator<Item = u64>) {
        self.files.entry(ino).or_default().dirty.extend(pages);
    }

    /// An fsync or fdatasync of a file: what `file` holds now is on the disk.
    pub fn file_synced(&mut self, ino: u64, file: &File) -> io::Result<()> {
        let Some(image) = self.files.get_mut(&ino) else { return Ok(()) };
        let len = file.metadata()?.len();
        image.synced.resize(len as usize, 0);
        for &page in &image.dirty {
            let start = page * PAGE;
            if start >= len {
                break;
            }
            let end = (start + PAGE).min(len);
            file.read_exact_at(&mut image.synced[start as usize..end as usize], start)?;
        }
        image.dirty.clear();
        Ok(())
    }

    /// Records, before the first change to a directory's entries since its last sync, what they
    /// are (`current` is asked only then).
    pub fn dir_changing(&mut self, dir: u64, current: impl FnOnce() -> io::Result<Entries>) -> io::Result<()> {
        if let Entry::Vacant(vacant) = self.dirs.entry(dir) {
            vacant.insert(current()?);
        }
        Ok(())
    }

    /// Records a directory created since the mount: none of its entries is on the disk yet.
    pub fn dir_created(&mut self, dir: u64) {
        self.dirs.entry(dir).or_default();
    }

    /// An fsync of a directory: its entries now are on the disk.
    pub fn dir_synced(&mut self, dir: u64) {
        self.dirs.remove(&dir);
    }

    /// The files changed since the mount.
    pub fn files(&self) -> &HashMap<u64, FileImage> {
        &self.files
    }

    /// The directories whose entries changed since their last sync, with the entries as of then.
    pub fn dirs(&self) -> &HashMap<u64, Entries> {
        &self.dirs
    }
}

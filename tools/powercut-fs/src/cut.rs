//! The cut: the backing directory is set to what the disk would hold after the power went,
//! under a model.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{FromRawFd, RawFd};

use crate::durable::Durable;
use crate::inodes::{c_name, check, Inodes};
use crate::model::{Model, Names};
use crate::rng::Rng;
use crate::write_back::after_cut;

/// What a cut changed, for the log of a run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CutReport {
    /// Files whose unsynced data was dropped in whole or in part.
    pub files_rolled_back: usize,
    /// Directories whose unsynced entries were undone.
    pub dirs_rolled_back: usize,
}

/// Applies a cut to the backing directory. Nothing else may change it meanwhile.
pub fn cut(inodes: &Inodes, durable: &Durable, model: Model, rng: &mut Rng) -> io::Result<CutReport> {
    let mut report = CutReport::default();
    let mut files: Vec<_> = durable.files().iter().collect();
    files.sort_by_key(|(ino, _)| **ino);
    let mut contents = HashMap::new();
    for (&ino, image) in files {
        let current = inodes.read_all(ino)?;
        let after = after_cut(model.data, &image.synced, &current, &image.dirty, rng);
        if after != current {
            report.files_rolled_back += 1;
        }
        contents.insert(ino, after);
    }
    for (&ino, bytes) in &contents {
        if inodes.stat(ino)?.st_nlink > 0 {
            inodes.open(ino, libc::O_WRONLY | libc::O_TRUNC)?.write_all(bytes)?;
        }
    }
    if model.names == Names::Synced {
        let mut dirs: Vec<_> = durable.dirs().iter().collect();
        dirs.sort_by_key(|(dir, _)| **dir);
        let mut made: HashMap<u64, (RawFd, OsString)> = HashMap::new();
        for (&dir, entries) in dirs {
            restore_entries(inodes, dir, entries, &contents, &mut made)?;
            report.dirs_rolled_back += 1;
        }
    }
    Ok(report)
}

/// Sets a directory's regular files to `entries`: each made anew with its content after the
/// cut, a second name of one inode as a hard link.
fn restore_entries(
    inodes: &Inodes,
    dir: u64,
    entries: &BTreeMap<OsString, u64>,
    contents: &HashMap<u64, Vec<u8>>,
    made: &mut HashMap<u64, (RawFd, OsString)>,
) -> io::Result<()> {
    let dir_fd = inodes.fd(dir)?;
    for (name, is_dir) in inodes.list(dir)? {
        let c = c_name(&name)?;
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        check(unsafe { libc::fstatat(dir_fd, c.as_ptr(), &mut stat, libc::AT_SYMLINK_NOFOLLOW) })?;
        if !is_dir && stat.st_mode & libc::S_IFMT == libc::S_IFREG {
            check(unsafe { libc::unlinkat(dir_fd, c.as_ptr(), 0) })?;
        }
    }
    for (name, &ino) in entries {
        let c = c_name(name)?;
        if let Some((old_dir, old_name)) = made.get(&ino) {
            check(unsafe { libc::linkat(*old_dir, c_name(old_name)?.as_ptr(), dir_fd, c.as_ptr(), 0) })?;
            continue;
        }
        let bytes = match contents.get(&ino) {
            Some(bytes) => bytes.clone(),
            None => inodes.read_all(ino)?,
        };
        let mode = inodes.stat(ino)?.st_mode & 0o7777;
        let fd = check(unsafe {
            libc::openat(
                dir_fd,
                c.as_ptr(),
                libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC,
                mode as libc::c_uint,
            )
        })?;
        unsafe { File::from_raw_fd(fd) }.write_all(&bytes)?;
        made.insert(ino, (dir_fd, name.clone()));
    }
    Ok(())
}

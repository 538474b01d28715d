//! The inodes the kernel knows, each held open (`O_PATH`) in the backing directory.
//!
//! An inode is never forgotten while mounted: its descriptor keeps the backing inode (and its
//! number) alive, so that a file unlinked since its last sync can still be read at the cut and
//! its number is never reused for another file.

use std::collections::HashMap;
use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// The number the kernel knows the mount's root by.
pub const ROOT: u64 = 1;

/// Turns a `-1` return into the thread's `errno`.
pub fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

/// A name as a C string (names never hold NUL: the kernel checks).
pub fn c_name(name: &OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// The status of a descriptor.
pub fn fstat(fd: RawFd) -> io::Result<libc::stat> {
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    check(unsafe { libc::fstat(fd, &mut stat) })?;
    Ok(stat)
}

/// The path through which an `O_PATH` descriptor can be opened for real.
pub fn proc_path(fd: RawFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{fd}"))
}

/// Every inode looked up, by the number the kernel knows it by.
#[derive(Debug)]
pub struct Inodes {
    fds: HashMap<u64, OwnedFd>,
    by_backing: HashMap<(u64, u64), u64>,
    next: u64,
}

impl Inodes {
    /// The table of a mount of `backing`, holding only its root.
    pub fn new(backing: &Path) -> io::Result<Self> {
        let path =
            CString::new(backing.as_os_str().as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        let fd = check(unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_DIRECTORY) })?;
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let stat = fstat(fd.as_raw_fd())?;
        let mut inodes = Inodes { fds: HashMap::new(), by_backing: HashMap::new(), next: ROOT + 1 };
        inodes.by_backing.insert((stat.st_dev, stat.st_ino), ROOT);
        inodes.fds.insert(ROOT, fd);
        Ok(inodes)
    }

    /// The `O_PATH` descriptor of an inode.
    pub fn fd(&self, ino: u64) -> io::Result<RawFd> {
        self.fds.get(&ino).map(|fd| fd.as_raw_fd()).ok_or_else(|| io::Error::from_raw_os_error(libc::ESTALE))
    }

    /// Looks `name` up in directory `parent`: its number (the same for every name of one
    /// backing inode) and its status.
    pub fn lookup(&mut self, parent: u64, name: &OsStr) -> io::Result<(u64, libc::stat)> {
        let name = c_name(name)?;
        let fd = check(unsafe { libc::openat(self.fd(parent)?, name.as_ptr(), libc::O_PATH | libc::O_NOFOLLOW) })?;
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let stat = fstat(fd.as_raw_fd())?;
        let key = (stat.st_dev, stat.st_ino);
        if let Some(&ino) = self.by_backing.get(&key) {
            return Ok((ino, stat));
        }
        let ino = self.next;
        self.next += 1;
        self.by_backing.insert(key, ino);
        self.fds.insert(ino, fd);
        Ok((ino, stat))
    }

    /// The status of an inode.
    pub fn stat(&self, ino: u64) -> io::Result<libc::stat> {
        fstat(self.fd(ino)?)
    }

    /// Opens an inode for reading or writing with `flags` (never `O_CREAT`).
    pub fn open(&self, ino: u64, flags: libc::c_int) -> io::Result<File> {
        let path = CString::new(proc_path(self.fd(ino)?).into_os_string().into_vec()).expect("no NUL in a /proc path");
        let fd = check(unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) })?;
        Ok(unsafe { File::from_raw_fd(fd) })
    }

    /// The whole content of a file inode, linked or not.
    pub fn read_all(&self, ino: u64) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.open(ino, libc::O_RDONLY)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// The entries of a directory inode other than `.` and `..`: name and whether it is a
    /// directory.
    pub fn list(&self, dir: u64) -> io::Result<Vec<(std::ffi::OsString, bool)>> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(proc_path(self.fd(dir)?))? {
            let entry = entry?;
            entries.push((entry.file_name(), entry.file_type()?.is_dir()));
        }
        entries.sort();
        Ok(entries)
    }
}

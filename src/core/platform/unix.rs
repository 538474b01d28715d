//! The Unix side of `platform`: Linux and macOS.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Seek, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

use super::FileState;

pub fn state(file: &File) -> io::Result<FileState> {
    file.metadata().map(|metadata| of(&metadata))
}

pub fn state_at(path: &Path, follow_links: bool) -> io::Result<FileState> {
    let metadata = if follow_links { fs::metadata(path) } else { fs::symlink_metadata(path) };
    metadata.map(|metadata| of(&metadata))
}

fn of(metadata: &fs::Metadata) -> FileState {
    FileState::new((metadata.dev(), metadata.ino()), metadata)
}

pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

pub fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    file.write_all_at(bytes, offset)
}

pub fn open_for_appending(options: &mut OpenOptions) -> &mut OpenOptions {
    options.read(true).append(true)
}

pub fn try_lock_session(file: &File) -> Result<(), TryLockError> {
    file.try_lock()
}

pub fn append(mut file: &File, bytes: &[u8]) -> io::Result<(u64, usize)> {
    let count = file.write(bytes)?;
    // With O_APPEND the kernel puts the file position at the end of what it wrote.
    Ok((file.stream_position()? - count as u64, count))
}

pub fn overwrite_in_appended(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    let flags = fcntl_getfl(file)?;
    fcntl_setfl(file, flags - OFlags::APPEND)?;
    let written = file.write_all_at(bytes, offset);
    fcntl_setfl(file, flags)?;
    written
}

pub fn truncate_appended(file: &File, len: u64) -> io::Result<()> {
    file.set_len(len)
}

pub fn rename_over(from: &Path, to: &Path, held_at_to: Option<File>) -> io::Result<()> {
    let renamed = fs::rename(from, to);
    drop(held_at_to);
    renamed
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
pub fn swap(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    Ok(renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)?)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
pub fn swap(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(target_os = "linux")]
pub fn open_only_here(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    /// `F_SETSIG` from `<asm-generic/fcntl.h>`, which the libc crate does not export for every target.
    const F_SETSIG: libc::c_int = 10;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl with integer arguments on a descriptor `file` keeps open; no memory is shared.
    unsafe {
        // Should someone open the file while the lease is held, the kernel signals the holder:
        // SIGURG, which is ignored unless handled, rather than SIGIO, which ends the process.
        libc::fcntl(fd, F_SETSIG, libc::SIGURG) == 0
            && libc::fcntl(fd, libc::F_SETLEASE, libc::F_WRLCK) == 0
            && libc::fcntl(fd, libc::F_SETLEASE, libc::F_UNLCK) == 0
    }
}

#[cfg(not(target_os = "linux"))]
pub fn open_only_here(_file: &File) -> bool {
    false
}

pub fn sync_directory(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

pub fn would_block() -> io::Error {
    io::Error::from_raw_os_error(libc::EAGAIN)
}

pub fn is_a_directory() -> io::Error {
    io::Error::from_raw_os_error(libc::EISDIR)
}

pub fn open_error(_path: &Path, err: io::Error) -> io::Error {
    err
}

pub fn is_out_of_descriptors(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

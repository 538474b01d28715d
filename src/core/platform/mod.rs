//! The file operations that differ between operating systems, each documented with what it
//! guarantees on each. Linux and macOS share the Unix calls (`unix.rs`), except where a call
//! exists on one only; Windows has its own (`windows.rs`). Everything else in the core is the
//! same everywhere.

use std::fs::{File, Metadata, OpenOptions, TryLockError};
use std::io;
use std::path::Path;
use std::time::SystemTime;

#[cfg(unix)]
#[path = "unix.rs"]
mod imp;
#[cfg(windows)]
#[path = "windows.rs"]
mod imp;

/// What tells one file from another on its file system, whatever its path: the device and
/// inode on Unix, the volume serial number and file index on Windows.
pub type FileId = (u64, u64);

/// A file's identity, length and modification time: what tells a file from another one, and
/// from itself changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileState {
    pub id: FileId,
    pub len: u64,
    pub modified: Option<SystemTime>,
}

impl FileState {
    fn new(id: FileId, metadata: &Metadata) -> Self {
        FileState { id, len: metadata.len(), modified: metadata.modified().ok() }
    }
}

/// The state of an open file. Unix: one `fstat`. Windows: the metadata, and the file's index
/// from `GetFileInformationByHandle` (a 64-bit index: two files of a ReFS volume can share
/// one, which only costs a file patched whole or opened anew).
pub fn state(file: &File) -> io::Result<FileState> {
    imp::state(file)
}

/// The state of the file at `path`, following a symbolic link (`stat`). Windows: the metadata,
/// then the file opened without access rights for its index; a file replaced in between is
/// taken for its replacement, which is what the caller would see a moment later anyway.
pub fn state_at(path: &Path) -> io::Result<FileState> {
    imp::state_at(path, true)
}

/// The state of the file at `path`, of a symbolic link itself rather than what it points at
/// (`lstat`); on Windows as `state_at`, of the link itself.
pub fn link_state_at(path: &Path) -> io::Result<FileState> {
    imp::state_at(path, false)
}

/// Reads into `buf` from byte `offset` of `file`; returns how many bytes were read (0 at the
/// end). Unix: `pread`, which leaves the file's position alone. Windows: `ReadFile` at an
/// offset, which moves the file's position; only files used positionally are read this way,
/// and the log's appends find its end themselves there (see `append`).
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    imp::read_at(file, buf, offset)
}

/// Writes all of `bytes` at byte `offset` of `file`, which was not opened for appending
/// (`open_for_appending`). Unix: `pwrite`, the file's position left alone. Windows: `WriteFile`
/// at an offset, which moves the file's position.
pub fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    imp::write_all_at(file, bytes, offset)
}

/// Sets `options` to open the log for reading and appending, so that each write lands at the end
/// of the file atomically, after whatever others appended. Unix: `O_APPEND`. Windows: append-only
/// access (`FILE_APPEND_DATA` without `FILE_WRITE_DATA`), the system putting each write at the
/// end; the rare writes at an offset and cuts go through a second handle (`overwrite_in_appended`,
/// `truncate_appended`).
pub fn open_for_appending(options: &mut OpenOptions) -> &mut OpenOptions {
    imp::open_for_appending(options)
}

/// Takes the session's lock on the log `file` without waiting: `WouldBlock` when another open
/// file holds it, in this process or another. It only keeps other writers out: others may still
/// read the log and append to it. Unix: `flock` over the whole file (`File::try_lock`), which is
/// advisory. Windows: `LockFileEx` on one byte far past any data (`LOCK_BYTE`, as SQLite keeps
/// its lock bytes out of the data): Windows locks are mandatory, so a lock over the data would
/// refuse others' reads and appends. The lock goes with the open file.
pub fn try_lock_session(file: &File) -> Result<(), TryLockError> {
    imp::try_lock_session(file)
}

/// Writes some of `bytes` at the end of `file`, opened with `open_for_appending`; returns the
/// offset where they landed and how many were written: one `write`, which the system puts at
/// the end, then the file's position, which it leaves just after them (`lseek` on Unix,
/// `SetFilePointerEx` on Windows).
pub fn append(file: &File, bytes: &[u8]) -> io::Result<(u64, usize)> {
    imp::append(file, bytes)
}

/// Writes all of `bytes` at byte `offset` of `file`, opened with `open_for_appending`, as the
/// only writer through that open file. Unix: `O_APPEND` is cleared for the write and set again
/// (a write to a file opened for appending goes to its end on Linux, whatever offset it names).
/// Windows: through a second handle of the same file with write access (`ReOpenFile`).
pub fn overwrite_in_appended(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    imp::overwrite_in_appended(file, bytes, offset)
}

/// Cuts `file`, opened with `open_for_appending`, to `len` bytes. Unix: `ftruncate`. Windows:
/// through a second handle of the same file with write access (`ReOpenFile`), an append-only
/// handle having no right to cut.
pub fn truncate_appended(file: &File, len: u64) -> io::Result<()> {
    imp::truncate_appended(file, len)
}

/// Renames `from` over `to`, whose file `held_at_to` this process may hold open. Unix: the
/// rename, then the held file closed. Windows: the held file closed first, as a file open here
/// cannot be renamed over where the system lacks POSIX rename semantics (before Windows 10 1607,
/// FAT and exFAT, many network shares, Wine).
pub fn rename_over(from: &Path, to: &Path, held_at_to: Option<File>) -> io::Result<()> {
    imp::rename_over(from, to, held_at_to)
}

/// Exchanges the files at `a` and `b` in one atomic step; both must exist. Linux:
/// `renameat2(RENAME_EXCHANGE)`; macOS: `renameatx_np(RENAME_SWAP)`. Fails where the file
/// system cannot (as some Linux file systems), and always elsewhere (Windows: with
/// `ErrorKind::Unsupported`): the caller then renames one over the other instead.
pub fn swap(a: &Path, b: &Path) -> io::Result<()> {
    imp::swap(a, b)
}

/// Whether no one but the caller has `file` open. Linux: whether the kernel grants a write
/// lease (`F_SETLEASE`), given back at once. Elsewhere leases are not available and the
/// answer is always no, which costs a new file rather than risking a reader's view.
pub fn open_only_here(file: &File) -> bool {
    imp::open_only_here(file)
}

/// Flushes the directory `dir` to the disk, so that a file created or renamed in it survives
/// power loss. Unix: `fsync` of the directory opened read-only. Windows: nothing, as std opens
/// no directory as a file; a file's new name lasts as the file system's journal keeps it.
pub fn sync_directory(dir: &Path) -> io::Result<()> {
    imp::sync_directory(dir)
}

/// The error of a write that could not be done now and may be tried again: `EAGAIN` on Unix,
/// `WSAEWOULDBLOCK` on Windows (`ErrorKind::WouldBlock` on both).
pub fn would_block() -> io::Error {
    imp::would_block()
}

/// The error of a directory opened as a file: `EISDIR` on Unix, `ERROR_DIRECTORY_NOT_SUPPORTED`
/// on Windows (`ErrorKind::IsADirectory` on both).
pub fn is_a_directory() -> io::Error {
    imp::is_a_directory()
}

/// What a failed open of `path` reports: `err` itself, except on Windows, where a directory,
/// which cannot be opened as a file without `FILE_FLAG_BACKUP_SEMANTICS`, gives
/// `ERROR_ACCESS_DENIED`: it is `is_a_directory()` then, as `EISDIR` is on Unix.
pub fn open_error(path: &Path, err: io::Error) -> io::Error {
    imp::open_error(path, err)
}

/// Whether `err` says the process or the system has no file descriptors left: `EMFILE` or
/// `ENFILE` on Unix, `ERROR_TOO_MANY_OPEN_FILES` on Windows.
pub fn is_out_of_descriptors(err: &io::Error) -> bool {
    imp::is_out_of_descriptors(err)
}

//! The Windows side of `platform`.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Seek, Write};
use std::os::windows::fs::{FileExt, OpenOptionsExt};
use std::os::windows::io::{AsRawHandle, FromRawHandle};
use std::path::Path;

use windows_sys::Win32::Foundation::{
    ERROR_ACCESS_DENIED, ERROR_DIRECTORY_NOT_SUPPORTED, ERROR_LOCK_VIOLATION, ERROR_TOO_MANY_OPEN_FILES, GENERIC_READ,
    GENERIC_WRITE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Storage::FileSystem::{
    GetFileInformationByHandle, LockFileEx, ReOpenFile, BY_HANDLE_FILE_INFORMATION, FILE_FLAG_BACKUP_SEMANTICS,
    FILE_FLAG_OPEN_REPARSE_POINT, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, LOCKFILE_EXCLUSIVE_LOCK,
    LOCKFILE_FAIL_IMMEDIATELY,
};
use windows_sys::Win32::System::IO::OVERLAPPED;

use super::{FileId, FileState};

/// The byte of the log that the session's lock covers: far past any data a log can hold, so
/// that the lock, mandatory on Windows, never covers a byte anyone reads or writes. The range
/// ends below `i64::MAX`, where offsets are signed.
const LOCK_BYTE: u64 = i64::MAX as u64 - 1;

/// `WSAEWOULDBLOCK` from `<winerror.h>`, which libuv reports as `EAGAIN`.
const WSAEWOULDBLOCK: i32 = 10035;

pub fn state(file: &File) -> io::Result<FileState> {
    Ok(FileState::new(id(file)?, &file.metadata()?))
}

pub fn state_at(path: &Path, follow_links: bool) -> io::Result<FileState> {
    let metadata = if follow_links { fs::metadata(path) } else { fs::symlink_metadata(path) };
    let metadata = metadata?;
    // No access rights: only the file's attributes are read. A directory opens only with
    // backup semantics; a link is opened itself unless followed.
    let flags = FILE_FLAG_BACKUP_SEMANTICS | if follow_links { 0 } else { FILE_FLAG_OPEN_REPARSE_POINT };
    let file = OpenOptions::new().access_mode(0).custom_flags(flags).open(path)?;
    Ok(FileState::new(id(&file)?, &metadata))
}

fn id(file: &File) -> io::Result<FileId> {
    // SAFETY: an all-zero BY_HANDLE_FILE_INFORMATION (integers only) is a valid value.
    let mut info: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: the handle stays open for the call, which writes only into `info`.
    if unsafe { GetFileInformationByHandle(file.as_raw_handle(), &mut info) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let index = (u64::from(info.nFileIndexHigh) << 32) | u64::from(info.nFileIndexLow);
    Ok((u64::from(info.dwVolumeSerialNumber), index))
}

pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.seek_read(buf, offset)
}

pub fn write_all_at(file: &File, mut bytes: &[u8], mut offset: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        match file.seek_write(bytes, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => {
                bytes = &bytes[written..];
                offset += written as u64;
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

pub fn open_for_appending(options: &mut OpenOptions) -> &mut OpenOptions {
    options.read(true).append(true)
}

pub fn try_lock_session(file: &File) -> Result<(), TryLockError> {
    // SAFETY: an all-zero OVERLAPPED (integers and a null event) is a valid value.
    let mut overlapped: OVERLAPPED = unsafe { std::mem::zeroed() };
    overlapped.Anonymous.Anonymous.Offset = LOCK_BYTE as u32;
    overlapped.Anonymous.Anonymous.OffsetHigh = (LOCK_BYTE >> 32) as u32;
    let flags = LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY;
    // SAFETY: the handle stays open for the call; `overlapped` outlives it (the handle is
    // synchronous, so the call completes before it returns).
    if unsafe { LockFileEx(file.as_raw_handle(), flags, 0, 1, 0, &mut overlapped) } != 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(code) if code == ERROR_LOCK_VIOLATION as i32 => Err(TryLockError::WouldBlock),
        _ => Err(TryLockError::Error(err)),
    }
}

pub fn append(mut file: &File, bytes: &[u8]) -> io::Result<(u64, usize)> {
    let count = file.write(bytes)?;
    // An append-only handle's position is left at the end of what the system wrote.
    Ok((file.stream_position()? - count as u64, count))
}

pub fn overwrite_in_appended(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    write_all_at(&writable(file)?, bytes, offset)
}

pub fn truncate_appended(file: &File, len: u64) -> io::Result<()> {
    writable(file)?.set_len(len)
}

/// A second handle of the file `file` is open on, with read and write access.
fn writable(file: &File) -> io::Result<File> {
    let share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    // SAFETY: the handle stays open for the call, which returns a new handle or an invalid one.
    let handle = unsafe { ReOpenFile(file.as_raw_handle(), GENERIC_READ | GENERIC_WRITE, share, 0) };
    if handle == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `handle` is a new, valid file handle that nothing else owns.
    Ok(unsafe { File::from_raw_handle(handle) })
}

pub fn rename_over(from: &Path, to: &Path, held_at_to: Option<File>) -> io::Result<()> {
    drop(held_at_to);
    fs::rename(from, to)
}

pub fn swap(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

pub fn open_only_here(_file: &File) -> bool {
    false
}

pub fn sync_directory(_dir: &Path) -> io::Result<()> {
    Ok(())
}

pub fn would_block() -> io::Error {
    io::Error::from_raw_os_error(WSAEWOULDBLOCK)
}

pub fn is_a_directory() -> io::Error {
    io::Error::from_raw_os_error(ERROR_DIRECTORY_NOT_SUPPORTED as i32)
}

pub fn open_error(path: &Path, err: io::Error) -> io::Error {
    let is_dir = || fs::metadata(path).is_ok_and(|metadata| metadata.is_dir());
    if err.raw_os_error() == Some(ERROR_ACCESS_DENIED as i32) && is_dir() {
        is_a_directory()
    } else {
        err
    }
}

pub fn is_out_of_descriptors(err: &io::Error) -> bool {
    err.raw_os_error() == Some(ERROR_TOO_MANY_OPEN_FILES as i32)
}

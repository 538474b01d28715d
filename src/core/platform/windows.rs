//! The Windows side of `platform`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::windows::fs::{FileExt, OpenOptionsExt};
use std::os::windows::io::AsRawHandle;
use std::path::Path;

use windows_sys::Win32::Foundation::{ERROR_DIRECTORY_NOT_SUPPORTED, ERROR_TOO_MANY_OPEN_FILES};
use windows_sys::Win32::Storage::FileSystem::{
    GetFileInformationByHandle, BY_HANDLE_FILE_INFORMATION, FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT,
};

use super::{FileId, FileState};

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
    options.read(true).write(true)
}

pub fn append(mut file: &File, bytes: &[u8]) -> io::Result<(u64, usize)> {
    let end = file.seek(SeekFrom::End(0))?;
    Ok((end, file.write(bytes)?))
}

pub fn overwrite_in_appended(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    write_all_at(file, bytes, offset)
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

pub fn is_out_of_descriptors(err: &io::Error) -> bool {
    err.raw_os_error() == Some(ERROR_TOO_MANY_OPEN_FILES as i32)
}

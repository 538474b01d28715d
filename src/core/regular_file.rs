//! Opening a session's files: only regular files are used, and opening never waits. A FIFO, a
//! device or a socket in a file's place is refused instead of read forever, and where the
//! writer makes files of its own, a symbolic link planted there is refused instead of followed.

use std::fs::{File, FileType, OpenOptions};
use std::path::{Path, PathBuf};

use super::error::SessionError;
use super::platform;

/// Whether a symbolic link at the path is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// The path may be a link to the file (a user's own log or index).
    Follow,
    /// The path must be the file itself (a file this writer makes and reuses).
    Refuse,
}

/// Opens `path` with `options` without waiting on a FIFO or a device; fails with `NotAFile`
/// unless it is a regular file (`EISDIR` for a directory).
pub fn open(path: &Path, options: &mut OpenOptions, links: Links) -> Result<File, SessionError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let no_follow = if links == Links::Refuse { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | no_follow);
    }
    // Windows has no FIFOs to wait on; a link is opened itself, and refused below as one.
    #[cfg(windows)]
    if links == Links::Refuse {
        use std::os::windows::fs::OpenOptionsExt;
        options.custom_flags(windows_sys::Win32::Storage::FileSystem::FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let file = options.open(path).map_err(|err| match err.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ELOOP) if links == Links::Refuse => not_a_file(path, "a symbolic link"),
        _ => SessionError::io("open", path, platform::open_error(path, err)),
    })?;
    require_regular(&file, path)?;
    Ok(file)
}

/// Fails with `NotAFile` unless `file` (opened at `path`) is a regular file (`EISDIR` for a
/// directory, see `platform::is_a_directory`).
pub fn require_regular(file: &File, path: &Path) -> Result<(), SessionError> {
    let file_type = file.metadata().map_err(|err| SessionError::io("fstat", path, err))?.file_type();
    if file_type.is_file() {
        Ok(())
    } else if file_type.is_dir() {
        Err(SessionError::io("open", path, platform::is_a_directory()))
    } else {
        Err(not_a_file(path, describe(file_type)))
    }
}

/// How many symbolic links in a row are followed, as Linux does (`MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// The path of the file `path` leads to when its last component is a symbolic link (followed
/// through further links, a relative target taken from the link's directory); `path` itself
/// when it is no link or cannot be read. Files made beside a user's file go beside this one, as
/// write-file-atomic writes beside a link's target.
pub fn resolve_links(path: &Path) -> PathBuf {
    let mut path = path.to_owned();
    for _ in 0..MAX_LINKS {
        match std::fs::read_link(&path) {
            Ok(target) => path = path.parent().map_or_else(|| target.clone(), |dir| dir.join(&target)),
            Err(_) => break,
        }
    }
    path
}

fn not_a_file(path: &Path, what: &'static str) -> SessionError {
    SessionError::NotAFile { path: path.to_owned(), what }
}

#[cfg(unix)]
fn describe(file_type: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn describe(file_type: FileType) -> &'static str {
    if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

// The special files are made as on Unix (mkfifo, /dev/zero, symlink).
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn read_only() -> OpenOptions {
        let mut options = OpenOptions::new();
        options.read(true);
        options
    }

    #[test]
    fn devices_fifos_directories_and_refused_links_are_not_opened_as_files() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let target = dir.path().join("target");
        std::fs::write(&target, "x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let what = |path: &Path, links| match open(path, &mut read_only(), links) {
            Err(SessionError::NotAFile { what, .. }) => what.to_owned(),
            Err(SessionError::Io { source, .. }) => format!("errno {}", source.raw_os_error().unwrap()),
            Err(other) => panic!("{other}"),
            Ok(_) => "a file".to_owned(),
        };
        assert_eq!(what(&fifo, Links::Follow), "a FIFO");
        assert_eq!(what(Path::new("/dev/zero"), Links::Follow), "a character device");
        assert_eq!(what(dir.path(), Links::Follow), format!("errno {}", libc::EISDIR));
        assert_eq!(what(&link, Links::Refuse), "a symbolic link");
        assert_eq!(what(&link, Links::Follow), "a file");
    }
}

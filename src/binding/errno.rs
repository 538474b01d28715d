//! The error number a failed system call is reported to Node with, from which `lib/errors.js`
//! takes the error's `code` and description (`util.getSystemErrorMap()`), as Node's own `fs`
//! errors have them.

use std::io;

/// The positive error number for `err`, as Node numbers it; `None` when it has none (the
/// failure is then `ERR_IO`, with the OS's message). Unix: the OS's `errno`, which is Node's.
#[cfg(unix)]
pub fn node_errno(err: &io::Error) -> Option<i32> {
    err.raw_os_error()
}

/// Windows: Node numbers errors as libuv does there (`UV_ENOENT` is -4058, not -2), so the
/// Windows error is translated as libuv's `uv_translate_sys_error` does, for the errors a
/// file-system call returns; any other is `None`.
#[cfg(windows)]
pub fn node_errno(err: &io::Error) -> Option<i32> {
    use windows_sys::Win32::Foundation::*;
    /// `WSAEWOULDBLOCK`, the error `core::platform::would_block` makes.
    const WSAEWOULDBLOCK: u32 = 10035;
    let uv = match u32::try_from(err.raw_os_error()?).ok()? {
        ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND | ERROR_INVALID_DRIVE | ERROR_INVALID_NAME | ERROR_BAD_PATHNAME
        | ERROR_DIRECTORY => 4058, // ENOENT
        ERROR_ACCESS_DENIED | ERROR_NOACCESS | ERROR_CANT_ACCESS_FILE => 4092, // EACCES
        ERROR_PRIVILEGE_NOT_HELD => 4048,                                      // EPERM
        ERROR_TOO_MANY_OPEN_FILES => 4066,                                     // EMFILE
        ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION => 4082,                // EBUSY
        ERROR_FILE_EXISTS | ERROR_ALREADY_EXISTS => 4075,                      // EEXIST
        // ERROR_DIRECTORY_NOT_SUPPORTED: the error `core::platform::is_a_directory` makes.
        ERROR_INVALID_FUNCTION | ERROR_DIRECTORY_NOT_SUPPORTED => 4068, // EISDIR
        ERROR_DISK_FULL | ERROR_HANDLE_DISK_FULL => 4055,               // ENOSPC
        ERROR_FILENAME_EXCED_RANGE => 4064,                             // ENAMETOOLONG
        ERROR_CANT_RESOLVE_FILENAME => 4067,                            // ELOOP
        ERROR_WRITE_PROTECT => 4043,                                    // EROFS
        ERROR_DIR_NOT_EMPTY => 4051,                                    // ENOTEMPTY
        ERROR_NOT_SAME_DEVICE => 4037,                                  // EXDEV
        ERROR_NOT_SUPPORTED => 4049,                                    // ENOTSUP
        ERROR_INVALID_PARAMETER => 4071,                                // EINVAL
        ERROR_INVALID_HANDLE => 4083,                                   // EBADF
        ERROR_NOT_ENOUGH_MEMORY | ERROR_OUTOFMEMORY => 4057,            // ENOMEM
        ERROR_IO_DEVICE | ERROR_GEN_FAILURE => 4070,                    // EIO
        WSAEWOULDBLOCK => 4088,                                         // EAGAIN
        _ => return None,
    };
    Some(uv)
}

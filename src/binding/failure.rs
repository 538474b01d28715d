//! A failed batch as plain data. `lib/errors.js` builds the JS error from it in the caller's
//! realm, so that `instanceof TypeError` holds even under Jest's sandboxed globals.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use napi_derive::napi;

use super::errno::node_errno;
use crate::core::SessionError;

/// Why one batch was rejected, in the fields of a Node.js error.
#[napi(object)]
pub struct NativeFailure {
    /// `"TypeError"` for bad input, `"Error"` otherwise.
    pub kind: String,
    pub message: String,
    /// A Node-style `ERR_*` code; absent for system errors, whose code `lib/errors.js` takes
    /// from `errno` (`ERR_IO` when there is none, as after a short write).
    pub code: Option<String>,
    /// The position of the offending event in its batch.
    pub index: Option<u32>,
    /// The error number (positive) of a failed system call, as Node numbers it (`errno`).
    pub errno: Option<i32>,
    pub syscall: Option<String>,
    pub path: Option<String>,
    /// What to do about a failed system call, when its cause is known (added to the message).
    pub advice: Option<String>,
}

impl NativeFailure {
    fn error(code: &str, message: String) -> Self {
        NativeFailure { code: Some(code.to_owned()), ..NativeFailure::system(message) }
    }

    /// A failure without a code: a failed system call, whose code comes from its `errno`.
    fn system(message: String) -> Self {
        NativeFailure {
            kind: "Error".to_owned(),
            message,
            code: None,
            index: None,
            errno: None,
            syscall: None,
            path: None,
            advice: None,
        }
    }
}

impl From<&SessionError> for NativeFailure {
    fn from(err: &SessionError) -> Self {
        match err {
            SessionError::InvalidEvent { index, .. } => NativeFailure {
                kind: "TypeError".to_owned(),
                index: u32::try_from(*index).ok(),
                ..NativeFailure::error("ERR_INVALID_EVENT", err.to_string())
            },
            SessionError::InvalidValue { .. } => NativeFailure {
                kind: "TypeError".to_owned(),
                ..NativeFailure::error("ERR_INVALID_ARG_VALUE", err.to_string())
            },
            SessionError::InvalidIndex { path, .. } => NativeFailure {
                path: Some(path.to_string_lossy().into_owned()),
                ..NativeFailure::error("ERR_INVALID_INDEX", err.to_string())
            },
            SessionError::NotACheckpoint { path, .. } => NativeFailure {
                path: Some(path.to_string_lossy().into_owned()),
                ..NativeFailure::error("ERR_NOT_A_CHECKPOINT", err.to_string())
            },
            SessionError::NotAFile { path, .. } => NativeFailure {
                path: Some(path.to_string_lossy().into_owned()),
                ..NativeFailure::error("ERR_NOT_A_FILE", err.to_string())
            },
            SessionError::Locked { path, .. } => NativeFailure {
                path: Some(path.to_string_lossy().into_owned()),
                ..NativeFailure::error("ERR_SESSION_LOCKED", err.to_string())
            },
            SessionError::Io { syscall, path, source } => NativeFailure {
                errno: node_errno(source),
                syscall: Some((*syscall).to_owned()),
                path: Some(path.to_string_lossy().into_owned()),
                advice: advice(syscall, path, source),
                ..NativeFailure::system(err.to_string())
            },
        }
    }
}

/// What to do about a failed system call, when the failure tells: a file that could not be
/// created for want of permission (EACCES on opening a file that does not exist) needs a
/// directory the process may write, which a user may not expect of a session's directory.
fn advice(syscall: &str, path: &Path, source: &io::Error) -> Option<String> {
    let created = syscall == "open" && source.kind() == io::ErrorKind::PermissionDenied;
    if !created || path.symlink_metadata().is_ok() {
        return None;
    }
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Some(format!(
        "the directory '{}' must be writable: besides the log and the index, a writer keeps files of its own there \
         while it has the session (<log>.batch, the batch being written, and <index>.spare, the next index)",
        dir.display()
    ))
}

/// A bug caught at the boundary instead of crashing the process.
#[derive(Debug, Clone)]
pub struct InternalError(pub String);

/// Runs `work`; a panic inside comes back as an `InternalError` instead of unwinding into Node,
/// which would end the process.
pub fn catch_panic<T>(work: impl FnOnce() -> T) -> Result<T, InternalError> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("panic");
        InternalError(format!("internal error: {message}"))
    })
}

/// `catch_panic` for a binding entry point: a panic is a JS error whose message `lib/errors.js`
/// reports as `ERR_INTERNAL`.
pub fn guarded<T>(work: impl FnOnce() -> T) -> napi::Result<T> {
    Ok(catch_panic(work)?)
}

impl From<InternalError> for napi::Error {
    fn from(InternalError(message): InternalError) -> Self {
        napi::Error::from_reason(message)
    }
}

impl From<InternalError> for NativeFailure {
    fn from(InternalError(message): InternalError) -> Self {
        NativeFailure::error("ERR_INTERNAL", message)
    }
}

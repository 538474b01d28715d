//! Reading, checking and repairing a session's files, as records JS turns into results or errors.

use std::path::Path;

use napi_derive::napi;

use super::failure::NativeFailure;
use crate::core::{read_index, read_lines, verify, Durability, Writer};

/// What `verify` found: problems in words, or the failure that stopped it.
#[napi(object)]
pub struct NativeVerification {
    pub failure: Option<NativeFailure>,
    pub problems: Vec<String>,
    /// What is worth knowing but is no damage (lines that are not events, a line being written).
    pub notes: Vec<String>,
    pub events: f64,
    pub checkpoints: u32,
}

/// What `repair` changed, in words, or the failure that stopped it.
#[napi(object)]
pub struct NativeRepair {
    pub failure: Option<NativeFailure>,
    pub changes: Vec<String>,
}

/// Whole event lines read from a log, or the failure that stopped the read.
#[napi(object)]
pub struct NativeChunk {
    pub failure: Option<NativeFailure>,
    pub text: String,
    pub next_offset: f64,
    pub at_end: bool,
}

/// An index file's text, checked as a reader needs it, or the failure that stopped the read.
#[napi(object)]
pub struct NativeIndexText {
    pub failure: Option<NativeFailure>,
    pub text: String,
}

/// Reads and checks an index file for a reader (see `core::read_index`).
pub fn read_index_file(index: &Path) -> NativeIndexText {
    match read_index(index) {
        Ok(text) => NativeIndexText { failure: None, text },
        Err(err) => NativeIndexText { failure: Some(NativeFailure::from(&err)), text: String::new() },
    }
}

/// Reads a session's log and index and lists what disagrees.
pub fn verify_session(log: &Path, index: &Path) -> NativeVerification {
    match verify(log, index) {
        Ok(found) => NativeVerification {
            failure: None,
            problems: found.problems,
            notes: found.notes,
            events: found.events as f64,
            checkpoints: u32::try_from(found.checkpoints).unwrap_or(u32::MAX),
        },
        Err(err) => NativeVerification {
            failure: Some(NativeFailure::from(&err)),
            problems: Vec::new(),
            notes: Vec::new(),
            events: 0.0,
            checkpoints: 0,
        },
    }
}

/// Applies the recovery opening a session does, and lists what it changed.
pub fn repair_session(log: &Path, index: &Path) -> NativeRepair {
    let mut writer = Writer::new(log, index, Durability::Full);
    let repaired = writer.repair();
    writer.close();
    match repaired {
        Ok(recovery) => NativeRepair { failure: None, changes: recovery.changes() },
        Err(err) => NativeRepair { failure: Some(NativeFailure::from(&err)), changes: Vec::new() },
    }
}

/// Reads up to `max_lines` event lines from `offset`.
pub fn read_log_lines(log: &Path, offset: u64, max_lines: usize, require_checkpoint: bool) -> NativeChunk {
    match read_lines(log, offset, max_lines, require_checkpoint) {
        Ok(chunk) => {
            NativeChunk { failure: None, text: chunk.text, next_offset: chunk.next_offset as f64, at_end: chunk.at_end }
        }
        Err(err) => NativeChunk {
            failure: Some(NativeFailure::from(&err)),
            text: String::new(),
            next_offset: 0.0,
            at_end: true,
        },
    }
}

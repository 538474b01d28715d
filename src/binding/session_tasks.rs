//! Reading, checking and repairing a session's files on libuv's thread pool.

use std::path::PathBuf;

use napi::{Env, Task};
use napi_derive::napi;

use super::failure::NativeFailure;
use crate::core::reader::read_lines;
use crate::core::verify::verify;
use crate::core::{Durability, Writer};

/// What `verify` found: problems in words, or the failure that stopped it.
#[napi(object)]
pub struct NativeVerification {
    pub failure: Option<NativeFailure>,
    pub problems: Vec<String>,
    pub events: f64,
    pub checkpoints: u32,
}

/// What `repair` changed, in words, or the failure that stopped it.
#[napi(object)]
pub struct NativeRepair {
    pub failure: Option<NativeFailure>,
    pub changes: Vec<String>,
}

/// Reads a session's log and index and lists what disagrees.
pub struct VerifySession {
    pub log: PathBuf,
    pub index: PathBuf,
}

/// Applies the recovery opening a session does, and lists what it changed.
pub struct RepairSession {
    pub log: PathBuf,
    pub index: PathBuf,
}

impl Task for VerifySession {
    type Output = NativeVerification;
    type JsValue = NativeVerification;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(match verify(&self.log, &self.index) {
            Ok(found) => NativeVerification {
                failure: None,
                problems: found.problems,
                events: found.events as f64,
                checkpoints: u32::try_from(found.checkpoints).unwrap_or(u32::MAX),
            },
            Err(err) => NativeVerification {
                failure: Some(NativeFailure::from(&err)),
                problems: Vec::new(),
                events: 0.0,
                checkpoints: 0,
            },
        })
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}

impl Task for RepairSession {
    type Output = NativeRepair;
    type JsValue = NativeRepair;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let mut writer = Writer::open(&self.log, &self.index, Durability::Full);
        let repaired = writer.repair();
        writer.close();
        Ok(match repaired {
            Ok(recovery) => NativeRepair { failure: None, changes: recovery.changes() },
            Err(err) => NativeRepair { failure: Some(NativeFailure::from(&err)), changes: Vec::new() },
        })
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}

/// Whole event lines read from a log, or the failure that stopped the read.
#[napi(object)]
pub struct NativeChunk {
    pub failure: Option<NativeFailure>,
    pub text: String,
    pub next_offset: f64,
    pub at_end: bool,
}

/// Reads up to `max_lines` event lines from `offset`.
pub struct ReadLines {
    pub log: PathBuf,
    pub offset: u64,
    pub max_lines: usize,
    pub require_checkpoint: bool,
}

impl Task for ReadLines {
    type Output = NativeChunk;
    type JsValue = NativeChunk;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(match read_lines(&self.log, self.offset, self.max_lines, self.require_checkpoint) {
            Ok(chunk) => NativeChunk {
                failure: None,
                text: chunk.text,
                next_offset: chunk.next_offset as f64,
                at_end: chunk.at_end,
            },
            Err(err) => NativeChunk {
                failure: Some(NativeFailure::from(&err)),
                text: String::new(),
                next_offset: 0.0,
                at_end: true,
            },
        })
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}

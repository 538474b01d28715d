//! What the core's tests share: a session's two paths in a temporary directory, the caller's
//! time for headers, and reading a file back.

use std::fs;
use std::path::{Path, PathBuf};

/// The caller's time the tests give for a new log's header.
pub const CREATED: &str = "2026-11-29T08:00:00.000Z";

/// A session's log and index paths in a temporary directory of their own, removed when dropped.
pub struct TempSession {
    pub dir: tempfile::TempDir,
    pub log: PathBuf,
    pub index: PathBuf,
}

/// `s1.jsonl` and `s1.index.json` in a new temporary directory; neither file exists yet.
pub fn session() -> TempSession {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("s1.jsonl");
    let index = dir.path().join("s1.index.json");
    TempSession { dir, log, index }
}

impl TempSession {
    /// The names of the files in the session's directory, sorted.
    pub fn file_names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// The whole file at `path`, as text.
pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

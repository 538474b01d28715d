//! The append-only event log: one JSON line per event, after a session header line.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::time::SystemTime;

use super::error::WriteError;
use super::json::JsString;

/// The log file of one session, kept open between batches.
#[derive(Debug)]
pub struct EventLog {
    path: PathBuf,
    file: Option<File>,
}

/// Where the log ended when a batch began, so the batch can be undone.
#[derive(Debug, Clone, Copy)]
pub struct LogEnd {
    /// The log's length in bytes: where the batch's first line starts.
    pub offset: u64,
    /// Whether the log did not exist and was created for this batch.
    pub created: bool,
}

impl EventLog {
    /// A log at `path`; nothing is opened or created until the first append.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        EventLog { path: path.into(), file: None }
    }

    /// The log's current length in bytes; 0 when it cannot be read, as the original's
    /// `existsSync` check gives.
    pub fn len_on_disk(&self) -> u64 {
        fs::metadata(&self.path).map_or(0, |metadata| metadata.len())
    }

    /// The session id the header carries: the file name without `.jsonl`, as
    /// `path.basename(file, '.jsonl')` gives it.
    pub fn session_id(&self) -> String {
        let text = self.path.to_string_lossy();
        let name = text.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        match name.strip_suffix(".jsonl") {
            Some(stem) if !stem.is_empty() => stem.to_owned(),
            _ => name.to_owned(),
        }
    }

    /// The session header line, newline included, written first in a new log.
    pub fn header_line(&self) -> String {
        let created = humantime::format_rfc3339_millis(SystemTime::now());
        let id = JsString::new(&self.session_id());
        format!("{{\"type\":\"session\",\"version\":1,\"id\":\"{}\",\"created\":\"{created}\"}}\n", id.escaped())
    }

    /// Opens the log for appending, creating it if it does not exist, and says where it ends
    /// now. A log replaced or removed behind the writer's back is opened anew.
    pub fn open_end(&mut self) -> Result<LogEnd, WriteError> {
        let created = match &self.file {
            Some(file) if self.still_at_path(file)? => false,
            _ => self.open_or_create()?,
        };
        let file = self.file.as_ref().expect("opened above");
        let offset = file.metadata().map_err(|err| WriteError::io("fstat", &self.path, err))?.len();
        Ok(LogEnd { offset, created })
    }

    /// Appends `bytes` after `end` in a single write. On failure the log is cut back to `end`.
    pub fn append(&mut self, end: LogEnd, bytes: &[u8]) -> Result<(), WriteError> {
        let file = self.file.as_mut().expect("open_end comes first");
        if let Err(err) = file.write_all(bytes) {
            self.rollback(end);
            return Err(WriteError::io("write", &self.path, err));
        }
        Ok(())
    }

    /// Puts the log back as it was at `end`: cut to that length, or removed if the batch created it.
    pub fn rollback(&mut self, end: LogEnd) {
        // Best effort: the batch's own error is what the caller reports.
        if end.created {
            let _ = fs::remove_file(&self.path);
            self.file = None;
        } else if let Some(file) = &self.file {
            let _ = file.set_len(end.offset);
        }
    }

    /// Whether `file` is still the file at the log's path.
    fn still_at_path(&self, file: &File) -> Result<bool, WriteError> {
        use std::os::unix::fs::MetadataExt;
        let at_path = match fs::metadata(&self.path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(err) => return Err(WriteError::io("stat", &self.path, err)),
        };
        let open = file.metadata().map_err(|err| WriteError::io("fstat", &self.path, err))?;
        Ok(open.dev() == at_path.dev() && open.ino() == at_path.ino())
    }

    /// Opens the existing log, or creates a new one; returns whether it created it.
    fn open_or_create(&mut self) -> Result<bool, WriteError> {
        let mut options = OpenOptions::new();
        options.append(true);
        let (file, created) = match options.open(&self.path) {
            Ok(file) => (file, false),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let file =
                    options.create_new(true).open(&self.path).map_err(|err| WriteError::io("open", &self.path, err))?;
                (file, true)
            }
            Err(err) => return Err(WriteError::io("open", &self.path, err)),
        };
        self.file = Some(file);
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_follows_path_basename() {
        let id = |path: &str| EventLog::new(path).session_id();
        assert_eq!(id("/a/b/sess-1.jsonl"), "sess-1");
        assert_eq!(id("sess.jsonl"), "sess");
        assert_eq!(id("/a/b/.jsonl"), ".jsonl");
        assert_eq!(id("/a/b/log.txt"), "log.txt");
        assert_eq!(id("/a/b/x.jsonl/"), "x");
        assert_eq!(id("/a/b/x.JSONL"), "x.JSONL");
    }

    #[test]
    fn header_is_the_original_json_with_an_iso_time() {
        let header = EventLog::new("/tmp/a\"b.jsonl").header_line();
        let (head, created) = header.split_at(header.find("\"created\":\"").unwrap());
        assert_eq!(head, r#"{"type":"session","version":1,"id":"a\"b","#);
        let time = created.trim_start_matches("\"created\":\"").trim_end_matches("\"}\n");
        assert_eq!(time.len(), "2026-11-26T12:41:07.123Z".len(), "{time}");
        assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
    }
}

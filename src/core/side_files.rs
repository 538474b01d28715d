//! Names of the files a writer makes beside a session's log and index (the index's spare, the
//! record of the batch being written, bytes kept aside by recovery). Each fits in a file name
//! (255 bytes) whatever the session's name, so any session the original module can write, this
//! writer can write and recover.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use xxhash_rust::xxh3::xxh3_64;

/// What closing a session does with the files made beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnClose {
    /// Removes them: the writer held the session, and its last batch is known to be whole.
    Remove,
    /// Leaves them: another writer may hold the session, or the session is only suspended.
    Keep,
}

/// The longest file name Linux, macOS and Windows file systems take, in bytes.
const NAME_MAX: usize = 255;

/// `<name><suffix>` beside `path`. When that is longer than a file name may be, the name is cut
/// and a hash of the whole name put in its place (`<start of name>~<16 hex digits><suffix>`), so
/// that names stay distinct and one session always gets the same name.
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default();
    let bytes = name.as_encoded_bytes();
    if bytes.len() + suffix.len() <= NAME_MAX {
        let mut file_name = name.to_os_string();
        file_name.push(suffix);
        return path.with_file_name(file_name);
    }
    let hash = format!("~{:016x}", xxh3_64(bytes));
    let room = NAME_MAX.saturating_sub(hash.len() + suffix.len());
    // A name that is not UTF-8 (possible on Unix only) keeps a lossy start: the hash keeps it unique.
    let readable = name.to_string_lossy();
    let start = &readable[..floor_char_boundary(&readable, room)];
    path.with_file_name(OsString::from(format!("{start}{hash}{suffix}")))
}

/// A new path beside `path` for bytes recovery keeps aside: `<name>.<what>-<milliseconds>`,
/// with `-<n>` added while that exists already.
pub fn aside(path: &Path, what: &str) -> PathBuf {
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis());
    let mut candidate = beside(path, &format!(".{what}-{millis}"));
    let mut attempt = 1;
    while candidate.symlink_metadata().is_ok() {
        candidate = beside(path, &format!(".{what}-{millis}-{attempt}"));
        attempt += 1;
    }
    candidate
}

/// The largest index at most `at` that does not cut a character of `text` in two.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(path: &Path) -> String {
        path.file_name().unwrap().to_string_lossy().into_owned()
    }

    #[test]
    fn short_names_get_the_suffix_as_they_are() {
        assert_eq!(beside(Path::new("/d/s.index.json"), ".spare"), Path::new("/d/s.index.json.spare"));
    }

    #[test]
    fn long_names_are_cut_to_fit_and_stay_distinct_and_stable() {
        let long = |c: char| format!("/d/{}é.index.json", c.to_string().repeat(240));
        let a = beside(Path::new(&long('a')), ".spare");
        let b = beside(Path::new(&long('b')), ".spare");
        for path in [&a, &b] {
            let name = name_of(path);
            assert!(name.len() <= NAME_MAX && name.ends_with(".spare"), "{name}");
            assert_eq!(path.parent(), Some(Path::new("/d")));
        }
        assert_ne!(a, b);
        assert_eq!(a, beside(Path::new(&long('a')), ".spare"));
        let cut_in_a_character = format!("/d/{}", "é".repeat(200));
        assert!(name_of(&beside(Path::new(&cut_in_a_character), ".corrupt-1764000000000")).len() <= NAME_MAX);
    }

    #[test]
    fn aside_paths_are_new() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("s.jsonl");
        let first = aside(&log, "torn");
        std::fs::write(&first, "x").unwrap();
        let second = aside(&log, "torn");
        assert_ne!(first, second);
        assert!(name_of(&second).starts_with("s.jsonl.torn-"));
    }
}

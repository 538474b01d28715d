//! The file system mounted for real (as root, with /dev/fuse): what each model keeps at a cut.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// A mount of the tool over a fresh backing directory, cut (or let go) by the test.
struct Mount {
    backing: PathBuf,
    point: PathBuf,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

fn fresh_dir(what: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!("powercut-{}-{what}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let dir = std::env::temp_dir().join(name);
    fs::create_dir_all(&dir).unwrap();
    dir
}

impl Mount {
    /// Mounts with `args` over a backing directory that `before` fills.
    fn new(args: &[&str], before: impl FnOnce(&Path)) -> Mount {
        assert!(Path::new("/dev/fuse").exists(), "these tests mount a FUSE file system: they need /dev/fuse and root");
        let (backing, point) = (fresh_dir("backing"), fresh_dir("mnt"));
        before(&backing);
        let mut child = Command::new(env!("CARGO_BIN_EXE_powercut-fs"))
            .arg(&backing)
            .arg(&point)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut mount = Mount { backing, point, child, stdin, stdout };
        assert!(mount.next_line().starts_with("mounted "));
        mount
    }

    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.point.join(name)
    }

    /// Cuts the power and waits for the tool to unmount; the backing directory then holds
    /// what survived.
    fn cut(mut self) -> PathBuf {
        writeln!(self.stdin.as_mut().unwrap(), "cut").unwrap();
        assert!(self.next_line().starts_with("cut "));
        self.stdin = None;
        assert!(self.child.wait().unwrap().success());
        self.backing.clone()
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.point);
    }
}

fn sync_dir(dir: &Path) {
    File::open(dir).unwrap().sync_all().unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

fn appender(path: &Path) -> File {
    OpenOptions::new().append(true).create(true).open(path).unwrap()
}

#[test]
fn strict_keeps_synced_data_and_names_and_nothing_else() {
    let mount = Mount::new(&["--model", "strict"], |backing| fs::write(backing.join("old"), "old\n").unwrap());
    let mut log = appender(&mount.path("log"));
    log.write_all(b"synced\n").unwrap();
    log.sync_data().unwrap();
    log.write_all(b"not synced\n").unwrap();
    sync_dir(&mount.point);
    let mut unnamed = appender(&mount.path("unnamed"));
    unnamed.write_all(b"synced data, name never synced\n").unwrap();
    unnamed.sync_all().unwrap();
    fs::rename(mount.path("old"), mount.path("renamed")).unwrap();
    assert_eq!(fs::read_to_string(mount.path("log")).unwrap(), "synced\nnot synced\n");

    let backing = mount.cut();
    assert_eq!(names(&backing), ["log", "old"]);
    assert_eq!(fs::read_to_string(backing.join("log")).unwrap(), "synced\n");
    assert_eq!(fs::read_to_string(backing.join("old")).unwrap(), "old\n");
}

#[test]
fn strict_undoes_unlinks_and_swaps_not_followed_by_a_directory_sync() {
    let mount = Mount::new(&["--model", "strict"], |backing| {
        fs::write(backing.join("index"), "index v1").unwrap();
        fs::write(backing.join("spare"), "index v0").unwrap();
        fs::write(backing.join("gone"), "still here").unwrap();
    });
    fs::write(mount.path("spare"), "index v2").unwrap();
    File::open(mount.path("spare")).unwrap().sync_all().unwrap();
    exchange(&mount.path("spare"), &mount.path("index"));
    fs::remove_file(mount.path("gone")).unwrap();
    assert_eq!(fs::read_to_string(mount.path("index")).unwrap(), "index v2");

    let backing = mount.cut();
    assert_eq!(names(&backing), ["gone", "index", "spare"]);
    assert_eq!(fs::read_to_string(backing.join("index")).unwrap(), "index v1", "the swap is undone");
    assert_eq!(fs::read_to_string(backing.join("spare")).unwrap(), "index v2", "the spare's synced data stays");
    assert_eq!(fs::read_to_string(backing.join("gone")).unwrap(), "still here");
}

#[test]
fn a_directory_sync_makes_a_swap_durable() {
    let mount = Mount::new(&["--model", "strict"], |backing| {
        fs::write(backing.join("index"), "index v1").unwrap();
        fs::write(backing.join("spare"), "index v0").unwrap();
    });
    fs::write(mount.path("spare"), "index v2").unwrap();
    File::open(mount.path("spare")).unwrap().sync_all().unwrap();
    exchange(&mount.path("spare"), &mount.path("index"));
    sync_dir(&mount.point);

    let backing = mount.cut();
    assert_eq!(fs::read_to_string(backing.join("index")).unwrap(), "index v2");
    assert_eq!(fs::read_to_string(backing.join("spare")).unwrap(), "index v1");
}

#[test]
fn dirents_keeps_all_data_but_undoes_names_not_synced() {
    let mount = Mount::new(&["--model", "dirents"], |_| {});
    let mut kept = appender(&mount.path("kept"));
    sync_dir(&mount.point);
    kept.write_all(b"never synced, kept").unwrap();
    let mut lost = appender(&mount.path("lost"));
    lost.write_all(b"synced, name lost").unwrap();
    lost.sync_all().unwrap();

    let backing = mount.cut();
    assert_eq!(names(&backing), ["kept"]);
    assert_eq!(fs::read_to_string(backing.join("kept")).unwrap(), "never synced, kept");
}

#[test]
fn data_keeps_every_name_but_no_unsynced_data() {
    let mount = Mount::new(&["--model", "data"], |_| {});
    let mut log = appender(&mount.path("log"));
    log.write_all(b"synced\n").unwrap();
    log.sync_data().unwrap();
    log.write_all(b"lost\n").unwrap();
    appender(&mount.path("new")).write_all(b"lost too").unwrap();

    let backing = mount.cut();
    assert_eq!(names(&backing), ["log", "new"]);
    assert_eq!(fs::read_to_string(backing.join("log")).unwrap(), "synced\n");
    assert_eq!(fs::read(backing.join("new")).unwrap(), b"");
}

/// A file with one synced page of `a` and three unsynced pages of `b`, `c`, `d`, cut under
/// `model` and `seed`.
fn four_pages_cut(model: &str, seed: u64) -> Vec<u8> {
    let mount = Mount::new(&["--model", model, "--seed", &seed.to_string()], |backing| {
        fs::write(backing.join("log"), vec![b'a'; 4096]).unwrap();
    });
    let mut log = appender(&mount.path("log"));
    for fill in [b'b', b'c', b'd'] {
        log.write_all(&[fill; 4096]).unwrap();
    }
    drop(log);
    fs::read(mount.cut().join("log")).unwrap()
}

#[test]
fn prefix_keeps_a_random_prefix_of_the_unsynced_pages() {
    let pages = |bytes: &[u8]| bytes.chunks(4096).map(|page| page[0]).collect::<Vec<u8>>();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..12 {
        let after = pages(&four_pages_cut("prefix", seed));
        assert!(b"abcd".starts_with(&after), "a prefix of the pages: {:?}", String::from_utf8_lossy(&after));
        seen.insert(after.len());
    }
    assert!(seen.len() >= 3, "prefixes of several lengths come up: {seen:?}");
}

#[test]
fn subset_keeps_the_size_with_holes_of_zeros() {
    let mut holes = 0;
    for seed in 0..8 {
        let after = four_pages_cut("subset", seed);
        assert_eq!(after.len(), 4 * 4096, "the size reached the disk");
        assert!(after[..4096].iter().all(|&b| b == b'a'));
        for (page, fill) in after[4096..].chunks(4096).zip([b'b', b'c', b'd']) {
            assert!(page.iter().all(|&b| b == fill) || page.iter().all(|&b| b == 0));
            holes += usize::from(page[0] == 0);
        }
    }
    assert!(holes > 0 && holes < 8 * 3, "some pages are holes, some written back: {holes}");
}

#[test]
fn dirents_prefix_undoes_names_and_keeps_a_prefix_of_the_pages() {
    let mut names_seen = std::collections::BTreeSet::new();
    let mut lengths = std::collections::BTreeSet::new();
    for seed in 0..8 {
        let mount = Mount::new(&["--model", "dirents+prefix", "--seed", &seed.to_string()], |backing| {
            fs::write(backing.join("log"), vec![b'a'; 4096]).unwrap();
        });
        let mut log = appender(&mount.path("log"));
        log.write_all(&[b'b'; 8192]).unwrap();
        appender(&mount.path("record")).write_all(b"name never synced").unwrap();
        drop(log);
        let backing = mount.cut();
        names_seen.insert(names(&backing));
        let after = fs::read(backing.join("log")).unwrap();
        assert!(after.starts_with(&[b'a'; 4096]) && after[4096..].iter().all(|&b| b == b'b'));
        lengths.insert(after.len());
    }
    assert_eq!(names_seen, [vec!["log".to_owned()]].into(), "the unsynced name is always undone");
    assert_eq!(lengths, [4096, 8192, 12288].into(), "every prefix of the new pages comes up");
}

#[test]
fn an_armed_cut_holds_the_sync_and_keeps_the_state_from_before_it() {
    let mut mount = Mount::new(&["--model", "strict", "--arm-sync", "log:2"], |_| {});
    let path = mount.path("log");
    let mut log = appender(&path);
    sync_dir(&mount.point);
    log.write_all(b"first\n").unwrap();
    log.sync_data().unwrap();
    log.write_all(b"second\n").unwrap();
    let blocked = std::thread::spawn(move || log.sync_data());
    assert_eq!(mount.next_line(), "armed-cut fdatasync log 2");
    let change = OpenOptions::new().append(true).open(mount.path("log")).and_then(|mut log| log.write_all(b"x"));
    assert_eq!(change.unwrap_err().raw_os_error(), Some(libc::EIO), "no change after the power went");
    let backing = mount.cut();
    let err = blocked.join().unwrap().expect_err("the caught sync never succeeds");
    assert_eq!(err.raw_os_error(), Some(libc::EIO));
    assert_eq!(fs::read_to_string(backing.join("log")).unwrap(), "first\n");
}

#[test]
fn writes_at_offsets_truncation_and_locks_pass_through() {
    let mount = Mount::new(&["--model", "strict"], |_| {});
    let file = OpenOptions::new().read(true).write(true).create_new(true).mode(0o600).open(mount.path("f")).unwrap();
    file.write_all_at(b"hello world", 0).unwrap();
    file.write_all_at(b"W", 6).unwrap();
    file.set_len(8).unwrap();
    file.sync_all().unwrap();
    sync_dir(&mount.point);
    assert_eq!(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }, 0);
    let other = File::open(mount.path("f")).unwrap();
    assert_ne!(
        unsafe { libc::flock(other.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0,
        "the lock holds between open files"
    );
    file.set_len(2).unwrap();
    assert_eq!(fs::read(mount.path("f")).unwrap(), b"he");
    let no_follow = OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(mount.path("f"));
    assert!(no_follow.is_ok(), "O_NOFOLLOW opens a regular file: {no_follow:?}");

    let backing = mount.cut();
    assert_eq!(fs::read(backing.join("f")).unwrap(), b"hello Wo", "the unsynced truncation is undone");
}

#[test]
fn without_a_cut_nothing_is_lost() {
    let mut mount = Mount::new(&["--model", "strict"], |_| {});
    appender(&mount.path("f")).write_all(b"never synced").unwrap();
    mount.stdin = None;
    assert!(mount.child.wait().unwrap().success());
    assert_eq!(fs::read(mount.backing.join("f")).unwrap(), b"never synced");
}

fn exchange(a: &Path, b: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes()).unwrap();
    let b = std::ffi::CString::new(b.as_os_str().as_bytes()).unwrap();
    let done =
        unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    assert_eq!(done, 0, "{}", std::io::Error::last_os_error());
}

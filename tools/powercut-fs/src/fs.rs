//! The FUSE file system: every operation passed through to the backing directory, every change
//! recorded in the durable picture, and the armed cut.

use std::collections::HashMap;
use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::FromRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner, OpenFlags,
    RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs,
    ReplyWrite, Request, TimeOrNow, WriteFlags,
};

use crate::cut::{cut, CutReport};
use crate::durable::{Durable, Entries};
use crate::inodes::{c_name, check, proc_path, Inodes};
use crate::model::{Model, Names};
use crate::rng::Rng;
use crate::write_back::pages_of;

/// How long the kernel may keep names and attributes: nothing changes them behind its back
/// while mounted (the cut ends the mount).
const TTL: Duration = Duration::from_secs(1);

/// The power goes just before the `nth` sync (1 for the first) of a file of this name
/// (`.` for a directory's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arm {
    /// The file's name (its last component) when it is synced.
    pub name: OsString,
    /// Which of its syncs.
    pub nth: u64,
}

/// The state behind the mount, shared with the thread that takes commands.
struct State {
    inodes: Inodes,
    durable: Durable,
    model: Model,
    handles: HashMap<u64, (u64, File)>,
    next_handle: u64,
    names: HashMap<u64, OsString>,
    arm: Option<Arm>,
    syncs_seen: u64,
    /// Set once the power is gone: every change fails with EIO from then on.
    powered_off: bool,
    /// The sync the armed cut caught, answered (EIO) at the cut.
    held: Option<ReplyEmpty>,
    announce: Box<dyn Fn(&str) + Send>,
}

/// The file system given to fuser; [`PowerCut`] is its handle for commands.
pub struct PowerCutFs(Arc<Mutex<State>>);

/// Commands to a mounted power-cut file system.
pub struct PowerCut(Arc<Mutex<State>>);

impl PowerCutFs {
    /// A file system over `backing` under `model`, armed or not; `announce` is told when the
    /// armed cut catches its sync.
    pub fn new(
        backing: &std::path::Path,
        model: Model,
        arm: Option<Arm>,
        announce: Box<dyn Fn(&str) + Send>,
    ) -> io::Result<(Self, PowerCut)> {
        let state = State {
            inodes: Inodes::new(backing)?,
            durable: Durable::default(),
            model,
            handles: HashMap::new(),
            next_handle: 1,
            names: HashMap::new(),
            arm,
            syncs_seen: 0,
            powered_off: false,
            held: None,
            announce,
        };
        let shared = Arc::new(Mutex::new(state));
        Ok((PowerCutFs(shared.clone()), PowerCut(shared)))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl PowerCut {
    /// Cuts the power: from now on every change fails with EIO, a sync the armed cut holds
    /// fails with EIO, and the backing directory is set to what the disk holds, as `seed`
    /// draws it.
    pub fn cut(&self, seed: u64) -> io::Result<CutReport> {
        let mut state = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.powered_off = true;
        if let Some(held) = state.held.take() {
            held.error(Errno::EIO);
        }
        state.handles.clear();
        cut(&state.inodes, &state.durable, state.model, &mut Rng::new(seed))
    }
}

/// The attributes the kernel is given for a backing status.
fn attr(ino: u64, stat: &libc::stat) -> FileAttr {
    let time = |secs: i64, nanos: i64| {
        if secs >= 0 {
            UNIX_EPOCH + Duration::new(secs as u64, nanos as u32)
        } else {
            UNIX_EPOCH
        }
    };
    let kind = match stat.st_mode & libc::S_IFMT {
        libc::S_IFDIR => FileType::Directory,
        libc::S_IFLNK => FileType::Symlink,
        libc::S_IFIFO => FileType::NamedPipe,
        libc::S_IFSOCK => FileType::Socket,
        libc::S_IFCHR => FileType::CharDevice,
        libc::S_IFBLK => FileType::BlockDevice,
        _ => FileType::RegularFile,
    };
    FileAttr {
        ino: INodeNo(ino),
        size: stat.st_size as u64,
        blocks: stat.st_blocks as u64,
        atime: time(stat.st_atime, stat.st_atime_nsec),
        mtime: time(stat.st_mtime, stat.st_mtime_nsec),
        ctime: time(stat.st_ctime, stat.st_ctime_nsec),
        crtime: UNIX_EPOCH,
        kind,
        perm: (stat.st_mode & 0o7777) as u16,
        nlink: stat.st_nlink as u32,
        uid: stat.st_uid,
        gid: stat.st_gid,
        rdev: stat.st_rdev as u32,
        blksize: 4096,
        flags: 0,
    }
}

fn errno(err: io::Error) -> Errno {
    Errno::from(err)
}

impl State {
    fn refuse_changes(&self) -> io::Result<()> {
        if self.powered_off {
            Err(io::Error::from_raw_os_error(libc::EIO))
        } else {
            Ok(())
        }
    }

    fn lookup(&mut self, parent: u64, name: &OsStr) -> io::Result<(u64, FileAttr)> {
        let (ino, stat) = self.inodes.lookup(parent, name)?;
        self.names.insert(ino, name.to_owned());
        Ok((ino, attr(ino, &stat)))
    }

    /// Records a directory's entries before they change, when its unsynced names may be undone.
    fn names_changing(&mut self, dir: u64) -> io::Result<()> {
        self.refuse_changes()?;
        if self.model.names == Names::All {
            return Ok(());
        }
        let State { inodes, durable, .. } = self;
        durable.dir_changing(dir, || {
            let mut entries = Entries::new();
            for (name, is_dir) in inodes.list(dir)? {
                if !is_dir {
                    let (ino, stat) = inodes.lookup(dir, &name)?;
                    if stat.st_mode & libc::S_IFMT == libc::S_IFREG {
                        entries.insert(name, ino);
                    }
                }
            }
            Ok(entries)
        })
    }

    /// Records a file's bytes before they change.
    fn data_changing(&mut self, ino: u64) -> io::Result<()> {
        self.refuse_changes()?;
        let State { inodes, durable, .. } = self;
        durable.file_changing(ino, || inodes.read_all(ino))
    }

    fn handle(&self, fh: FileHandle) -> io::Result<&File> {
        self.handles.get(&fh.0).map(|(_, file)| file).ok_or_else(|| io::Error::from_raw_os_error(libc::EBADF))
    }

    fn add_handle(&mut self, ino: u64, file: File) -> u64 {
        let fh = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(fh, (ino, file));
        fh
    }

    /// Whether this sync is the one the armed cut waits for (counting it).
    fn is_armed_sync(&mut self, name: Option<&OsStr>) -> bool {
        let Some(arm) = &self.arm else { return false };
        if name != Some(arm.name.as_os_str()) {
            return false;
        }
        self.syncs_seen += 1;
        self.syncs_seen == arm.nth
    }

    fn power_off_in_sync(&mut self, reply: ReplyEmpty, what: &str) {
        self.powered_off = true;
        self.held = Some(reply);
        (self.announce)(&format!("armed-cut {what} {}", self.syncs_seen));
    }

    fn truncate(&mut self, ino: u64, fh: Option<FileHandle>, size: u64) -> io::Result<()> {
        self.data_changing(ino)?;
        let old = self.inodes.stat(ino)?.st_size as u64;
        match fh.and_then(|fh| self.handle(fh).ok()) {
            Some(file) => file.set_len(size)?,
            None => self.inodes.open(ino, libc::O_WRONLY)?.set_len(size)?,
        }
        let (low, high) = (old.min(size), old.max(size));
        self.durable.pages_changed(ino, pages_of(low, high - low));
        Ok(())
    }

    fn set_times(&self, ino: u64, atime: Option<TimeOrNow>, mtime: Option<TimeOrNow>) -> io::Result<()> {
        let spec = |time: Option<TimeOrNow>| match time {
            None => libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_OMIT },
            Some(TimeOrNow::Now) => libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_NOW },
            Some(TimeOrNow::SpecificTime(at)) => {
                let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
                libc::timespec {
                    tv_sec: since.as_secs() as libc::time_t,
                    tv_nsec: since.subsec_nanos() as libc::c_long,
                }
            }
        };
        let times = [spec(atime), spec(mtime)];
        let path = path_c(ino, &self.inodes)?;
        check(unsafe { libc::utimensat(libc::AT_FDCWD, path.as_ptr(), times.as_ptr(), 0) })?;
        Ok(())
    }
}

/// The `/proc` path of an inode, as a C string.
fn path_c(ino: u64, inodes: &Inodes) -> io::Result<CString> {
    Ok(CString::new(proc_path(inodes.fd(ino)?).as_os_str().as_bytes()).expect("no NUL in a /proc path"))
}

/// Open flags for the backing file, opened through its `/proc` link (so never `O_NOFOLLOW`):
/// the kernel has already resolved the name, placed appends and done truncation.
fn backing_flags(flags: i32) -> i32 {
    flags & !(libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC | libc::O_APPEND | libc::O_NOCTTY | libc::O_NOFOLLOW)
}

impl Filesystem for PowerCutFs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        match self.state().lookup(parent.0, name) {
            Ok((_, attr)) => reply.entry(&TTL, &attr, Generation(0)),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        match self.state().inodes.stat(ino.0) {
            Ok(stat) => reply.attr(&TTL, &attr(ino.0, &stat)),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let mut state = self.state();
        let ino = ino.0;
        let result = (|| {
            state.refuse_changes()?;
            if let Some(mode) = mode {
                check(unsafe { libc::chmod(path_c(ino, &state.inodes)?.as_ptr(), mode & 0o7777) })?;
            }
            if uid.is_some() || gid.is_some() {
                let (uid, gid) = (uid.unwrap_or(u32::MAX), gid.unwrap_or(u32::MAX));
                check(unsafe { libc::chown(path_c(ino, &state.inodes)?.as_ptr(), uid, gid) })?;
            }
            if let Some(size) = size {
                state.truncate(ino, fh, size)?;
            }
            if atime.is_some() || mtime.is_some() {
                state.set_times(ino, atime, mtime)?;
            }
            state.inodes.stat(ino)
        })();
        match result {
            Ok(stat) => reply.attr(&TTL, &attr(ino, &stat)),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn mknod(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _rdev: u32,
        reply: ReplyEntry,
    ) {
        if mode & libc::S_IFMT != libc::S_IFREG {
            return reply.error(Errno::EPERM);
        }
        let mut state = self.state();
        let result = (|| {
            state.names_changing(parent.0)?;
            let fd = check(unsafe {
                libc::openat(
                    state.inodes.fd(parent.0)?,
                    c_name(name)?.as_ptr(),
                    libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_CLOEXEC,
                    (mode & !umask & 0o7777) as libc::c_uint,
                )
            })?;
            drop(unsafe { File::from_raw_fd(fd) });
            let (ino, attr) = state.lookup(parent.0, name)?;
            state.durable.file_created(ino);
            Ok(attr)
        })();
        match result {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn mkdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, mode: u32, umask: u32, reply: ReplyEntry) {
        let mut state = self.state();
        let result = (|| {
            state.refuse_changes()?;
            check(unsafe {
                libc::mkdirat(
                    state.inodes.fd(parent.0)?,
                    c_name(name)?.as_ptr(),
                    (mode & !umask & 0o7777) as libc::mode_t,
                )
            })?;
            let (ino, attr) = state.lookup(parent.0, name)?;
            state.durable.dir_created(ino);
            Ok(attr)
        })();
        match result {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut state = self.state();
        let result = (|| {
            state.names_changing(parent.0)?;
            check(unsafe { libc::unlinkat(state.inodes.fd(parent.0)?, c_name(name)?.as_ptr(), 0) })
        })();
        match result {
            Ok(_) => reply.ok(),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let state = self.state();
        let result = (|| {
            state.refuse_changes()?;
            check(unsafe { libc::unlinkat(state.inodes.fd(parent.0)?, c_name(name)?.as_ptr(), libc::AT_REMOVEDIR) })
        })();
        match result {
            Ok(_) => reply.ok(),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        let mut state = self.state();
        let result = (|| {
            state.names_changing(parent.0)?;
            state.names_changing(newparent.0)?;
            let (from, to) = (c_name(name)?, c_name(newname)?);
            check(unsafe {
                libc::renameat2(
                    state.inodes.fd(parent.0)?,
                    from.as_ptr(),
                    state.inodes.fd(newparent.0)?,
                    to.as_ptr(),
                    flags.bits(),
                )
            })?;
            state.lookup(newparent.0, newname)?;
            if flags.contains(RenameFlags::RENAME_EXCHANGE) {
                state.lookup(parent.0, name)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => reply.ok(),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn link(&self, _req: &Request, ino: INodeNo, newparent: INodeNo, newname: &OsStr, reply: ReplyEntry) {
        let mut state = self.state();
        let result = (|| {
            state.names_changing(newparent.0)?;
            let from = path_c(ino.0, &state.inodes)?;
            check(unsafe {
                libc::linkat(
                    libc::AT_FDCWD,
                    from.as_ptr(),
                    state.inodes.fd(newparent.0)?,
                    c_name(newname)?.as_ptr(),
                    libc::AT_SYMLINK_FOLLOW,
                )
            })?;
            state.lookup(newparent.0, newname).map(|(_, attr)| attr)
        })();
        match result {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let mut state = self.state();
        let result = (|| {
            let writing = flags.0 & libc::O_ACCMODE != libc::O_RDONLY;
            if writing || flags.0 & libc::O_TRUNC != 0 {
                state.refuse_changes()?;
            }
            let file = state.inodes.open(ino.0, backing_flags(flags.0))?;
            if flags.0 & libc::O_TRUNC != 0 {
                state.truncate(ino.0, None, 0)?;
            }
            Ok(state.add_handle(ino.0, file))
        })();
        match result {
            Ok(fh) => reply.opened(FileHandle(fh), FopenFlags::empty()),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let mut state = self.state();
        let result = (|| {
            state.names_changing(parent.0)?;
            let dir = state.inodes.fd(parent.0)?;
            let c = c_name(name)?;
            let mut existing: libc::stat = unsafe { std::mem::zeroed() };
            let existed = unsafe { libc::fstatat(dir, c.as_ptr(), &mut existing, libc::AT_SYMLINK_NOFOLLOW) } == 0;
            let open_flags =
                (flags & !(libc::O_APPEND | libc::O_TRUNC | libc::O_NOCTTY)) | libc::O_CREAT | libc::O_CLOEXEC;
            let fd =
                check(unsafe { libc::openat(dir, c.as_ptr(), open_flags, (mode & !umask & 0o7777) as libc::c_uint) })?;
            let file = unsafe { File::from_raw_fd(fd) };
            let (ino, _) = state.lookup(parent.0, name)?;
            if existed {
                if flags & libc::O_TRUNC != 0 {
                    state.truncate(ino, None, 0)?;
                }
            } else {
                state.durable.file_created(ino);
            }
            let attr = attr(ino, &state.inodes.stat(ino)?);
            Ok((attr, state.add_handle(ino, file)))
        })();
        match result {
            Ok((attr, fh)) => reply.created(&TTL, &attr, Generation(0), FileHandle(fh), FopenFlags::empty()),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let state = self.state();
        let result = (|| {
            let file = state.handle(fh)?;
            let mut buffer = vec![0; size as usize];
            let mut filled = 0;
            while filled < buffer.len() {
                let read = file.read_at(&mut buffer[filled..], offset + filled as u64)?;
                if read == 0 {
                    break;
                }
                filled += read;
            }
            buffer.truncate(filled);
            Ok(buffer)
        })();
        match result {
            Ok(bytes) => reply.data(&bytes),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut state = self.state();
        let result = (|| {
            state.data_changing(ino.0)?;
            state.handle(fh)?.write_all_at(data, offset)?;
            state.durable.pages_changed(ino.0, pages_of(offset, data.len() as u64));
            Ok(())
        })();
        match result {
            Ok(()) => reply.written(data.len() as u32),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn flush(&self, _req: &Request, _ino: INodeNo, _fh: FileHandle, _lock_owner: LockOwner, reply: ReplyEmpty) {
        reply.ok();
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.state().handles.remove(&fh.0);
        reply.ok();
    }

    fn fsync(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, datasync: bool, reply: ReplyEmpty) {
        let mut state = self.state();
        if let Err(err) = state.refuse_changes() {
            return reply.error(errno(err));
        }
        let name = state.names.get(&ino.0).cloned();
        if state.is_armed_sync(name.as_deref()) {
            let what = format!(
                "{} {}",
                if datasync { "fdatasync" } else { "fsync" },
                name.unwrap_or_default().to_string_lossy()
            );
            return state.power_off_in_sync(reply, &what);
        }
        let result = (|| {
            let State { durable, inodes, .. } = &mut *state;
            durable.file_synced(ino.0, &inodes.open(ino.0, libc::O_RDONLY)?)
        })();
        match result {
            Ok(()) => reply.ok(),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn opendir(&self, _req: &Request, _ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        reply.opened(FileHandle(0), FopenFlags::empty());
    }

    fn readdir(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, offset: u64, mut reply: ReplyDirectory) {
        let mut state = self.state();
        let result = (|| {
            let entries = state.inodes.list(ino.0)?;
            for (index, (name, _)) in entries.iter().enumerate().skip(offset as usize) {
                let (child, attr) = match state.lookup(ino.0, name) {
                    Ok(found) => found,
                    Err(err) if err.raw_os_error() == Some(libc::ENOENT) => continue,
                    Err(err) => return Err(err),
                };
                if reply.add(INodeNo(child), index as u64 + 1, attr.kind, name) {
                    break;
                }
            }
            Ok(())
        })();
        match result {
            Ok(()) => reply.ok(),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn fsyncdir(&self, _req: &Request, ino: INodeNo, _fh: FileHandle, _datasync: bool, reply: ReplyEmpty) {
        let mut state = self.state();
        if let Err(err) = state.refuse_changes() {
            return reply.error(errno(err));
        }
        if state.is_armed_sync(Some(OsStr::new("."))) {
            return state.power_off_in_sync(reply, "fsync .");
        }
        state.durable.dir_synced(ino.0);
        reply.ok();
    }

    fn statfs(&self, _req: &Request, ino: INodeNo, reply: ReplyStatfs) {
        let state = self.state();
        let result = (|| {
            let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
            check(unsafe { libc::statvfs(path_c(ino.0, &state.inodes)?.as_ptr(), &mut stat) })?;
            Ok(stat)
        })();
        match result {
            Ok(s) => reply.statfs(
                s.f_blocks,
                s.f_bfree,
                s.f_bavail,
                s.f_files,
                s.f_ffree,
                s.f_bsize as u32,
                s.f_namemax as u32,
                s.f_frsize as u32,
            ),
            Err(err) => reply.error(errno(err)),
        }
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }

    fn fallocate(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        length: u64,
        mode: i32,
        reply: ReplyEmpty,
    ) {
        let mut state = self.state();
        let result = (|| {
            state.data_changing(ino.0)?;
            let fd = std::os::fd::AsRawFd::as_raw_fd(state.handle(fh)?);
            check(unsafe { libc::fallocate(fd, mode, offset as libc::off_t, length as libc::off_t) })?;
            state.durable.pages_changed(ino.0, pages_of(offset, length));
            Ok(())
        })();
        match result {
            Ok(()) => reply.ok(),
            Err(err) => reply.error(errno(err)),
        }
    }
}

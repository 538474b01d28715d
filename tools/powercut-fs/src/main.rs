//! `powercut-fs`: mounts a FUSE file system over a backing directory that forgets, on command,
//! what was not synced. See README.md beside this crate.

mod cut;
mod durable;
mod fs;
mod inodes;
mod model;
mod rng;
mod write_back;

use std::ffi::OsString;
use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use fuser::{Config, MountOption};

use crate::fs::{Arm, PowerCutFs};
use crate::model::Model;

/// What the command line asks for.
struct Options {
    backing: PathBuf,
    mountpoint: PathBuf,
    model: Model,
    seed: u64,
    arm: Option<Arm>,
}

const USAGE: &str =
    "usage: powercut-fs BACKING MOUNTPOINT [--model strict|dirents|data|prefix|subset|dirents+prefix] [--seed N] [--arm-sync NAME:N]
Mounts BACKING at MOUNTPOINT, prints `mounted`, then reads commands on stdin:
  cut   the power goes: the backing directory is set to what the disk holds; prints `cut ...`,
        unmounts and exits
End of input unmounts with nothing lost. With --arm-sync, the N-th fsync/fdatasync of a file named
NAME (`.` for a directory) never returns: the power goes just before it, `armed-cut ...` is printed,
and every later change fails with EIO until the cut.";

fn parse(mut args: impl Iterator<Item = OsString>) -> Result<Options, String> {
    let backing = args.next().ok_or("no backing directory")?.into();
    let mountpoint = args.next().ok_or("no mount point")?.into();
    let mut options = Options { backing, mountpoint, model: Model::ALL[0].1, seed: 0, arm: None };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag:?} needs a value"))?;
        let value = value.into_string().map_err(|value| format!("{value:?} is not text"))?;
        match flag.to_str() {
            Some("--model") => options.model = value.parse()?,
            Some("--seed") => options.seed = value.parse().map_err(|_| format!("--seed {value:?} is not a number"))?,
            Some("--arm-sync") => {
                let (name, nth) = value.rsplit_once(':').ok_or("--arm-sync takes NAME:N")?;
                let nth = nth.parse().ok().filter(|&nth| nth > 0).ok_or("--arm-sync N counts from 1")?;
                options.arm = Some(Arm { name: name.into(), nth });
            }
            _ => return Err(format!("unknown option {flag:?}")),
        }
    }
    Ok(options)
}

fn say(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn run(options: Options) -> io::Result<()> {
    let (fs, power) = PowerCutFs::new(&options.backing, options.model, options.arm, Box::new(say))?;
    let mut config = Config::default();
    config.mount_options = vec![MountOption::FSName("powercut".into()), MountOption::Subtype("powercut".into())];
    let session = fuser::spawn_mount(fs, &options.mountpoint, &config)?;
    say(&format!("mounted {} model={} seed={}", options.mountpoint.display(), options.model, options.seed));
    for line in io::stdin().lock().lines() {
        match line?.trim() {
            "cut" => {
                let report = power.cut(options.seed)?;
                say(&format!(
                    "cut files-rolled-back={} dirs-rolled-back={}",
                    report.files_rolled_back, report.dirs_rolled_back
                ));
                break;
            }
            "" => {}
            other => say(&format!("unknown command {other:?}")),
        }
    }
    detach(&options.mountpoint)?;
    // The session's thread ends with the process; files still open on the mount then fail
    // with ENOTCONN, as on a machine whose power went.
    std::mem::forget(session);
    Ok(())
}

/// Unmounts at once even while files are open there (a caller still blocked in the held sync).
fn detach(mountpoint: &std::path::Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(mountpoint.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    if unsafe { libc::umount2(path.as_ptr(), libc::MNT_DETACH) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("powercut-fs: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => std::process::exit(0),
        Err(err) => {
            eprintln!("powercut-fs: {err}");
            ExitCode::FAILURE
        }
    }
}

//! What a power cut keeps of the writes and directory changes made since their last sync.

use std::fmt;
use std::str::FromStr;

/// Which directory entries (creations, renames, links, unlinks of files) survive a cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// Only those followed by an fsync of their directory; the others are undone.
    Synced,
    /// All of them, as if the file system journalled every name change at once.
    All,
}

/// Which file data written since the file's last fsync/fdatasync survives a cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    /// None of it: the file is as of its last sync.
    Synced,
    /// All of it, as if it had all been written back just before the cut.
    All,
    /// A random prefix (in file order) of the unsynced 4 KiB pages; the size grows only with
    /// the pages written back (ext4's ordered mode).
    Prefix,
    /// A random subset of the unsynced 4 KiB pages; the file keeps its new size, so the pages
    /// not written back read as zeros past the old end, or as the old data before it (holes,
    /// and a tail of zeros, as XFS and ext4 without `auto_da_alloc` can leave).
    Subset,
}

/// A power-cut model: what survives of the names and of the data not yet synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// What becomes of unsynced directory entries.
    pub names: Names,
    /// What becomes of unsynced file data.
    pub data: Data,
}

impl Model {
    /// Every model by its name on the command line, in the order tests list them.
    pub const ALL: [(&'static str, Model); 6] = [
        ("strict", Model { names: Names::Synced, data: Data::Synced }),
        ("dirents", Model { names: Names::Synced, data: Data::All }),
        ("data", Model { names: Names::All, data: Data::Synced }),
        ("prefix", Model { names: Names::All, data: Data::Prefix }),
        ("subset", Model { names: Names::All, data: Data::Subset }),
        ("dirents+prefix", Model { names: Names::Synced, data: Data::Prefix }),
    ];
}

impl FromStr for Model {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Model::ALL.iter().find(|(known, _)| *known == name).map(|(_, model)| *model).ok_or_else(|| {
            let known: Vec<&str> = Model::ALL.iter().map(|(known, _)| *known).collect();
            format!("unknown model {name:?}: one of {}", known.join(", "))
        })
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Model::ALL.iter().find(|(_, model)| model == self).map_or("custom", |(name, _)| name);
        f.write_str(name)
    }
}

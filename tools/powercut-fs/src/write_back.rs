//! What a file holds after a cut: its synced image, plus whichever unsynced pages the model
//! lets reach the disk.

use std::collections::BTreeSet;

use crate::model::Data;
use crate::rng::Rng;

/// The unit of write-back, as in the kernel's page cache.
pub const PAGE: u64 = 4096;

/// The pages `[offset, offset + len)` touches.
pub fn pages_of(offset: u64, len: u64) -> impl Iterator<Item = u64> {
    let first = offset / PAGE;
    let end = if len == 0 { first } else { (offset + len - 1) / PAGE + 1 };
    first..end
}

/// The bytes a file holds after a cut under `data`, given the bytes it held at its last sync
/// (`synced`), the bytes it holds now (`current`) and the pages changed since (`dirty`).
pub fn after_cut(data: Data, synced: &[u8], current: &[u8], dirty: &BTreeSet<u64>, rng: &mut Rng) -> Vec<u8> {
    match data {
        Data::Synced => synced.to_vec(),
        Data::All => current.to_vec(),
        Data::Prefix => {
            let kept = rng.up_to(dirty.len());
            if kept == dirty.len() {
                return current.to_vec();
            }
            let pages: Vec<u64> = dirty.iter().copied().take(kept).collect();
            let end = pages.last().map_or(0, |&last| ((last + 1) * PAGE).min(current.len() as u64));
            let len = (synced.len() as u64).max(end);
            with_pages(synced, current, &pages, len)
        }
        Data::Subset => {
            let pages: Vec<u64> = dirty.iter().copied().filter(|_| rng.coin()).collect();
            with_pages(synced, current, &pages, current.len() as u64)
        }
    }
}

/// `synced` cut or zero-extended to `len`, with `pages` copied from `current`.
fn with_pages(synced: &[u8], current: &[u8], pages: &[u64], len: u64) -> Vec<u8> {
    let mut bytes = synced.to_vec();
    bytes.resize(len as usize, 0);
    for &page in pages {
        let start = (page * PAGE).min(len) as usize;
        let end = ((page + 1) * PAGE).min(len).min(current.len() as u64) as usize;
        if start < end {
            bytes[start..end].copy_from_slice(&current[start..end]);
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(list: &[u64]) -> BTreeSet<u64> {
        list.iter().copied().collect()
    }

    #[test]
    fn pages_of_covers_every_page_touched() {
        assert_eq!(pages_of(0, 0).count(), 0);
        assert_eq!(pages_of(4095, 2).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(pages_of(8192, 4096).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn synced_keeps_only_the_synced_image_and_all_keeps_everything() {
        let mut rng = Rng::new(1);
        assert_eq!(after_cut(Data::Synced, b"old", b"old and new", &pages(&[0]), &mut rng), b"old");
        assert_eq!(after_cut(Data::All, b"old", b"old and new", &pages(&[0]), &mut rng), b"old and new");
    }

    #[test]
    fn prefix_keeps_a_prefix_of_the_pages_and_grows_only_with_them() {
        let synced = vec![b'a'; 4096];
        let current: Vec<u8> = [vec![b'b'; 4096], vec![b'c'; 4096], vec![b'd'; 100]].concat();
        let mut seen = BTreeSet::new();
        for seed in 0..64 {
            let after = after_cut(Data::Prefix, &synced, &current, &pages(&[0, 1, 2]), &mut Rng::new(seed));
            let kept = match after.len() {
                4096 if after == synced => 0,
                4096 => 1,
                8192 => 2,
                8292 => 3,
                other => panic!("a length no prefix gives: {other}"),
            };
            if kept > 0 {
                assert_eq!(after, current[..after.len()], "{kept} pages kept");
            }
            seen.insert(kept);
        }
        assert_eq!(seen, BTreeSet::from([0, 1, 2, 3]), "every prefix length comes up");
    }

    #[test]
    fn subset_keeps_the_new_size_with_holes_of_zeros() {
        let current: Vec<u8> = [vec![b'x'; 4096], vec![b'y'; 4096], vec![b'z'; 4096]].concat();
        let mut holes = 0;
        for seed in 0..64 {
            let after = after_cut(Data::Subset, b"", &current, &pages(&[0, 1, 2]), &mut Rng::new(seed));
            assert_eq!(after.len(), current.len());
            for (page, chunk) in after.chunks(4096).enumerate() {
                let zeros = chunk.iter().all(|&b| b == 0);
                assert!(zeros || chunk == &current[page * 4096..(page + 1) * 4096], "a page is all old or all new");
                holes += usize::from(zeros);
            }
        }
        assert!(holes > 0 && holes < 64 * 3, "some pages are holes, not all");
    }

    #[test]
    fn a_page_not_written_back_keeps_its_old_data() {
        let synced = vec![b'o'; 4096 * 2];
        let current = vec![b'n'; 4096 * 2];
        for seed in 0..16 {
            let after = after_cut(Data::Subset, &synced, &current, &pages(&[0, 1]), &mut Rng::new(seed));
            for chunk in after.chunks(4096) {
                assert!(chunk.iter().all(|&b| b == b'o') || chunk.iter().all(|&b| b == b'n'));
            }
        }
    }
}

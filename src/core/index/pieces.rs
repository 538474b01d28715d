//! Text kept as a list of pieces that each carry an identity, so that a file holding an
//! earlier version of the text is brought up to date by writing only the pieces that changed
//! or moved: a large index gains a checkpoint for the cost of the checkpoint.

use std::sync::atomic::{AtomicU64, Ordering};

/// Identities are never reused within a process, so two pieces with the same id hold the same text.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn fresh_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Owned text whose identity changes whenever the text does.
#[derive(Debug, Clone)]
pub struct Piece {
    id: u64,
    text: String,
}

impl Piece {
    /// A piece holding `text`, with an identity of its own.
    pub fn new(text: String) -> Self {
        Piece { id: fresh_id(), text }
    }

    /// The piece's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, giving the piece up: changed, it becomes a new piece.
    pub fn into_text(self) -> String {
        self.text
    }

    /// The piece as part of a text being written.
    pub fn as_ref(&self) -> PieceRef<'_> {
        PieceRef { id: self.id, text: &self.text }
    }
}

/// A borrowed piece of a text being written: pieces with equal ids have equal text.
#[derive(Debug, Clone, Copy)]
pub struct PieceRef<'a> {
    id: u64,
    text: &'a str,
}

/// Makes `pieces` hold `texts`, in order; a piece whose text is unchanged keeps its identity.
pub fn renew(pieces: &mut Vec<Piece>, texts: Vec<String>) {
    pieces.truncate(texts.len());
    for (at, text) in texts.into_iter().enumerate() {
        match pieces.get(at) {
            Some(piece) if piece.text == text => {}
            Some(_) => pieces[at] = Piece::new(text),
            None => pieces.push(Piece::new(text)),
        }
    }
}

/// The whole text the pieces make.
pub fn concat(pieces: &[PieceRef<'_>]) -> String {
    let mut text = String::with_capacity(pieces.iter().map(|piece| piece.text.len()).sum());
    pieces.iter().for_each(|piece| text.push_str(piece.text));
    text
}

/// Whether the pieces make exactly `text`.
pub fn text_is(pieces: &[PieceRef<'_>], text: &str) -> bool {
    let mut rest = text.as_bytes();
    pieces.iter().all(|piece| match rest.split_at_checked(piece.text.len()) {
        Some((head, tail)) if head == piece.text.as_bytes() => {
            rest = tail;
            true
        }
        _ => false,
    }) && rest.is_empty()
}

/// Where each piece of a written text sits: enough to tell, for a later text, which of its
/// pieces a file holding this one already has in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// `(offset, id)` of each piece, by offset.
    placed: Vec<(u64, u64)>,
    len: u64,
}

impl Layout {
    /// The layout of the text `pieces` make.
    pub fn of(pieces: &[PieceRef<'_>]) -> Self {
        let mut len = 0;
        let placed = pieces
            .iter()
            .map(|piece| {
                let at = len;
                len += piece.text.len() as u64;
                (at, piece.id)
            })
            .collect();
        Layout { placed, len }
    }

    /// The text's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The pieces of `pieces` that a file holding this layout lacks, each with the offset it
    /// belongs at: every piece not already at that offset. Writing them (and cutting the file
    /// to the new length) turns the file into the text `pieces` make.
    pub fn missing<'a>(&self, pieces: &[PieceRef<'a>]) -> Vec<(u64, &'a str)> {
        let mut placed = self.placed.iter().peekable();
        let mut at = 0;
        let mut missing = Vec::new();
        for piece in pieces {
            while placed.next_if(|(offset, _)| *offset < at).is_some() {}
            if placed.peek() != Some(&&(at, piece.id)) && !piece.text.is_empty() {
                missing.push((at, piece.text));
            }
            at += piece.text.len() as u64;
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies `missing` to `file` the way a file would take the writes.
    fn patched(file: &str, missing: &[(u64, &str)], len: u64) -> String {
        let mut bytes = file.as_bytes().to_vec();
        for (at, text) in missing {
            let end = *at as usize + text.len();
            if bytes.len() < end {
                bytes.resize(end, b'?');
            }
            bytes[*at as usize..end].copy_from_slice(text.as_bytes());
        }
        bytes.truncate(len as usize);
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn only_changed_or_moved_pieces_are_missing() {
        let head = Piece::new("{\"n\": 1,".to_owned());
        let body = Piece::new("[1, 2".to_owned());
        let tail = Piece::new("]}".to_owned());
        let before = [head.as_ref(), body.as_ref(), tail.as_ref()];
        let layout = Layout::of(&before);
        let file = concat(&before);

        let count = Piece::new("{\"n\": 2,".to_owned());
        let after = [count.as_ref(), body.as_ref(), tail.as_ref()];
        assert_eq!(layout.missing(&after), [(0, count.text())]);

        let body = Piece::new(body.into_text() + ", 3");
        let after = [head.as_ref(), body.as_ref(), tail.as_ref()];
        let missing = layout.missing(&after);
        assert_eq!(missing, [(8, "[1, 2, 3"), (16, "]}")]);
        assert_eq!(patched(&file, &missing, Layout::of(&after).len()), concat(&after));
    }

    #[test]
    fn a_shorter_text_is_cut_and_an_unknown_file_is_written_whole() {
        let long = Piece::new("abcdef".to_owned());
        let short = Piece::new("xy".to_owned());
        let layout = Layout::of(&[long.as_ref(), short.as_ref()]);
        let after = [short.as_ref()];
        assert_eq!(patched("abcdefxy", &layout.missing(&after), Layout::of(&after).len()), "xy");
        assert_eq!(Layout::default().missing(&after), [(0, "xy")]);
    }

    #[test]
    fn renewed_pieces_keep_their_identity_while_their_text_is_unchanged() {
        let mut pieces = Vec::new();
        renew(&mut pieces, vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]);
        let ids: Vec<u64> = pieces.iter().map(|piece| piece.id).collect();
        renew(&mut pieces, vec!["a".to_owned(), "B".to_owned()]);
        assert_eq!(pieces.iter().map(Piece::text).collect::<Vec<_>>(), ["a", "B"]);
        assert_eq!(pieces[0].id, ids[0]);
        assert_ne!(pieces[1].id, ids[1]);
    }

    #[test]
    fn a_piece_is_only_kept_at_its_own_offset() {
        let a = Piece::new("aa".to_owned());
        let b = Piece::new("bb".to_owned());
        let layout = Layout::of(&[a.as_ref(), b.as_ref()]);
        assert_eq!(layout.missing(&[b.as_ref(), a.as_ref()]), [(0, "bb"), (2, "aa")]);
        assert!(layout.missing(&[a.as_ref(), b.as_ref()]).is_empty());
    }
}

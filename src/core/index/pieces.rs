//! Text kept as a list of pieces that each carry an identity, so that a file holding an
//! earlier version of the text is brought up to date by writing only the pieces that changed
//! or moved: a large index gains a checkpoint for the cost of the checkpoint. A piece may also
//! be left in the files that hold it (`FiledPiece`), its text read back only where a write or a
//! reader needs it.

use std::sync::atomic::{AtomicU64, Ordering};

/// Identities are never reused within a process, so two pieces with the same id hold the same text.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// An identity no piece had before.
pub fn fresh_id() -> u64 {
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
        PieceRef { id: self.id, len: self.text.len() as u64, text: Some(&self.text) }
    }
}

/// A piece whose text is left in the files it was written to: only its identity and length are
/// held. Whoever writes a text holding it reads it back from a file whose layout places it.
#[derive(Debug, Clone, Copy)]
pub struct FiledPiece {
    id: u64,
    len: u64,
}

impl FiledPiece {
    /// `len` bytes known, by `id`, to be in the files that hold that piece.
    pub fn new(id: u64, len: u64) -> Self {
        FiledPiece { id, len }
    }

    /// The piece as part of a text being written.
    pub fn as_ref(&self) -> PieceRef<'static> {
        PieceRef { id: self.id, len: self.len, text: None }
    }
}

/// The files a text is written to, as far as leaving pieces of it there goes.
pub trait Filing {
    /// Whether the files hold piece `id` as this writer wrote it, so that its text can be let go
    /// of and read back from them.
    fn holds(&self, id: u64) -> bool;

    /// Takes pieces `first` and `second` to be one piece from now on; its identity, or `None`
    /// when some file holds one of them but not the two as neighbours.
    fn merge(&mut self, first: u64, second: u64) -> Option<u64>;
}

/// A borrowed piece of a text being written: pieces with equal ids have equal text. Its text is
/// `None` for a filed piece.
#[derive(Debug, Clone, Copy)]
pub struct PieceRef<'a> {
    id: u64,
    len: u64,
    text: Option<&'a str>,
}

impl<'a> PieceRef<'a> {
    /// The piece's identity.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The text's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The text, `None` when it is filed.
    pub fn text(&self) -> Option<&'a str> {
        self.text
    }
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

/// The whole text the pieces make; `None` when a piece is filed.
pub fn concat(pieces: &[PieceRef<'_>]) -> Option<String> {
    let mut text = String::with_capacity(pieces.iter().map(|piece| piece.len as usize).sum());
    for piece in pieces {
        text.push_str(piece.text?);
    }
    Some(text)
}

/// Whether the pieces make exactly `text` (never when a piece is filed).
pub fn text_is(pieces: &[PieceRef<'_>], text: &str) -> bool {
    let mut rest = text.as_bytes();
    pieces.iter().all(|piece| match (piece.text, rest.split_at_checked(piece.len as usize)) {
        (Some(piece), Some((head, tail))) if head == piece.as_bytes() => {
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
                len += piece.len;
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
    pub fn missing<'a>(&self, pieces: &[PieceRef<'a>]) -> Vec<(u64, PieceRef<'a>)> {
        let mut placed = self.placed.iter().peekable();
        let mut at = 0;
        let mut missing = Vec::new();
        for piece in pieces {
            while placed.next_if(|(offset, _)| *offset < at).is_some() {}
            if placed.peek() != Some(&&(at, piece.id)) && piece.len > 0 {
                missing.push((at, *piece));
            }
            at += piece.len;
        }
        missing
    }

    /// Where the piece `id` starts in a file holding this layout, if it holds it.
    pub fn offset_of(&self, id: u64) -> Option<u64> {
        self.placed.iter().find(|(_, placed)| *placed == id).map(|(offset, _)| *offset)
    }

    /// Whether this layout holds `second` right after `first`.
    pub fn has_neighbours(&self, first: u64, second: u64) -> bool {
        self.placed.windows(2).any(|pair| pair[0].1 == first && pair[1].1 == second)
    }

    /// Whether this layout holds either piece.
    pub fn has_either(&self, first: u64, second: u64) -> bool {
        self.placed.iter().any(|(_, id)| *id == first || *id == second)
    }

    /// Takes neighbours `first` and `second` to be one piece `merged` from now on (nothing when
    /// they are not neighbours here).
    pub fn merge(&mut self, first: u64, second: u64, merged: u64) {
        if let Some(at) = self.placed.windows(2).position(|pair| pair[0].1 == first && pair[1].1 == second) {
            self.placed.remove(at + 1);
            self.placed[at].1 = merged;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The missing pieces' offsets and texts (`"?"` for a filed one).
    fn texts<'a>(missing: &[(u64, PieceRef<'a>)]) -> Vec<(u64, &'a str)> {
        missing.iter().map(|(at, piece)| (*at, piece.text().unwrap_or("?"))).collect()
    }

    /// Applies `missing` to `file` the way a file would take the writes.
    fn patched(file: &str, missing: &[(u64, PieceRef<'_>)], len: u64) -> String {
        let missing = texts(missing);
        let mut bytes = file.as_bytes().to_vec();
        for (at, text) in missing {
            let end = at as usize + text.len();
            if bytes.len() < end {
                bytes.resize(end, b'?');
            }
            bytes[at as usize..end].copy_from_slice(text.as_bytes());
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
        let file = concat(&before).unwrap();

        let count = Piece::new("{\"n\": 2,".to_owned());
        let after = [count.as_ref(), body.as_ref(), tail.as_ref()];
        assert_eq!(texts(&layout.missing(&after)), [(0, count.text())]);

        let body = Piece::new(body.into_text() + ", 3");
        let after = [head.as_ref(), body.as_ref(), tail.as_ref()];
        let missing = layout.missing(&after);
        assert_eq!(texts(&missing), [(8, "[1, 2, 3"), (16, "]}")]);
        assert_eq!(Some(patched(&file, &missing, Layout::of(&after).len())), concat(&after));
    }

    #[test]
    fn a_shorter_text_is_cut_and_an_unknown_file_is_written_whole() {
        let long = Piece::new("abcdef".to_owned());
        let short = Piece::new("xy".to_owned());
        let layout = Layout::of(&[long.as_ref(), short.as_ref()]);
        let after = [short.as_ref()];
        assert_eq!(patched("abcdefxy", &layout.missing(&after), Layout::of(&after).len()), "xy");
        assert_eq!(texts(&Layout::default().missing(&after)), [(0, "xy")]);
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
        assert_eq!(texts(&layout.missing(&[b.as_ref(), a.as_ref()])), [(0, "bb"), (2, "aa")]);
        assert!(layout.missing(&[a.as_ref(), b.as_ref()]).is_empty());
    }

    #[test]
    fn a_filed_piece_in_place_is_not_missing_and_one_moved_is_missing_without_its_text() {
        let (head, body) = (Piece::new("{\"n\": 1, ".to_owned()), Piece::new("\"body\"".to_owned()));
        let layout = Layout::of(&[head.as_ref(), body.as_ref()]);
        let body = FiledPiece::new(body.as_ref().id(), body.as_ref().len());
        assert!(layout.missing(&[head.as_ref(), body.as_ref()]).is_empty());
        assert_eq!(concat(&[head.as_ref(), body.as_ref()]), None);
        let longer = Piece::new("{\"n\": 10, ".to_owned());
        let missing = layout.missing(&[longer.as_ref(), body.as_ref()]);
        assert_eq!(texts(&missing), [(0, longer.text()), (10, "?")]);
        assert_eq!(layout.offset_of(body.as_ref().id()), Some(9));
    }

    #[test]
    fn merged_neighbours_are_one_piece_in_place() {
        let (a, b, c) = (Piece::new("aa".to_owned()), Piece::new("bb".to_owned()), Piece::new("c".to_owned()));
        let mut layout = Layout::of(&[a.as_ref(), b.as_ref(), c.as_ref()]);
        let merged = FiledPiece::new(fresh_id(), 4);
        assert!(!layout.has_neighbours(a.as_ref().id(), c.as_ref().id()));
        assert!(layout.has_neighbours(a.as_ref().id(), b.as_ref().id()));
        layout.merge(a.as_ref().id(), b.as_ref().id(), merged.as_ref().id());
        assert!(layout.missing(&[merged.as_ref(), c.as_ref()]).is_empty());
        assert_eq!(layout.offset_of(c.as_ref().id()), Some(4));
    }
}

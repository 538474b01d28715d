//! An index held as the text this writer last wrote to its file, for a session resuming
//! without parsing it: what a batch changes in an index (`eventCount`, checkpoints added at the
//! end) is changed in the text, which stays exactly `JSON.stringify(index, null, 2)`.

use super::pieces::{FiledPiece, Filing, Piece, PieceRef};
use super::{plan_for_count, IndexUpdate};
use crate::core::event::Event;
use crate::core::json::{push_indent, write_number, JsValue};

/// Where a top-level field's value starts in an index written with two-space indentation: the
/// line of each top-level key starts with exactly two spaces (deeper keys have more).
fn top_level_value(text: &str, key: &str) -> Option<usize> {
    let needle = format!("\n  \"{key}\": ");
    text.find(&needle).map(|at| at + needle.len())
}

/// An index's text in pieces: what comes before `eventCount`'s value, the value, what follows
/// up to the end of the checkpoints (`body`), checkpoints added since (`added`), and the rest.
/// Pieces whose text does not change keep their identity, so the index file is patched, not
/// rewritten, from the second write on. The body, the bulk of a large index, can be left in the
/// index's files (`file_away`), so that an index let go of costs a few hundred bytes of memory.
#[derive(Debug, Clone)]
pub struct WrittenIndex {
    head: Piece,
    count: Piece,
    /// The checkpoints' text up to `added`: one piece as read, then the pieces left in the files.
    body: Vec<Body>,
    added: Piece,
    tail: Piece,
    /// `eventCount` as a number.
    event_count: f64,
    /// Whether the checkpoints array holds nothing yet.
    no_checkpoints: bool,
}

impl WrittenIndex {
    /// The index whose text is `text`, as `JSON.stringify(index, null, 2)` wrote it; `None`
    /// unless it has a top-level `eventCount` and `checkpoints` array in that order (the
    /// original's order) and a count that is a number.
    pub fn new(text: String) -> Option<Self> {
        let count_at = top_level_value(&text, "eventCount")?;
        let count_len = text[count_at..].find(['\n', ','])?;
        let count = &text[count_at..count_at + count_len];
        let event_count = match JsValue::parse(count).ok()? {
            JsValue::Number(count) => count,
            _ => return None,
        };
        let checkpoints_at = top_level_value(&text, "checkpoints")?;
        let (body_end, no_checkpoints) = if text[checkpoints_at..].starts_with("[]") {
            (checkpoints_at + 1, true)
        } else if text[checkpoints_at..].starts_with("[\n") {
            (checkpoints_at + text[checkpoints_at..].find("\n  ]")?, false)
        } else {
            return None;
        };
        if checkpoints_at < count_at {
            return None;
        }
        Some(WrittenIndex {
            head: Piece::new(text[..count_at].to_owned()),
            count: Piece::new(count.to_owned()),
            body: vec![Body::Held(Piece::new(text[count_at + count_len..body_end].to_owned()))],
            added: Piece::new(String::new()),
            tail: Piece::new(text[body_end..].to_owned()),
            event_count,
            no_checkpoints,
        })
    }

    /// The changes `events` make, as `SessionIndex::plan` computes them.
    pub fn plan<'e>(&self, events: impl Iterator<Item = (&'e Event<'e>, u64)>) -> IndexUpdate {
        plan_for_count(self.event_count, events)
    }

    /// Applies a planned update to the text.
    pub fn apply(&mut self, update: IndexUpdate) {
        if let Some(count) = update.next_event_count {
            let mut text = String::new();
            write_number(&mut text, count);
            if text != self.count.text() {
                self.count = Piece::new(text);
            }
            self.event_count = count;
        }
        if update.checkpoints.is_empty() {
            return;
        }
        let mut added = std::mem::replace(&mut self.added, Piece::new(String::new())).into_text();
        for entry in update.checkpoints {
            if self.no_checkpoints {
                // "[]" becomes "[\n    {...}\n  ]": the body keeps the "[", the tail loses its "]".
                added.push('\n');
                self.tail = Piece::new(format!("\n  ]{}", &self.tail.text()[1..]));
                self.no_checkpoints = false;
            } else {
                added.push_str(",\n");
            }
            push_indent(&mut added, 2);
            JsValue::Object(entry).write_pretty(&mut added, 2);
        }
        self.added = Piece::new(added);
    }

    /// Calls `use_text` with the pieces of the index's text.
    pub fn with_text<R>(&self, use_text: impl FnOnce(&[PieceRef<'_>]) -> R) -> R {
        let mut pieces = Vec::with_capacity(self.body.len() + 4);
        pieces.extend([self.head.as_ref(), self.count.as_ref()]);
        pieces.extend(self.body.iter().map(Body::as_ref));
        pieces.extend([self.added.as_ref(), self.tail.as_ref()]);
        use_text(&pieces)
    }

    /// The bytes of text held in memory (not those left in the index's files).
    pub fn held_bytes(&self) -> usize {
        self.with_text(|pieces| pieces.iter().filter_map(|piece| piece.text()).map(str::len).sum())
    }

    /// Whether some of the checkpoints' text is left in the index's files.
    #[cfg(test)]
    pub fn is_filed(&self) -> bool {
        self.body.iter().any(|piece| matches!(piece, Body::Filed(_)))
    }

    /// Lets go of the checkpoints' text (the body and the checkpoints added since) where the
    /// index's files hold it as this writer wrote it, then takes neighbouring pieces that every
    /// file holds together to be one, so that the pieces stay few.
    pub fn file_away(&mut self, files: &mut impl Filing) {
        if self.added.as_ref().len() > 0 {
            let added = std::mem::replace(&mut self.added, Piece::new(String::new()));
            self.body.push(Body::Held(added));
        }
        for piece in &mut self.body {
            let (id, len) = (piece.as_ref().id(), piece.as_ref().len());
            if matches!(piece, Body::Held(_)) && files.holds(id) {
                *piece = Body::Filed(FiledPiece::new(id, len));
            }
        }
        let mut at = 0;
        while at + 1 < self.body.len() {
            let (first, second) = (self.body[at].as_ref(), self.body[at + 1].as_ref());
            let both_filed = first.text().is_none() && second.text().is_none();
            match both_filed.then(|| files.merge(first.id(), second.id())).flatten() {
                Some(merged) => {
                    self.body[at] = Body::Filed(FiledPiece::new(merged, first.len() + second.len()));
                    self.body.remove(at + 1);
                }
                None => at += 1,
            }
        }
    }
}

/// The text of the checkpoints an index held when it was read: held, or left in its file.
#[derive(Debug, Clone)]
enum Body {
    Held(Piece),
    Filed(FiledPiece),
}

impl Body {
    fn as_ref(&self) -> PieceRef<'_> {
        match self {
            Body::Held(piece) => piece.as_ref(),
            Body::Filed(piece) => piece.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::index::pieces::concat;
    use crate::core::index::SessionIndex;

    fn events(lines: &[&'static str]) -> Vec<Event<'static>> {
        lines.iter().map(|line| Event::parse(line).unwrap()).collect()
    }

    #[test]
    fn changes_its_text_as_the_parsed_index_changes_its_own() {
        let batches: [&[&'static str]; 5] = [
            &[r#"{"type":"input","seq":0}"#],
            &[r#"{"type":"checkpoint","seq":1,"reason":"r","stateId":"a"}"#],
            &[r#"{"type":"input","seq":9}"#, r#"{"type":"checkpoint","seq":10,"reason":"r","stateId":"b"}"#],
            &[r#"{"type":"x"}"#],
            &[r#"{"type":"input","seq":"1e3"}"#, r#"{"type":"checkpoint","stateId":"c","extra":[1,{"d":null}]}"#],
        ];
        let starts = [
            SessionIndex::new("s").to_json(),
            SessionIndex::parse(r#"{"z":[1],"sessionId":"s","eventCount":3,"checkpoints":[{"seq":2,"byteOffset":7}],"states":{"a":{"eventCount":1,"checkpoints":[]}},"receipts":{}}"#)
                .unwrap()
                .to_json(),
        ];
        for start in starts {
            let mut parsed = SessionIndex::parse(&start).unwrap();
            let mut written = WrittenIndex::new(start.clone()).expect("an index the writer wrote");
            assert_eq!(written.with_text(concat), Some(start.clone()));
            for (at, batch) in batches.iter().enumerate() {
                let batch = events(batch);
                let offsets = (0..batch.len() as u64).map(|n| 100 * at as u64 + n);
                parsed.apply(parsed.plan(batch.iter().zip(offsets.clone())));
                written.apply(written.plan(batch.iter().zip(offsets)));
                assert_eq!(written.with_text(concat), Some(parsed.to_json()), "after batch {at}");
            }
        }
    }

    #[test]
    fn an_index_not_laid_out_as_the_writer_writes_it_is_not_taken() {
        for text in [
            "{\"eventCount\":1,\"checkpoints\":[]}",
            "{\n  \"eventCount\": \"4\",\n  \"checkpoints\": []\n}",
            "{\n  \"checkpoints\": [],\n  \"eventCount\": 1\n}",
            "{\n  \"eventCount\": 1\n}",
            "{\n  \"eventCount\": 1,\n  \"checkpoints\": {}\n}",
        ] {
            assert!(WrittenIndex::new(text.to_owned()).is_none(), "{text}");
        }
    }
}

//! A JSON object kept together with its pretty-printed text, as pieces with identities (see
//! `pieces`): the text of each top-level array in pieces of about 16 KB, each top-level object
//! as one piece, and the runs between them. The object changes only through this type's
//! methods, each of which keeps the text right, so no change can leave stale text behind.

use std::cell::RefCell;
use std::collections::HashMap;

use super::pieces::{self, Piece, PieceRef};
use crate::core::json::{push_indent, JsObject, JsString, JsValue};

/// An object and its text, which changes only through methods that keep the two in step.
#[derive(Debug, Clone, Default)]
pub struct Document {
    root: JsObject,
    /// The written text of each top-level array or object, kept until the field changes.
    rendered: RefCell<HashMap<JsString, Vec<Piece>>>,
    /// The text between the kept fields (names, scalars, punctuation), as last written.
    between: RefCell<Vec<Piece>>,
}

impl Document {
    /// `root`, whose text is made when first asked for.
    pub fn new(root: JsObject) -> Self {
        Document { root, ..Document::default() }
    }

    /// The object.
    pub fn root(&self) -> &JsObject {
        &self.root
    }

    /// Sets field `key` to `value`; returns the value it replaced.
    pub fn set(&mut self, key: &JsString, value: JsValue) -> Option<JsValue> {
        self.rendered.get_mut().remove(key);
        self.root.insert_key(key.clone(), value)
    }

    /// Changes field `key` (`None` when the object has none) with `change`.
    pub fn change<R>(&mut self, key: &JsString, change: impl FnOnce(Option<&mut JsValue>) -> R) -> R {
        self.rendered.get_mut().remove(key);
        change(self.root.get_key_mut(key))
    }

    /// Adds `items` to the end of the array field `key`; nothing when the field is not an array.
    /// The array's text grows by theirs, the rest of it kept as it was.
    pub fn push_to_array(&mut self, key: &JsString, items: Vec<JsValue>) {
        let Some(JsValue::Array(array)) = self.root.get_key_mut(key) else { return };
        if let Some(pieces) = self.rendered.get_mut().get_mut(key) {
            append_to_pretty_array(pieces, 1, &items, |out, item| item.write_pretty(out, 2));
        }
        array.extend(items);
    }

    /// `JSON.stringify(object, null, 2)`.
    pub fn to_json(&self) -> String {
        // A document holds the text of every piece it makes.
        self.with_text(pieces::concat).unwrap_or_default()
    }

    /// Calls `use_text` with the pieces of `to_json()`'s text. A piece keeps its identity
    /// from one call to the next for as long as its text is unchanged.
    pub fn with_text<R>(&self, use_text: impl FnOnce(&[PieceRef<'_>]) -> R) -> R {
        let mut rendered = self.rendered.borrow_mut();
        let mut fields = Vec::new();
        let mut runs = Vec::new();
        let mut text = String::new();
        self.root.write_pretty_with(&mut text, 0, |text, key, value| {
            match value {
                JsValue::Array(items) => {
                    rendered.entry(key.clone()).or_insert_with(|| pretty_array_pieces(items, 1));
                }
                JsValue::Object(_) => {
                    rendered.entry(key.clone()).or_insert_with(|| {
                        let mut object = String::new();
                        value.write_pretty(&mut object, 1);
                        vec![Piece::new(object)]
                    });
                }
                scalar => return scalar.write_pretty(text, 1),
            }
            runs.push(std::mem::take(text));
            fields.push(key.clone());
        });
        runs.push(text);
        let mut between = self.between.borrow_mut();
        pieces::renew(&mut between, runs);
        let mut pieces = Vec::new();
        for (run, field) in between.iter().zip(fields.iter().map(Some).chain([None])) {
            pieces.push(run.as_ref());
            if let Some(key) = field {
                pieces.extend(rendered[key].iter().map(Piece::as_ref));
            }
        }
        use_text(&pieces)
    }
}

/// Bytes of array text one piece holds before the next piece begins.
const ARRAY_PIECE_BYTES: usize = 16 * 1024;

/// `JSON.stringify(array, null, 2)` for an array sitting `depth` levels deep, as pieces of
/// about `ARRAY_PIECE_BYTES`, the closing bracket last: items added later with
/// `append_to_pretty_array` leave every piece but the last one or two as they were.
fn pretty_array_pieces(items: &[JsValue], depth: usize) -> Vec<Piece> {
    let mut pieces = vec![Piece::new("[]".to_owned())];
    append_to_pretty_array(&mut pieces, depth, items, |out, item| item.write_pretty(out, depth + 1));
    pieces
}

/// Adds `items` to the end of array pieces made by `pretty_array_pieces` at the same `depth`,
/// each written by `write_item` as `write_pretty` at `depth + 1` would: the pieces then hold
/// the text of the longer array.
fn append_to_pretty_array<T>(
    pieces: &mut Vec<Piece>,
    depth: usize,
    items: impl IntoIterator<Item = T>,
    mut write_item: impl FnMut(&mut String, T),
) {
    let mut items = items.into_iter().peekable();
    if items.peek().is_none() {
        return;
    }
    // Take off the closing bracket (or the whole "[]"), then reopen the last piece if it has room.
    let mut first = pieces.pop().is_none_or(|closing| closing.text() == "[]");
    let mut piece = match pieces.pop() {
        _ if first => "[".to_owned(),
        Some(last) if last.text().len() < ARRAY_PIECE_BYTES => last.into_text(),
        Some(full) => {
            pieces.push(full);
            String::new()
        }
        None => String::new(),
    };
    for item in items {
        if piece.len() >= ARRAY_PIECE_BYTES {
            piece.shrink_to_fit();
            pieces.push(Piece::new(std::mem::take(&mut piece)));
        }
        piece.push_str(if first { "\n" } else { ",\n" });
        first = false;
        push_indent(&mut piece, depth + 1);
        write_item(&mut piece, item);
    }
    pieces.push(Piece::new(piece));
    let mut closing = "\n".to_owned();
    push_indent(&mut closing, depth);
    closing.push(']');
    pieces.push(Piece::new(closing));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_pieces_match_printing_the_array_as_items_are_added() {
        let item = |n: usize| JsValue::Array(vec![JsValue::Number(n as f64), JsValue::String(JsString::new("x"))]);
        let text = |pieces: &[Piece]| pieces.iter().map(Piece::text).collect::<String>();
        // Enough items to fill several pieces, added one at a time and in runs.
        for start in [0, 1, 2, 3000] {
            let mut items: Vec<JsValue> = (0..start).map(item).collect();
            let mut pieces = pretty_array_pieces(&items, 1);
            for run in [1, 2, 1, 700, 1, 2500] {
                let added: Vec<JsValue> = (items.len()..items.len() + run).map(item).collect();
                append_to_pretty_array(&mut pieces, 1, &added, |out, item| item.write_pretty(out, 2));
                items.extend(added);
                let mut expected = String::new();
                JsValue::Array(items.clone()).write_pretty(&mut expected, 1);
                assert_eq!(text(&pieces), expected, "starting from {start} items, now {}", items.len());
            }
            assert!(pieces.len() > 3, "{} pieces", pieces.len());
            assert!(pieces.iter().all(|piece| piece.text().len() < 2 * ARRAY_PIECE_BYTES));
        }
        assert_eq!(text(&pretty_array_pieces(&[], 1)), "[]");
    }
}

//! The session index `{ sessionId, eventCount, checkpoints, states, receipts }`, held as
//! the JavaScript object the original module would hold, so that everything in a loaded
//! index survives every rewrite; its text, and the file it is written to.

mod file;
mod pieces;
mod text;
mod written;

pub use file::{read, IndexFile};
pub use pieces::PieceRef;
pub use written::WrittenIndex;

use super::event::{Event, EventKind};
use super::json::{JsObject, JsString, JsValue, JsonError};
use text::Document;

/// A session's index, as the JavaScript object the original module would hold, with its text.
/// Every change goes through the `Document`, which keeps the text right.
#[derive(Debug, Clone)]
pub struct SessionIndex {
    doc: Document,
}

impl PartialEq for SessionIndex {
    fn eq(&self, other: &Self) -> bool {
        self.doc.root() == other.doc.root()
    }
}

/// Why an index file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("is not valid JSON: {0}")]
    NotJson(#[from] JsonError),
    #[error("must hold a JSON object")]
    NotAnObject,
    /// What a reader needs and a writer rebuilds: a `checkpoints` array.
    #[error("is not an index: \"checkpoints\" is not an array")]
    NoCheckpoints,
    /// What a reader needs and a writer rebuilds: each checkpoint an object.
    #[error("is not an index: checkpoints[{0}] is not an object")]
    CheckpointNotAnObject(usize),
    /// What a reader needs and a writer rebuilds: each checkpoint's offset in the log.
    #[error("is not an index: checkpoints[{0}].byteOffset is not a non-negative integer")]
    CheckpointWithoutOffset(usize),
}

/// The index changes one batch makes, computed before anything is written.
#[derive(Debug, Default)]
pub struct IndexUpdate {
    checkpoints: Vec<JsObject>,
    next_event_count: Option<f64>,
    marks_dirty: bool,
}

/// The index's fields this module reads and changes.
fn field(name: &str) -> JsString {
    JsString::new(name)
}

impl SessionIndex {
    /// A new, empty index for `session_id`, its keys in the original module's order.
    pub fn new(session_id: &str) -> Self {
        let mut root = JsObject::default();
        root.insert("sessionId", JsValue::String(JsString::new(session_id)));
        root.insert("eventCount", JsValue::Number(0.0));
        root.insert("checkpoints", JsValue::Array(Vec::new()));
        root.insert("states", JsValue::Object(JsObject::default()));
        root.insert("receipts", JsValue::Object(JsObject::default()));
        SessionIndex { doc: Document::new(root) }
    }

    /// Reads an index file's text; every field it holds, known or not, is kept.
    pub fn parse(text: &str) -> Result<Self, IndexError> {
        match JsValue::parse(text)? {
            JsValue::Object(ref mut root) => Ok(SessionIndex { doc: Document::new(std::mem::take(root)) }),
            _ => Err(IndexError::NotAnObject),
        }
    }

    /// The index as the original module writes it: `JSON.stringify(index, null, 2)`.
    pub fn to_json(&self) -> String {
        self.doc.to_json()
    }

    /// Calls `use_text` with the pieces of `to_json()`'s text. A piece keeps its identity
    /// from one call to the next for as long as its text is unchanged.
    pub fn with_text<R>(&self, use_text: impl FnOnce(&[PieceRef<'_>]) -> R) -> R {
        self.doc.with_text(use_text)
    }

    /// The changes `events` make, with each event's line starting at the matching offset.
    pub fn plan<'e>(&self, events: impl Iterator<Item = (&'e Event<'e>, u64)>) -> IndexUpdate {
        plan_for_count(self.doc.root().get("eventCount").map_or(f64::NAN, JsValue::to_number), events)
    }

    /// Applies a planned update.
    pub fn apply(&mut self, update: IndexUpdate) {
        if let Some(count) = update.next_event_count {
            self.doc.set(&field("eventCount"), JsValue::Number(count));
        }
        if !update.checkpoints.is_empty() {
            self.doc
                .push_to_array(&field("checkpoints"), update.checkpoints.into_iter().map(JsValue::Object).collect());
        }
    }

    /// The checkpoint entries, as stored.
    pub fn checkpoint_entries(&self) -> &[JsValue] {
        match self.doc.root().get("checkpoints") {
            Some(JsValue::Array(items)) => items,
            _ => &[],
        }
    }

    /// `eventCount` as a number, `None` when the index has none.
    pub fn event_count(&self) -> Option<f64> {
        self.doc.root().get("eventCount").map(JsValue::to_number)
    }

    /// Whether `eventCount` is one a log whose checkpoint has `seq` could give: a whole number,
    /// not negative, above that seq.
    pub fn event_count_covers(&self, seq: Option<f64>) -> bool {
        let Some(count) = self.event_count() else { return false };
        let whole = count.is_finite() && count >= 0.0 && count.fract() == 0.0;
        whole && seq.filter(|seq| seq.is_finite()).is_none_or(|seq| count >= seq + 1.0)
    }

    /// Sets `field[key]` (making `field` an object if it is not one).
    pub fn set_entry(&mut self, name: &str, key: &JsString, value: JsValue) {
        let name = field(name);
        if !matches!(self.doc.root().get_key(&name), Some(JsValue::Object(_))) {
            self.doc.set(&name, JsValue::Object(JsObject::default()));
        }
        self.doc.change(&name, |entries| {
            if let Some(JsValue::Object(entries)) = entries {
                entries.insert_key(key.clone(), value);
            }
        })
    }

    /// Becomes `theirs`, an index someone else wrote to the file meanwhile (a tool, the server's
    /// own `saveIndex`), except for what the log decides, `eventCount` and `checkpoints`, which
    /// stay as this index has them: every other field of theirs (states, receipts, fields this
    /// module does not know) is kept, in their order.
    pub fn adopt_fields_of(&mut self, mut theirs: SessionIndex) {
        for name in ["eventCount", "checkpoints"] {
            if let Some(value) = self.doc.root().get(name) {
                theirs.doc.set(&field(name), value.clone());
            }
        }
        *self = theirs;
    }

    /// How many checkpoints the index lists.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoint_entries().len()
    }

    /// Whether `checkpoints` is an array.
    pub fn has_checkpoints_array(&self) -> bool {
        matches!(self.doc.root().get("checkpoints"), Some(JsValue::Array(_)))
    }

    /// Gives the index a `checkpoints` array if it lacks one (an index another tool wrote).
    pub fn ensure_checkpoints_array(&mut self) {
        if !self.has_checkpoints_array() {
            self.doc.set(&field("checkpoints"), JsValue::Array(Vec::new()));
        }
    }

    /// Keeps the first `len` checkpoints; returns those dropped.
    pub fn truncate_checkpoints(&mut self, len: usize) -> Vec<JsValue> {
        if self.checkpoint_count() <= len {
            return Vec::new();
        }
        self.doc.change(&field("checkpoints"), |items| match items {
            Some(JsValue::Array(items)) => items.split_off(len),
            _ => Vec::new(),
        })
    }

    /// The text of `eventCount`'s value as the index writes it (`None` when it has none).
    pub fn event_count_text(&self) -> Option<String> {
        self.doc.root().get("eventCount").map(|value| {
            let mut text = String::new();
            value.write_pretty(&mut text, 1);
            text
        })
    }

    /// Sets `eventCount` (0 before it is counted again from the whole log).
    pub fn set_event_count(&mut self, count: f64) {
        self.doc.set(&field("eventCount"), JsValue::Number(count));
    }
}

/// An index the lines of a log are added to: parsed, or as written (`WrittenIndex`).
pub trait Indexes {
    /// Indexes one event whose line starts at `offset`, for good.
    fn add_event(&mut self, event: &Event<'_>, offset: u64);
}

impl Indexes for SessionIndex {
    fn add_event(&mut self, event: &Event<'_>, offset: u64) {
        let update = self.plan(std::iter::once((event, offset)));
        self.apply(update);
    }
}

impl Indexes for WrittenIndex {
    fn add_event(&mut self, event: &Event<'_>, offset: u64) {
        let update = self.plan(std::iter::once((event, offset)));
        self.apply(update);
    }
}

/// The changes `events` make to an index whose `eventCount` is `event_count` (as a number), each
/// event's line starting at the matching offset: the original's rules.
fn plan_for_count<'e>(mut event_count: f64, events: impl Iterator<Item = (&'e Event<'e>, u64)>) -> IndexUpdate {
    let mut update = IndexUpdate::default();
    for (event, offset) in events {
        if event.kind == EventKind::Checkpoint {
            update.checkpoints.push(event.checkpoint_entry(offset));
            update.marks_dirty = true;
        }
        if event.kind == EventKind::LlmResponse && event.has_receipt_key() {
            update.marks_dirty = true;
        }
        if let Some(seq) = event.seq {
            event_count = js_max(event_count, seq + 1.0);
            update.next_event_count = Some(event_count);
            update.marks_dirty = true;
        }
    }
    update
}

impl IndexUpdate {
    /// Whether the original module would rewrite the index after this batch.
    pub fn marks_dirty(&self) -> bool {
        self.marks_dirty
    }
}

/// `Math.max(a, b)`: NaN if either is NaN.
fn js_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(lines: &[&'static str]) -> Vec<Event<'static>> {
        lines.iter().map(|line| Event::parse(line).unwrap()).collect()
    }

    fn apply(index: &mut SessionIndex, events: &[Event<'static>], offsets: &[u64]) {
        let update = index.plan(events.iter().zip(offsets.iter().copied()));
        index.apply(update)
    }

    #[test]
    fn new_index_has_the_original_key_order() {
        let expected = "{\n  \"sessionId\": \"s\",\n  \"eventCount\": 0,\n  \"checkpoints\": [],\n  \"states\": {},\n  \"receipts\": {}\n}";
        assert_eq!(SessionIndex::new("s").to_json(), expected);
    }

    #[test]
    fn event_count_is_max_seq_plus_one_and_checkpoints_carry_offsets() {
        let mut index = SessionIndex::new("s");
        let batch =
            events(&[r#"{"type":"input","seq":5}"#, r#"{"type":"checkpoint","seq":2,"reason":"r","stateId":"a"}"#]);
        apply(&mut index, &batch, &[10, 40]);
        let json = index.to_json();
        assert!(json.contains("\"eventCount\": 6"), "{json}");
        assert!(json.contains("\"byteOffset\": 40"), "{json}");
    }

    #[test]
    fn unknown_fields_states_and_receipts_survive_and_keep_their_order() {
        let text = r#"{"z":1,"sessionId":"s","states":{"b":{"x":1},"1":2},"eventCount":3,"checkpoints":[],"receipts":{"k":{"tokens":5}}}"#;
        let mut index = SessionIndex::parse(text).unwrap();
        apply(&mut index, &events(&[r#"{"type":"input","seq":9}"#]), &[0]);
        let expected = concat!(
            "{\n  \"z\": 1,\n  \"sessionId\": \"s\",\n  \"states\": {\n    \"1\": 2,\n    \"b\": {\n      \"x\": 1\n    }\n  },\n",
            "  \"eventCount\": 10,\n  \"checkpoints\": [],\n  \"receipts\": {\n    \"k\": {\n      \"tokens\": 5\n    }\n  }\n}"
        );
        assert_eq!(index.to_json(), expected);
    }

    #[test]
    fn a_missing_event_count_becomes_null_as_math_max_of_undefined_does() {
        let mut index = SessionIndex::parse(r#"{"checkpoints":[]}"#).unwrap();
        apply(&mut index, &events(&[r#"{"type":"input","seq":1}"#]), &[0]);
        assert_eq!(index.to_json(), "{\n  \"checkpoints\": [],\n  \"eventCount\": null\n}");
    }

    #[test]
    fn dirty_only_for_seq_checkpoints_and_receipts() {
        let index = SessionIndex::new("s");
        let plan = |lines: &[&'static str]| {
            let batch = events(lines);
            index.plan(batch.iter().map(|event| (event, 0))).marks_dirty()
        };
        assert!(!plan(&[r#"{"type":"input"}"#]));
        assert!(!plan(&[r#"{"type":"llm_resp"}"#]));
        assert!(plan(&[r#"{"type":"llm_resp","receiptKey":"k"}"#]));
        assert!(plan(&[r#"{"type":"checkpoint"}"#]));
        assert!(plan(&[r#"{"type":"x","seq":0}"#]));
    }

    #[test]
    fn kept_text_follows_every_change() {
        let text = r#"{"sessionId":"s","eventCount":0,"checkpoints":[{"seq":0}],"states":{"a":[1]},"receipts":{}}"#;
        let mut index = SessionIndex::parse(text).unwrap();
        let fresh = |index: &SessionIndex| SessionIndex::parse(&index.to_json()).unwrap().doc.root().clone();
        let printed = |index: &SessionIndex| {
            let mut out = String::new();
            index.doc.root().write_pretty(&mut out, 0);
            out
        };
        assert_eq!(index.to_json(), printed(&index));
        apply(&mut index, &events(&[r#"{"type":"checkpoint","seq":1}"#, r#"{"type":"checkpoint","seq":2}"#]), &[9, 30]);
        assert_eq!(index.to_json(), printed(&index));
        index.set_entry("states", &JsString::new("b"), JsValue::Bool(true));
        assert_eq!(index.to_json(), printed(&index));
        index.truncate_checkpoints(0);
        assert_eq!(index.to_json(), printed(&index));
        assert_eq!(&fresh(&index), index.doc.root());
    }

    #[test]
    fn an_index_written_meanwhile_gives_every_field_but_what_the_log_decides() {
        let mut ours =
            SessionIndex::parse(r#"{"sessionId":"s","eventCount":7,"checkpoints":[{"seq":6}],"states":{}}"#).unwrap();
        let theirs =
            SessionIndex::parse(r#"{"x":1,"sessionId":"s","eventCount":2,"checkpoints":[],"states":{"a":{"env":1}}}"#)
                .unwrap();
        ours.adopt_fields_of(theirs);
        assert_eq!(
            ours.to_json(),
            SessionIndex::parse(
                r#"{"x":1,"sessionId":"s","eventCount":7,"checkpoints":[{"seq":6}],"states":{"a":{"env":1}}}"#
            )
            .unwrap()
            .to_json()
        );
    }

    #[test]
    fn an_index_without_a_checkpoints_array_is_given_one() {
        let mut index = SessionIndex::parse(r#"{"checkpoints":{"a":1},"x":1}"#).unwrap();
        index.ensure_checkpoints_array();
        apply(&mut index, &events(&[r#"{"type":"checkpoint"}"#]), &[5]);
        assert_eq!(
            index.to_json(),
            "{\n  \"checkpoints\": [\n    {\n      \"byteOffset\": 5\n    }\n  ],\n  \"x\": 1\n}"
        );
    }

    #[test]
    fn rejects_indexes_that_are_not_json_objects() {
        assert_eq!(SessionIndex::parse("[]").unwrap_err(), IndexError::NotAnObject);
        assert!(matches!(SessionIndex::parse("{").unwrap_err(), IndexError::NotJson(_)));
    }
}

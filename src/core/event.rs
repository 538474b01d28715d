//! Session events: the exact line each one is stored as, and the fields the index reads from it.

use serde::Deserialize;

use super::json::{self, JsObject, JsValue, RawJson};

/// One event of a batch: its exact JSON line and the typed view of it the index needs.
#[derive(Debug)]
pub struct Event<'a> {
    /// The line as stored in the log, without its newline.
    pub line: &'a str,
    /// The event's `type`.
    pub kind: EventKind,
    /// The numeric `seq`, when the line holds one.
    pub seq: Option<f64>,
    fields: Fields<'a>,
}

/// What an event's `type` means to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `checkpoint`: indexed with its offset.
    Checkpoint,
    /// `llm_resp`: its receipt marks the index as changed.
    LlmResponse,
    /// Every other type, stored but not indexed.
    Other,
}

/// Why a line cannot be stored as an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("is not valid JSON: {0}")]
    NotJson(String),
    #[error("must serialize to a JSON object, but serializes to {0}")]
    NotAnObject(&'static str),
    #[error("must have a string \"type\"")]
    MissingType,
}

/// The fields the index reads, as their raw JSON text (the last one where a key repeats, as
/// `JSON.parse` keeps it): `None` when absent, `Some("null")` when present and null.
#[derive(Debug, Deserialize)]
struct Fields<'a> {
    #[serde(rename = "type", default, borrow, deserialize_with = "present")]
    kind: Option<RawJson<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    seq: Option<RawJson<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    reason: Option<RawJson<'a>>,
    #[serde(rename = "stateId", default, borrow, deserialize_with = "present")]
    state_id: Option<RawJson<'a>>,
    #[serde(rename = "receiptKey", default, borrow, deserialize_with = "present")]
    receipt_key: Option<RawJson<'a>>,
}

/// A field that is there, whatever its value, `null` included.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<RawJson<'de>>, D::Error> {
    RawJson::deserialize(deserializer).map(Some)
}

impl<'a> Event<'a> {
    /// Reads one JSON line. Succeeds exactly when `JSON.parse` reads the line as an object
    /// whose `type` is a string; every other field is kept in `line` untouched.
    pub fn parse(line: &'a str) -> Result<Self, EventError> {
        let first = line.trim_start_matches([' ', '\t', '\n', '\r']).as_bytes().first().copied();
        if first != Some(b'{') {
            return Err(EventError::NotAnObject(json_kind(first)));
        }
        let fields: Fields<'a> = json::from_str(line).map_err(|err| EventError::NotJson(err.to_string()))?;
        let kind = match fields.kind.map(|raw| raw.value()) {
            Some(JsValue::String(ref kind)) if kind.is("checkpoint") => EventKind::Checkpoint,
            Some(JsValue::String(ref kind)) if kind.is("llm_resp") => EventKind::LlmResponse,
            Some(JsValue::String(_)) => EventKind::Other,
            _ => return Err(EventError::MissingType),
        };
        let seq = match fields.seq.map(|raw| raw.value()) {
            Some(JsValue::Number(seq)) => Some(seq),
            _ => None,
        };
        Ok(Event { line, kind, seq, fields })
    }

    /// Whether the event names a `receiptKey`.
    pub fn has_receipt_key(&self) -> bool {
        self.fields.receipt_key.is_some()
    }

    /// The checkpoint's index entry `{ seq, reason, stateId, byteOffset }`; fields the
    /// event lacks are left out, as `JSON.stringify` leaves out `undefined`.
    pub fn checkpoint_entry(&self, byte_offset: u64) -> JsObject {
        let mut entry = JsObject::default();
        let fields = [("seq", self.fields.seq), ("reason", self.fields.reason), ("stateId", self.fields.state_id)];
        for (name, raw) in fields {
            if let Some(raw) = raw {
                entry.insert(name, raw.value());
            }
        }
        entry.insert("byteOffset", JsValue::Number(byte_offset as f64));
        entry
    }
}

/// A word for what a JSON text starting with `first` is.
fn json_kind(first: Option<u8>) -> &'static str {
    match first {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'-' | b'0'..=b'9') => "a number",
        _ => "nothing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_type_seq_and_checkpoint_fields() {
        let line = r#"{"type":"checkpoint","seq":4,"reason":"manual","stateId":"s-1","extra":[1]}"#;
        let event = Event::parse(line).unwrap();
        assert_eq!(event.kind, EventKind::Checkpoint);
        assert_eq!(event.seq, Some(4.0));
        let entry = JsValue::Object(event.checkpoint_entry(120)).to_pretty_json();
        assert_eq!(
            entry,
            "{\n  \"seq\": 4,\n  \"reason\": \"manual\",\n  \"stateId\": \"s-1\",\n  \"byteOffset\": 120\n}"
        );
    }

    #[test]
    fn null_checkpoint_fields_are_kept() {
        let event = Event::parse(r#"{"type":"checkpoint","seq":null,"reason":null}"#).unwrap();
        let entry = JsValue::Object(event.checkpoint_entry(3)).to_pretty_json();
        assert_eq!(entry, "{\n  \"seq\": null,\n  \"reason\": null,\n  \"byteOffset\": 3\n}");
    }

    #[test]
    fn missing_checkpoint_fields_are_left_out() {
        let event = Event::parse(r#"{"type":"checkpoint","reason":{"why":["x"]}}"#).unwrap();
        assert_eq!(event.seq, None);
        let entry = JsValue::Object(event.checkpoint_entry(0)).to_pretty_json();
        assert_eq!(entry, "{\n  \"reason\": {\n    \"why\": [\n      \"x\"\n    ]\n  },\n  \"byteOffset\": 0\n}");
    }

    #[test]
    fn non_numeric_seq_is_not_a_seq() {
        for line in [r#"{"type":"x","seq":"4"}"#, r#"{"type":"x","seq":null}"#, r#"{"type":"x"}"#] {
            assert_eq!(Event::parse(line).unwrap().seq, None, "{line}");
        }
    }

    #[test]
    fn lone_surrogates_and_deep_nesting_are_accepted() {
        let deep = format!(r#"{{"type":"t\ud800","v":{}1{}}}"#, "[".repeat(50_000), "]".repeat(50_000));
        assert_eq!(Event::parse(&deep).unwrap().kind, EventKind::Other);
    }

    #[test]
    fn rejects_non_objects_and_missing_or_non_string_type() {
        assert_eq!(Event::parse("[1]").unwrap_err(), EventError::NotAnObject("an array"));
        assert_eq!(Event::parse("\"x\"").unwrap_err(), EventError::NotAnObject("a string"));
        assert_eq!(Event::parse("null").unwrap_err(), EventError::NotAnObject("null"));
        assert_eq!(Event::parse(r#"{"seq":1}"#).unwrap_err(), EventError::MissingType);
        assert_eq!(Event::parse(r#"{"type":7}"#).unwrap_err(), EventError::MissingType);
        assert!(matches!(Event::parse(r#"{"type":"x""#).unwrap_err(), EventError::NotJson(_)));
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_as_json_parse_does() {
        let event =
            Event::parse(r#"{"type":"x","seq":1,"seq":7,"type":"checkpoint","stateId":"a","stateId":"b"}"#).unwrap();
        assert_eq!((event.kind, event.seq), (EventKind::Checkpoint, Some(7.0)));
        let entry = JsValue::Object(event.checkpoint_entry(0)).to_pretty_json();
        assert_eq!(entry, "{\n  \"seq\": 7,\n  \"stateId\": \"b\",\n  \"byteOffset\": 0\n}");
    }

    #[test]
    fn lone_surrogates_in_keys_and_values_are_accepted_and_kept() {
        let event = Event::parse(r#"{"type":"checkpoint","k\ud800":1,"stateId":"s\udbff"}"#).unwrap();
        let entry = JsValue::Object(event.checkpoint_entry(0)).to_pretty_json();
        assert_eq!(entry, "{\n  \"stateId\": \"s\\udbff\",\n  \"byteOffset\": 0\n}");
    }

    #[test]
    fn receipt_key_is_seen_when_present() {
        assert!(Event::parse(r#"{"type":"llm_resp","receiptKey":"k"}"#).unwrap().has_receipt_key());
        assert!(!Event::parse(r#"{"type":"llm_resp"}"#).unwrap().has_receipt_key());
    }
}

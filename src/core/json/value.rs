//! The values JSON holds, as a JavaScript program holds them after `JSON.parse`.
//!
//! A string is kept as the text `JSON.stringify` writes between its quotes (`JsString`): that
//! text holds every UTF-16 code unit of the JavaScript string, a lone surrogate included (as
//! `\udXXX`), so a string read from JSON is written back exactly, and two strings are equal
//! exactly when their JavaScript values are. Objects keep JavaScript's property order.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use compact_str::CompactString;

/// A value as a JavaScript program holds it after `JSON.parse`.
#[derive(Debug, Clone, PartialEq)]
pub enum JsValue {
    Null,
    Bool(bool),
    Number(f64),
    String(JsString),
    Array(Vec<JsValue>),
    Object(JsObject),
}

impl Drop for JsValue {
    /// Takes nested values apart one level at a time, so that dropping deep nesting
    /// cannot overflow the stack.
    fn drop(&mut self) {
        let mut pending = Vec::new();
        self.move_children_into(&mut pending);
        while let Some(mut value) = pending.pop() {
            value.move_children_into(&mut pending);
        }
    }
}

/// A JavaScript string, held as the text `JSON.stringify` writes between its quotes:
/// two strings are equal exactly when their JavaScript values are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsString(CompactString);

/// A JavaScript object's own properties in the order `Object.keys` gives them:
/// array-index keys ascending, then every other key in insertion order.
///
/// Small objects (an index holds a great many: one per checkpoint) keep their named keys in
/// a plain list; a lookup table is added once an object has more than `LOOKUP_FROM` of them.
#[derive(Debug, Clone, Default)]
pub struct JsObject {
    /// Boxed, and only there once the object has an array-index key: few objects have one.
    #[allow(clippy::box_collection)]
    indexed: Option<Box<BTreeMap<u32, JsValue>>>,
    named: Vec<(JsString, JsValue)>,
    /// Boxed so that the many objects without one stay a pointer smaller.
    #[allow(clippy::box_collection)]
    positions: Option<Box<HashMap<JsString, usize>>>,
}

/// How many named keys an object has before it keeps a lookup table for them.
const LOOKUP_FROM: usize = 16;

impl PartialEq for JsObject {
    fn eq(&self, other: &Self) -> bool {
        self.indexed == other.indexed && self.named == other.named
    }
}

impl JsString {
    /// The JavaScript string holding exactly the characters of `text`.
    pub fn new(text: &str) -> Self {
        let mut escaped = String::with_capacity(text.len());
        for ch in text.chars() {
            push_escaped_unit(&mut escaped, ch as u32, Some(ch));
        }
        JsString::from_escaped(escaped)
    }

    /// The string whose `JSON.stringify` escaping is `escaped`. Short strings, such as every
    /// key of a checkpoint entry, are held inline rather than in an allocation of their own.
    /// The string whose `JSON.stringify` escaping is `escaped`, from borrowed text.
    pub(super) fn from_canonical(escaped: &str) -> Self {
        JsString(CompactString::new(escaped))
    }

    pub(super) fn from_escaped(escaped: String) -> Self {
        JsString(if escaped.len() <= size_of::<CompactString>() {
            CompactString::new(&escaped)
        } else {
            CompactString::from(escaped)
        })
    }

    /// The text between the quotes of `JSON.stringify(string)`.
    pub fn escaped(&self) -> &str {
        self.0.as_str()
    }

    /// The string as Rust text; `None` when it holds a lone surrogate, which Rust text cannot.
    pub fn decoded(&self) -> Option<Cow<'_, str>> {
        if !self.0.contains('\\') {
            return Some(Cow::Borrowed(self.escaped()));
        }
        self.decode(None).map(Cow::Owned)
    }

    /// The string as Rust text, a lone surrogate becoming U+FFFD (as Node's fs encodes paths).
    pub fn lossy(&self) -> String {
        self.decode(Some(char::REPLACEMENT_CHARACTER)).unwrap_or_default()
    }

    /// Undoes `JSON.stringify`'s escaping; a lone surrogate becomes `lone`, or fails the decoding.
    fn decode(&self, lone: Option<char>) -> Option<String> {
        let mut out = String::with_capacity(self.0.len());
        let mut chars = self.0.chars();
        while let Some(ch) = chars.next() {
            if ch != '\\' {
                out.push(ch);
                continue;
            }
            out.push(match chars.next()? {
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let unit = u32::from_str_radix(&hex, 16).ok()?;
                    char::from_u32(unit).or(lone)?
                }
                other => other,
            });
        }
        Some(out)
    }

    /// Whether the string is the given plain text.
    pub fn is(&self, text: &str) -> bool {
        self.0 == JsString::new(text).0
    }

    /// The property key's array index, when JavaScript treats it as one.
    fn array_index(&self) -> Option<u32> {
        let digits = self.0.as_bytes();
        let canonical = match digits {
            [b'0'] => true,
            [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
            _ => false,
        };
        if !canonical || digits.len() > 10 {
            return None;
        }
        let value: u64 = self.0.parse().ok()?;
        // 2^32 - 1 is not an array index.
        (value < u64::from(u32::MAX)).then_some(value as u32)
    }
}

impl JsObject {
    /// The value of property `key`, if the object has it.
    pub fn get(&self, key: &str) -> Option<&JsValue> {
        self.get_key(&JsString::new(key))
    }

    /// The value of property `key`, to change, if the object has it.
    pub fn get_key_mut(&mut self, key: &JsString) -> Option<&mut JsValue> {
        match key.array_index() {
            Some(index) => self.indexed.as_mut()?.get_mut(&index),
            None => self.position(key).map(|at| &mut self.named[at].1),
        }
    }

    /// The value of property `key` given as a JavaScript string.
    pub fn get_key(&self, key: &JsString) -> Option<&JsValue> {
        match key.array_index() {
            Some(index) => self.indexed.as_ref()?.get(&index),
            None => self.position(key).map(|at| &self.named[at].1),
        }
    }

    /// Where the named key `key` sits in `named`.
    fn position(&self, key: &JsString) -> Option<usize> {
        match &self.positions {
            Some(positions) => positions.get(key).copied(),
            None => self.named.iter().position(|(named, _)| named == key),
        }
    }

    /// Builds the lookup table once the object is large enough to need one.
    fn index_positions(&mut self) {
        if self.named.len() > LOOKUP_FROM {
            let positions = self.named.iter().enumerate().map(|(at, (key, _))| (key.clone(), at)).collect();
            self.positions = Some(Box::new(positions));
        } else {
            self.positions = None;
        }
    }

    /// Sets property `key` as assignment does: an existing key keeps its place.
    pub fn insert(&mut self, key: &str, value: JsValue) {
        self.insert_key(JsString::new(key), value);
    }

    /// Sets property `key` (in the place it had, if it had one); returns the value it replaced.
    pub fn insert_key(&mut self, key: JsString, value: JsValue) -> Option<JsValue> {
        if let Some(index) = key.array_index() {
            return self.indexed.get_or_insert_default().insert(index, value);
        }
        if let Some(at) = self.position(&key) {
            return Some(std::mem::replace(&mut self.named[at].1, value));
        }
        self.named.push((key, value));
        match &mut self.positions {
            Some(positions) => {
                positions.insert(self.named[self.named.len() - 1].0.clone(), self.named.len() - 1);
            }
            None if self.named.len() > LOOKUP_FROM => self.index_positions(),
            None => {}
        }
        None
    }

    /// The properties in JavaScript's enumeration order.
    pub fn iter(&self) -> impl Iterator<Item = (JsString, &JsValue)> {
        let indexed = self
            .indexed
            .iter()
            .flat_map(|indexed| indexed.iter())
            .map(|(index, value)| (JsString::from_escaped(index.to_string()), value));
        let named = self.named.iter().map(|(key, value)| (key.clone(), value));
        indexed.chain(named)
    }
}

impl JsValue {
    /// The object, if this value is one.
    pub fn as_object(&self) -> Option<&JsObject> {
        match self {
            JsValue::Object(object) => Some(object),
            _ => None,
        }
    }

    /// Moves the values nested one level down into `pending`, leaving this one empty.
    fn move_children_into(&mut self, pending: &mut Vec<JsValue>) {
        match self {
            JsValue::Array(items) => pending.append(items),
            JsValue::Object(object) => {
                pending.extend(object.indexed.take().into_iter().flat_map(|indexed| indexed.into_values()));
                pending.extend(std::mem::take(&mut object.named).into_iter().map(|(_, value)| value));
            }
            _ => {}
        }
    }
}

/// Appends one UTF-16 code unit (or a whole character) as `JSON.stringify` escapes it.
/// `ch` is the character when the unit is not a lone surrogate.
pub(super) fn push_escaped_unit(out: &mut String, unit: u32, ch: Option<char>) {
    match ch {
        Some('"') => out.push_str("\\\""),
        Some('\\') => out.push_str("\\\\"),
        Some('\u{8}') => out.push_str("\\b"),
        Some('\t') => out.push_str("\\t"),
        Some('\n') => out.push_str("\\n"),
        Some('\u{c}') => out.push_str("\\f"),
        Some('\r') => out.push_str("\\r"),
        Some(ch) if (ch as u32) >= 0x20 => out.push(ch),
        // Other control characters and lone surrogates.
        _ => {
            let _ = write!(out, "\\u{unit:04x}");
        }
    }
}

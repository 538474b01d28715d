//! JSON values with JavaScript's semantics: what `JSON.parse` reads and what
//! `JSON.stringify(value, null, 2)` writes back, byte for byte.
//!
//! serde_json cannot stand in here: JavaScript strings may hold lone surrogates,
//! objects list integer-like keys first in ascending order, and numbers are doubles
//! printed the ECMAScript way (`1e+21`, `-0` as `0`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use compact_str::CompactString;

use super::pieces::Piece;

/// Bytes of stack kept free before a nested value is parsed or printed; below it the stack grows.
const STACK_RED_ZONE: usize = 64 * 1024;
/// How much stack is added at a time when nesting runs deep.
const STACK_GROWTH: usize = 1024 * 1024;

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

/// Why a text is not JSON that `JSON.parse` accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {position}")]
pub struct JsonError {
    pub message: &'static str,
    pub position: usize,
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
    fn from_escaped(escaped: String) -> Self {
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

    /// The value of property `key` for changing it in place.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut JsValue> {
        let key = JsString::new(key);
        match key.array_index() {
            Some(index) => self.indexed.as_mut()?.get_mut(&index),
            None => self.position(&key).map(|at| &mut self.named[at].1),
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

    /// Sets property `key` as `insert` does; returns the value it replaced.
    pub fn insert_returning(&mut self, key: &str, value: JsValue) -> Option<JsValue> {
        self.insert_key(JsString::new(key), value)
    }

    /// Deletes property `key`, keeping the order of the others.
    pub fn remove(&mut self, key: &str) {
        let key = JsString::new(key);
        match key.array_index() {
            Some(index) => {
                if let Some(indexed) = &mut self.indexed {
                    indexed.remove(&index);
                    if indexed.is_empty() {
                        self.indexed = None;
                    }
                }
            }
            None => {
                if let Some(at) = self.position(&key) {
                    self.named.remove(at);
                    self.index_positions();
                }
            }
        }
    }

    fn insert_key(&mut self, key: JsString, value: JsValue) -> Option<JsValue> {
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

    /// Appends `JSON.stringify(object, null, 2)` to `out`, as if the object sat `depth`
    /// levels deep in a larger document.
    pub fn write_pretty(&self, out: &mut String, depth: usize) {
        self.write_pretty_with(out, depth, |out, _, value| value.write_pretty(out, depth + 1));
    }

    /// `write_pretty`, with each property's value written by `write_value`, which must write
    /// what `value.write_pretty(out, depth + 1)` would.
    pub fn write_pretty_with(
        &self,
        out: &mut String,
        depth: usize,
        mut write_value: impl FnMut(&mut String, &JsString, &JsValue),
    ) {
        write_block(out, depth, ('{', '}'), self.iter(), |out, (key, value)| {
            write_quoted(out, &key);
            out.push_str(": ");
            write_value(out, &key, value);
        })
    }
}

impl JsValue {
    /// Parses `text` exactly as `JSON.parse` does, or says where it would throw.
    pub fn parse(text: &str) -> Result<JsValue, JsonError> {
        let mut parser = Parser { text, bytes: text.as_bytes(), position: 0 };
        let value = parser.value()?;
        parser.skip_whitespace();
        if parser.position != text.len() {
            return Err(parser.error("unexpected text after JSON"));
        }
        Ok(value)
    }

    /// `JSON.stringify(value, null, 2)`.
    pub fn to_pretty_json(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    /// Appends `JSON.stringify(value, null, 2)` to `out`, as if the value sat `depth`
    /// levels deep in a larger document.
    pub fn write_pretty(&self, out: &mut String, depth: usize) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || match self {
            JsValue::Null => out.push_str("null"),
            JsValue::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            JsValue::Number(value) => write_number(out, *value),
            JsValue::String(value) => write_quoted(out, value),
            JsValue::Array(items) => {
                write_block(out, depth, ('[', ']'), items.iter(), |out, item| item.write_pretty(out, depth + 1))
            }
            JsValue::Object(object) => object.write_pretty(out, depth),
        })
    }

    /// The object, if this value is one.
    pub fn as_object(&self) -> Option<&JsObject> {
        match self {
            JsValue::Object(object) => Some(object),
            _ => None,
        }
    }

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

    /// `Number(value)` for the values JSON can hold; objects and arrays with more
    /// than one element give NaN, as their string forms do.
    pub fn to_number(&self) -> f64 {
        match self {
            JsValue::Null => 0.0,
            JsValue::Bool(value) => f64::from(u8::from(*value)),
            JsValue::Number(value) => *value,
            JsValue::String(value) => string_to_number(value.escaped()),
            JsValue::Array(items) => match items.as_slice() {
                [] | [JsValue::Null] => 0.0,
                [item @ (JsValue::Number(_) | JsValue::String(_) | JsValue::Array(_))] => item.to_number(),
                _ => f64::NAN,
            },
            JsValue::Object(_) => f64::NAN,
        }
    }
}

/// Writes `[`/`{`, the items one per line indented two spaces deeper, and the closing bracket.
fn write_block<T>(
    out: &mut String,
    depth: usize,
    (open, close): (char, char),
    items: impl Iterator<Item = T>,
    mut write_item: impl FnMut(&mut String, T),
) {
    out.push(open);
    let mut empty = true;
    for item in items {
        out.push_str(if empty { "\n" } else { ",\n" });
        empty = false;
        push_indent(out, depth + 1);
        write_item(out, item);
    }
    if !empty {
        out.push('\n');
        push_indent(out, depth);
    }
    out.push(close);
}

/// Bytes of array text one piece holds before the next piece begins.
const ARRAY_PIECE_BYTES: usize = 16 * 1024;

/// `JSON.stringify(array, null, 2)` for an array sitting `depth` levels deep, as pieces of
/// about `ARRAY_PIECE_BYTES`, the closing bracket last: items added later with
/// `append_to_pretty_array` leave every piece but the last one or two as they were.
pub fn pretty_array_pieces(items: &[JsValue], depth: usize) -> Vec<Piece> {
    let mut pieces = vec![Piece::new("[]".to_owned())];
    append_to_pretty_array(&mut pieces, depth, items, |out, item| item.write_pretty(out, depth + 1));
    pieces
}

/// Adds `items` to the end of array pieces made by `pretty_array_pieces` at the same `depth`,
/// each written by `write_item` as `write_pretty` at `depth + 1` would: the pieces then hold
/// the text of the longer array.
pub fn append_to_pretty_array<T>(
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

fn push_indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n("  ", depth));
}

fn write_quoted(out: &mut String, value: &JsString) {
    out.push('"');
    out.push_str(value.escaped());
    out.push('"');
}

/// Appends a number as `JSON.stringify` writes it: ECMAScript's shortest form, `null` if not finite.
pub fn write_number(out: &mut String, value: f64) {
    if value.is_finite() {
        let mut buffer = ryu_js::Buffer::new();
        // ryu-js follows Number::toString, which writes -0 as "0".
        out.push_str(buffer.format_finite(value));
    } else {
        out.push_str("null");
    }
}

/// Appends one UTF-16 code unit (or a whole character) as `JSON.stringify` escapes it.
/// `ch` is the character when the unit is not a lone surrogate.
fn push_escaped_unit(out: &mut String, unit: u32, ch: Option<char>) {
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

/// ECMAScript's StringToNumber for a string given in its escaped form.
fn string_to_number(escaped: &str) -> f64 {
    // A string holding escapes other than whitespace is never numeric; decode the
    // whitespace ones JSON.stringify produces so that trimming sees them.
    let decoded = escaped.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r");
    let decoded = decoded.replace("\\f", "\u{c}").replace("\\b", "\u{8}");
    let text = decoded.trim_matches(|ch: char| ch.is_whitespace() || ch == '\u{feff}');
    if text.is_empty() {
        return 0.0;
    }
    if text.contains('\\') || text.contains('\u{8}') {
        return f64::NAN;
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(digits) = text.strip_prefix(prefix) {
            if digits.is_empty() || !digits.chars().all(|ch| ch.is_digit(radix)) {
                return f64::NAN;
            }
            return digits
                .chars()
                .fold(0.0, |acc, ch| acc * f64::from(radix) + f64::from(ch.to_digit(radix).unwrap_or(0)));
        }
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned == "Infinity" {
        return if text.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    if is_decimal_literal(unsigned) {
        text.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// ECMAScript's StrUnsignedDecimalLiteral without `Infinity`: `1`, `1.`, `.5`, `1e3`.
fn is_decimal_literal(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let mantissa_ok = digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|exp| {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        !exp.is_empty() && digits(exp)
    });
    mantissa_ok && exponent_ok
}

/// A recursive-descent reader of JSON text with `JSON.parse`'s rules.
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
}

impl Parser<'_> {
    fn error(&self, message: &'static str) -> JsonError {
        JsonError { message, position: self.position }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.position) {
            self.position += 1;
        }
    }

    fn expect_literal(&mut self, literal: &str, value: JsValue) -> Result<JsValue, JsonError> {
        if self.text[self.position..].starts_with(literal) {
            self.position += literal.len();
            Ok(value)
        } else {
            Err(self.error("unexpected token"))
        }
    }

    fn value(&mut self) -> Result<JsValue, JsonError> {
        self.skip_whitespace();
        match self.bytes.get(self.position) {
            None => Err(self.error("unexpected end of JSON")),
            Some(b'n') => self.expect_literal("null", JsValue::Null),
            Some(b't') => self.expect_literal("true", JsValue::Bool(true)),
            Some(b'f') => self.expect_literal("false", JsValue::Bool(false)),
            Some(b'"') => Ok(JsValue::String(self.string()?)),
            Some(b'[') => stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.array()),
            Some(b'{') => stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.object()),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected token")),
        }
    }

    fn array(&mut self) -> Result<JsValue, JsonError> {
        self.position += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.bytes.get(self.position) == Some(&b']') {
            self.position += 1;
            return Ok(JsValue::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_whitespace();
            match self.bytes.get(self.position) {
                Some(b',') => self.position += 1,
                Some(b']') => {
                    self.position += 1;
                    return Ok(JsValue::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self) -> Result<JsValue, JsonError> {
        self.position += 1;
        let mut object = JsObject::default();
        self.skip_whitespace();
        if self.bytes.get(self.position) == Some(&b'}') {
            self.position += 1;
            return Ok(JsValue::Object(object));
        }
        loop {
            self.skip_whitespace();
            if self.bytes.get(self.position) != Some(&b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.bytes.get(self.position) != Some(&b':') {
                return Err(self.error("expected ':'"));
            }
            self.position += 1;
            let value = self.value()?;
            // A repeated key keeps its first place and takes the last value, as in JSON.parse.
            object.insert_key(key, value);
            self.skip_whitespace();
            match self.bytes.get(self.position) {
                Some(b',') => self.position += 1,
                Some(b'}') => {
                    self.position += 1;
                    return Ok(JsValue::Object(object));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn number(&mut self) -> Result<JsValue, JsonError> {
        let start = self.position;
        let digits = |parser: &mut Self| {
            let from = parser.position;
            while parser.bytes.get(parser.position).is_some_and(u8::is_ascii_digit) {
                parser.position += 1;
            }
            parser.position > from
        };
        if self.bytes.get(self.position) == Some(&b'-') {
            self.position += 1;
        }
        match self.bytes.get(self.position) {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error("expected a digit")),
        }
        if self.bytes.get(self.position) == Some(&b'.') {
            self.position += 1;
            if !digits(self) {
                return Err(self.error("expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.position) {
            self.position += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.position) {
                self.position += 1;
            }
            if !digits(self) {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        let literal = &self.text[start..self.position];
        literal.parse().map(JsValue::Number).map_err(|_| JsonError { message: "invalid number", position: start })
    }

    /// Reads a string literal and returns it in `JSON.stringify`'s escaping.
    fn string(&mut self) -> Result<JsString, JsonError> {
        self.position += 1;
        let mut out = String::new();
        let mut pending_high: Option<u32> = None;
        loop {
            let rest = &self.text[self.position..];
            let Some(ch) = rest.chars().next() else {
                return Err(self.error("unterminated string"));
            };
            if ch != '\\' {
                flush_high_surrogate(&mut out, &mut pending_high);
                self.position += ch.len_utf8();
                match ch {
                    '"' => return Ok(JsString::from_escaped(out)),
                    ch if (ch as u32) < 0x20 => {
                        self.position -= 1;
                        return Err(self.error("control character in string"));
                    }
                    ch => push_escaped_unit(&mut out, ch as u32, Some(ch)),
                }
                continue;
            }
            let escape = rest.as_bytes().get(1).copied();
            self.position += 2;
            let unit = match escape {
                Some(b'"') => u32::from(b'"'),
                Some(b'\\') => u32::from(b'\\'),
                Some(b'/') => u32::from(b'/'),
                Some(b'b') => 0x08,
                Some(b'f') => 0x0c,
                Some(b'n') => 0x0a,
                Some(b'r') => 0x0d,
                Some(b't') => 0x09,
                Some(b'u') => self.hex_unit()?,
                _ => {
                    self.position -= 2;
                    return Err(self.error("invalid escape"));
                }
            };
            match (pending_high.take(), unit) {
                (Some(high), 0xDC00..=0xDFFF) => {
                    let code = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
                    push_escaped_unit(&mut out, code, char::from_u32(code));
                }
                (high, 0xD800..=0xDBFF) => {
                    if let Some(high) = high {
                        push_escaped_unit(&mut out, high, None);
                    }
                    pending_high = Some(unit);
                }
                (high, unit) => {
                    if let Some(high) = high {
                        push_escaped_unit(&mut out, high, None);
                    }
                    push_escaped_unit(&mut out, unit, char::from_u32(unit));
                }
            }
        }
    }

    fn hex_unit(&mut self) -> Result<u32, JsonError> {
        let hex = self
            .text
            .get(self.position..self.position + 4)
            .filter(|hex| hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        self.position += 4;
        u32::from_str_radix(hex, 16).map_err(|_| self.error("invalid \\u escape"))
    }
}

/// A high surrogate not followed by its low half stays a lone surrogate.
fn flush_high_surrogate(out: &mut String, pending_high: &mut Option<u32>) {
    if let Some(high) = pending_high.take() {
        push_escaped_unit(out, high, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        JsValue::parse(text).expect("valid JSON").to_pretty_json()
    }

    #[test]
    fn numbers_print_as_ecmascript_does() {
        let cases = [
            ("1e21", "1e+21"),
            ("1e-7", "1e-7"),
            ("-0", "0"),
            ("0.1", "0.1"),
            ("1.0", "1"),
            ("1E3", "1000"),
            ("123456789012345678901234567890", "1.2345678901234568e+29"),
            ("1e999", "null"),
            ("5e-324", "5e-324"),
            ("0.000001", "0.000001"),
        ];
        for (input, expected) in cases {
            assert_eq!(round_trip(input), expected, "for {input}");
        }
    }

    #[test]
    fn strings_are_reescaped_as_json_stringify_does() {
        let cases = [
            (r#""\u0041\/""#, r#""A/""#),
            (r#""\ud83d\ude00""#, "\"\u{1F600}\""),
            (r#""\ud800x""#, r#""\ud800x""#),
            (r#""\uDC00\uD800""#, r#""\udc00\ud800""#),
            (r#""\ud800\ud800\udc00""#, "\"\\ud800\u{10000}\""),
            (r#""\u001f\u007f\b""#, "\"\\u001f\u{7f}\\b\""),
            ("\"\u{2028}é\"", "\"\u{2028}é\""),
        ];
        for (input, expected) in cases {
            assert_eq!(round_trip(input), expected, "for {input}");
        }
    }

    #[test]
    fn objects_list_index_keys_first_and_keep_first_place_of_repeats() {
        let text = r#"{"b":1,"10":2,"a":3,"2":4,"b":5,"4294967295":6,"01":7}"#;
        let expected = "{\n  \"2\": 4,\n  \"10\": 2,\n  \"b\": 5,\n  \"a\": 3,\n  \"4294967295\": 6,\n  \"01\": 7\n}";
        assert_eq!(round_trip(text), expected);
    }

    #[test]
    fn large_objects_find_replace_and_remove_keys_as_small_ones_do() {
        let keys: Vec<String> = (0..40).map(|n| format!("k{n}")).collect();
        let mut object = JsObject::default();
        for (n, key) in keys.iter().enumerate() {
            object.insert(key, JsValue::Number(n as f64));
        }
        assert_eq!(object.insert_returning("k3", JsValue::Null), Some(JsValue::Number(3.0)));
        object.remove("k0");
        object.insert("k0", JsValue::Bool(true));
        assert_eq!(object.get("k3"), Some(&JsValue::Null));
        assert_eq!(object.get("k39"), Some(&JsValue::Number(39.0)));
        let order: Vec<String> = object.iter().map(|(key, _)| key.escaped().to_owned()).collect();
        assert_eq!(order.first().map(String::as_str), Some("k1"));
        assert_eq!(order.last().map(String::as_str), Some("k0"));
        assert_eq!(order.len(), 40);
    }

    #[test]
    fn pretty_printing_matches_two_space_indentation() {
        let text = r#"{"a":[],"b":{},"c":[1,{"d":[true,null]}]}"#;
        let expected = "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": [\n        true,\n        null\n      ]\n    }\n  ]\n}";
        assert_eq!(round_trip(text), expected);
    }

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

    #[test]
    fn rejects_what_json_parse_rejects() {
        for text in [
            "",
            "01",
            "1.",
            ".5",
            "+1",
            "[1,]",
            "{\"a\":1,}",
            "'a'",
            "\"\t\"",
            "\"\\x\"",
            "NaN",
            "[1] x",
            "{a:1}",
            "\"\\u12\"",
            "tru",
        ] {
            assert!(JsValue::parse(text).is_err(), "accepted {text:?}");
        }
    }

    #[test]
    fn deep_nesting_neither_fails_nor_overflows() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let deep = JsValue::parse(&nested(200_000)).expect("deep arrays parse");
        drop(deep);
        // Pretty output grows with the square of the depth, so print a shallower one.
        let depth = 3_000;
        let printed = JsValue::parse(&nested(depth)).unwrap().to_pretty_json();
        assert_eq!(printed.matches('[').count(), depth);
        assert!(printed.contains(&format!("\n{}[]\n", "  ".repeat(depth - 1))));
    }

    #[test]
    fn to_number_follows_ecmascript() {
        let number = |text: &str| JsValue::parse(text).unwrap().to_number();
        assert_eq!(number("\" 42 \""), 42.0);
        assert_eq!(number("\"\\n 0x1F\\t\""), 31.0);
        assert_eq!(number("\"\""), 0.0);
        assert_eq!(number("\"-Infinity\""), f64::NEG_INFINITY);
        assert_eq!(number("\".5e1\""), 5.0);
        assert_eq!(number("null"), 0.0);
        assert_eq!(number("true"), 1.0);
        assert_eq!(number("[]"), 0.0);
        assert_eq!(number("[\"7\"]"), 7.0);
        assert!(number("\"inf\"").is_nan());
        assert!(number("\"1e\"").is_nan());
        assert!(number("\"-0x10\"").is_nan());
        assert!(number("{}").is_nan());
        assert!(number("[1,2]").is_nan());
    }
}

//! Reading JSON text exactly as `JSON.parse` reads it: a repeated key keeps its last value (in
//! the place of its first), lone surrogates are kept, deep nesting grows the stack.

use super::value::{push_escaped_unit, JsObject, JsString, JsValue};
use super::{STACK_GROWTH, STACK_RED_ZONE};

/// Why a text is not JSON that `JSON.parse` accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at byte {position}")]
pub struct JsonError {
    pub message: &'static str,
    pub position: usize,
}

impl JsValue {
    /// Parses `text` exactly as `JSON.parse` does, or says where it would throw.
    pub fn parse(text: &str) -> Result<JsValue, JsonError> {
        let mut parser = Parser::at(text, 0);
        let value = parser.value()?;
        parser.end()?;
        Ok(value)
    }
}

/// A recursive-descent reader of JSON text with `JSON.parse`'s rules: the one reader of every
/// JSON text the writer reads, directly into values (`JsValue::parse`) or through serde
/// (`json::from_str`).
pub(super) struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Parser<'a> {
    /// A reader of `text` from its byte `position` on.
    pub(super) fn at(text: &'a str, position: usize) -> Self {
        Parser { text, bytes: text.as_bytes(), position }
    }

    /// The text read.
    pub(super) fn text(&self) -> &'a str {
        self.text
    }

    /// Where the reader is in the text, in bytes.
    pub(super) fn position(&self) -> usize {
        self.position
    }

    /// The next byte that is not whitespace, which is not read yet.
    pub(super) fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.bytes.get(self.position).copied()
    }

    /// Reads `byte`, after any whitespace, or fails with `message`.
    pub(super) fn expect(&mut self, byte: u8, message: &'static str) -> Result<(), JsonError> {
        if self.peek() != Some(byte) {
            return Err(self.error(message));
        }
        self.position += 1;
        Ok(())
    }

    /// Fails unless only whitespace is left.
    pub(super) fn end(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("unexpected text after JSON")),
        }
    }

    pub(super) fn error(&self, message: &'static str) -> JsonError {
        JsonError { message, position: self.position }
    }

    /// Reads past one value, checking it as `value` would, without building it.
    pub(super) fn skip_value(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'[') => stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.skip_container(b']')),
            Some(b'{') => stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.skip_container(b'}')),
            _ => self.value().map(drop),
        }
    }

    fn skip_container(&mut self, close: u8) -> Result<(), JsonError> {
        self.position += 1;
        if self.peek() == Some(close) {
            self.position += 1;
            return Ok(());
        }
        loop {
            if close == b'}' {
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a string key"));
                }
                self.skip_string()?;
                self.expect(b':', "expected ':'")?;
            }
            self.skip_value()?;
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(byte) if byte == close => {
                    self.position += 1;
                    return Ok(());
                }
                _ => return Err(self.error(if close == b'}' { "expected ',' or '}'" } else { "expected ',' or ']'" })),
            }
        }
    }

    fn skip_string(&mut self) -> Result<(), JsonError> {
        self.position += 1;
        loop {
            match self.bytes.get(self.position) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.position += 1;
                    return Ok(());
                }
                Some(b'\\') => match self.bytes.get(self.position + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.position += 2,
                    Some(b'u') => {
                        self.position += 2;
                        self.hex_unit()?;
                    }
                    _ => return Err(self.error("invalid escape")),
                },
                Some(&byte) if byte < 0x20 => return Err(self.error("control character in string")),
                Some(_) => self.position += 1,
            }
        }
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

    /// Reads one value.
    pub(super) fn value(&mut self) -> Result<JsValue, JsonError> {
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
    pub(super) fn string(&mut self) -> Result<JsString, JsonError> {
        if let Some(plain) = self.plain_string() {
            return Ok(JsString::from_canonical(plain));
        }
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

    /// Reads a string literal without escapes, and returns its text, which is then already in
    /// `JSON.stringify`'s escaping; `None` (reading nothing) when it has an escape, or a control
    /// character for `string` to refuse.
    pub(super) fn plain_string(&mut self) -> Option<&'a str> {
        let start = self.position + 1;
        let end = start + self.bytes[start..].iter().position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.position = end + 1;
        Some(&self.text[start..end])
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

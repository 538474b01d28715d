//! serde's `Deserializer` over the one JSON reader, so that typed values (events) are read with
//! `JSON.parse`'s rules: a repeated key keeps its last value, strings may hold lone surrogates,
//! every number is a double, nesting has no limit. Fields can borrow their raw JSON text
//! (`RawJson`) to be read as exact `JsValue`s.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::value::StrDeserializer as BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::parse::{JsonError, Parser};
use super::value::{JsString, JsValue};

/// The name under which `RawJson` asks this deserializer for a value's text.
const RAW_JSON: &str = "$incremental_writer::RawJson";

/// Objects with more keys than this find repeated keys through a table.
const LINEAR_KEY_SEARCH: usize = 16;

/// Reads a `T` from `text` as `JSON.parse` would read it.
pub fn from_str<'de, T: de::Deserialize<'de>>(text: &'de str) -> Result<T, DeError> {
    let mut deserializer = Deserializer { parser: Parser::at(text, 0) };
    let value = T::deserialize(&mut deserializer)?;
    deserializer.parser.end()?;
    Ok(value)
}

/// The exact text of one JSON value inside a larger text, borrowed; `value()` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawJson<'a>(&'a str);

impl<'a> RawJson<'a> {
    /// The value, as `JSON.parse` gives it.
    pub fn value(&self) -> JsValue {
        // The text was checked when it was read.
        JsValue::parse(self.0).unwrap_or(JsValue::Null)
    }
}

impl<'de: 'a, 'a> de::Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for RawVisitor<'a> {
            type Value = RawJson<'a>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON value's text")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(RawJson(text))
            }
        }
        deserializer.deserialize_newtype_struct(RAW_JSON, RawVisitor(std::marker::PhantomData))
    }
}

/// Why a text cannot be read as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DeError(message.to_string())
    }
}

impl From<JsonError> for DeError {
    fn from(err: JsonError) -> Self {
        DeError(err.to_string())
    }
}

struct Deserializer<'de> {
    parser: Parser<'de>,
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.parser.peek() {
            Some(b'[') => {
                self.parser.expect(b'[', "expected '['")?;
                let value = visitor.visit_seq(Items { deserializer: &mut *self, first: true })?;
                self.parser.expect(b']', "expected ',' or ']'")?;
                Ok(value)
            }
            Some(b'{') => visitor.visit_map(Entries::read(&mut self.parser)?),
            Some(b'"') => {
                let start = self.parser.position();
                let string = self.parser.string()?;
                let raw = &self.parser.text()[start + 1..self.parser.position() - 1];
                if !raw.contains('\\') {
                    return visitor.visit_borrowed_str(raw);
                }
                match string.decoded() {
                    Some(text) => visitor.visit_string(text.into_owned()),
                    None => Err(DeError("a string with a lone surrogate has no Rust form".to_owned())),
                }
            }
            _ => match self.parser.value()? {
                JsValue::Null => visitor.visit_unit(),
                JsValue::Bool(value) => visitor.visit_bool(value),
                JsValue::Number(value) => visitor.visit_f64(value),
                _ => Err(self.parser.error("unexpected token").into()),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.parser.peek() == Some(b'n') {
            self.parser.value()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        if name != RAW_JSON {
            return visitor.visit_newtype_struct(self);
        }
        self.parser.peek();
        let start = self.parser.position();
        self.parser.skip_value()?;
        visitor.visit_borrowed_str(&self.parser.text()[start..self.parser.position()])
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.parser.skip_value()?;
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct enum identifier
    }
}

/// The items of an array, read one at a time.
struct Items<'a, 'de> {
    deserializer: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        let parser = &mut self.deserializer.parser;
        if parser.peek() == Some(b']') {
            return Ok(None);
        }
        if !std::mem::take(&mut self.first) {
            parser.expect(b',', "expected ',' or ']'")?;
        }
        seed.deserialize(&mut *self.deserializer).map(Some)
    }
}

/// An object's properties as `JSON.parse` leaves them: each key once, in the place it first
/// had, with the value it last had. Values are read (as text spans) before any is given out.
struct Entries<'de> {
    text: &'de str,
    /// Each key in `JSON.stringify`'s escaping (so equal keys are equal text), with where its
    /// value starts.
    entries: std::vec::IntoIter<(Cow<'de, str>, usize)>,
    value_at: Option<usize>,
}

impl<'de> Entries<'de> {
    /// Reads an object from its `{` to its `}`.
    fn read(parser: &mut Parser<'de>) -> Result<Self, DeError> {
        parser.expect(b'{', "expected '{'")?;
        let mut entries: Vec<(Cow<'de, str>, usize)> = Vec::new();
        let mut positions: HashMap<Cow<'de, str>, usize> = HashMap::new();
        if parser.peek() == Some(b'}') {
            parser.expect(b'}', "expected '}'")?;
        } else {
            loop {
                if parser.peek() != Some(b'"') {
                    return Err(parser.error("expected a string key").into());
                }
                // A key without escapes is its own escaped form: borrowed, nothing decoded.
                let key = match parser.plain_string() {
                    Some(plain) => Cow::Borrowed(plain),
                    None => Cow::Owned(parser.string()?.escaped().to_owned()),
                };
                parser.expect(b':', "expected ':'")?;
                parser.peek();
                let value_at = parser.position();
                parser.skip_value()?;
                let repeated = if entries.len() < LINEAR_KEY_SEARCH {
                    entries.iter().position(|(seen, _)| *seen == key)
                } else {
                    if positions.is_empty() {
                        positions = entries.iter().enumerate().map(|(at, (seen, _))| (seen.clone(), at)).collect();
                    }
                    positions.get(&key).copied()
                };
                match repeated {
                    Some(at) => entries[at].1 = value_at,
                    None => {
                        if !positions.is_empty() {
                            positions.insert(key.clone(), entries.len());
                        }
                        entries.push((key, value_at));
                    }
                }
                match parser.peek() {
                    Some(b',') => parser.expect(b',', "expected ','")?,
                    _ => {
                        parser.expect(b'}', "expected ',' or '}'")?;
                        break;
                    }
                }
            }
        }
        Ok(Entries { text: parser.text(), entries: entries.into_iter(), value_at: None })
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let Some((key, value_at)) = self.entries.next() else { return Ok(None) };
        self.value_at = Some(value_at);
        if !key.contains('\\') {
            return seed.deserialize(BorrowedStrDeserializer::new(key.as_ref())).map(Some);
        }
        // A key with a lone surrogate is no field's name: its lossy form names none either.
        let key = JsString::from_escaped(key.into_owned());
        let name = key.decoded().map_or_else(|| key.lossy(), Cow::into_owned);
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let at = self.value_at.take().ok_or_else(|| DeError("a value was asked for before its key".to_owned()))?;
        seed.deserialize(&mut Deserializer { parser: Parser::at(self.text, at) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Typed<'a> {
        #[serde(borrow)]
        raw: Option<RawJson<'a>>,
        name: Option<String>,
        count: Option<f64>,
        list: Option<Vec<f64>>,
    }

    #[test]
    fn reads_typed_values_with_json_parse_rules() {
        let typed: Typed<'_> = from_str(r#" {"raw": [1, {"x": "\ud800"}], "name": "a\"b", "count": 1e2, "list": [1, 2], "other": {"deep": [[[]]]}} "#).unwrap();
        assert_eq!(typed.raw, Some(RawJson(r#"[1, {"x": "\ud800"}]"#)));
        assert_eq!(typed.name.as_deref(), Some("a\"b"));
        assert_eq!((typed.count, typed.list), (Some(100.0), Some(vec![1.0, 2.0])));
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        let typed: Typed<'_> = from_str(r#"{"count": 1, "name": "x", "count": 2, "se\u0071": 0, "count": 3}"#).unwrap();
        assert_eq!(typed.count, Some(3.0));
        let many = format!(
            "{{{}\"count\": 4, \"count\": 5}}",
            (0..40).map(|n| format!("\"k{n}\": {n}, ")).collect::<String>()
        );
        assert_eq!(from_str::<Typed<'_>>(&many).unwrap().count, Some(5.0));
    }

    #[test]
    fn keys_are_read_as_json_parse_reads_them() {
        let typed: Typed<'_> = from_str(r#"{"c\u006funt": 7, "count\ud800": 8}"#).unwrap();
        assert_eq!(typed.count, Some(7.0));
    }

    #[test]
    fn refuses_what_json_parse_refuses() {
        for text in
            [r#"{"count": 1,}"#, r#"{"count": 01}"#, r#"{"raw": [1,]}"#, r#"{"raw": "\x"}"#, "{} x", r#"{"raw": "a"#]
        {
            assert!(from_str::<Typed<'_>>(text).is_err(), "accepted {text}");
        }
    }
}

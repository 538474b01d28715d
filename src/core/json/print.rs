//! Printing values as `JSON.stringify(value, null, 2)` prints them.

use super::number::write_number;
use super::value::{JsObject, JsString, JsValue};
use super::{STACK_GROWTH, STACK_RED_ZONE};

impl JsObject {
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

/// Appends two spaces per level of `depth`.
pub fn push_indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n("  ", depth));
}

fn write_quoted(out: &mut String, value: &JsString) {
    out.push('"');
    out.push_str(value.escaped());
    out.push('"');
}

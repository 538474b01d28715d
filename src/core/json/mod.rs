//! JSON with JavaScript's semantics, for every JSON text the writer reads or writes, the log's
//! lines and the index alike: what `JSON.parse` reads (`JsValue::parse`, or typed through
//! serde with `from_str`) and what `JSON.stringify(value, null, 2)` writes back, byte for byte.
//!
//! serde_json cannot stand in here: JavaScript strings may hold lone surrogates, a repeated key
//! keeps its last value, objects list integer-like keys first in ascending order, and numbers
//! are doubles printed the ECMAScript way (`1e+21`, `-0` as `0`).

mod de;
mod number;
mod parse;
mod print;
mod value;

pub use de::{from_str, RawJson};
pub use number::write_number;
pub use parse::JsonError;
pub use print::push_indent;
pub use value::{JsObject, JsString, JsValue};

/// Bytes of stack kept free before a nested value is parsed or printed; below it the stack grows.
const STACK_RED_ZONE: usize = 64 * 1024;
/// How much stack is added at a time when nesting runs deep.
const STACK_GROWTH: usize = 1024 * 1024;

#[cfg(test)]
mod tests;

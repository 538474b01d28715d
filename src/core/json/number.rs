//! Numbers as ECMAScript has them: printed in the shortest form that reads back the same
//! double (`1e+21`, `-0` as `0`), and `Number(value)` of the values JSON holds.

use super::value::JsValue;

impl JsValue {
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

//! The JSON module against what `JSON.parse` and `JSON.stringify` do.

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
fn large_objects_find_and_replace_keys_as_small_ones_do() {
    let keys: Vec<String> = (0..40).map(|n| format!("k{n}")).collect();
    let mut object = JsObject::default();
    for (n, key) in keys.iter().enumerate() {
        object.insert(key, JsValue::Number(n as f64));
    }
    assert_eq!(object.insert_key(JsString::new("k3"), JsValue::Null), Some(JsValue::Number(3.0)));
    object.insert("k0", JsValue::Bool(true));
    assert_eq!(object.get("k0"), Some(&JsValue::Bool(true)));
    assert_eq!(object.get("k3"), Some(&JsValue::Null));
    assert_eq!(object.get("k39"), Some(&JsValue::Number(39.0)));
    let order: Vec<String> = object.iter().map(|(key, _)| key.escaped().to_owned()).collect();
    assert_eq!(order.first().map(String::as_str), Some("k0"));
    assert_eq!(order.last().map(String::as_str), Some("k39"));
    assert_eq!(order.len(), 40);
}

#[test]
fn pretty_printing_matches_two_space_indentation() {
    let text = r#"{"a":[],"b":{},"c":[1,{"d":[true,null]}]}"#;
    let expected = "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": [\n        true,\n        null\n      ]\n    }\n  ]\n}";
    assert_eq!(round_trip(text), expected);
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

/// Where serde_json's rules and `JSON.parse`'s agree (no repeated keys, no lone surrogates),
/// reading any JSON text through this module's serde `Deserializer` gives what serde_json gives.
mod against_serde_json {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<f64>().prop_filter("finite", |n| n.is_finite()).prop_map(|n| serde_json::json!(n)),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(".*", inner, 0..8).prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// The value with every number as the double JavaScript holds.
    fn as_doubles(value: &Value) -> Value {
        match value {
            Value::Number(number) => serde_json::json!(number.as_f64().unwrap()),
            Value::Array(items) => Value::Array(items.iter().map(as_doubles).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(key, item)| (key.clone(), as_doubles(item))).collect())
            }
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn reads_what_serde_json_reads(value in value(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }.unwrap();
            let ours: Value = from_str(&text).unwrap();
            prop_assert_eq!(as_doubles(&ours), as_doubles(&value));
            prop_assert!(JsValue::parse(&text).is_ok());
        }
    }
}

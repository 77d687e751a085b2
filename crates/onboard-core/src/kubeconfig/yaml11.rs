//! YAML as kubectl reads it: go-yaml v2 resolves plain scalars by YAML 1.1 rules, so an
//! unquoted `y`, `yes`, `on` or `off` is a boolean and `012` a number. A kubeconfig with
//! `user: y` is therefore an error for kubectl, and must be one for us too. YAML 1.2 parsers
//! (serde_yaml among them) read such values as strings; this module reads the event stream
//! (saphyr-parser, which reports each scalar's quoting) and resolves scalars the 1.1 way.
//! Anchors, aliases and `<<` merge keys work as in go-yaml v2; only the first document is read.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// A syntax error with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses the first document of `text` into JSON values (`Null` for an empty stream).
pub fn parse_first_document(text: &str) -> Result<Value, SyntaxError> {
    let mut reader = Reader {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
    };
    loop {
        match reader.next()? {
            None | Some((Event::StreamEnd, _)) => return Ok(Value::Null),
            Some((Event::DocumentStart(_), _)) => return reader.document(),
            Some(_) => {}
        }
    }
}

struct Reader<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Value>,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Result<Option<(Event<'a>, Span)>, SyntaxError> {
        match self.parser.next_event() {
            None => Ok(None),
            Some(Ok(event)) => Ok(Some(event)),
            Some(Err(error)) => Err(SyntaxError {
                line: error.marker().line(),
                column: error.marker().col() + 1,
                message: error.info().to_owned(),
            }),
        }
    }

    fn document(&mut self) -> Result<Value, SyntaxError> {
        match self.next()? {
            Some((Event::DocumentEnd, _)) | None => Ok(Value::Null),
            Some((event, span)) => self.node(event, span),
        }
    }

    fn node(&mut self, event: Event<'a>, span: Span) -> Result<Value, SyntaxError> {
        let (value, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tagged_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = if style == ScalarStyle::Plain && !tagged_str {
                    resolve_plain(&text)
                } else {
                    Value::String(text.into_owned())
                };
                (value, anchor)
            }
            Event::Alias(id) => {
                let value = self.anchors.get(&id).cloned().ok_or_else(|| SyntaxError {
                    line: span.start.line(),
                    column: span.start.col() + 1,
                    message: "alias to an unknown anchor".into(),
                })?;
                return Ok(value);
            }
            Event::SequenceStart(anchor, _) => (self.sequence()?, anchor),
            Event::MappingStart(anchor, _) => (self.mapping()?, anchor),
            other => {
                return Err(SyntaxError {
                    line: span.start.line(),
                    column: span.start.col() + 1,
                    message: format!("unexpected {other:?}"),
                })
            }
        };
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        Ok(value)
    }

    fn sequence(&mut self) -> Result<Value, SyntaxError> {
        let mut items = Vec::new();
        loop {
            match self.next()? {
                Some((Event::SequenceEnd, _)) | None => return Ok(Value::Array(items)),
                Some((event, span)) => items.push(self.node(event, span)?),
            }
        }
    }

    fn mapping(&mut self) -> Result<Value, SyntaxError> {
        let mut map = Map::new();
        loop {
            let (key_event, key_span) = match self.next()? {
                Some((Event::MappingEnd, _)) | None => return Ok(Value::Object(map)),
                Some(event) => event,
            };
            let is_merge = matches!(&key_event, Event::Scalar(text, ScalarStyle::Plain, _, None) if text == "<<");
            let key = self.node(key_event, key_span)?;
            let (value_event, value_span) = self.next()?.ok_or_else(|| SyntaxError {
                line: key_span.start.line(),
                column: key_span.start.col() + 1,
                message: "a mapping key without a value".into(),
            })?;
            let value = self.node(value_event, value_span)?;
            if is_merge {
                // go-yaml v2 merges in document order: later keys override earlier ones.
                let sources = match value {
                    Value::Array(items) => items,
                    single => vec![single],
                };
                for source in sources {
                    if let Value::Object(entries) = source {
                        map.extend(entries);
                    }
                }
            } else {
                map.insert(key_text(key), value);
            }
        }
    }
}

/// JSON object keys are strings; go-yaml's non-string keys become their text.
fn key_text(key: Value) -> String {
    match key {
        Value::String(text) => text,
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// YAML 1.1 resolution of an unquoted scalar, as go-yaml v2 does it.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    if let Some(number) = integer(text) {
        return Value::Number(number.into());
    }
    if is_float(text) {
        if let Some(number) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(number);
        }
    }
    Value::String(text.to_owned())
}

/// Go's `strconv.ParseInt(s, 0, 64)` after removing `_`: decimal, 0x, 0o, 0b and 0-octal.
fn integer(text: &str) -> Option<i64> {
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    let (negative, digits) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, cleaned.as_str()),
    };
    let (radix, body) = match digits.get(..2) {
        Some("0x" | "0X") => (16, &digits[2..]),
        Some("0o" | "0O") => (8, &digits[2..]),
        Some("0b" | "0B") => (2, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i64::from_str_radix(body, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// go-yaml v2's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_1_1_booleans_and_nulls_only_when_unquoted() {
        let value =
            parse_first_document("a: y\nb: 'y'\nc: off\nd: ~\ne: \"no\"\nf: !!str yes\n").unwrap();
        assert_eq!(
            value,
            json!({"a": true, "b": "y", "c": false, "d": null, "e": "no", "f": "yes"})
        );
    }

    #[test]
    fn numbers_as_go_parses_them() {
        let value =
            parse_first_document("- 012\n- 0x1F\n- 1_000\n- 1.5e3\n- .5\n- 1.2.3\n- -7\n").unwrap();
        assert_eq!(value, json!([10, 31, 1000, 1500.0, 0.5, "1.2.3", -7]));
    }

    #[test]
    fn anchors_aliases_and_merge_keys_in_document_order() {
        let text = "base: &b {x: 1, z: 2}\ncopy: *b\nmerged:\n  <<: *b\n  z: 3\nearly:\n  z: 9\n  <<: *b\n";
        let value = parse_first_document(text).unwrap();
        assert_eq!(value["copy"], json!({"x": 1, "z": 2}));
        assert_eq!(value["merged"], json!({"x": 1, "z": 3}));
        assert_eq!(value["early"], json!({"x": 1, "z": 2}));
    }

    #[test]
    fn yaml_1_1_keys_resolve_too() {
        // go-yaml v2 reads an unquoted `y` key as the boolean true; JSON then names it "true".
        assert_eq!(
            parse_first_document("y: 1\n'n': 2\n").unwrap(),
            json!({"true": 1, "n": 2})
        );
    }

    #[test]
    fn only_the_first_document_and_empty_streams() {
        assert_eq!(
            parse_first_document("a: 1\n---\na: 2\n").unwrap(),
            json!({"a": 1})
        );
        assert_eq!(parse_first_document("").unwrap(), Value::Null);
        assert_eq!(
            parse_first_document("# just a comment\n").unwrap(),
            Value::Null
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = parse_first_document("a:\n  b: 1\n\tc: 2\n").unwrap_err();
        // The scanner reports the tab where the plain scalar before it ends or on its own line.
        assert!((2..=3).contains(&error.line), "{error:?}");
        assert!(error.column >= 1);
    }
}

//! YAML as kubectl reads it: go-yaml v2 resolves plain scalars by YAML 1.1 rules, so an
//! unquoted `y`, `yes`, `on` or `off` is a boolean and `012` a number. A kubeconfig with
//! `user: y` is therefore an error for kubectl, and must be one for us too. YAML 1.2 parsers
//! (serde_yaml among them) read such values as strings; this module reads the event stream
//! (granit-parser, which reports each scalar's quoting) and resolves scalars the 1.1 way.
//! Anchors, aliases and `<<` merge keys work as in go-yaml v2; only the first document is read.
//!
//! Built for large files (50,000 contexts are about 300 MB): the document becomes a light
//! [`Node`] tree whose scalars borrow from the text, and the tree is itself a serde
//! [`Deserializer`], so each value is copied once, into its final place. Aliases have a
//! budget ([`MAX_ALIAS_EXPANSION`]): a "billion laughs" file fails instead of eating memory.

use granit_parser::{Event, Parser, ScalarStyle, Span, StrInput};
use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// How much memory all aliases of a document may expand to (nodes and text). kubectl writes no
/// aliases at all and hand-written files use a few small ones; 64 MiB is far above that.
pub const MAX_ALIAS_EXPANSION: usize = 64 << 20;

/// A syntax error with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl SyntaxError {
    fn at(span: Span, message: impl Into<String>) -> Self {
        Self {
            line: span.start.line(),
            column: span.start.col() + 1,
            message: message.into(),
        }
    }
}

/// One YAML node. Scalars borrow from the text unless the parser had to rewrite them (escapes,
/// folded lines).
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    /// An unquoted, untagged scalar: YAML 1.1 resolution decides what it is.
    Plain(Cow<'a, str>),
    /// A quoted, block or `!!str` scalar: always a string.
    Text(Cow<'a, str>),
    Sequence(Vec<Node<'a>>),
    /// Keys as text (go-yaml's non-string keys become their text), each once: a later
    /// occurrence of a key replaces the earlier one, as in go-yaml.
    Mapping(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl Node<'_> {
    pub fn is_null(&self) -> bool {
        matches!(self, Node::Plain(text) if matches!(resolve_plain(text), Scalar::Null))
    }

    /// The memory expanding this node takes (nodes and text), for the alias budget.
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + match self {
                Node::Plain(text) | Node::Text(text) => text.len(),
                Node::Sequence(items) => items.iter().map(Node::weight).sum(),
                Node::Mapping(entries) => entries
                    .iter()
                    .map(|(key, value)| {
                        std::mem::size_of::<Cow<str>>() + key.len() + value.weight()
                    })
                    .sum(),
            }
    }
}

/// Parses the first document of `text` (`None` for an empty stream).
pub fn parse_first_document(text: &str) -> Result<Option<Node<'_>>, SyntaxError> {
    let mut reader = Reader {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        alias_budget: MAX_ALIAS_EXPANSION,
    };
    loop {
        match reader.next()? {
            None | Some((Event::StreamEnd, _)) => return Ok(None),
            Some((Event::DocumentStart(..), _)) => return reader.document(),
            Some(_) => {}
        }
    }
}

/// `value` as YAML that YAML 1.1 readers (kubectl, Helm, go-yaml v2, this module) read back
/// as written. serde_yaml writes YAML 1.2, where `yes`, `on`, `y` or `1_000` are strings it
/// leaves unquoted; YAML 1.1 reads them as booleans and numbers, so a context named `'yes'`
/// came back as `true` and the file no longer loaded (caught by the round-trip check of
/// fuzz/fuzz_targets/kubeconfig.rs). Such scalars are quoted here; everything else is
/// serde_yaml's text byte for byte.
pub fn to_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, serde_yaml::Error> {
    let text = serde_yaml::to_string(value)?;
    let mut parser = Parser::new_from_str(&text);
    let mut out = String::new();
    let mut copied = 0;
    while let Some(Ok((event, span))) = parser.next_event() {
        let Event::Scalar(scalar, ScalarStyle::Plain, _, None) = &event else {
            continue;
        };
        let Some(range) = span.byte_range().filter(|r| r.start >= copied) else {
            continue;
        };
        if !read_otherwise_in_yaml_1_1(scalar) {
            continue;
        }
        out.push_str(&text[copied..range.start]);
        out.push('\'');
        out.push_str(&scalar.replace('\'', "''"));
        out.push('\'');
        copied = range.end;
    }
    if copied == 0 {
        return Ok(text);
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

/// A plain scalar serde_yaml wrote for a string that YAML 1.1 reads as something else (or,
/// for `<<`, as a merge key). serde_yaml writes booleans, nulls and numbers in these forms
/// only; any other plain scalar it wrote is a string.
fn read_otherwise_in_yaml_1_1(plain: &str) -> bool {
    let written_for_a_non_string =
        matches!(plain, "true" | "false" | "null" | ".inf" | "-.inf" | ".nan")
            || (plain.parse::<f64>().is_ok()
                && plain
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')));
    !written_for_a_non_string && (plain == "<<" || !matches!(resolve_plain(plain), Scalar::Str))
}

struct Reader<'a> {
    parser: Parser<'a, StrInput<'a>>,
    anchors: HashMap<usize, Node<'a>>,
    alias_budget: usize,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Result<Option<(Event<'a>, Span)>, SyntaxError> {
        match self.parser.next_event() {
            None => Ok(None),
            Some(Ok(event)) => Ok(Some(event)),
            Some(Err(error)) => Err(SyntaxError {
                line: error.marker().line(),
                column: error.marker().col() + 1,
                message: error.info(),
            }),
        }
    }

    fn document(&mut self) -> Result<Option<Node<'a>>, SyntaxError> {
        match self.next()? {
            Some((Event::DocumentEnd, _)) | None => Ok(None),
            Some((event, span)) => self.node(event, span).map(Some),
        }
    }

    fn node(&mut self, event: Event<'a>, span: Span) -> Result<Node<'a>, SyntaxError> {
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tagged_str = tag.as_ref().is_some_and(|t| t.suffix() == "str");
                if style == ScalarStyle::Plain && !tagged_str {
                    (Node::Plain(text), anchor)
                } else {
                    (Node::Text(text), anchor)
                }
            }
            Event::Alias(id) => return self.alias(id, span),
            Event::SequenceStart(_, anchor, _) => (self.sequence()?, anchor),
            Event::MappingStart(_, anchor, _) => (self.mapping()?, anchor),
            other => return Err(SyntaxError::at(span, format!("unexpected {other:?}"))),
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<Node<'a>, SyntaxError> {
        let target = self
            .anchors
            .get(&id)
            .ok_or_else(|| SyntaxError::at(span, "alias to an unknown anchor"))?;
        self.alias_budget = self
            .alias_budget
            .checked_sub(target.weight())
            .ok_or_else(|| {
                SyntaxError::at(
                    span,
                    format!(
                        "aliases expand to more than {} MiB (a \"billion laughs\" file?)",
                        MAX_ALIAS_EXPANSION >> 20
                    ),
                )
            })?;
        Ok(target.clone())
    }

    fn sequence(&mut self) -> Result<Node<'a>, SyntaxError> {
        let mut items = Vec::new();
        loop {
            match self.next()? {
                Some((Event::SequenceEnd, _)) | None => return Ok(Node::Sequence(items)),
                Some((event, span)) => items.push(self.node(event, span)?),
            }
        }
    }

    fn mapping(&mut self) -> Result<Node<'a>, SyntaxError> {
        let mut map = MappingBuilder::default();
        loop {
            let (key_event, key_span) = match self.next()? {
                Some((Event::MappingEnd, _)) | None => return Ok(Node::Mapping(map.entries)),
                Some(event) => event,
            };
            let is_merge = matches!(&key_event, Event::Scalar(text, ScalarStyle::Plain, _, None) if text == "<<");
            let key = self.node(key_event, key_span)?;
            let (value_event, value_span) = self.next()?.ok_or_else(|| {
                SyntaxError::at(key_span, "a mapping key without a value".to_owned())
            })?;
            let value = self.node(value_event, value_span)?;
            if is_merge {
                // go-yaml v2 merges in document order: later keys override earlier ones.
                let sources = match value {
                    Node::Sequence(items) => items,
                    single => vec![single],
                };
                for source in sources {
                    if let Node::Mapping(entries) = source {
                        for (key, value) in entries {
                            map.insert(key, value);
                        }
                    }
                }
            } else {
                map.insert(key_text(key), value);
            }
        }
    }
}

/// Mapping entries in document order, each key once. Small mappings (all of a kubeconfig's)
/// are searched linearly; a large one gets an index so a hostile file cannot make this quadratic.
#[derive(Default)]
struct MappingBuilder<'a> {
    entries: Vec<(Cow<'a, str>, Node<'a>)>,
    index: HashMap<Cow<'a, str>, usize>,
}

impl<'a> MappingBuilder<'a> {
    const LINEAR_UP_TO: usize = 16;

    fn insert(&mut self, key: Cow<'a, str>, value: Node<'a>) {
        if self.entries.len() > Self::LINEAR_UP_TO {
            let indexed = self.index.len();
            for (at, (known, _)) in self.entries.iter().enumerate().skip(indexed) {
                self.index.insert(known.clone(), at);
            }
        }
        let found = if self.index.is_empty() {
            self.entries.iter().position(|(known, _)| *known == key)
        } else {
            self.index.get(&key).copied()
        };
        match found {
            Some(at) => self.entries[at].1 = value,
            None => self.entries.push((key, value)),
        }
    }
}

/// JSON object keys are strings; go-yaml's non-string keys become their text.
fn key_text(key: Node<'_>) -> Cow<'_, str> {
    match key {
        Node::Text(text) => text,
        Node::Plain(text) => match resolve_plain(&text) {
            Scalar::Str => text,
            Scalar::Null => "null".into(),
            Scalar::Bool(value) => value.to_string().into(),
            Scalar::Int(value) => value.to_string().into(),
            Scalar::Float(value) => serde_json::Value::from(value).to_string().into(),
        },
        // A sequence or mapping as a key: its JSON text, as the JSON conversion gives it.
        complex => de::Deserialize::deserialize(complex)
            .map(|value: serde_json::Value| value.to_string())
            .unwrap_or_default()
            .into(),
    }
}

/// What an unquoted scalar is under YAML 1.1.
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// YAML 1.1 resolution of an unquoted scalar, as go-yaml v2 does it.
fn resolve_plain(text: &str) -> Scalar {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Scalar::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Scalar::Bool(false)
        }
        _ => {}
    }
    // Fast exit for the long base64 and name scalars that fill large files.
    if !text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.'))
    {
        return Scalar::Str;
    }
    if let Some(number) = integer(text) {
        return Scalar::Int(number);
    }
    match text.parse::<f64>() {
        Ok(number) if is_float(text) && number.is_finite() => Scalar::Float(number),
        _ => Scalar::Str,
    }
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

/// A value of the wrong type for where it is (serde's message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DeError(message.to_string())
    }
}

fn visit_text<'de, V: Visitor<'de>>(text: Cow<'de, str>, visitor: V) -> Result<V::Value, DeError> {
    match text {
        Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
        Cow::Owned(text) => visitor.visit_string(text),
    }
}

impl<'de> de::Deserializer<'de> for Node<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self {
            Node::Plain(text) => match resolve_plain(&text) {
                Scalar::Null => visitor.visit_unit(),
                Scalar::Bool(value) => visitor.visit_bool(value),
                Scalar::Int(value) => visitor.visit_i64(value),
                Scalar::Float(value) => visitor.visit_f64(value),
                Scalar::Str => visit_text(text, visitor),
            },
            Node::Text(text) => visit_text(text, visitor),
            Node::Sequence(items) => {
                let mut items = SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut items)?;
                items.end()?;
                Ok(value)
            }
            Node::Mapping(entries) => {
                let mut entries = MapDeserializer::new(entries.into_iter());
                let value = visitor.visit_map(&mut entries)?;
                entries.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

impl<'de> IntoDeserializer<'de, DeError> for Node<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::{json, Value};

    fn parse(text: &str) -> Value {
        match parse_first_document(text).unwrap() {
            Some(node) => Value::deserialize(node).unwrap(),
            None => Value::Null,
        }
    }

    #[test]
    fn yaml_1_1_booleans_and_nulls_only_when_unquoted() {
        let value = parse("a: y\nb: 'y'\nc: off\nd: ~\ne: \"no\"\nf: !!str yes\n");
        assert_eq!(
            value,
            json!({"a": true, "b": "y", "c": false, "d": null, "e": "no", "f": "yes"})
        );
    }

    #[test]
    fn numbers_as_go_parses_them() {
        let value = parse("- 012\n- 0x1F\n- 1_000\n- 1.5e3\n- .5\n- 1.2.3\n- -7\n- 1e999\n");
        assert_eq!(
            value,
            json!([10, 31, 1000, 1500.0, 0.5, "1.2.3", -7, "1e999"])
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys_in_document_order() {
        let text = "base: &b {x: 1, z: 2}\ncopy: *b\nmerged:\n  <<: *b\n  z: 3\nearly:\n  z: 9\n  <<: *b\n";
        let value = parse(text);
        assert_eq!(value["copy"], json!({"x": 1, "z": 2}));
        assert_eq!(value["merged"], json!({"x": 1, "z": 3}));
        assert_eq!(value["early"], json!({"x": 1, "z": 2}));
    }

    #[test]
    fn yaml_1_1_keys_resolve_too() {
        // go-yaml v2 reads an unquoted `y` key as the boolean true; JSON then names it "true".
        assert_eq!(parse("y: 1\n'n': 2\n"), json!({"true": 1, "n": 2}));
    }

    #[test]
    fn a_repeated_key_keeps_the_last_value_in_small_and_large_mappings() {
        assert_eq!(parse("a: 1\nb: 2\na: 3\n"), json!({"a": 3, "b": 2}));
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: last\nk39: end\n");
        let value = parse(&text);
        assert_eq!(value.as_object().unwrap().len(), 40);
        assert_eq!(value["k3"], json!("last"));
        assert_eq!(value["k39"], json!("end"));
        assert_eq!(value["k38"], json!(38));
    }

    #[test]
    fn only_the_first_document_and_empty_streams() {
        assert_eq!(parse("a: 1\n---\na: 2\n"), json!({"a": 1}));
        assert_eq!(parse_first_document("").unwrap(), None);
        assert_eq!(parse_first_document("# just a comment\n").unwrap(), None);
    }

    #[test]
    fn long_plain_scalars_are_borrowed_not_copied() {
        let blob = "QUJD".repeat(1000);
        let text = format!("data: {blob}\n");
        let Some(Node::Mapping(entries)) = parse_first_document(&text).unwrap() else {
            panic!("not a mapping");
        };
        assert!(matches!(&entries[0].1, Node::Plain(Cow::Borrowed(b)) if *b == blob));
    }

    #[test]
    fn strings_yaml_1_1_reads_otherwise_are_written_quoted() {
        // The kubeconfig fuzz target's failure: a context named 'yes' was written back bare.
        let value = json!({"contexts": [{"name": "yes"}], "y": ["on", "N", "1_000", "<<", "~"],
            "<<": {"a": 1}, "kept": [true, null, 1, -2.5, "plain", "true", "012", "it's"]});
        let text = to_string(&value).unwrap();
        assert_eq!(
            text,
            "'<<':\n  a: 1\ncontexts:\n- name: 'yes'\nkept:\n- true\n- null\n- 1\n- -2.5\n- plain\n- 'true'\n- '012'\n- it's\n'y':\n- 'on'\n- 'N'\n- '1_000'\n- '<<'\n- '~'\n"
        );
        assert_eq!(parse(&text), value);
        // Nothing to quote: serde_yaml's own text.
        let plain = json!({"name": "member", "server": "https://1.2.3.4:6443", "count": 3});
        assert_eq!(
            to_string(&plain).unwrap(),
            serde_yaml::to_string(&plain).unwrap()
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = parse_first_document("a:\n  b: 1\n\tc: 2\n").unwrap_err();
        // The scanner reports the tab where the plain scalar before it ends or on its own line.
        assert!((2..=3).contains(&error.line), "{error:?}");
        assert!(error.column >= 1);
    }

    #[test]
    fn a_billion_laughs_fails_with_a_clear_error_instead_of_eating_memory() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names: Vec<char> = ('b'..='j').collect();
        let mut previous = 'a';
        for name in names {
            let refs = vec![format!("*{previous}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
            previous = name;
        }
        let error = parse_first_document(&text).unwrap_err();
        assert!(
            error.message.contains("aliases expand to more than 64 MiB"),
            "{error:?}"
        );
        assert!(error.line >= 2, "{error:?}");
    }

    #[test]
    fn aliases_within_the_budget_work() {
        // 9^4 = 6,561 copies of the first list: a few MiB, inside the budget.
        let mut text = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        for (name, previous) in [('b', 'a'), ('c', 'b'), ('d', 'c'), ('e', 'd')] {
            let refs = vec![format!("*{previous}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let value = parse(&text);
        let count = |v: &Value| v.as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(count(&value["e"]), 9);
        assert_eq!(count(&value["e"][0][0][0][0]), 9);
    }
}

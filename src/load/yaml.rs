//! YAML → [`Tree`], on saphyr-parser's event stream.
//!
//! The event stream is flat, so depth is checked before anything nests: the builder refuses
//! to open a container past [`limits::MAX_DEPTH`], and no recursion happens anywhere. An alias
//! attaches the anchored node again instead of copying it, and the builder counts how many
//! nodes aliases would expand to, refusing past [`limits::MAX_ALIAS_EXPANSION`].
//! Duplicate keys are errors, as YAML requires.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use super::source::Span;
use super::tree::{BuildError, NodeId, Tree, TreeBuilder};

struct Open {
    is_mapping: bool,
    anchor: usize,
    /// In a mapping: the next scalar is a key.
    expect_key: bool,
}

pub fn parse(text: &str, base: usize) -> Result<Tree, BuildError> {
    let mut builder = TreeBuilder::new(text.len());
    builder.track_expansion();
    let mut offsets = ByteOffsets::new(text, base);
    let mut anchors: HashMap<usize, NodeId> = HashMap::new();
    let mut open: Vec<Open> = Vec::new();
    let mut documents = 0;
    let mut last_end = base;

    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let at = offsets.byte(e.marker());
            BuildError::new(format!("invalid YAML: {}", e.info()), Span::empty(at))
        })?;
        let start = offsets.byte(&span.start);
        let end = offsets.byte(&span.end).max(start);
        let span = Span::new(start, end);

        if let Some(top) = open.last_mut() {
            if top.is_mapping && top.expect_key {
                match &event {
                    Event::Scalar(key, style, anchor, tag) => {
                        let merge_tag = tag.as_ref().is_some_and(|t| t.suffix == "merge");
                        if (*style == ScalarStyle::Plain && key == "<<") || merge_tag {
                            builder.merge_key(span);
                        } else {
                            builder.key(key, span);
                        }
                        if *anchor > 0 {
                            anchors.insert(*anchor, builder.detached_string(key, span));
                        }
                        top.expect_key = false;
                        last_end = end;
                        continue;
                    }
                    Event::Alias(anchor) => {
                        let key = anchors
                            .get(anchor)
                            .and_then(|&id| builder.scalar_text(id))
                            .map(str::to_string);
                        let Some(key) = key else {
                            return Err(BuildError::new(
                                "only plain keys are supported (this alias as a key names a collection or no anchor)",
                                span,
                            ));
                        };
                        builder.key(&key, span);
                        top.expect_key = false;
                        last_end = end;
                        continue;
                    }
                    Event::MappingEnd => {}
                    _ => return Err(BuildError::new(
                        "only plain keys are supported (a key here is a collection or an alias)",
                        span,
                    )),
                }
            } else if top.is_mapping {
                top.expect_key = !matches!(event, Event::MappingEnd);
            }
        }

        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(BuildError::new(
                        "the file holds more than one YAML document",
                        span,
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let id = scalar(&mut builder, &value, style, is_str_tag, span)?;
                if anchor > 0 {
                    anchors.insert(anchor, id);
                }
                last_end = end;
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                let is_mapping = matches!(event, Event::MappingStart(..));
                builder.begin(is_mapping, start)?;
                open.push(Open {
                    is_mapping,
                    anchor,
                    expect_key: is_mapping,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let closed = open.pop().expect("saphyr balances start and end events");
                let id = builder.end(last_end.max(start))?;
                if closed.anchor > 0 {
                    anchors.insert(closed.anchor, id);
                }
                last_end = last_end.max(end);
            }
            Event::Alias(anchor) => {
                let Some(&target) = anchors.get(&anchor) else {
                    return Err(BuildError::new(
                        "alias to an anchor that is not complete here (a recursive alias?)",
                        span,
                    ));
                };
                builder.alias(target, span)?;
                last_end = end;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    let end = base + text.len();
    builder
        .finish()
        .ok_or_else(|| BuildError::new("the document is empty", Span::empty(end)))
}

fn scalar(
    builder: &mut TreeBuilder,
    value: &str,
    style: ScalarStyle,
    is_str_tag: bool,
    span: Span,
) -> Result<NodeId, BuildError> {
    if style != ScalarStyle::Plain || is_str_tag {
        return builder.string(value, span);
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => builder.null(span),
        "true" | "True" | "TRUE" => builder.bool(true, span),
        "false" | "False" | "FALSE" => builder.bool(false, span),
        _ if is_number(value) => builder.number(value, span),
        _ => builder.string(value, span),
    }
}

/// Numbers as YAML 1.2's core schema reads them.
fn is_number(s: &str) -> bool {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if let Some(hex) = s.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Turns saphyr's character indexes into byte offsets. Events arrive almost in order, so a
/// cursor that walks from the last position costs little; ASCII text needs no walk at all.
struct ByteOffsets<'a> {
    text: &'a str,
    base: usize,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> ByteOffsets<'a> {
    fn new(text: &'a str, base: usize) -> Self {
        ByteOffsets {
            text,
            base,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn byte(&mut self, marker: &Marker) -> usize {
        let target = marker.index();
        if self.ascii {
            return self.base + target.min(self.text.len());
        }
        if target < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        for c in self.text[self.bytes..].chars() {
            if self.chars == target {
                break;
            }
            self.chars += 1;
            self.bytes += c.len_utf8();
        }
        self.base + self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::tree::Kind;

    #[test]
    fn builds_mappings_sequences_and_typed_scalars() {
        let text = "a: 1\nb: [x, 'y', true, ~]\nc:\n  d: 2.5e3\n";
        let tree = parse(text, 0).unwrap();
        let root = tree.root();
        assert_eq!(root.get("a").unwrap().kind(), Kind::Number);
        let b = root.get("b").unwrap();
        let kinds: Vec<Kind> = b.items().map(|n| n.kind()).collect();
        assert_eq!(kinds, [Kind::String, Kind::String, Kind::Bool, Kind::Null]);
        let d = root.get("c").unwrap().get("d").unwrap();
        assert_eq!(d.scalar_text(), Some("2.5e3"));
        assert_eq!(
            &text[d.span().start as usize..d.span().end as usize],
            "2.5e3"
        );
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "é: ü\nkey: value\n";
        let tree = parse(text, 0).unwrap();
        let entry = tree.root().entry("key").unwrap();
        assert_eq!(
            &text[entry.key_span.start as usize..entry.key_span.end as usize],
            "key"
        );
    }

    #[test]
    fn versions_stay_text() {
        let tree = parse("openapi: 3.0.3\nswagger: '2.0'\nx: 3.1\n", 0).unwrap();
        assert_eq!(
            tree.root().get("openapi").unwrap().scalar_text(),
            Some("3.0.3")
        );
        assert_eq!(tree.root().get("x").unwrap().scalar_text(), Some("3.1"));
    }

    #[test]
    fn aliases_share_the_anchored_node() {
        let tree = parse("a: &x {k: v}\nb: *x\n", 0).unwrap();
        let a = tree.root().get("a").unwrap();
        let b = tree.root().get("b").unwrap();
        assert_eq!(a.id(), b.id());
    }

    #[test]
    fn merge_keys_are_applied_and_own_keys_win() {
        let text = "\
base: &base {security: [{oauth: [pets.write]}], summary: base}
other: &other {summary: other, tags: [a]}
post:
  <<: [*base, *other]
  summary: own
";
        let tree = parse(text, 0).unwrap();
        let post = tree.root().get("post").unwrap();
        let keys: Vec<&str> = post.members().map(|e| e.key).collect();
        assert_eq!(keys, ["security", "tags", "summary"]);
        assert_eq!(post.get_str("summary"), Some("own"));
        assert_eq!(
            post.get("tags").unwrap().item(0).unwrap().as_str(),
            Some("a")
        );
        // The merged member points at the text that wrote it, in the anchored mapping.
        let security = post.entry("security").unwrap();
        assert_eq!(
            &text[security.key_span.start as usize..security.key_span.end as usize],
            "security"
        );
        assert!(security.key_span.start < 20);
    }

    #[test]
    fn the_first_merged_mapping_wins_and_a_quoted_key_is_no_merge() {
        let tree = parse(
            "a: &a {k: 1}\nb: &b {k: 2}\nc: {<<: [*a, *b]}\nd: {'<<': *a}\n",
            0,
        )
        .unwrap();
        assert_eq!(
            tree.root()
                .get("c")
                .unwrap()
                .get("k")
                .unwrap()
                .scalar_text(),
            Some("1")
        );
        let d = tree.root().get("d").unwrap();
        assert!(d.get("<<").is_some() && d.get("k").is_none());
    }

    #[test]
    fn a_merge_of_a_scalar_is_an_error_and_own_duplicates_still_are() {
        let err = parse("a: {<<: 1}\n", 0).unwrap_err();
        assert!(err.message.contains("merge key"), "{}", err.message);
        let err = parse("a: &a {k: 1}\nb: {<<: *a, x: 1, x: 2}\n", 0).unwrap_err();
        assert!(err.message.contains("duplicate key `x`"), "{}", err.message);
    }

    #[test]
    fn an_anchored_key_may_be_repeated_by_an_alias() {
        let tree = parse("&k name: 1\nother: *k\n*k : 2\n", 0);
        // The alias as a key repeats `name`, a duplicate.
        assert!(tree.unwrap_err().message.contains("duplicate key `name`"));
        let tree = parse("&k name: 1\nother: *k\n", 0).unwrap();
        assert_eq!(tree.root().get_str("other"), Some("name"));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text += &format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n");
        }
        let err = parse(&text, 0).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let flow = "[".repeat(100_000);
        // saphyr's scanner has its own limit for flow collections; either limit is fine.
        let err = parse(&flow, 0).unwrap_err();
        assert!(
            err.message.contains("nesting deeper") || err.message.contains("recursion limit"),
            "{}",
            err.message
        );
        // Compact block sequences: each `- ` opens a block sequence inside the previous one.
        let block = "- ".repeat(100_000) + "x\n";
        assert!(parse(&block, 0)
            .unwrap_err()
            .message
            .contains("nesting deeper"));
    }

    #[test]
    fn duplicate_keys_and_several_documents_are_errors() {
        assert!(parse("a: 1\na: 2\n", 0)
            .unwrap_err()
            .message
            .contains("duplicate key `a`"));
        assert!(parse("a: 1\n---\nb: 2\n", 0)
            .unwrap_err()
            .message
            .contains("more than one"));
        assert!(parse("? [a]\n: 1\n", 0).is_err());
    }

    #[test]
    fn yaml_numbers() {
        for n in [
            "1", "-2", "+3", "1.5", ".5", "1e3", "2.5E-3", "0x1F", "0o17", ".inf", "-.inf", ".nan",
        ] {
            assert!(is_number(n), "{n}");
        }
        for s in ["1.2.3", "3.0.3", "e3", "0x", "-", "1e", "1_000", "abc", "."] {
            assert!(!is_number(s), "{s}");
        }
    }
}

//! JSON → [`Tree`], on jsonc-parser's token stream.
//!
//! The parser is a loop over tokens with an explicit stack, so nesting depth costs heap, not
//! stack, and is bounded by [`limits::MAX_DEPTH`]. Strict JSON only: no comments, trailing
//! commas, single quotes or bare words.
//!
//! A [`SkipPolicy`] names the object members whose values are validated but not built; they
//! become [`Kind::Unbuilt`](super::tree::Kind::Unbuilt) nodes that keep their span, so a
//! `$ref` into one can build it later with [`parse`] on that slice. Skipped values are
//! validated by serde_json (as a borrowed `RawValue`), which runs several times faster than tokenizing
//! (schemas and examples are most of a description's bytes); serde_json nests at most 128
//! levels inside one skipped value.

use std::borrow::Cow;

use jsonc_parser::tokens::Token;
use jsonc_parser::{Scanner, ScannerOptions};
use serde::de::Deserialize;
use serde_json::value::RawValue;

use super::source::Span;
use super::tree::{limits, BuildError, Tree, TreeBuilder};

/// One step of the path from the root to a container.
#[derive(Debug, Clone)]
pub enum Seg<'a> {
    Key(Cow<'a, str>),
    Index,
}

impl Seg<'_> {
    pub fn is(&self, key: &str) -> bool {
        matches!(self, Seg::Key(k) if k == key)
    }
}

/// Decides, from the path of the enclosing object and a member's key, whether to leave that
/// member's value unbuilt.
pub type SkipPolicy = fn(path: &[Seg<'_>], key: &str) -> bool;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Value,
    ValueOrClose,
    Key,
    KeyOrClose,
    After,
}

fn strict() -> ScannerOptions {
    ScannerOptions {
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses `text`, which starts at byte `base` of its file, into a tree whose spans are
/// offsets into that file.
pub fn parse(text: &str, base: usize, skip: Option<SkipPolicy>) -> Result<Tree, BuildError> {
    Parser {
        scanner: Scanner::new(text, &strict()),
        text,
        offset: 0,
        base,
        builder: TreeBuilder::new(text.len()),
        stack: Vec::new(),
        path: Vec::new(),
        skip,
        last_end: 0,
    }
    .run()
}

struct Parser<'a> {
    scanner: Scanner<'a>,
    text: &'a str,
    /// Where the scanner's text starts in `text` (it restarts after each skipped value).
    offset: usize,
    /// Where `text` starts in its file.
    base: usize,
    builder: TreeBuilder,
    /// Every open container: `true` for objects.
    stack: Vec<bool>,
    /// The path to each open container (the root's entry is a placeholder).
    path: Vec<Seg<'a>>,
    skip: Option<SkipPolicy>,
    /// Where the last token ended in `text`: the bytes from there to the next token must be
    /// JSON whitespace.
    last_end: usize,
}

impl<'a> Parser<'a> {
    fn span(&self) -> Span {
        let at = self.base + self.offset;
        Span::new(
            at + self.scanner.token_start(),
            at + self.scanner.token_end(),
        )
    }

    fn next(&mut self) -> Result<Option<Token<'a>>, BuildError> {
        let token = self.scanner.scan().map_err(|e| {
            let r = e.range();
            let at = self.base + self.offset;
            BuildError::new(
                format!("invalid JSON: {}", e.kind()),
                Span::new(at + r.start, at + r.end),
            )
        })?;
        let (start, end) = match token {
            Some(_) => (
                self.offset + self.scanner.token_start(),
                self.offset + self.scanner.token_end(),
            ),
            None => (self.text.len(), self.text.len()),
        };
        self.whitespace_only(self.last_end, start)?;
        if let Some(Token::String(_)) = token {
            self.no_raw_control_characters(start, end)?;
        }
        self.last_end = end;
        Ok(token)
    }

    /// The scanner takes any Unicode whitespace between tokens; JSON allows four characters.
    fn whitespace_only(&self, from: usize, to: usize) -> Result<(), BuildError> {
        let gap = &self.text[from..to];
        match gap.find(|c| !matches!(c, ' ' | '\t' | '\n' | '\r')) {
            None => Ok(()),
            Some(i) => {
                let c = gap[i..].chars().next().unwrap_or(' ');
                let at = self.base + from + i;
                Err(BuildError::new(
                    format!(
                        "invalid JSON: {} is not JSON whitespace (only space, tab, line feed and carriage return are)",
                        char_name(c)
                    ),
                    Span::new(at, at + c.len_utf8()),
                ))
            }
        }
    }

    /// The scanner takes raw control characters inside strings; JSON requires them escaped.
    fn no_raw_control_characters(&self, start: usize, end: usize) -> Result<(), BuildError> {
        match self.text.as_bytes()[start..end]
            .iter()
            .position(|&b| b < 0x20)
        {
            None => Ok(()),
            Some(i) => {
                let at = self.base + start + i;
                Err(BuildError::new(
                    format!(
                        "invalid JSON: a raw control character ({}) inside a string; write it escaped (`\\u{:04x}`)",
                        char_name(self.text.as_bytes()[start + i] as char),
                        self.text.as_bytes()[start + i]
                    ),
                    Span::new(at, at + 1),
                ))
            }
        }
    }

    fn run(mut self) -> Result<Tree, BuildError> {
        let mut state = State::Value;
        let mut key: Option<Cow<'a, str>> = None;
        loop {
            let token = self.next()?;
            let span = self.span();
            state = match (state, token) {
                (State::ValueOrClose, Some(Token::CloseBracket))
                | (State::KeyOrClose, Some(Token::CloseBrace)) => self.close(span)?,
                (
                    State::Value | State::ValueOrClose,
                    Some(t @ (Token::OpenBrace | Token::OpenBracket)),
                ) => {
                    let is_object = t == Token::OpenBrace;
                    self.open(is_object, span, key.take())?;
                    if is_object {
                        State::KeyOrClose
                    } else {
                        State::ValueOrClose
                    }
                }
                (State::Value | State::ValueOrClose, Some(t)) => {
                    self.scalar(t, span)?;
                    key = None;
                    State::After
                }
                (State::Key | State::KeyOrClose, Some(Token::String(k))) => {
                    let skip = self.skip.is_some_and(|policy| policy(&self.path[1..], &k));
                    self.builder.key(&k, span);
                    key = Some(k);
                    match self.next()? {
                        Some(Token::Colon) if skip => {
                            self.skip_value()?;
                            State::After
                        }
                        Some(Token::Colon) => State::Value,
                        other => return Err(self.unexpected(other, "`:` after an object key")),
                    }
                }
                (State::After, t) => match (self.stack.last(), t) {
                    (None, None) => break,
                    (Some(true), Some(Token::Comma)) => State::Key,
                    (Some(false), Some(Token::Comma)) => State::Value,
                    (Some(true), Some(Token::CloseBrace))
                    | (Some(false), Some(Token::CloseBracket)) => self.close(span)?,
                    (None, t) => return Err(self.unexpected(t, "the end of the document")),
                    (Some(true), t) => return Err(self.unexpected(t, "`,` or `}`")),
                    (Some(false), t) => return Err(self.unexpected(t, "`,` or `]`")),
                },
                (State::Key | State::KeyOrClose, t) => {
                    return Err(self.unexpected(t, "an object key in double quotes"))
                }
                (State::Value | State::ValueOrClose, None) => {
                    return Err(self.unexpected(None, "a value"))
                }
            };
        }
        let end = self.base + self.text.len();
        self.builder
            .finish()
            .ok_or_else(|| BuildError::new("the document is empty", Span::empty(end)))
    }

    /// Validates the value after the current token with serde_json, records it unbuilt, and
    /// restarts the scanner after it.
    fn skip_value(&mut self) -> Result<(), BuildError> {
        let from = self.offset + self.scanner.token_end();
        let rest = &self.text[from..];
        let mut de = serde_json::Deserializer::from_str(rest);
        let raw = match <&RawValue>::deserialize(&mut de) {
            Ok(raw) => raw.get(),
            Err(e) => {
                let at = from + offset_of(rest, e.line(), e.column());
                return Err(BuildError::new(
                    format!("invalid JSON: {e}"),
                    Span::empty(self.base + at),
                ));
            }
        };
        // The raw value borrows from `rest`, so its address gives its offset.
        let start = from + (raw.as_ptr() as usize - rest.as_ptr() as usize);
        let end = start + raw.len();
        self.builder
            .unbuilt(Span::new(self.base + start, self.base + end))?;
        self.offset = end;
        self.last_end = end;
        self.scanner = Scanner::new(&self.text[end..], &strict());
        Ok(())
    }

    fn open(
        &mut self,
        is_object: bool,
        span: Span,
        key: Option<Cow<'a, str>>,
    ) -> Result<(), BuildError> {
        if self.stack.len() >= limits::MAX_DEPTH {
            return Err(BuildError::new(
                format!("nesting deeper than {} levels", limits::MAX_DEPTH),
                span,
            ));
        }
        self.builder.begin(is_object, span.start as usize)?;
        self.path.push(key.map_or(Seg::Index, Seg::Key));
        self.stack.push(is_object);
        Ok(())
    }

    fn close(&mut self, span: Span) -> Result<State, BuildError> {
        self.stack.pop();
        self.path.pop();
        self.builder.end(span.end as usize)?;
        Ok(State::After)
    }

    fn scalar(&mut self, token: Token<'a>, span: Span) -> Result<(), BuildError> {
        match token {
            Token::String(s) => self.builder.string(&s, span)?,
            Token::Number(n) => self.builder.number(n, span)?,
            Token::Boolean(b) => self.builder.bool(b, span)?,
            Token::Null => self.builder.null(span)?,
            other => return Err(self.unexpected(Some(other), "a value")),
        };
        Ok(())
    }

    fn unexpected(&self, token: Option<Token<'_>>, expected: &str) -> BuildError {
        let found = match &token {
            None => "the end of the file".to_string(),
            Some(Token::CommentLine(_) | Token::CommentBlock(_)) => {
                "a comment (comments are not allowed in JSON)".to_string()
            }
            Some(Token::String(_)) => "a string".to_string(),
            Some(t) => format!("`{}`", truncate(t.as_str())),
        };
        let span = if token.is_none() {
            Span::empty(self.base + self.text.len())
        } else {
            self.span()
        };
        BuildError::new(
            format!("invalid JSON: expected {expected}, found {found}"),
            span,
        )
    }
}

/// The byte offset of a 1-based line and column (serde_json's error position) in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// `U+00A0`, with a name for the characters people meet most.
fn char_name(c: char) -> String {
    let name = match c {
        '\t' => " (tab)",
        '\n' => " (line feed)",
        '\r' => " (carriage return)",
        '\u{c}' => " (form feed)",
        '\u{b}' => " (vertical tab)",
        '\u{a0}' => " (no-break space)",
        '\u{2028}' => " (line separator)",
        '\u{2029}' => " (paragraph separator)",
        '\u{feff}' => " (byte order mark)",
        _ => "",
    };
    format!("U+{:04X}{name}", c as u32)
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::tree::Kind;

    #[test]
    fn builds_values_with_spans() {
        let text = r#"{"a": [1, "x\u00e9", true, null], "b": {"c": -2.5e3}}"#;
        let tree = parse(text, 0, None).unwrap();
        let a = tree.root().get("a").unwrap();
        assert_eq!(
            &text[a.span().start as usize..a.span().end as usize],
            r#"[1, "x\u00e9", true, null]"#
        );
        assert_eq!(a.item(1).unwrap().as_str(), Some("xé"));
        assert_eq!(
            tree.root()
                .get("b")
                .unwrap()
                .get("c")
                .unwrap()
                .scalar_text(),
            Some("-2.5e3")
        );
    }

    #[test]
    fn decodes_surrogate_pairs() {
        let tree = parse(r#"{"emoji": "\ud83d\ude00"}"#, 0, None).unwrap();
        assert_eq!(tree.root().get_str("emoji"), Some("😀"));
    }

    #[test]
    fn skipped_members_keep_their_span() {
        fn skip_schemas(path: &[Seg<'_>], key: &str) -> bool {
            path.is_empty() && key == "schemas"
        }
        let text = r#"{"schemas": {"x": [1, {"y": 2}]}, "keep": {"z": 1}}"#;
        let tree = parse(text, 10, Some(skip_schemas)).unwrap();
        let schemas = tree.root().get("schemas").unwrap();
        assert_eq!(schemas.kind(), Kind::Unbuilt);
        assert_eq!(schemas.span(), Span::new(10 + 12, 10 + 32));
        assert_eq!(
            tree.root()
                .get("keep")
                .unwrap()
                .get("z")
                .unwrap()
                .scalar_text(),
            Some("1")
        );
    }

    #[test]
    fn rejects_what_strict_json_does_not_allow() {
        for bad in [
            "{\"a\": 1,}",
            "[1 2]",
            "{'a': 1}",
            "// c\n{}",
            "{\"a\" 1}",
            "[1]]",
            "{\"a\": tru}",
            "",
            "   ",
            "[",
            "{\"a\": {\"b\": [}}",
        ] {
            assert!(parse(bad, 0, None).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn raw_control_characters_in_strings_are_refused() {
        let err = parse("{\"a\": \"x\ty\"}", 0, None).unwrap_err();
        assert!(err.message.contains("U+0009 (tab)"), "{}", err.message);
        assert_eq!(err.span, Span::new(8, 9));
        assert!(parse("{\"a\": \"x\\ty\"}", 0, None).is_ok());
        let key = parse("{\"a\u{1}\": 1}", 0, None).unwrap_err();
        assert!(key.message.contains("U+0001"), "{}", key.message);
    }

    #[test]
    fn only_json_whitespace_separates_tokens() {
        for (text, named) in [
            ("{\"a\":\u{c}1}", "form feed"),
            ("{\"a\": 1,\u{a0}\"b\": 2}", "no-break space"),
            ("[1,\u{2028}2]", "line separator"),
            ("[1]\u{a0}", "no-break space"),
        ] {
            let err = parse(text, 0, None).unwrap_err();
            assert!(err.message.contains(named), "{text:?}: {}", err.message);
        }
        assert!(parse(" {\r\n\t\"a\" : [ 1 , 2 ] }\n", 0, None).is_ok());
    }

    #[test]
    fn skipped_values_are_still_validated() {
        fn skip_all(_: &[Seg<'_>], _: &str) -> bool {
            true
        }
        assert!(parse(r#"{"a": [1 2]}"#, 0, Some(skip_all)).is_err());
        assert!(parse(r#"{"a": {"b": 1,}}"#, 0, Some(skip_all)).is_err());
    }

    #[test]
    fn duplicate_keys_are_reported_at_the_second() {
        let err = parse(r#"{"a": 1, "b": 2, "a": 3}"#, 0, None).unwrap_err();
        assert!(err.message.contains("duplicate key `a`"), "{}", err.message);
        assert_eq!(err.span, Span::new(17, 20));
        assert_eq!(err.related, Some(Span::new(1, 4)));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let err = parse(&text, 0, None).unwrap_err();
        assert!(err.message.contains("nesting deeper"), "{}", err.message);
        let text = "{\"a\":".repeat(100_000);
        assert!(parse(&text, 0, None).is_err());
    }
}

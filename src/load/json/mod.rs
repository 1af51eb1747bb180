//! JSON → [`Tree`], on jiter's pull parser. Object keys and strings written without escapes
//! (nearly all of them) are read by `scan` and borrowed from the text: jiter's decoding was most
//! of the cost of reading one. What `scan` does not answer for, jiter reads, and words the
//! errors.
//!
//! The parser is a loop with an explicit stack, so nesting depth costs heap, not stack, and is
//! bounded by [`limits::MAX_DEPTH`]. Strict JSON only (RFC 8259: no comments, trailing commas,
//! single quotes, bare words, raw control characters in strings or whitespace other than the
//! four JSON allows).
//!
//! A [`SkipPolicy`] names the object members whose values are validated but not built; they
//! become [`Kind::Unbuilt`](super::tree::Kind::Unbuilt) nodes that keep their span, so a
//! `$ref` into one can build it later with [`parse`] on that slice. Skipped values are
//! validated without being built (schemas and examples are most of a description's bytes) by
//! `scan`, which answers only for values serde_json reads as valid; what it does not answer
//! for, serde_json reads (as a borrowed `RawValue`) and judges, with its error. serde_json
//! nests at most 128 levels inside one skipped value.

use std::borrow::Cow;

use jiter::{Jiter, JiterError, JiterErrorType, JsonErrorType, Peek};
use serde::de::Deserialize;
use serde_json::value::RawValue;

use super::source::Span;
use super::tree::{limits, BuildError, Tree, TreeBuilder};

pub(crate) mod scan;

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

/// Decides, from the path of an object, which of its members' values are built; the others
/// are left unbuilt. Asked once an object, when it opens (asked for every key, it was 3% of
/// loading the corpus).
pub type SkipPolicy = fn(path: &[Seg<'_>]) -> Members;

/// The members of an object that a [`SkipPolicy`] builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Members {
    All,
    /// Those with these keys; the others are validated and left unbuilt.
    Only(&'static [&'static str]),
}

impl Members {
    /// Whether the member with this key is left unbuilt.
    pub fn skips(self, key: &str) -> bool {
        match self {
            Members::All => false,
            Members::Only(keys) => !keys.contains(&key),
        }
    }
}

/// Parses `text`, which starts at byte `base` of its file, into a tree whose spans are
/// offsets into that file.
pub fn parse(text: &str, base: usize, skip: Option<SkipPolicy>) -> Result<Tree, BuildError> {
    if text
        .bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return Err(BuildError::new(
            "the document is empty",
            Span::empty(base + text.len()),
        ));
    }
    Parser::new(text, base, skip).run(true)
}

struct Parser<'a> {
    jiter: Jiter<'a>,
    text: &'a str,
    /// Where the parser's text starts in `text` (it restarts after each skipped value).
    offset: usize,
    /// Where `text` starts in its file.
    base: usize,
    builder: TreeBuilder,
    /// Every open container: `true` for objects.
    open: Vec<bool>,
    /// The path to each open container (the root's entry is a placeholder).
    path: Vec<Seg<'a>>,
    skip: Option<SkipPolicy>,
    /// What the policy builds of each open object, innermost last (empty without a policy).
    members: Vec<Members>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, base: usize, skip: Option<SkipPolicy>) -> Parser<'a> {
        Parser {
            jiter: Jiter::new(text.as_bytes()),
            text,
            offset: 0,
            base,
            builder: TreeBuilder::new(text.len()),
            open: Vec::new(),
            path: Vec::new(),
            skip,
            members: Vec::new(),
        }
    }

    /// Where the parser stands in `text`.
    fn at(&self) -> usize {
        self.offset + self.jiter.current_index()
    }

    fn span(&self, from: usize, to: usize) -> Span {
        Span::new(self.base + from, self.base + to)
    }

    /// Reads a value, and then nothing but whitespace to the end of the text when `whole`.
    fn run(mut self, whole: bool) -> Result<Tree, BuildError> {
        let first = self.jiter.peek().map_err(|e| self.error(e))?;
        // The value to read next, and the path step a container read there is under.
        let mut value = Some(first);
        let mut step = Seg::Index;
        loop {
            if let Some(peek) = value.take() {
                let start = self.at();
                if peek == Peek::Object {
                    self.open(true, start, std::mem::replace(&mut step, Seg::Index))?;
                    if let Some((p, key)) = self.object_step(true)? {
                        (value, step) = (Some(p), key);
                        continue;
                    }
                } else if peek == Peek::Array {
                    self.open(false, start, std::mem::replace(&mut step, Seg::Index))?;
                    match self.jiter.known_array().map_err(|e| self.error(e))? {
                        Some(p) => {
                            value = Some(p);
                            continue;
                        }
                        None => self.close()?,
                    }
                } else {
                    step = Seg::Index;
                    self.scalar(peek, start)?;
                }
            }
            // After a value: the enclosing container goes on or ends.
            match self.open.last() {
                None => {
                    if whole {
                        self.jiter.finish().map_err(|e| self.error(e))?;
                    }
                    break;
                }
                Some(true) => {
                    if let Some((p, key)) = self.object_step(false)? {
                        (value, step) = (Some(p), key);
                    }
                }
                Some(false) => match self.jiter.array_step().map_err(|e| self.error(e))? {
                    Some(p) => value = Some(p),
                    None => self.close()?,
                },
            }
        }
        let empty = self.span(0, 0);
        self.builder
            .finish()
            .ok_or_else(|| BuildError::new("the document is empty", empty))
    }

    /// The next member of the open object (its first when `first`): the value's first byte and
    /// the path step under it, or `None` when the value was skipped or the object ended (and was
    /// closed).
    fn object_step(&mut self, first: bool) -> Result<Option<(Peek, Seg<'a>)>, BuildError> {
        let before = self.at();
        // Most keys are read by the scanner (a fifth of jiter's cost for one); one with an
        // escape, or a mistake, is left to jiter, which decodes it or words the error.
        match scan::next_member(self.text.as_bytes(), before, first) {
            Some(scan::Member::End(after)) => {
                self.restart(after);
                self.close()?;
                return Ok(None);
            }
            Some(scan::Member::Key { start, end, value }) => {
                let key = Cow::Borrowed(&self.text[start + 1..end - 1]);
                self.restart(value);
                return self.member_at(start, end, key);
            }
            None => {}
        }
        let key = match if first {
            self.jiter.known_object()
        } else {
            self.jiter.next_key()
        } {
            Ok(key) => key.map(|k| of_text(self.text, k)),
            Err(e) => return Err(self.error(e)),
        };
        match key {
            Some(key) => self.member(before, key),
            None => {
                self.close()?;
                Ok(None)
            }
        }
    }

    /// Records the key jiter has just read (with its `:`) and skips the member's value if the
    /// policy says so; else the value's first byte and the path step under it. The key's quotes
    /// are the first `"` after `before` and the last before the `:`.
    fn member(
        &mut self,
        before: usize,
        key: Cow<'a, str>,
    ) -> Result<Option<(Peek, Seg<'a>)>, BuildError> {
        let text = self.text;
        let colon = self.at() - 1;
        // memchr, not `str::find`: a `char` pattern calls `memcmp` for every candidate.
        let start = before + memchr::memchr(b'"', &text.as_bytes()[before..]).unwrap_or(0);
        let end = text[..colon]
            .trim_end_matches([' ', '\t', '\n', '\r'])
            .len();
        self.member_at(start, end, key)
    }

    /// [`Parser::member`] for the key written at `start..end` (its quotes included), the
    /// parser standing after its `:`.
    fn member_at(
        &mut self,
        start: usize,
        end: usize,
        key: Cow<'a, str>,
    ) -> Result<Option<(Peek, Seg<'a>)>, BuildError> {
        let skip = self.members.last().is_some_and(|m| m.skips(&key));
        self.builder.key(&key, self.span(start, end));
        if skip {
            self.skip_value()?;
            return Ok(None);
        }
        let peek = self.jiter.peek().map_err(|e| self.error(e))?;
        Ok(Some((peek, Seg::Key(key))))
    }

    /// Validates the value after the current position, records it unbuilt, and restarts the
    /// parser after it. The scanner answers for valid values; what it is unsure of, or refuses,
    /// serde_json reads again and judges.
    fn skip_value(&mut self) -> Result<(), BuildError> {
        let from = self.at();
        if let Some((start, end)) = scan::value_span(self.text.as_bytes(), from) {
            return self.skipped(start, end);
        }
        let rest = &self.text[from..];
        let mut de = serde_json::Deserializer::from_str(rest);
        let raw = match <&RawValue>::deserialize(&mut de) {
            Ok(raw) => raw.get(),
            Err(e) => {
                let at = from + offset_of(rest, e.line(), e.column());
                // The same mistake in this reader's words: the value read again, built, gives
                // it (but for what only serde_json refuses, such as nesting deeper than its 128
                // levels).
                Parser::new(rest, self.base + from, None).run(false)?;
                // serde_json's message ends with its position in the skipped value, not in the
                // file: the span says where.
                let message = e.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m);
                return Err(BuildError::new(
                    format!("invalid JSON: {message}"),
                    Span::empty(self.base + at),
                ));
            }
        };
        // The raw value borrows from `rest`, so its address gives its offset.
        let start = from + (raw.as_ptr() as usize - rest.as_ptr() as usize);
        self.skipped(start, start + raw.len())
    }

    /// Records the value at `start..end` unbuilt and restarts the parser after it.
    fn skipped(&mut self, start: usize, end: usize) -> Result<(), BuildError> {
        self.builder.unbuilt(self.span(start, end))?;
        self.restart(end);
        Ok(())
    }

    /// Goes on reading at `at`, after what was read without jiter.
    fn restart(&mut self, at: usize) {
        self.offset = at;
        self.jiter = Jiter::new(&self.text.as_bytes()[at..]);
    }

    fn open(&mut self, is_object: bool, start: usize, step: Seg<'a>) -> Result<(), BuildError> {
        if self.open.len() >= limits::MAX_DEPTH {
            return Err(BuildError::new(
                format!("nesting deeper than {} levels", limits::MAX_DEPTH),
                self.span(start, start + 1),
            ));
        }
        self.builder.begin(is_object, self.base + start)?;
        self.path.push(step);
        self.open.push(is_object);
        if let (true, Some(policy)) = (is_object, self.skip) {
            self.members.push(policy(&self.path[1..]));
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), BuildError> {
        if let (Some(true), Some(_)) = (self.open.pop(), self.skip) {
            self.members.pop();
        }
        self.path.pop();
        self.builder.end(self.base + self.at())?;
        Ok(())
    }

    fn scalar(&mut self, peek: Peek, start: usize) -> Result<(), BuildError> {
        match peek {
            Peek::String => {
                // As a key: the scanner reads one without escapes, jiter the others.
                if let Some(end) = scan::plain_string_end(self.text.as_bytes(), start) {
                    self.restart(end);
                    let value = &self.text[start + 1..end - 1];
                    self.builder.string(value, self.span(start, end))?;
                    return Ok(());
                }
                let value = match self.jiter.known_str() {
                    Ok(s) => of_text(self.text, s),
                    Err(e) => return Err(self.error(e)),
                };
                self.builder.string(&value, self.span(start, self.at()))?;
            }
            Peek::True | Peek::False => {
                let b = self.jiter.known_bool(peek).map_err(|e| self.error(e))?;
                self.builder.bool(b, self.span(start, self.at()))?;
            }
            Peek::Null => {
                self.jiter.known_null().map_err(|e| self.error(e))?;
                self.builder.null(self.span(start, self.at()))?;
            }
            _ => {
                // Validated here; the tree keeps the number's text.
                if let Err(e) = self.jiter.known_number_bytes(peek) {
                    return Err(self.error(e));
                }
                let text = &self.text[start..self.at()];
                self.builder.number(text, self.span(start, self.at()))?;
            }
        }
        Ok(())
    }

    /// The escape that starts at `from` (a backslash) is not one JSON has, or a `\u` escape is
    /// incomplete or half of a surrogate pair.
    fn escape_error(&self, from: usize) -> BuildError {
        let bytes = self.text.as_bytes();
        if !self.text[from..].starts_with("\\u") {
            let escape = self.text[from..].chars().take(2).collect::<String>();
            return BuildError::new(
                format!(
                    "invalid JSON: `{escape}` is not an escape JSON has (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"
                ),
                Span::new(self.base + from, self.base + from + escape.len()),
            );
        }
        let digits = bytes[from + 2..]
            .iter()
            .take(4)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let escape = &self.text[from..from + 2 + digits];
        let surrogate = digits == 4
            && u16::from_str_radix(&escape[2..], 16).is_ok_and(|u| (0xd800..0xe000).contains(&u));
        let message = if surrogate {
            format!("invalid JSON: `{escape}` is half of a surrogate pair without its other half, not a character")
        } else {
            format!("invalid JSON: `{escape}` is not a complete `\\u` escape (four hex digits)")
        };
        BuildError::new(
            message,
            Span::new(self.base + from, self.base + from + escape.len()),
        )
    }

    /// jiter's error, in this parser's words and at its place in the file.
    fn error(&self, e: JiterError) -> BuildError {
        let mut at = (self.offset + e.index).min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let rest = &self.text[at..];
        let here = |len: usize| Span::new(self.base + at, self.base + at + len);
        let c = rest.chars().next();
        if let Some(c) = c.filter(|c| c.is_whitespace() || *c == '\u{feff}') {
            if !matches!(c, ' ' | '\t' | '\n' | '\r') {
                return BuildError::new(
                    format!(
                        "invalid JSON: {} is not JSON whitespace (only space, tab, line feed and carriage return are)",
                        char_name(c)
                    ),
                    here(c.len_utf8()),
                );
            }
        }
        let JiterErrorType::JsonError(kind) = e.error_type else {
            return BuildError::new(format!("invalid JSON: {}", e.error_type), here(0));
        };
        let bytes = self.text.as_bytes();
        // The byte before `at` that is not whitespace: what the parser had just read.
        let before = bytes[..at]
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        let expected = match kind {
            JsonErrorType::ControlCharacterWhileParsingString => {
                // At the character, or at the string it is in.
                let control = rest.bytes().position(|b| b < 0x20).unwrap_or(0);
                let byte = rest.as_bytes().get(control).copied().unwrap_or(0);
                let at = at + control;
                return BuildError::new(
                    format!(
                        "invalid JSON: a raw control character ({}) inside a string; write it escaped (`\\u{:04x}`)",
                        char_name(byte as char),
                        byte
                    ),
                    Span::new(self.base + at, self.base + at + 1),
                );
            }
            JsonErrorType::InvalidEscape
            | JsonErrorType::InvalidUnicodeCodePoint
            | JsonErrorType::LoneLeadingSurrogateInHexEscape
            | JsonErrorType::UnexpectedEndOfHexEscape => {
                // The backslash that starts the escape: at the error, or shortly before it
                // (after `\u12` the parser stops at the byte that is no hex digit; after a lone
                // surrogate, at the end of the pair it expected).
                let window = at.saturating_sub(12);
                let from = bytes[window..(at + 1).min(bytes.len())]
                    .iter()
                    .rposition(|&b| b == b'\\')
                    .map_or(at, |i| window + i);
                // A high surrogate right before it is the half whose other half is wrong.
                let high = |first: usize| {
                    self.text
                        .get(first + 2..first + 6)
                        .and_then(|hex| u16::from_str_radix(hex, 16).ok())
                        .is_some_and(|u| (0xd800..0xdc00).contains(&u))
                };
                let from = match self.text[..from].rfind("\\u") {
                    Some(first) if from - first == 6 && high(first) => first,
                    _ => from,
                };
                return self.escape_error(from);
            }
            JsonErrorType::InvalidNumber | JsonErrorType::NumberOutOfRange => {
                let number =
                    |b: &u8| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E');
                let from = bytes[..at]
                    .iter()
                    .rposition(|b| !number(b))
                    .map_or(0, |i| i + 1);
                let to = from + bytes[from..].iter().take_while(|b| number(b)).count();
                return BuildError::new(
                    format!(
                        "invalid JSON: `{}` is not a JSON number",
                        truncate(&self.text[from..to])
                    ),
                    Span::new(self.base + from, self.base + to),
                );
            }
            JsonErrorType::EofWhileParsingString => {
                return BuildError::new(
                    "invalid JSON: the file ends inside a string (its closing `\"` is missing)",
                    here(0),
                )
            }
            JsonErrorType::TrailingComma => {
                let comma = before.filter(|&i| bytes[i] == b',').unwrap_or(at);
                return BuildError::new(
                    "invalid JSON: a comma before the closing bracket (trailing commas are not allowed in JSON)",
                    Span::new(self.base + comma, self.base + comma + 1),
                );
            }
            JsonErrorType::ExpectedSomeIdent => {
                // Inside a word that is not `true`, `false` or `null`: name the whole word.
                let from = bytes[..at]
                    .iter()
                    .rposition(|b| !b.is_ascii_alphanumeric())
                    .map_or(0, |i| i + 1);
                let (found, len) = found(&self.text[from..]);
                return BuildError::new(
                    format!("invalid JSON: expected a value, found {found}"),
                    Span::new(self.base + from, self.base + from + len),
                );
            }
            JsonErrorType::ExpectedColon => "`:` after an object key",
            JsonErrorType::ExpectedListCommaOrEnd => "`,` or `]`",
            JsonErrorType::ExpectedObjectCommaOrEnd => "`,` or `}`",
            JsonErrorType::KeyMustBeAString => "an object key in double quotes",
            JsonErrorType::TrailingCharacters => "the end of the document",
            JsonErrorType::ExpectedSomeValue
            | JsonErrorType::EofWhileParsingValue
            | JsonErrorType::EofWhileParsingList
            | JsonErrorType::EofWhileParsingObject => {
                // At the end of the file, or at something that starts no value: what fits
                // after what was read last.
                let in_object = self.open.last() == Some(&true);
                match before.map(|i| bytes[i]) {
                    Some(b'{') => "an object key in double quotes or `}`",
                    Some(b',') if in_object => "an object key in double quotes",
                    Some(b'[') => "a value or `]`",
                    Some(b':' | b',') | None => "a value",
                    Some(_) if in_object => "`,` or `}`",
                    Some(_) if self.open.is_empty() => "the end of the document",
                    Some(_) => "`,` or `]`",
                }
            }
            other => return BuildError::new(format!("invalid JSON: {other}"), here(0)),
        };
        let (found, len) = found(rest);
        BuildError::new(
            format!("invalid JSON: expected {expected}, found {found}"),
            here(len),
        )
    }
}

/// A string jiter has decoded, as a slice of `text` when it is one (written without escapes,
/// jiter hands back the text's own bytes): no copy, and it no longer borrows the parser.
fn of_text<'a>(text: &'a str, decoded: &str) -> Cow<'a, str> {
    let within = (decoded.as_ptr() as usize).checked_sub(text.as_ptr() as usize);
    match within.filter(|&at| at + decoded.len() <= text.len()) {
        Some(at) => Cow::Borrowed(&text[at..at + decoded.len()]),
        None => Cow::Owned(decoded.to_owned()),
    }
}

/// What stands at the start of `rest`, named for an error message, and its length.
fn found(rest: &str) -> (String, usize) {
    if rest.is_empty() {
        return ("the end of the file".into(), 0);
    }
    if rest.starts_with("//") || rest.starts_with("/*") {
        return ("a comment (comments are not allowed in JSON)".into(), 2);
    }
    if rest.starts_with('"') {
        return ("a string".into(), 1);
    }
    let word = rest
        .find(|c: char| c.is_whitespace() || "{}[]:,\"".contains(c))
        .unwrap_or(rest.len());
    let len = if word == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        word
    };
    (format!("`{}`", truncate(&rest[..len])), len)
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
        fn skip_schemas(path: &[Seg<'_>]) -> Members {
            if path.is_empty() {
                Members::Only(&["keep"])
            } else {
                Members::All
            }
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

    /// A mistake inside a skipped value is reported as it would be in a built one, at the
    /// same byte.
    #[test]
    fn skipped_values_are_reported_like_built_ones() {
        fn skip_all(_: &[Seg<'_>]) -> Members {
            Members::Only(&[])
        }
        for value in [
            "[1, 2,]",
            "{\"a\": tru}",
            "{\"a\": 01}",
            "[\"x\\q\"]",
            "{\"a\" 1}",
            "[1 2]",
            "{'a': 1}",
            "[\"a\u{1}\"]",
            "[1,\u{a0}2]",
        ] {
            let text = format!("{{\"k\": {value}}}");
            let built = parse(&text, 5, None).unwrap_err();
            let skipped = parse(&text, 5, Some(skip_all)).unwrap_err();
            assert_eq!(skipped, built, "{text}");
        }
    }

    #[test]
    fn skipped_values_are_still_validated() {
        fn skip_all(_: &[Seg<'_>]) -> Members {
            Members::Only(&[])
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

    /// Each kind of malformed JSON is named in words, at the byte that makes it malformed
    /// (the start of the word, number or escape, not where the parser gave up).
    #[test]
    fn errors_say_what_was_found_and_where() {
        for (text, message, at) in [
            (r#"{"a": 1,}"#, "a comma before the closing bracket", 7),
            (r#"[1, 2 ,]"#, "a comma before the closing bracket", 6),
            (r#"{"a": tru}"#, "expected a value, found `tru`", 6),
            (r#"{"a": 01}"#, "`01` is not a JSON number", 6),
            (r#"{"a": 1.}"#, "`1.` is not a JSON number", 6),
            (r#"{"a": -}"#, "`-` is not a JSON number", 6),
            (r#"{"a": "x\q"}"#, r"`\q` is not an escape JSON has", 8),
            (
                r#"{"a": "\ud800"}"#,
                r"`\ud800` is half of a surrogate pair",
                7,
            ),
            (
                r#"{"a": "\ud800\u0041"}"#,
                r"`\ud800` is half of a surrogate pair",
                7,
            ),
            (
                r#"{"a": "x\ude00"}"#,
                r"`\ude00` is half of a surrogate pair",
                8,
            ),
            (
                r#"{"a": "\u12"}"#,
                r"`\u12` is not a complete `\u` escape",
                7,
            ),
            (
                r#"{"a": "\u0041\u12é"}"#,
                r"`\u12` is not a complete `\u` escape",
                13,
            ),
            (r#"{"a": "\uzz"}"#, r"`\u` is not a complete `\u` escape", 7),
            (
                r#"{"a": 1, "#,
                "expected an object key in double quotes, found the end",
                9,
            ),
            (
                r#"{"a": "#,
                "expected a value, found the end of the file",
                6,
            ),
            ("[", "expected a value or `]`, found the end of the file", 1),
            (
                "{",
                "expected an object key in double quotes or `}`, found the end",
                1,
            ),
            ("[1", "expected `,` or `]`, found the end of the file", 2),
            (
                r#"{"a" 1}"#,
                "expected `:` after an object key, found `1`",
                5,
            ),
            (
                r#"{"a": 1} x"#,
                "expected the end of the document, found `x`",
                9,
            ),
            (r#"{"a": "b"#, "the file ends inside a string", 8),
            (r#"{"a": NaN}"#, "expected a value, found `NaN`", 6),
            (r#"{"a": [}"#, "expected a value or `]`, found `}`", 7),
        ] {
            let err = parse(text, 0, None).unwrap_err();
            assert!(err.message.contains(message), "{text}: {}", err.message);
            assert_eq!(err.span.start, at, "{text}: {}", err.message);
        }
    }

    /// A key written with escapes is read decoded (the model looks `info` up by its name), and
    /// its span covers it as written, whatever whitespace surrounds its `:`.
    #[test]
    fn keys_are_decoded_and_located_as_written() {
        let text = "{ \"inf\\u006f\" :\n{\"t\":1} ,\"b\"\t:\t2}";
        let tree = parse(text, 100, None).unwrap();
        let keys: Vec<(&str, Span)> = tree.root().members().map(|e| (e.key, e.key_span)).collect();
        assert_eq!(
            keys,
            [("info", Span::new(102, 113)), ("b", Span::new(125, 128))]
        );
        assert_eq!(&text[2..13], "\"inf\\u006f\"");
        assert_eq!(&text[25..28], "\"b\"");
        assert!(tree.root().get("info").unwrap().get("t").is_some());
    }

    /// Strings are read decoded, with the span of their text as written.
    #[test]
    fn strings_are_decoded_with_their_written_span() {
        let text = r#"["plain", "tab\there", "\u00e9t\u00e9"]"#;
        let tree = parse(text, 0, None).unwrap();
        let items: Vec<(&str, &str)> = tree
            .root()
            .items()
            .map(|n| {
                let span = n.span();
                (
                    n.as_str().unwrap(),
                    &text[span.start as usize..span.end as usize],
                )
            })
            .collect();
        assert_eq!(
            items,
            [
                ("plain", r#""plain""#),
                ("tab\there", r#""tab\there""#),
                ("été", r#""\u00e9t\u00e9""#)
            ]
        );
    }

    /// Strict JSON is what serde_json accepts: thousands of small mutations of documents with
    /// every kind of token (escapes, surrogate pairs, numbers, multi-byte text) are accepted or
    /// refused as serde_json reads them into values, valid JSON is never refused when skipped
    /// either, and no error panics or points past the end.
    #[test]
    fn accepts_exactly_what_serde_json_accepts() {
        fn skip_all(_: &[Seg<'_>]) -> Members {
            Members::Only(&[])
        }
        let seeds = [
            r#"{"a": [1, -2.5e+3, 0, 0.5E-2], "b": {"c": null, "d": true, "e": false}}"#,
            r#"{"s": "tab\t \"q\" \\ \/ \b\f\n\r \u00e9 \ud83d\ude00", "k\u0061": "é€😀"}"#,
            r#"[{"x": {}}, [], [[]], "", 123456789012345678901234567890, 1e99]"#,
            " \r\n\t{ \"a\" : [ 1 , { \"b\" : \"c\" } ] } \n",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        let alphabet: Vec<char> =
            "{}[]:,\"\\ \t\n\u{c}u0123456789abcdefeEtrunl.+-é€😀\u{1}\u{a0}/*'x"
                .chars()
                .collect();
        let mut checked = 0;
        for round in 0..20_000 {
            let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
            for _ in 0..1 + random(3) {
                let at = random(chars.len() + 1);
                match random(3) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars[at] = alphabet[random(alphabet.len())],
                    _ => chars.insert(at, alphabet[random(alphabet.len())]),
                }
            }
            let text: String = chars.into_iter().collect();
            // Decoded as serde_json decodes every string (a lone surrogate is refused there;
            // skipped, unbuilt values are only validated, so they may hold one), with numbers of
            // any size (a number's text is kept, not its value).
            let serde = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(_) => true,
                Err(e) => {
                    e.to_string().starts_with("number out of range")
                        && serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok()
                }
            };
            for skip in [None, Some(skip_all as SkipPolicy)] {
                match parse(&text, 0, skip) {
                    Ok(_) if skip.is_some() => {}
                    Ok(_) => assert!(serde, "accepted what serde_json refuses: {text:?}"),
                    Err(e) if e.message.contains("duplicate key") => continue,
                    Err(e) => {
                        assert!(!serde, "refused valid JSON: {text:?}: {}", e.message);
                        assert!(e.span.end as usize <= text.len(), "{text:?}: {e:?}");
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 30_000, "{checked}");
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

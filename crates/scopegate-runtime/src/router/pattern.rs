//! A templated path segment (`{id}`, `{name}.json`, `v{major}-{minor}`): what it matches,
//! exactly and with ASCII case ignored, and its rank among its siblings.

use crate::template::Part;

/// A segment of a route template in the trie: its text, or its shape when it has parameters
/// (parameter names do not change what it matches).
#[derive(Debug)]
pub(super) struct Pattern {
    parts: Vec<PatternPart>,
    literal_len: usize,
    shape: String,
    /// Whether its literal parts hold ASCII letters (case can matter).
    has_letters: bool,
}

#[derive(Debug)]
enum PatternPart {
    Literal(String),
    Param,
}

impl Pattern {
    /// Its text with `{}` for each parameter: two templated segments of one shape match the
    /// same segments.
    pub(super) fn shape(&self) -> &str {
        &self.shape
    }

    pub(super) fn new(parts: &[Part]) -> Pattern {
        let parts: Vec<PatternPart> = parts
            .iter()
            .map(|p| match p {
                Part::Literal(l) => PatternPart::Literal(l.clone()),
                Part::Param(_) => PatternPart::Param,
            })
            .collect();
        let literal_len = parts
            .iter()
            .map(|p| match p {
                PatternPart::Literal(l) => l.len(),
                PatternPart::Param => 0,
            })
            .sum();
        let shape: String = parts
            .iter()
            .map(|p| match p {
                PatternPart::Literal(l) => l.as_str(),
                PatternPart::Param => "{}",
            })
            .collect();
        let has_letters = shape.bytes().any(|b| b.is_ascii_alphabetic());
        Pattern {
            parts,
            literal_len,
            shape,
            has_letters,
        }
    }

    /// Whether it is one parameter and nothing else (it matches any non-empty segment).
    pub(super) fn is_whole(&self) -> bool {
        matches!(self.parts.as_slice(), [PatternPart::Param])
    }

    /// More literal text first; ties broken by shape so the order is total.
    pub(super) fn rank(&self) -> (std::cmp::Reverse<usize>, &str) {
        (std::cmp::Reverse(self.literal_len), &self.shape)
    }

    /// Whether the segment can be split so that literals match and each parameter takes a
    /// non-empty part.
    #[inline]
    pub(super) fn matches(&self, segment: &[u8]) -> bool {
        matches_parts(&self.parts, segment, false)
    }

    /// Whether the segment matches when ASCII case is ignored (`x.JSON` for `{id}.json`), which
    /// a case-insensitive backend reads as this template; asked only after `matches` said no.
    pub(super) fn matches_folded(&self, segment: &[u8]) -> bool {
        self.has_letters && matches_parts(&self.parts, segment, true)
    }
}

/// Whether `text` starts with `prefix`, ASCII case ignored when `fold`.
fn starts_with(text: &[u8], prefix: &str, fold: bool) -> bool {
    let prefix = prefix.as_bytes();
    match text.get(..prefix.len()) {
        Some(head) if fold => head.eq_ignore_ascii_case(prefix),
        Some(head) => head == prefix,
        None => false,
    }
}

/// Whether the segment can be split so that literals match (ASCII case ignored when `fold`)
/// and each parameter takes a non-empty part. Over bytes: a literal never starts inside a
/// multi-byte character (its first byte is not a continuation byte, and case folding leaves
/// those alone), so trying every byte finds what trying every character would.
fn matches_parts(parts: &[PatternPart], text: &[u8], fold: bool) -> bool {
    match parts {
        [] => text.is_empty(),
        [PatternPart::Literal(l), rest @ ..] => {
            starts_with(text, l, fold) && matches_parts(rest, &text[l.len()..], fold)
        }
        [PatternPart::Param] => !text.is_empty(),
        [PatternPart::Param, rest @ ..] => {
            // The next part is a literal (templates never put two parameters side by side):
            // try each place it occurs after at least one byte.
            let PatternPart::Literal(next) = &rest[0] else {
                return false;
            };
            (1..text.len())
                .filter(|&i| starts_with(&text[i..], next, fold))
                .any(|i| matches_parts(rest, &text[i..], fold))
        }
    }
}

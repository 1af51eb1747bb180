//! Where a JSON value the model leaves unbuilt ends, validated, faster than serde_json's walk:
//! the same grammar, read a byte at a time between tokens, with the inside of strings (most of
//! a description's skipped bytes: descriptions, patterns, examples) searched sixteen bytes at a
//! time with SSE2 for the next quote, backslash or control character.
//!
//! It answers only when sure. `Some` means serde_json reads the same value from `from`, valid,
//! over the same bytes; anything else (an error, nesting deeper than [`MAX_DEPTH`]) is `None`,
//! and serde_json judges and words the error. The differential test below holds it to that.

/// Deeper values are left to serde_json (which refuses more than 128 levels): one bit each of a
/// word says whether an open container is an object.
const MAX_DEPTH: u32 = 64;

/// The span `(start, end)` of the JSON value that starts after any whitespace at `from`, when
/// it is valid as serde_json reads it; `None` when it is not, or when unsure.
pub fn value_span(text: &[u8], from: usize) -> Option<(usize, usize)> {
    let start = whitespace(text, from);
    // Open containers: bit `d` says whether the one at depth `d + 1` is an object.
    let mut objects: u64 = 0;
    let mut depth: u32 = 0;
    let mut at = start;
    loop {
        // A value at `at`.
        match *text.get(at)? {
            open @ (b'{' | b'[') => {
                let object = open == b'{';
                at = whitespace(text, at + 1);
                // `}` and `]` are two past `{` and `[`.
                if text.get(at) == Some(&(open + 2)) {
                    at += 1;
                } else {
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    depth += 1;
                    if object {
                        objects |= 1 << (depth - 1);
                        at = member_value(text, at)?;
                    } else {
                        objects &= !(1 << (depth - 1));
                    }
                    continue;
                }
            }
            b'"' => at = string_end(text, at + 1)?,
            b't' => at = literal(text, at, b"true")?,
            b'f' => at = literal(text, at, b"false")?,
            b'n' => at = literal(text, at, b"null")?,
            b'-' | b'0'..=b'9' => at = number_end(text, at)?,
            _ => return None,
        }
        // After a value: the enclosing containers go on or close.
        loop {
            if depth == 0 {
                return Some((start, at));
            }
            let object = objects >> (depth - 1) & 1 == 1;
            at = whitespace(text, at);
            match (*text.get(at)?, object) {
                (b',', true) => {
                    at = member_value(text, whitespace(text, at + 1))?;
                    break;
                }
                (b',', false) => {
                    at = whitespace(text, at + 1);
                    break;
                }
                (b'}', true) | (b']', false) => {
                    at += 1;
                    depth -= 1;
                }
                _ => return None,
            }
        }
    }
}

/// What follows in an object, read by [`next_member`].
pub enum Member {
    /// The object's `}`: the parser goes on after it.
    End(usize),
    /// A key without escapes, written at `start..end` (its quotes included), and where its
    /// value may start (after its `:`).
    Key {
        start: usize,
        end: usize,
        value: usize,
    },
}

/// The object's next member at `at` (its first, after the `{` at `at`, when `first`): its key,
/// when it is written without escapes, or the object's end; `None` for anything else (a key
/// with an escape, a mistake), which the caller reads another way.
pub fn next_member(text: &[u8], at: usize, first: bool) -> Option<Member> {
    let mut at = whitespace(text, at);
    let opening = if first { b'{' } else { b',' };
    match *text.get(at)? {
        b'}' if !first => return Some(Member::End(at + 1)),
        b if b == opening => at = whitespace(text, at + 1),
        _ => return None,
    }
    if first && text.get(at) == Some(&b'}') {
        return Some(Member::End(at + 1));
    }
    let end = plain_string_end(text, at)?;
    let colon = whitespace(text, end);
    (text.get(colon) == Some(&b':')).then_some(Member::Key {
        start: at,
        end,
        value: colon + 1,
    })
}

/// Where the string whose opening quote is at `at` ends (after its closing quote), when it has
/// no escape and no control character.
pub fn plain_string_end(text: &[u8], at: usize) -> Option<usize> {
    if text.get(at) != Some(&b'"') {
        return None;
    }
    let close = special(text, at + 1);
    (text.get(close) == Some(&b'"')).then_some(close + 1)
}

/// After a member's key starting at `at` (its quote), its `:`: where its value starts.
fn member_value(text: &[u8], at: usize) -> Option<usize> {
    if text.get(at) != Some(&b'"') {
        return None;
    }
    let at = whitespace(text, string_end(text, at + 1)?);
    if text.get(at) != Some(&b':') {
        return None;
    }
    Some(whitespace(text, at + 1))
}

fn whitespace(text: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = text.get(at) {
        at += 1;
    }
    at
}

fn literal(text: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let end = at + word.len();
    (text.get(at..end) == Some(word)).then_some(end)
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` from `at`: where it ends.
fn number_end(text: &[u8], at: usize) -> Option<usize> {
    let digits = |from: usize| {
        from + text.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    let mut i = at + usize::from(text.get(at) == Some(&b'-'));
    match text.get(i) {
        // serde_json refuses a leading zero followed by a digit.
        Some(b'0') if text.get(i + 1).is_some_and(u8::is_ascii_digit) => return None,
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(i + 1),
        _ => return None,
    }
    if text.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if let Some(b'e' | b'E') = text.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = text.get(i) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return None;
        }
        i = end;
    }
    Some(i)
}

/// From inside a string at `at`: where it ends (after its closing quote), its escapes and the
/// absence of control characters checked.
fn string_end(text: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at = special(text, at);
        match *text.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' => match *text.get(at + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 2,
                b'u' => {
                    let digits = text.get(at + 2..at + 6)?;
                    if !digits.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    at += 6;
                }
                _ => return None,
            },
            _ => return None, // a control character
        }
    }
}

/// The first quote, backslash or control character at or after `at` (the text's length when
/// there is none): the bytes a JSON string cannot hold as they are. (The reports' JSON writer
/// searches with it for what to escape.)
pub(crate) fn special(text: &[u8], mut at: usize) -> usize {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    while let Some(chunk) = text.get(at..at + 16) {
        // SAFETY: compiled only where the build enables SSE2 (every x86-64 target does: it is
        // part of the architecture's baseline), so the processor running this has it.
        let mask = unsafe { sse2::special(chunk.try_into().expect("sixteen bytes")) };
        if mask != 0 {
            return at + mask.trailing_zeros() as usize;
        }
        at += 16;
    }
    while let Some(&b) = text.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use core::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };

    /// Bit `i` set when byte `i` of sixteen is a quote, a backslash or below 0x20.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn special(chunk: &[u8; 16]) -> u32 {
        let word = |k: usize| u64::from_le_bytes(chunk[k..k + 8].try_into().expect("eight"));
        let v = _mm_set_epi64x(word(8) as i64, word(0) as i64);
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        // `max(v, 0x1f) == 0x1f` when `v <= 0x1f`, unsigned.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(v, splat(0x1f)), splat(0x1f));
        let quote = _mm_cmpeq_epi8(v, splat(b'"'));
        let backslash = _mm_cmpeq_epi8(v, splat(b'\\'));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::value::RawValue;

    /// serde_json's reading of the value at `from`: its span, or `None` when it refuses it.
    fn serde_span(text: &str, from: usize) -> Option<(usize, usize)> {
        let rest = &text[from..];
        let mut de = serde_json::Deserializer::from_str(rest);
        let raw = <&RawValue>::deserialize(&mut de).ok()?.get();
        let start = from + (raw.as_ptr() as usize - rest.as_ptr() as usize);
        Some((start, start + raw.len()))
    }

    fn scan(text: &str) -> Option<(usize, usize)> {
        value_span(text.as_bytes(), 0)
    }

    #[test]
    fn finds_where_valid_values_end() {
        for (text, span) in [
            (
                r#"{"a": [1, -2.5e+3, true, false, null, "x"]}, "b": 1}"#,
                (0, 43),
            ),
            (r#"  "a string" , "#, (2, 12)),
            (r#""\"\\\/\b\f\n\r\t\u00e9" "#, (0, 24)),
            ("12.5}", (0, 4)),
            ("-0 ", (0, 2)),
            ("null]", (0, 4)),
            ("[[], {}, [{}]]", (0, 14)),
            ("\t\r\n{ \"k\" : { } }", (3, 16)),
        ] {
            assert_eq!(scan(text), Some(span), "{text}");
            assert_eq!(serde_span(text, 0), Some(span), "{text}");
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for text in [
            "",
            "   ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1: 2}",
            "[1 2]",
            "01",
            "1.",
            "1e",
            "-",
            ".5",
            "tru",
            "[nulls]",
            "\"tab\tinside\"",
            "\"bad \\x escape\"",
            "\"\\u12G4\"",
            "\"unterminated",
            "[\"a\"\"b\"]",
            "[1}",
            "{\"a\":1]",
            "\\\"a\"",
            "[1, \\\"a\"]",
            "\u{7f}",
            "[é]",
        ] {
            assert_eq!(scan(text), None, "{text:?}");
            assert_eq!(serde_span(text, 0), None, "{text:?}");
        }
    }

    #[test]
    fn nesting_deeper_than_its_limit_is_left_to_serde_json() {
        let depth = MAX_DEPTH as usize;
        let nested = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(scan(&nested(depth)), Some((0, 2 * depth + 1)));
        assert_eq!(scan(&nested(depth + 1)), None);
        assert!(serde_span(&nested(depth + 1), 0).is_some());
    }

    /// Backslash runs of every length ending on both sides of every block boundary: an even run
    /// leaves the quote after it closing the string, an odd one escapes it.
    #[test]
    fn backslash_runs_across_blocks() {
        for pad in 0..70 {
            for run in 0..6 {
                let text = format!(
                    "{}\"{}{}\" ]",
                    " ".repeat(pad),
                    "x".repeat(pad % 7),
                    "\\".repeat(run)
                );
                assert_eq!(scan(&text), serde_span(&text, 0), "{text:?}");
                let inside = format!("[\"{}{}\", 1]", "y".repeat(pad), "\\".repeat(run));
                assert_eq!(scan(&inside), serde_span(&inside, 0), "{inside:?}");
            }
        }
    }

    /// Random values, and the same with one byte changed, inserted or removed: whenever the
    /// scanner answers, serde_json gives the same span; on the unchanged ones it always answers.
    #[test]
    fn agrees_with_serde_json_on_random_and_broken_values() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let alphabet: &[u8] = b"{}[],:\" \t\n\r\\/bfnrtu0123456789abcdefE.+-xyz\x01\x1f\x7f";
        let mut answered_broken = 0;
        for round in 0..4000 {
            let mut text = String::new();
            random_value(&mut rng, &mut text, 0);
            let tail = [" , \"k\": 1}", "]", "", "  ", "\"tail\""][round % 5];
            text.push_str(tail);
            let from = rng.below(3) as usize;
            let text = format!("{}{text}", " ".repeat(from));
            let valid = serde_span(&text, 0);
            assert!(valid.is_some(), "{text:?}");
            assert_eq!(value_span(text.as_bytes(), 0), valid, "{text:?}");
            for _ in 0..8 {
                let mut bytes = text.clone().into_bytes();
                let at = rng.below(bytes.len() as u64 + 1) as usize;
                let byte = alphabet[rng.below(alphabet.len() as u64) as usize];
                match rng.below(3) {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, byte),
                }
                let Ok(broken) = String::from_utf8(bytes) else {
                    continue;
                };
                let scanned = value_span(broken.as_bytes(), 0);
                if scanned.is_some() {
                    answered_broken += 1;
                    assert_eq!(scanned, serde_span(&broken, 0), "{broken:?}");
                }
            }
        }
        // Most changes leave a valid value (a digit for a digit, a byte inside a string).
        assert!(answered_broken > 1000, "{answered_broken}");
    }

    fn random_value(rng: &mut Rng, out: &mut String, depth: usize) {
        let choice = if depth > 6 {
            rng.below(4)
        } else {
            rng.below(7)
        };
        match choice {
            0 => out.push_str(["true", "false", "null"][rng.below(3) as usize]),
            1 => {
                let numbers = [
                    "0", "-0", "7", "-12", "3.25", "1e9", "-4.5E-3", "6e+2", "10",
                ];
                out.push_str(numbers[rng.below(numbers.len() as u64) as usize]);
            }
            2 | 3 => random_string(rng, out),
            4 => {
                out.push('[');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push_str([",", ", ", " ,\n"][rng.below(3) as usize]);
                    }
                    random_value(rng, out, depth + 1);
                }
                out.push(']');
            }
            _ => {
                out.push('{');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    random_string(rng, out);
                    out.push_str([":", " : ", ":\t"][rng.below(3) as usize]);
                    random_value(rng, out, depth + 1);
                }
                out.push('}');
            }
        }
    }

    fn random_string(rng: &mut Rng, out: &mut String) {
        out.push('"');
        let pieces = [
            "a",
            "long text ",
            "\\\"",
            "\\\\",
            "\\/",
            "\\n",
            "\\u00e9",
            "é",
            "{",
            "]",
            ",",
            ":",
            "\u{7f}",
            " ",
        ];
        // Long enough, now and then, to cross a block boundary.
        let most = if rng.below(4) == 0 { 40 } else { 6 };
        for _ in 0..rng.below(most) {
            out.push_str(pieces[rng.below(pieces.len() as u64) as usize]);
        }
        out.push('"');
    }

    /// xorshift64: reproducible inputs without a dependency.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }
}

//! Request paths, read fail-closed: anything a gateway and a service could read differently is
//! refused instead of matched.
//!
//! Segments are matched as the client sent them (raw, still percent-encoded), the way raw-path
//! routers (Express, Koa, most Go and Rust routers) match them: an encoded character never
//! matches a template literal. Percent-encoding is decoded only to check what it hides, into a
//! fixed buffer on the stack, so reading a path allocates nothing. What no encoder produces and
//! backends read in different ways is refused: encoded unreserved characters (`%6D` for `m`),
//! encoded `?`, `#` and `;`, and decoded characters that some backend trims, splits, normalises
//! (NFKC) or case-maps into ASCII letters, `.`, `/` or `\` (the table in `refused`).

use std::fmt;

mod plain;

/// The longest request path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 4096;
/// The most segments a request path may have.
pub const MAX_SEGMENTS: usize = 128;

/// Why a request path is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    /// It does not start with `/`.
    NotAbsolute,
    /// Longer than [`MAX_PATH_BYTES`], or more than [`MAX_SEGMENTS`] segments.
    TooLong,
    /// `.` or `..`, raw or percent-encoded.
    DotSegment,
    /// `//`: an empty segment that is not the trailing one.
    EmptySegment,
    /// `%2F` or `%5C`: a slash or backslash hidden in a segment.
    EncodedSlash,
    /// A raw `\`.
    Backslash,
    /// A NUL or other control character, raw or percent-encoded.
    ControlCharacter,
    /// `%` not followed by two hex digits, bytes that decode to invalid UTF-8 (overlong
    /// encodings among them), or double encoding (`%252e`), which a server that decodes twice
    /// reads as something else.
    InvalidEncoding,
    /// `;` matrix parameters, which some servers strip and others keep.
    Semicolon,
    /// `#`, a raw space, or another character that cannot stand in a request target; also a
    /// percent-encoded character that some servers fold into `/`, `\` or `.` (fullwidth and
    /// other look-alike slashes and dots).
    InvalidCharacter,
    /// A percent-encoded unreserved character (`%6D` for `m`, `%7E` for `~`): no encoder
    /// produces one, raw-path routers keep it encoded, decoding ones do not.
    EncodedUnreserved,
    /// `%3F`, `%23` or `%3B`: a backend that decodes and re-splits the path (nginx
    /// `proxy_pass` with `$uri`, Apache `[P]` rewrites) or strips `;` parameters after decoding
    /// reads another path.
    EncodedDelimiter,
    /// A decoded character that some backend trims, splits, normalises or case-maps into
    /// another path: Unicode controls, format characters and separators (U+0085, U+00A0,
    /// U+2028, U+3000), and characters whose NFKC or case-mapped form holds an ASCII letter,
    /// `.`, `/` or `\` (U+2025, U+2100, U+212A, fullwidth letters).
    RefusedCharacter,
    /// A segment that equals a concrete sibling segment of the table, or matches a templated
    /// one, only when case is ignored (`/user/ISSUES` beside `/user/issues`, `x.JSON` beside
    /// `{id}.json`): a case-insensitive backend reads it as the sibling.
    Ambiguous,
}

impl PathError {
    /// A stable name for the error, as answers and logs give it (`dot-segment`, ...).
    pub fn code(self) -> &'static str {
        match self {
            PathError::NotAbsolute => "not-absolute",
            PathError::TooLong => "too-long",
            PathError::DotSegment => "dot-segment",
            PathError::EmptySegment => "empty-segment",
            PathError::EncodedSlash => "encoded-slash",
            PathError::Backslash => "backslash",
            PathError::ControlCharacter => "control-character",
            PathError::InvalidEncoding => "invalid-encoding",
            PathError::Semicolon => "semicolon",
            PathError::InvalidCharacter => "invalid-character",
            PathError::EncodedUnreserved => "encoded-unreserved",
            PathError::EncodedDelimiter => "encoded-delimiter",
            PathError::RefusedCharacter => "refused-character",
            PathError::Ambiguous => "ambiguous",
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathError::NotAbsolute => "the path does not start with `/`",
            PathError::TooLong => "the path is too long or has too many segments",
            PathError::DotSegment => "the path has a `.` or `..` segment",
            PathError::EmptySegment => "the path has an empty segment (`//`)",
            PathError::EncodedSlash => "the path has an encoded `/` or `\\` (`%2F`, `%5C`)",
            PathError::Backslash => "the path has a `\\`",
            PathError::ControlCharacter => "the path has a control character",
            PathError::InvalidEncoding => "the path has invalid percent-encoding or UTF-8",
            PathError::Semicolon => "the path has a `;` (matrix parameters)",
            PathError::InvalidCharacter => {
                "the path has a character that cannot stand in a request target"
            }
            PathError::EncodedUnreserved => {
                "the path percent-encodes a character that needs no encoding (a letter, a digit, `-`, `.`, `_` or `~`)"
            }
            PathError::EncodedDelimiter => "the path has an encoded `?`, `#` or `;` (`%3F`, `%23`, `%3B`)",
            PathError::RefusedCharacter => {
                "the path has a character that some servers trim, split, normalise or case-map into another path"
            }
            PathError::Ambiguous => {
                "a path segment matches another route's segment only when case is ignored"
            }
        })
    }
}

/// A request path split into its raw segments, each checked. A path with `%` is decoded into a
/// buffer the caller keeps on its stack to check what the encoding hides, so nothing is
/// allocated and nothing large is copied.
pub struct RequestPath<'a> {
    /// The segments, separated by one `/` (no leading `/`).
    text: &'a str,
    /// Where each segment ends in `text`.
    ends: [u16; MAX_SEGMENTS],
    count: usize,
}

/// The buffer a percent-encoded path is decoded into.
pub type Scratch = [u8; MAX_PATH_BYTES];

impl<'a> RequestPath<'a> {
    /// How many segments the path has.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the path is `/` alone.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The raw text of segment `i`, as the client sent it.
    pub fn segment(&self, i: usize) -> &'a str {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + 1
        };
        &self.text[start..self.ends[i] as usize]
    }

    /// The segments' text (no leading `/`, no query), as the router walks it.
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// Whether reading `raw` needs a [`Scratch`] buffer.
    pub fn needs_scratch(raw: &str) -> bool {
        path_part(raw).contains('%')
    }

    /// Reads `raw` (the request target's path, a query string allowed after `?`). `scratch`
    /// is needed when [`RequestPath::needs_scratch`] says so; without it such a path is
    /// refused.
    pub fn parse(
        raw: &'a str,
        scratch: Option<&'a mut Scratch>,
    ) -> Result<RequestPath<'a>, PathError> {
        let path = path_part(raw);
        let Some(rest) = path.strip_prefix('/') else {
            return Err(PathError::NotAbsolute);
        };
        if path.len() > MAX_PATH_BYTES {
            return Err(PathError::TooLong);
        }
        let encoded = rest.contains('%');
        if encoded {
            let Some(buffer) = scratch else {
                return Err(PathError::InvalidEncoding);
            };
            check_decoded(rest, buffer)?;
        }
        split(rest, encoded)
    }
}

/// Checks a path without percent-encoding in one pass over its bytes, without recording its
/// segments: the segments' text (no leading `/`, no query), or `None` when the path has a `%`
/// and needs [`RequestPath::parse`] with a [`Scratch`]. Gives the same answer as `parse`.
#[inline]
pub(crate) fn check_plain(raw: &str) -> Result<Option<&str>, PathError> {
    let bytes = raw.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(PathError::NotAbsolute);
    }
    // Most paths hold only plain bytes and no `/.` or `//`: one pass without branches
    // (`plain`) says so, and anything else is read byte by byte below, which finds the first
    // problem.
    if bytes.len() <= MAX_PATH_BYTES {
        let scan = plain::scan(bytes);
        if !scan.unusual && !scan.pairs && !scan.too_many_segments {
            return Ok(Some(&raw[1..]));
        }
    }
    check_byte_by_byte(raw)
}

/// [`check_plain`] one byte at a time, stopping at the first problem, `%` or `?`.
fn check_byte_by_byte(raw: &str) -> Result<Option<&str>, PathError> {
    let bytes = raw.as_bytes();
    if bytes.len() > MAX_PATH_BYTES {
        // `parse` decides which of its errors comes first.
        return Ok(None);
    }
    let refuse = |e: PathError| {
        // Decoding errors come before the ones found here.
        if path_part(raw).contains('%') {
            Ok(None)
        } else {
            Err(e)
        }
    };
    let mut start = 1;
    let mut count = 0;
    let mut i = 1;
    let end = loop {
        let b = match bytes.get(i) {
            Some(&b) if PLAIN[b as usize] => {
                i += 1;
                continue;
            }
            Some(&b) => b,
            None => break i,
        };
        match b {
            b'?' => break i,
            b'%' => return Ok(None),
            b'/' => {
                if let Err(e) = end_segment(&bytes[start..i], false, &mut count) {
                    return refuse(e);
                }
                start = i + 1;
                i += 1;
            }
            _ => return refuse(raw_error(b)),
        }
    };
    match end_segment(&bytes[start..end], true, &mut count) {
        Ok(()) => Ok(Some(&raw[1..end])),
        Err(e) => refuse(e),
    }
}

/// Checks a segment as it ends: not empty unless it is the `last`, not `.` or `..`, not
/// beyond [`MAX_SEGMENTS`].
#[inline]
fn end_segment(segment: &[u8], last: bool, count: &mut usize) -> Result<(), PathError> {
    if segment.is_empty() && !last {
        return Err(PathError::EmptySegment);
    }
    if segment == b"." || segment == b".." {
        return Err(PathError::DotSegment);
    }
    if *count == MAX_SEGMENTS {
        return Err(PathError::TooLong);
    }
    *count += 1;
    Ok(())
}

fn path_part(raw: &str) -> &str {
    match memchr_byte(b'?', raw.as_bytes()) {
        Some(i) => &raw[..i],
        None => raw,
    }
}

fn memchr_byte(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Splits `text` into segments in one pass, refusing empty inner segments, dot-segments and
/// every byte that may not stand unencoded in a request target (`%` only when `encoded`, whose
/// sequences `check_decoded` has checked).
fn split(text: &str, encoded: bool) -> Result<RequestPath<'_>, PathError> {
    let bytes = text.as_bytes();
    let mut ends = [0u16; MAX_SEGMENTS];
    let mut count = 0;
    let mut start = 0;
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied();
        if b.is_some_and(|b| b != b'/') {
            let b = b.unwrap_or(0);
            if !(PLAIN[b as usize] || encoded && b == b'%') {
                return Err(raw_error(b));
            }
            continue;
        }
        end_segment(&bytes[start..i], b.is_none(), &mut count)?;
        ends[count - 1] = i as u16;
        start = i + 1;
    }
    Ok(RequestPath { text, ends, count })
}

/// Percent-decodes `rest` into `buffer`, segment by segment, refusing what decoding would hide.
fn check_decoded(rest: &str, buffer: &mut Scratch) -> Result<(), PathError> {
    for piece in rest.split('/') {
        if !piece.contains('%') {
            continue;
        }
        let mut len = 0;
        let unreserved = decode_segment(piece.as_bytes(), buffer, &mut len)?;
        let decoded = &buffer[..len];
        if decoded == b"." || decoded == b".." {
            return Err(PathError::DotSegment);
        }
        let Ok(text) = std::str::from_utf8(decoded) else {
            return Err(PathError::InvalidEncoding);
        };
        if is_double_encoded(decoded) {
            return Err(PathError::InvalidEncoding);
        }
        if unreserved {
            return Err(PathError::EncodedUnreserved);
        }
        if !text.is_ascii() {
            if text.chars().any(is_confusable) {
                return Err(PathError::InvalidCharacter);
            }
            if text.chars().any(is_refused) {
                return Err(PathError::RefusedCharacter);
            }
        }
    }
    Ok(())
}

/// Whether a non-ASCII character is in the generated table of refused characters.
fn is_refused(c: char) -> bool {
    let c = c as u32;
    let table = super::refused::REFUSED;
    let i = table.partition_point(|&(_, end)| end < c);
    table.get(i).is_some_and(|&(start, _)| start <= c)
}

/// Bytes allowed unencoded in a path segment: RFC 3986 `pchar` without `;` (matrix
/// parameters) and `%` (handled apart).
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b'='
                    | b':'
                    | b'@'
            );
        b += 1;
    }
    table
};

/// 1 for each byte [`check_plain`]'s first pass hands to the byte-by-byte reading: `%`, `?`
/// and what `PLAIN` refuses, except `/`. Read where SSE2 is missing, and by the tests of the
/// SSE2 reading.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
const UNUSUAL: [u8; 256] = {
    let mut table = [1; 256];
    let mut b = 0;
    while b < 256 {
        if PLAIN[b] {
            table[b] = 0;
        }
        b += 1;
    }
    table[b'/' as usize] = 0;
    table
};

/// The error for a byte that is not allowed raw.
fn raw_error(b: u8) -> PathError {
    match b {
        0..=0x1f | 0x7f => PathError::ControlCharacter,
        b'\\' => PathError::Backslash,
        b';' => PathError::Semicolon,
        b'%' => PathError::InvalidEncoding,
        _ => PathError::InvalidCharacter,
    }
}

/// A decoded `%` followed by two hex digits: the request was encoded twice.
fn is_double_encoded(decoded: &[u8]) -> bool {
    decoded
        .windows(3)
        .any(|w| w[0] == b'%' && hex(w[1]).is_some() && hex(w[2]).is_some())
}

/// Characters that Unicode "best fit" mappings or normalisation turn into `/`, `\` or `.`.
fn is_confusable(c: char) -> bool {
    matches!(
        c,
        '\u{FF0F}'
            | '\u{2215}'
            | '\u{2044}'
            | '\u{29F8}'
            | '\u{FF3C}'
            | '\u{FE68}'
            | '\u{2216}'
            | '\u{FF0E}'
            | '\u{2024}'
            | '\u{FE52}'
            | '\u{3002}'
            | '\u{FF61}'
    )
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Checks one raw segment and writes its decoded bytes to `buffer` from `len`; true when it
/// encodes an unreserved character.
fn decode_segment(
    raw: &[u8],
    buffer: &mut [u8; MAX_PATH_BYTES],
    len: &mut usize,
) -> Result<bool, PathError> {
    let mut unreserved = false;
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        let decoded = if b == b'%' {
            let (Some(h), Some(l)) = (
                raw.get(i + 1).and_then(|&c| hex(c)),
                raw.get(i + 2).and_then(|&c| hex(c)),
            ) else {
                return Err(PathError::InvalidEncoding);
            };
            i += 2;
            match h * 16 + l {
                b'/' | b'\\' => return Err(PathError::EncodedSlash),
                c if c < 0x20 || c == 0x7f => return Err(PathError::ControlCharacter),
                b'?' | b'#' | b';' => return Err(PathError::EncodedDelimiter),
                c => {
                    unreserved |=
                        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
                    c
                }
            }
        } else if PLAIN[b as usize] {
            b
        } else {
            return Err(raw_error(b));
        };
        if *len >= MAX_PATH_BYTES {
            return Err(PathError::TooLong);
        }
        buffer[*len] = decoded;
        *len += 1;
        i += 1;
    }
    Ok(unreserved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Vec<String>, PathError> {
        let mut scratch = [0u8; MAX_PATH_BYTES];
        let p = RequestPath::parse(raw, Some(&mut scratch))?;
        Ok((0..p.len()).map(|i| p.segment(i).to_string()).collect())
    }

    fn segments(raw: &str) -> Vec<String> {
        parse(raw).unwrap()
    }

    #[test]
    fn splits_and_decodes() {
        assert_eq!(segments("/"), [""]);
        assert_eq!(segments("/a/b"), ["a", "b"]);
        assert_eq!(segments("/a/b/"), ["a", "b", ""]);
        // Segments stay as sent: an encoded character is not its decoded self.
        assert_eq!(segments("/a%20b/caf%C3%A9?x=/../"), ["a%20b", "caf%C3%A9"]);
        assert_eq!(segments("/100%25"), ["100%25"]);
        assert_eq!(segments("/o/r%3A1"), ["o", "r%3A1"]);
        assert_eq!(
            segments("/.well-known/x..y/..."),
            [".well-known", "x..y", "..."]
        );
    }

    #[test]
    fn refuses_ambiguous_paths() {
        let cases = [
            ("a/b", PathError::NotAbsolute),
            ("/a//b", PathError::EmptySegment),
            ("/a/./b", PathError::DotSegment),
            ("/a/../b", PathError::DotSegment),
            ("/a/%2e%2E/b", PathError::DotSegment),
            ("/a/.%2e", PathError::DotSegment),
            ("/a%2Fb", PathError::EncodedSlash),
            ("/a%5cb", PathError::EncodedSlash),
            ("/a\\b", PathError::Backslash),
            ("/a%00", PathError::ControlCharacter),
            ("/a\u{0}", PathError::ControlCharacter),
            ("/a%0d%0a", PathError::ControlCharacter),
            ("/a%zz", PathError::InvalidEncoding),
            ("/a%2", PathError::InvalidEncoding),
            ("/%c0%ae%c0%ae/x", PathError::InvalidEncoding),
            ("/a;jsessionid=1", PathError::Semicolon),
            ("/a b", PathError::InvalidCharacter),
            ("/a#frag", PathError::InvalidCharacter),
            ("/café", PathError::InvalidCharacter),
            ("/%252e%252e", PathError::InvalidEncoding),
            ("/a%ef%bc%8fb", PathError::InvalidCharacter),
            // Issue 13: what backends read differently.
            ("/orders/%6Dine", PathError::EncodedUnreserved),
            ("/a%7Eb", PathError::EncodedUnreserved),
            ("/a%2Db", PathError::EncodedUnreserved),
            ("/repos/o/r%3F/subscription", PathError::EncodedDelimiter),
            ("/a%23b", PathError::EncodedDelimiter),
            ("/a%3bb", PathError::EncodedDelimiter),
            ("/a%C2%85", PathError::RefusedCharacter),
            ("/a%C2%A0", PathError::RefusedCharacter),
            ("/a%E2%80%A8", PathError::RefusedCharacter),
            ("/a%E3%80%80", PathError::RefusedCharacter),
            ("/%E2%80%A5/x", PathError::RefusedCharacter),
            ("/x%EF%B8%B0", PathError::RefusedCharacter),
            ("/a%E2%84%80b", PathError::RefusedCharacter),
            ("/a%E2%84%81b", PathError::RefusedCharacter),
            ("/a%E2%84%85b", PathError::RefusedCharacter),
            ("/a%E2%84%86b", PathError::RefusedCharacter),
            ("/%EF%BD%81dmin", PathError::RefusedCharacter),
            ("/%E2%84%AA", PathError::RefusedCharacter),
            ("/%C4%B1ssues", PathError::RefusedCharacter),
            ("/a%E2%80%8Bb", PathError::RefusedCharacter),
        ];
        for (raw, error) in cases {
            assert_eq!(parse(raw).err(), Some(error), "{raw:?}");
        }
        assert_eq!(
            parse(&format!("/{}", "a/".repeat(200))).err(),
            Some(PathError::TooLong)
        );
        assert_eq!(
            parse(&format!("/{}", "a".repeat(5000))).err(),
            Some(PathError::TooLong)
        );
        // Without a scratch buffer an encoded path is refused, never read raw.
        assert_eq!(
            RequestPath::parse("/a%20b", None).err(),
            Some(PathError::InvalidEncoding)
        );
        assert!(!RequestPath::needs_scratch("/a/b?x=%20") && RequestPath::needs_scratch("/a%20"));
    }

    #[test]
    fn encoded_reserved_and_non_ascii_letters_are_kept() {
        assert_eq!(segments("/a%3Ab/%40"), ["a%3Ab", "%40"]);
        assert_eq!(segments("/caf%C3%A9/%C3%BCber"), ["caf%C3%A9", "%C3%BCber"]);
    }

    /// The one-pass check the evaluator uses gives `parse`'s answer on every path: the same
    /// segments, the same first error, or a hand-off to `parse` when the path has a `%`.
    #[test]
    fn the_one_pass_check_agrees_with_parse() {
        let pieces = [
            "/", "/", "/", "a", "B", "x1", ".", "..", "%", "%2e", "%41", "?", "?q=/../", "\\", ";",
            " ", "#", "\u{0}", "é", "~", ":", "",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut handed_off = 0;
        for round in 0..200_000 {
            let mut raw = String::new();
            for _ in 0..next(12) {
                raw.push_str(pieces[next(pieces.len())]);
            }
            if round % 1000 == 0 {
                raw = format!("/{}", "a/".repeat(next(140)));
            }
            let mut scratch = [0u8; MAX_PATH_BYTES];
            let parsed = RequestPath::parse(&raw, Some(&mut scratch)).map(|p| p.text());
            match check_plain(&raw) {
                Ok(Some(text)) => assert_eq!(parsed, Ok(text), "{raw:?}"),
                Ok(None) => {
                    assert!(raw.contains('%'), "{raw:?}");
                    handed_off += 1;
                }
                Err(e) => assert_eq!(parsed, Err(e), "{raw:?}"),
            }
        }
        assert!(handed_off > 1000);
    }
}

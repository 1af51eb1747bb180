//! Request paths, read fail-closed: anything a gateway and a service could read differently is
//! refused instead of matched. Decoding goes into a fixed buffer on the stack, so reading a
//! path allocates nothing.

use std::fmt;

/// The longest request path accepted, in bytes, and the most segments.
pub const MAX_PATH_BYTES: usize = 4096;
pub const MAX_SEGMENTS: usize = 128;

/// Why a request path is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    NotAbsolute,
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
}

impl PathError {
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
        })
    }
}

/// A request path split into percent-decoded segments. A path without `%` is read in place;
/// one with `%` is decoded into a buffer the caller keeps on its stack, so nothing is
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
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The decoded text of segment `i`.
    pub fn segment(&self, i: usize) -> &'a str {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + 1
        };
        &self.text[start..self.ends[i] as usize]
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
        match scratch {
            Some(buffer) if rest.contains('%') => {
                let text = decode(rest, buffer)?;
                split(text, false)
            }
            _ => split(rest, true),
        }
    }
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

/// Splits `text` into segments in one pass, refusing empty inner segments and dot-segments;
/// with `raw`, also every byte that may not stand unencoded in a request target.
fn split(text: &str, raw: bool) -> Result<RequestPath<'_>, PathError> {
    let bytes = text.as_bytes();
    let mut ends = [0u16; MAX_SEGMENTS];
    let mut count = 0;
    let mut start = 0;
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied();
        if b.is_some_and(|b| b != b'/') {
            if raw && !PLAIN[b.unwrap_or(0) as usize] {
                return Err(raw_error(b.unwrap_or(0)));
            }
            continue;
        }
        let segment = &bytes[start..i];
        if segment.is_empty() && b.is_some() {
            return Err(PathError::EmptySegment);
        }
        if segment == b"." || segment == b".." {
            return Err(PathError::DotSegment);
        }
        if count == MAX_SEGMENTS {
            return Err(PathError::TooLong);
        }
        ends[count] = i as u16;
        count += 1;
        start = i + 1;
    }
    Ok(RequestPath { text, ends, count })
}

/// Percent-decodes `rest` into `buffer`, segment by segment, refusing what decoding would hide.
fn decode<'b>(rest: &str, buffer: &'b mut Scratch) -> Result<&'b str, PathError> {
    let mut len = 0;
    for (i, piece) in rest.split('/').enumerate() {
        if i > 0 {
            buffer[len] = b'/';
            len += 1;
        }
        let start = len;
        decode_segment(piece.as_bytes(), buffer, &mut len)?;
        let decoded = &buffer[start..len];
        let Ok(text) = std::str::from_utf8(decoded) else {
            return Err(PathError::InvalidEncoding);
        };
        if is_double_encoded(decoded) {
            return Err(PathError::InvalidEncoding);
        }
        if !text.is_ascii() && text.chars().any(is_confusable) {
            return Err(PathError::InvalidCharacter);
        }
    }
    // Every segment is UTF-8 and `/` is ASCII, so the whole is too.
    std::str::from_utf8(&buffer[..len]).map_err(|_| PathError::InvalidEncoding)
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

/// Checks one raw segment and appends its decoded bytes to `buffer`.
fn decode_segment(
    raw: &[u8],
    buffer: &mut [u8; MAX_PATH_BYTES],
    len: &mut usize,
) -> Result<(), PathError> {
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
                c => c,
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
    Ok(())
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
        assert_eq!(segments("/a%20b/caf%C3%A9?x=/../"), ["a b", "café"]);
        assert_eq!(segments("/100%25"), ["100%"]);
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
}

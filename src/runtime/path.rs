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
            PathError::InvalidCharacter => "the path has a character that cannot stand in a request target",
        })
    }
}

/// A request path split into percent-decoded segments, held on the stack.
pub struct RequestPath {
    buffer: [u8; MAX_PATH_BYTES],
    ends: [u16; MAX_SEGMENTS],
    count: usize,
}

impl RequestPath {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The decoded text of segment `i`.
    pub fn segment(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let bytes = &self.buffer[start..self.ends[i] as usize];
        // Every segment was checked to be UTF-8 when it was decoded.
        std::str::from_utf8(bytes).unwrap_or("")
    }

    /// Reads `raw` (the request target's path, a query string allowed after `?`).
    pub fn parse(raw: &str) -> Result<RequestPath, PathError> {
        let path = raw.split_once('?').map_or(raw, |(p, _)| p);
        let Some(rest) = path.strip_prefix('/') else {
            return Err(PathError::NotAbsolute);
        };
        if path.len() > MAX_PATH_BYTES {
            return Err(PathError::TooLong);
        }
        let mut out = RequestPath {
            buffer: [0; MAX_PATH_BYTES],
            ends: [0; MAX_SEGMENTS],
            count: 0,
        };
        let mut len = 0usize;
        let pieces = rest.split('/');
        let total = rest.bytes().filter(|&b| b == b'/').count() + 1;
        if total > MAX_SEGMENTS {
            return Err(PathError::TooLong);
        }
        for (i, piece) in pieces.enumerate() {
            if piece.is_empty() && i + 1 < total {
                return Err(PathError::EmptySegment);
            }
            let start = len;
            decode_segment(piece.as_bytes(), &mut out.buffer, &mut len)?;
            let decoded = &out.buffer[start..len];
            let Ok(text) = std::str::from_utf8(decoded) else {
                return Err(PathError::InvalidEncoding);
            };
            if is_double_encoded(decoded) {
                return Err(PathError::InvalidEncoding);
            }
            if !text.is_ascii() && text.chars().any(is_confusable) {
                return Err(PathError::InvalidCharacter);
            }
            if decoded == b"." || decoded == b".." {
                return Err(PathError::DotSegment);
            }
            out.ends[i] = len as u16;
            out.count = i + 1;
        }
        Ok(out)
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
        '\u{FF0F}' | '\u{2215}' | '\u{2044}' | '\u{29F8}' | '\u{FF3C}' | '\u{FE68}' | '\u{2216}'
            | '\u{FF0E}' | '\u{2024}' | '\u{FE52}' | '\u{3002}' | '\u{FF61}'
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
fn decode_segment(raw: &[u8], buffer: &mut [u8; MAX_PATH_BYTES], len: &mut usize) -> Result<(), PathError> {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        let decoded = match b {
            b'%' => {
                let (Some(h), Some(l)) = (raw.get(i + 1).and_then(|&c| hex(c)), raw.get(i + 2).and_then(|&c| hex(c))) else {
                    return Err(PathError::InvalidEncoding);
                };
                i += 2;
                match h * 16 + l {
                    b'/' | b'\\' => return Err(PathError::EncodedSlash),
                    c if c < 0x20 || c == 0x7f => return Err(PathError::ControlCharacter),
                    c => c,
                }
            }
            0..=0x1f | 0x7f => return Err(PathError::ControlCharacter),
            b'\\' => return Err(PathError::Backslash),
            b';' => return Err(PathError::Semicolon),
            b' ' | b'#' | b'"' | b'<' | b'>' | b'`' | b'^' | b'{' | b'}' | b'|' => {
                return Err(PathError::InvalidCharacter)
            }
            // Raw bytes outside ASCII cannot stand in a request target (RFC 9112).
            0x80.. => return Err(PathError::InvalidCharacter),
            c => c,
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

    fn segments(raw: &str) -> Vec<String> {
        let p = RequestPath::parse(raw).unwrap();
        (0..p.len()).map(|i| p.segment(i).to_string()).collect()
    }

    #[test]
    fn splits_and_decodes() {
        assert_eq!(segments("/"), [""]);
        assert_eq!(segments("/a/b"), ["a", "b"]);
        assert_eq!(segments("/a/b/"), ["a", "b", ""]);
        assert_eq!(segments("/a%20b/caf%C3%A9?x=/../"), ["a b", "café"]);
        assert_eq!(segments("/100%25"), ["100%"]);
        assert_eq!(segments("/.well-known/x..y/..."), [".well-known", "x..y", "..."]);
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
            assert_eq!(RequestPath::parse(raw).err(), Some(error), "{raw:?}");
        }
        assert_eq!(RequestPath::parse(&format!("/{}", "a/".repeat(200))).err(), Some(PathError::TooLong));
        assert_eq!(RequestPath::parse(&format!("/{}", "a".repeat(5000))).err(), Some(PathError::TooLong));
    }
}

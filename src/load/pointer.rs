//! RFC 6901 JSON pointers: building them while walking a tree, and splitting them to follow.

use std::borrow::Cow;
use std::fmt;

/// A JSON pointer such as `/paths/~1orders/get`; the empty pointer is the whole document.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(String);

impl Pointer {
    pub fn root() -> Pointer {
        Pointer(String::new())
    }

    /// Takes a pointer that is already escaped, such as a `$ref` fragment.
    pub fn from_escaped(escaped: impl Into<String>) -> Pointer {
        Pointer(escaped.into())
    }

    /// This pointer with one more reference token (a key or an index).
    pub fn join(&self, token: impl Token) -> Pointer {
        // Sized exactly: a model holds a pointer for every operation, parameter and scope it
        // locates (tens of thousands in a large description).
        let len = self.0.len() + 1 + token.escaped_len();
        let mut out = String::with_capacity(len);
        out.push_str(&self.0);
        out.push('/');
        token.push_escaped(&mut out);
        debug_assert_eq!(out.len(), len);
        Pointer(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl serde::Serialize for Pointer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// What [`Pointer::join`] takes: an object key or an array index.
pub trait Token {
    fn push_escaped(&self, out: &mut String);
    /// How many bytes `push_escaped` adds.
    fn escaped_len(&self) -> usize;
}

impl Token for &str {
    fn escaped_len(&self) -> usize {
        self.len() + self.bytes().filter(|b| matches!(b, b'~' | b'/')).count()
    }

    fn push_escaped(&self, out: &mut String) {
        // By bytes, the runs between escapes pushed whole: `~` and `/` are ASCII, never inside
        // a multi-byte character. (A character at a time was 1,400 instructions for a path
        // item's key such as `/repos/{owner}/{repo}/issues`.)
        let mut run = 0;
        for (i, b) in self.bytes().enumerate() {
            let escape = match b {
                b'~' => "~0",
                b'/' => "~1",
                _ => continue,
            };
            out.push_str(&self[run..i]);
            out.push_str(escape);
            run = i + 1;
        }
        out.push_str(&self[run..]);
    }
}

impl Token for usize {
    fn escaped_len(&self) -> usize {
        self.checked_ilog10()
            .map_or(1, |digits| digits as usize + 1)
    }

    fn push_escaped(&self, out: &mut String) {
        // Digits by hand: `write!` goes through the formatting machinery, a fifth of a join.
        let mut digits = [0u8; 20];
        let mut n = *self;
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend(digits[at..].iter().map(|&d| char::from(d)));
    }
}

/// The reference tokens of an escaped pointer, unescaped. A pointer that is neither empty nor
/// starts with `/`, or holds a `~` not followed by `0` or `1`, yields an error.
pub fn tokens(pointer: &str) -> impl Iterator<Item = Result<Cow<'_, str>, InvalidPointer>> {
    let (rest, bad_start) = match pointer.strip_prefix('/') {
        Some(rest) => (Some(rest), false),
        None => (None, !pointer.is_empty()),
    };
    let start_error = bad_start.then_some(Err(InvalidPointer));
    start_error
        .into_iter()
        .chain(rest.into_iter().flat_map(|r| r.split('/')).map(unescape))
}

fn unescape(token: &str) -> Result<Cow<'_, str>, InvalidPointer> {
    if !token.contains('~') {
        return Ok(Cow::Borrowed(token));
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return Err(InvalidPointer),
            }
        } else {
            out.push(c);
        }
    }
    Ok(Cow::Owned(out))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidPointer;

#[cfg(test)]
mod tests {
    use super::*;

    fn split(p: &str) -> Result<Vec<String>, InvalidPointer> {
        tokens(p).map(|t| t.map(|t| t.into_owned())).collect()
    }

    #[test]
    fn join_escapes_slash_and_tilde() {
        let p = Pointer::root().join("paths").join("/a/{b}~c").join(0);
        assert_eq!(p.as_str(), "/paths/~1a~1{b}~0c/0");
        // Escapes beside multi-byte characters, at both ends, and one after another.
        let p = Pointer::root().join("/é/ü~~ß").join("~").join("日本");
        assert_eq!(p.as_str(), "/~1é~1ü~0~0ß/~0/日本");
        for n in [7, 10, 409, usize::MAX] {
            assert_eq!(Pointer::root().join(n).as_str(), format!("/{n}"));
        }
    }

    #[test]
    fn tokens_round_trip_the_rfc_examples() {
        assert_eq!(split(""), Ok(vec![]));
        assert_eq!(split("/"), Ok(vec!["".to_string()]));
        assert_eq!(split("/a~1b/m~0n"), Ok(vec!["a/b".into(), "m~n".into()]));
        assert_eq!(split("/~01"), Ok(vec!["~1".into()]));
        assert_eq!(split("a/b"), Err(InvalidPointer));
        assert_eq!(split("/a~2"), Err(InvalidPointer));
    }
}

//! serde_json's pretty layout, written by hand for the reports' findings: two spaces a level,
//! `": "` after a key, each value on a line of its own, `[]` and `{}` when empty, strings
//! escaped as serde_json escapes them. serde_json's serializer escapes a string a byte at a time
//! and writes a finding in a hundred small writes: about 5,000 instructions a finding, 5% of
//! linting the corpus. The batch tests hold this writer to serde_json's output byte for byte.

use crate::load::json::scan::special;

/// Writes one value (and what it holds) into `out`, standing `indent` spaces deep.
pub(super) struct Pretty<'a> {
    out: &'a mut Vec<u8>,
    /// Where the innermost open container's values stand, in spaces.
    indent: usize,
    /// Values written so far in the innermost open container.
    values: usize,
}

impl<'a> Pretty<'a> {
    pub fn new(out: &'a mut Vec<u8>, indent: usize) -> Pretty<'a> {
        Pretty {
            out,
            indent,
            values: 0,
        }
    }

    /// A new line at the current depth, after `,` unless it holds the first value.
    pub fn line(&mut self, first: bool) {
        const SPACES: [u8; 64] = [b' '; 64];
        self.out
            .extend_from_slice(if first { b"\n" } else { b",\n" });
        let mut left = self.indent;
        while left > 0 {
            let n = left.min(SPACES.len());
            self.out.extend_from_slice(&SPACES[..n]);
            left -= n;
        }
    }

    /// An object, its members written by `members` (with [`Pretty::key`]).
    pub fn object(&mut self, members: impl FnOnce(&mut Self)) {
        self.container(b'{', b'}', members);
    }

    /// An array, its items written by `items` (with [`Pretty::item`]).
    pub fn array(&mut self, items: impl FnOnce(&mut Self)) {
        self.container(b'[', b']', items);
    }

    fn container(&mut self, open: u8, close: u8, inside: impl FnOnce(&mut Self)) {
        self.out.push(open);
        let outer = std::mem::replace(&mut self.values, 0);
        self.indent += 2;
        inside(self);
        self.indent -= 2;
        // The closing bracket on a line of its own, unless the container is empty.
        if self.values > 0 {
            self.line(true);
        }
        self.values = outer;
        self.out.push(close);
    }

    /// The next member's key, on its line; its value follows. Keys are the reports' own
    /// field names, which need no escape.
    pub fn key(&mut self, key: &str) -> &mut Self {
        debug_assert_eq!(special(key.as_bytes(), 0), key.len(), "{key}");
        self.next();
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\": ");
        self
    }

    /// The next item of an array, on its line.
    pub fn item(&mut self) -> &mut Self {
        self.next();
        self
    }

    fn next(&mut self) {
        self.line(self.values == 0);
        self.values += 1;
    }

    /// A string, escaped as serde_json escapes it: quote, backslash and control characters
    /// (with the short forms JSON has, else `\u00xx`); everything else as it is.
    pub fn string(&mut self, text: &str) {
        let bytes = text.as_bytes();
        self.out.reserve(bytes.len() + 2);
        self.out.push(b'"');
        let mut run = 0;
        loop {
            let at = special(bytes, run);
            self.out.extend_from_slice(&bytes[run..at]);
            let Some(&b) = bytes.get(at) else { break };
            match b {
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                b'\n' => self.out.extend_from_slice(b"\\n"),
                b'\r' => self.out.extend_from_slice(b"\\r"),
                b'\t' => self.out.extend_from_slice(b"\\t"),
                0x08 => self.out.extend_from_slice(b"\\b"),
                0x0c => self.out.extend_from_slice(b"\\f"),
                control => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.extend_from_slice(b"\\u00");
                    self.out.push(HEX[usize::from(control >> 4)]);
                    self.out.push(HEX[usize::from(control & 15)]);
                }
            }
            run = at + 1;
        }
        self.out.push(b'"');
    }

    pub fn number(&mut self, n: u64) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }

    pub fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    /// The string, or `null`.
    pub fn string_or_null(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.string(text),
            None => self.null(),
        }
    }

    /// The number, or `null`.
    pub fn number_or_null(&mut self, n: Option<u64>) {
        match n {
            Some(n) => self.number(n),
            None => self.null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte a string can hold, each alone and amid text, among multi-byte characters and
    /// across the sixteen-byte steps of the search: escaped as serde_json escapes it.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        texts.extend(
            [
                "",
                "plain",
                "é \"quoted\" ü\\",
                "tab\there\u{7f}",
                "日本\u{1f}語",
            ]
            .map(String::from),
        );
        for n in [15, 16, 17, 31, 32, 33] {
            for special in ["\"", "\\", "\u{0}", "\n", "\u{1b}"] {
                texts.push(format!("{}{special}{}", "a".repeat(n), "é".repeat(n % 5)));
            }
        }
        for text in texts {
            let mut out = Vec::new();
            Pretty::new(&mut out, 0).string(&text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
    }

    /// Objects and arrays, empty and full, nested, with every kind of value, at a depth: the
    /// pretty printer's layout.
    #[test]
    fn nested_values_are_laid_out_as_the_pretty_printer_lays_them_out() {
        // Keys in order: a `Value`'s map may sort them.
        let expected = serde_json::json!({
            "empty": [],
            "last": 4_294_967_295u64,
            "list": [1, {"deep": [], "deeper": [{"at": [3, 7]}]}, [], null],
            "none": {},
            "object": {"after": "y\n", "inner": {"values": ["x", null]}}
        });
        let mut out = Vec::new();
        let mut w = Pretty::new(&mut out, 0);
        w.object(|w| {
            w.key("empty").array(|_| {});
            w.key("last").number_or_null(Some(4_294_967_295));
            w.key("list").array(|w| {
                w.item().number(1);
                w.item().object(|w| {
                    w.key("deep").array(|_| {});
                    w.key("deeper").array(|w| {
                        w.item().object(|w| {
                            w.key("at").array(|w| {
                                w.item().number(3);
                                w.item().number(7);
                            });
                        });
                    });
                });
                w.item().array(|_| {});
                w.item().null();
            });
            w.key("none").object(|_| {});
            w.key("object").object(|w| {
                w.key("after").string("y\n");
                w.key("inner").object(|w| {
                    w.key("values").array(|w| {
                        w.item().string_or_null(Some("x"));
                        w.item().string_or_null(None);
                    });
                });
            });
        });
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&expected).unwrap()
        );
    }
}

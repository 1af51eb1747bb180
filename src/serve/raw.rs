//! What the HTTP parser hides, watched in the raw bytes of a connection. hyper hands the
//! server a parsed request: `http::Uri` drops a `#fragment` without a word, and header values
//! arrive with surrounding whitespace trimmed. Both matter where the request line or a header
//! *is* the original request:
//! - `--gateway envoy-http`: `DELETE /repos/o/r/subscription#/../../r` would be decided as
//!   `.../subscription`;
//! - `--gateway nginx`: `X-Original-URI: /orders/1<TAB>` would be decided as `/orders/1`, and
//!   `X-Original-Method: GET<TAB>` as `GET`.
//!
//! So the connection's bytes are watched as they are read (which also tells when a request's
//! head began, for the header-read timeout, without a timer per request): every request is noted, in order,
//! with whether its request line held a `#` or one of the watched headers had whitespace other
//! than the single space after its colon, and each request takes its note. The watcher follows
//! HTTP/1.1 framing just far enough to find requests: it skips `Content-Length` bodies, and
//! gives up on a connection that sends a `Transfer-Encoding` (check requests carry no body). A
//! request without a note (the watcher gave up, or fell out of step) is refused like a flagged
//! one: fail closed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The notes of one connection, shared by its reader and its requests: `true` is refused.
pub type Notes = Arc<Mutex<VecDeque<bool>>>;

/// The longest header name compared.
const NAME: usize = 32;

/// The header line being read, fed in pieces as reads deliver them.
#[derive(Debug, Default)]
struct HeaderLine {
    /// The name's first bytes, lower-case, until the colon.
    name: [u8; NAME],
    name_len: usize,
    colon: bool,
    /// Whether the value is looked at: a watched header, or `Content-Length`.
    inspect: bool,
    /// Whitespace bytes between the colon and the value.
    leading: usize,
    value_started: bool,
    tab: bool,
    /// The last byte so far other than CR was a space or a tab.
    trailing: bool,
    /// Bytes other than CR so far.
    len: usize,
    /// `Content-Length` digits, when this is that header; `None` once anything else is seen.
    digits: Option<u64>,
}

/// Whether a header name read (its first `NAME` bytes) is the watched name `e`.
fn watched(e: &[u8], name: &[u8]) -> bool {
    if e.len() <= NAME {
        e == name
    } else {
        name.len() == NAME && e.starts_with(name)
    }
}

impl HeaderLine {
    fn name(&self) -> &[u8] {
        &self.name[..self.name_len]
    }

    fn feed(&mut self, piece: &[u8], exact: &[Vec<u8>]) {
        let mut rest = piece;
        if !self.colon {
            let end = memchr::memchr(b':', rest).unwrap_or(rest.len());
            for &b in &rest[..end] {
                if b == b'\r' {
                    continue;
                }
                self.len += 1;
                if self.name_len < NAME {
                    self.name[self.name_len] = b.to_ascii_lowercase();
                    self.name_len += 1;
                }
            }
            if end == rest.len() {
                return;
            }
            self.colon = true;
            self.len += 1;
            let name = &self.name[..self.name_len];
            let length = name == b"content-length";
            let watched = exact.iter().any(|e| watched(e, name));
            self.digits = length.then_some(0);
            self.inspect = length || watched;
            rest = &rest[end + 1..];
        }
        if !self.inspect {
            // Only whether the line is blank matters.
            self.len += rest.len();
            return;
        }
        for &b in rest {
            if b == b'\r' {
                continue;
            }
            self.len += 1;
            let space = b == b' ' || b == b'\t';
            self.tab |= b == b'\t';
            if !self.value_started && space {
                self.leading += 1;
                continue;
            }
            self.value_started = true;
            self.trailing = space;
            self.digits = match (self.digits, (b as char).to_digit(10)) {
                (Some(n), Some(d)) => Some(n.saturating_mul(10).saturating_add(u64::from(d))),
                _ => None,
            };
        }
    }
}

#[derive(Debug)]
enum State {
    /// In a request line: its length so far (CRs aside), and whether it held a `#`.
    Line {
        len: usize,
        hash: bool,
    },
    /// In the header block.
    Headers {
        flagged: bool,
        line: HeaderLine,
        length: u64,
        framed_otherwise: bool,
    },
    Body(u64),
    /// A framing the watcher does not follow: no more notes.
    Lost,
}

#[derive(Debug)]
pub struct Watcher {
    state: State,
    notes: Notes,
    /// When the request head being read began (the connection's clock, in ms, never 0), or 0
    /// between requests: what the header-read timeout is checked against.
    head_since: Arc<AtomicU64>,
    /// Flag a `#` in request lines.
    fragments: bool,
    /// Lower-case names of headers whose values must carry no extra whitespace.
    exact: Vec<Vec<u8>>,
}

impl Watcher {
    /// `fragments`: flag request lines with `#`; `exact`: header names (lower-case) whose
    /// values must come with exactly one space after the colon and none elsewhere.
    pub fn new(
        notes: Notes,
        head_since: Arc<AtomicU64>,
        fragments: bool,
        exact: Vec<Vec<u8>>,
    ) -> Watcher {
        Watcher {
            state: State::Line {
                len: 0,
                hash: false,
            },
            notes,
            head_since,
            fragments,
            exact,
        }
    }

    fn irregular(&self, line: &HeaderLine) -> bool {
        line.inspect
            && line.digits.is_none()
            && self.exact.iter().any(|e| watched(e, line.name()))
            && (line.leading != 1 || line.tab || line.trailing || !line.value_started)
    }

    /// Reads bytes as the connection delivers them, a line at a time; `now` is the
    /// connection's clock in ms.
    pub fn read(&mut self, mut bytes: &[u8], now: u64) {
        while !bytes.is_empty() {
            if let State::Body(n) = &mut self.state {
                let take = (*n).min(bytes.len() as u64);
                *n -= take;
                bytes = &bytes[take as usize..];
                if *n == 0 {
                    self.state = State::Line {
                        len: 0,
                        hash: false,
                    };
                }
                continue;
            }
            if matches!(self.state, State::Lost) {
                return;
            }
            let (piece, ends) = match memchr::memchr(b'\n', bytes) {
                Some(i) => (&bytes[..i], true),
                None => (bytes, false),
            };
            bytes = &bytes[piece.len() + usize::from(ends)..];
            match &mut self.state {
                State::Line { len, hash } => {
                    let was = *len;
                    *len += piece.len() - usize::from(piece.last() == Some(&b'\r'));
                    if was == 0 && *len > 0 {
                        self.head_since.store(now.max(1), Ordering::Relaxed);
                    }
                    *hash |= memchr::memchr(b'#', piece).is_some();
                    if ends && *len > 0 {
                        self.state = State::Headers {
                            flagged: *hash && self.fragments,
                            line: HeaderLine::default(),
                            length: 0,
                            framed_otherwise: false,
                        };
                    }
                }
                State::Headers { line, .. } => {
                    line.feed(piece, &self.exact);
                    if ends {
                        self.end_of_header_line();
                    }
                }
                State::Body(_) | State::Lost => {}
            }
        }
    }

    fn end_of_header_line(&mut self) {
        let State::Headers {
            flagged,
            line,
            length,
            framed_otherwise,
        } = std::mem::replace(&mut self.state, State::Lost)
        else {
            return;
        };
        if line.len == 0 {
            // The blank line: the request's head is complete.
            self.head_since.store(0, Ordering::Relaxed);
            if let Ok(mut notes) = self.notes.lock() {
                notes.push_back(flagged);
            }
            self.state = if framed_otherwise {
                State::Lost
            } else if length > 0 {
                State::Body(length)
            } else {
                State::Line {
                    len: 0,
                    hash: false,
                }
            };
            return;
        }
        let flagged = flagged || self.irregular(&line);
        let mut length = length;
        let mut framed_otherwise = framed_otherwise || line.name() == b"transfer-encoding";
        if line.name() == b"content-length" {
            match line.digits {
                Some(n) if line.value_started => length = n,
                _ => framed_otherwise = true,
            }
        }
        self.state = State::Headers {
            flagged,
            line: HeaderLine::default(),
            length,
            framed_otherwise,
        };
    }
}

/// Whether the connection's next request is refused (flagged, or without a note).
pub fn next_is_refused(notes: &Notes) -> bool {
    notes
        .lock()
        .ok()
        .and_then(|mut n| n.pop_front())
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A watcher for fragments and for `X-Original-URI`'s whitespace.
    fn watcher(notes: &Notes) -> Watcher {
        Watcher::new(
            notes.clone(),
            Arc::default(),
            true,
            vec![b"x-original-uri".to_vec()],
        )
    }

    fn notes_of(chunks: &[&[u8]]) -> Vec<bool> {
        let notes = Notes::default();
        let mut w = watcher(&notes);
        for c in chunks {
            w.read(c, 1);
        }
        let n = notes.lock().unwrap();
        n.iter().copied().collect()
    }

    #[test]
    fn request_lines_with_a_fragment_are_noted_in_order() {
        let two =
            b"GET /a#x HTTP/1.1\r\nHost: h\r\nX-Tag: #1\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
        assert_eq!(notes_of(&[two]), [true, false]);
        // Split anywhere.
        let (a, b) = two.split_at(7);
        assert_eq!(notes_of(&[a, b]), [true, false]);
        let each: Vec<&[u8]> = two.chunks(1).collect();
        assert_eq!(notes_of(&each), [true, false]);
    }

    #[test]
    fn bodies_are_skipped_and_unknown_framing_stops_the_notes() {
        let body = b"POST /a HTTP/1.1\r\nContent-Length: 12\r\n\r\nGET /#x HTTP\r\nGET /c#d HTTP/1.1\r\n\r\n";
        assert_eq!(notes_of(&[body]), [false, true]);
        let chunked = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        assert_eq!(notes_of(&[chunked]), [false]);
        let notes = Notes::default();
        assert!(next_is_refused(&notes), "no note: refused");
    }

    #[test]
    fn watched_headers_with_extra_whitespace_are_noted() {
        let ok = b"GET / HTTP/1.1\r\nX-Original-URI: /a/b\r\nX-Other:\t x \r\n\r\n";
        let tab = b"GET / HTTP/1.1\r\nX-Original-URI: /a/b\t\r\n\r\n";
        let space = b"GET / HTTP/1.1\r\nx-original-uri: /a/b \r\n\r\n";
        let leading = b"GET / HTTP/1.1\r\nX-Original-URI:  /a/b\r\n\r\n";
        let none = b"GET / HTTP/1.1\r\nX-Original-URI:/a/b\r\n\r\n";
        assert_eq!(
            notes_of(&[ok, tab, space, leading, none]),
            [false, true, true, true, true]
        );
    }

    /// However reads split the bytes, the notes are the same: one per request, in order.
    #[test]
    fn notes_do_not_depend_on_how_reads_split_the_bytes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut bytes = Vec::new();
        let mut want = Vec::new();
        for i in 0..200 {
            let hash = next() % 4 == 0;
            let tab = next() % 5 == 0;
            let body = if next() % 3 == 0 {
                "x#\r\n\r\nGET /#".repeat(i % 4)
            } else {
                String::new()
            };
            bytes.extend_from_slice(
                format!(
                    "GET /p{}{i} HTTP/1.1\r\nHost: h\r\nX-Original-URI: /u{i}{}\r\nContent-Length: {}\r\n\r\n{body}",
                    if hash { "#" } else { "" },
                    if tab { "\t" } else { "" },
                    body.len()
                )
                .as_bytes(),
            );
            want.push(hash || tab);
        }
        for _ in 0..50 {
            let notes = Notes::default();
            let mut w = watcher(&notes);
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let n = (1 + next() % 97) as usize;
                let (piece, tail) = rest.split_at(n.min(rest.len()));
                w.read(piece, 1);
                rest = tail;
            }
            assert_eq!(*notes.lock().unwrap(), want);
        }
    }
}

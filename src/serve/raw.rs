//! What the HTTP parser hides, watched in the raw bytes of a connection. hyper hands the
//! server a parsed request: `http::Uri` drops a `#fragment` without a word, and header values
//! arrive with surrounding whitespace trimmed. Both matter where the request line or a header
//! *is* the original request:
//! - `--gateway envoy-http`: `DELETE /repos/o/r/subscription#/../../r` would be decided as
//!   `.../subscription`;
//! - `--gateway nginx`: `X-Original-URI: /orders/1<TAB>` would be decided as `/orders/1`, and
//!   `X-Original-Method: GET<TAB>` as `GET`.
//!
//! So the connection's bytes are watched as they are read: every request is noted, in order,
//! with whether its request line held a `#` or one of the watched headers had whitespace other
//! than the single space after its colon, and each request takes its note. The watcher follows
//! HTTP/1.1 framing just far enough to find requests: it skips `Content-Length` bodies, and
//! gives up on a connection that sends a `Transfer-Encoding` (check requests carry no body). A
//! request without a note (the watcher gave up, or fell out of step) is refused like a flagged
//! one: fail closed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The notes of one connection, shared by its reader and its requests: `true` is refused.
pub type Notes = Arc<Mutex<VecDeque<bool>>>;

/// The longest header name compared.
const NAME: usize = 64;

/// One header line being read.
#[derive(Debug, Default)]
struct HeaderLine {
    /// The name's first bytes, lower-case, until the colon.
    name: Vec<u8>,
    colon: bool,
    /// Whitespace bytes between the colon and the value.
    leading: usize,
    value_started: bool,
    tab: bool,
    /// The last byte of the line other than CR was a space or a tab.
    trailing: bool,
    empty: bool,
}

#[derive(Debug)]
enum State {
    /// In a request line: its length so far, and whether it held a `#`.
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
    /// Flag a `#` in request lines.
    fragments: bool,
    /// Lower-case names of headers whose values must carry no extra whitespace.
    exact: Vec<Vec<u8>>,
}

impl Watcher {
    /// `fragments`: flag request lines with `#`; `exact`: header names (lower-case) whose
    /// values must come with exactly one space after the colon and none elsewhere.
    pub fn new(notes: Notes, fragments: bool, exact: Vec<Vec<u8>>) -> Watcher {
        Watcher {
            state: State::Line {
                len: 0,
                hash: false,
            },
            notes,
            fragments,
            exact,
        }
    }

    fn irregular(&self, line: &HeaderLine) -> bool {
        self.exact.contains(&line.name)
            && (line.leading != 1 || line.tab || line.trailing || !line.value_started)
    }

    /// Reads bytes as the connection delivers them.
    pub fn read(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            self.state = match std::mem::replace(&mut self.state, State::Lost) {
                State::Lost => return,
                State::Line { len, hash } => match b {
                    // Empty lines before a request line are skipped by servers.
                    b'\n' if len == 0 => State::Line {
                        len: 0,
                        hash: false,
                    },
                    b'\n' => State::Headers {
                        flagged: hash && self.fragments,
                        line: HeaderLine {
                            empty: true,
                            ..HeaderLine::default()
                        },
                        length: 0,
                        framed_otherwise: false,
                    },
                    b'\r' => State::Line { len, hash },
                    _ => State::Line {
                        len: len + 1,
                        hash: hash || b == b'#',
                    },
                },
                State::Headers {
                    mut flagged,
                    mut line,
                    mut length,
                    mut framed_otherwise,
                } => match b {
                    b'\n' if line.empty => {
                        if let Ok(mut notes) = self.notes.lock() {
                            notes.push_back(flagged);
                        }
                        if framed_otherwise {
                            State::Lost
                        } else if length > 0 {
                            State::Body(length)
                        } else {
                            State::Line {
                                len: 0,
                                hash: false,
                            }
                        }
                    }
                    b'\n' => {
                        flagged |= self.irregular(&line);
                        if line.name == b"transfer-encoding" {
                            framed_otherwise = true;
                        }
                        State::Headers {
                            flagged,
                            line: HeaderLine {
                                empty: true,
                                ..HeaderLine::default()
                            },
                            length,
                            framed_otherwise,
                        }
                    }
                    b'\r' => State::Headers {
                        flagged,
                        line,
                        length,
                        framed_otherwise,
                    },
                    _ => {
                        line.empty = false;
                        if !line.colon {
                            if b == b':' {
                                line.colon = true;
                                if line.name == b"content-length" {
                                    length = 0;
                                }
                            } else if line.name.len() < NAME {
                                line.name.push(b.to_ascii_lowercase());
                            }
                        } else if !line.value_started && (b == b' ' || b == b'\t') {
                            line.leading += 1;
                            line.tab |= b == b'\t';
                        } else {
                            line.value_started = true;
                            line.tab |= b == b'\t';
                            line.trailing = b == b' ' || b == b'\t';
                            if line.name == b"content-length" {
                                match (b as char).to_digit(10) {
                                    Some(d) if !line.trailing => {
                                        length = length.saturating_mul(10).saturating_add(d as u64)
                                    }
                                    _ => framed_otherwise = true,
                                }
                            }
                        }
                        State::Headers {
                            flagged,
                            line,
                            length,
                            framed_otherwise,
                        }
                    }
                },
                State::Body(n) => {
                    // This byte and as many more of the body as there are.
                    let take = (n - 1).min((bytes.len() - i) as u64);
                    i += take as usize;
                    match n - 1 - take {
                        0 => State::Line {
                            len: 0,
                            hash: false,
                        },
                        rest => State::Body(rest),
                    }
                }
            };
        }
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

    fn notes_of(chunks: &[&[u8]]) -> Vec<bool> {
        let notes = Notes::default();
        let mut w = Watcher::new(notes.clone(), true, vec![b"x-original-uri".to_vec()]);
        for c in chunks {
            w.read(c);
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
}

//! Fragments in request lines, which the HTTP parser drops without a word: `http::Uri` keeps
//! the path before `#`, so `DELETE /repos/o/r/subscription#/../../r` would be decided as
//! `.../subscription`. In `--gateway envoy-http` the request line *is* the original target, so
//! the connection's bytes are watched as they are read: every request line is noted, in order,
//! with whether it held a `#`, and each request takes its note.
//!
//! The watcher follows HTTP/1.1 framing just far enough to find request lines: it skips
//! `Content-Length` bodies, and gives up on a connection that sends a `Transfer-Encoding`
//! (Envoy's check requests carry no body). A request without a note (the watcher gave up, or
//! fell out of step) is refused like one with a fragment: fail closed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The notes of one connection, shared by its reader and its requests.
pub type Notes = Arc<Mutex<VecDeque<bool>>>;

/// The longest header line looked at (for `Content-Length` and `Transfer-Encoding`); the rest
/// of a longer line is skipped.
const HEADER_PREFIX: usize = 64;

#[derive(Debug)]
enum State {
    /// In a request line: its length so far, and whether it held a `#`.
    Line {
        len: usize,
        hash: bool,
    },
    /// In the header block: the current line's first bytes, the body length seen.
    Headers {
        hash: bool,
        line: Vec<u8>,
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
}

impl Watcher {
    pub fn new(notes: Notes) -> Watcher {
        Watcher {
            state: State::Line {
                len: 0,
                hash: false,
            },
            notes,
        }
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
                        hash,
                        line: Vec::new(),
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
                    hash,
                    mut line,
                    mut length,
                    mut framed_otherwise,
                } => match b {
                    b'\n' => {
                        let text = String::from_utf8_lossy(&line).to_ascii_lowercase();
                        let text = text.trim_end_matches('\r');
                        if text.is_empty() {
                            if let Ok(mut notes) = self.notes.lock() {
                                notes.push_back(hash);
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
                        } else {
                            if let Some(v) = text.strip_prefix("content-length:") {
                                match v.trim().parse::<u64>() {
                                    Ok(n) => length = n,
                                    Err(_) => framed_otherwise = true,
                                }
                            } else if text.starts_with("transfer-encoding:") {
                                framed_otherwise = true;
                            }
                            line.clear();
                            State::Headers {
                                hash,
                                line,
                                length,
                                framed_otherwise,
                            }
                        }
                    }
                    _ => {
                        if line.len() < HEADER_PREFIX {
                            line.push(b);
                        }
                        State::Headers {
                            hash,
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

/// Whether the next request of the connection had a fragment (or has no note: fail closed).
pub fn next_had_fragment(notes: &Notes) -> bool {
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
        let mut w = Watcher::new(notes.clone());
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
        assert!(next_had_fragment(&notes), "no note: refused");
    }
}

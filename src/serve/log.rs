//! The decision log: one JSON line per decision, written by its own thread from a bounded
//! queue. A decision never waits for the log: when the writer falls behind (a full disk, a
//! stdout nobody reads), lines are dropped and counted (`scopegate_decision_log_dropped_total`).
//! Client-controlled fields are cut to `MAX_FIELD` bytes.

use std::io::Write;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};

/// Lines waiting for the writer at most.
pub const QUEUE: usize = 8192;
/// The longest logged method, path or principal label, in bytes; longer ones end with `…`.
pub const MAX_FIELD: usize = 512;

pub struct DecisionLog {
    lines: SyncSender<String>,
}

impl DecisionLog {
    /// Starts the writer thread.
    pub fn start(mut out: Box<dyn Write + Send>) -> DecisionLog {
        let (lines, queue) = sync_channel::<String>(QUEUE);
        std::thread::Builder::new()
            .name("scopegate-decision-log".into())
            .spawn(move || {
                for line in queue {
                    if writeln!(out, "{line}").is_err() {
                        continue;
                    }
                }
                let _ = out.flush();
            })
            .expect("the decision log thread starts");
        DecisionLog { lines }
    }

    /// Queues a line; false when it was dropped.
    pub fn write(&self, line: String) -> bool {
        match self.lines.try_send(line) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }
}

/// `text` cut to `MAX_FIELD` bytes on a character boundary.
pub fn field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_FIELD {
        return text.into();
    }
    let mut end = MAX_FIELD;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end]).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fields_are_cut_on_a_character_boundary() {
        let path = format!("/{}", "é".repeat(400));
        let cut = field(&path);
        assert!(cut.len() <= MAX_FIELD + "…".len() && cut.ends_with('…'));
        assert_eq!(field("/short"), "/short");
    }

    /// A writer that never returns: the queue fills and further lines are dropped at once.
    #[test]
    fn a_stalled_writer_drops_lines_instead_of_blocking() {
        struct Stalled;
        impl Write for Stalled {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                std::thread::park();
                Ok(0)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let log = DecisionLog::start(Box::new(Stalled));
        let written = (0..QUEUE * 2).filter(|_| log.write("{}".into())).count();
        // The writer holds one line; the queue holds QUEUE more.
        assert!(written <= QUEUE + 1, "{written}");
    }
}

//! A JSON report's findings written in parallel batches into the pretty-printed skeleton
//! around them, byte for byte what serde_json's pretty printer writes for the whole.

use std::io;

use serde::Serialize;

use crate::diagnostic::Diagnostic;

/// Where a report's findings go: its skeleton is serialized with this marker in their place,
/// and [`write_with_items`] writes the findings there.
pub(super) struct ItemsHere;

/// Cannot occur in a skeleton's other strings (a control character, escaped when serialized).
const ITEMS_MARKER: &str = "\u{1}scopegate-items\u{1}";

impl Serialize for ItemsHere {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(ITEMS_MARKER)
    }
}

/// Findings rendered together, in parallel; a batch is written before the next is rendered.
const BATCH: usize = 16 * 1024;
const CHUNK: usize = 512;

/// Pretty JSON of `skeleton`, with `items` (each in the form `form` gives it) as the array in
/// place of its [`ItemsHere`]: byte for byte what serde_json's pretty printer writes for the
/// whole, and a newline. The items are serialized in parallel a batch at a time (the writing
/// after linting would otherwise keep one core busy while the other waits), and neither the
/// items' forms nor their text are ever held whole.
pub(super) fn write_with_items<'a, T: Serialize>(
    skeleton: &impl Serialize,
    items: &'a [Diagnostic],
    form: fn(&'a Diagnostic) -> T,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    use io::Write as _;
    use rayon::prelude::*;

    let text = serde_json::to_string_pretty(skeleton)?;
    let marker = serde_json::to_string(ITEMS_MARKER)?;
    let at = text
        .find(&marker)
        .expect("a skeleton holds the items marker");
    let line = &text[text[..at].rfind('\n').map_or(0, |i| i + 1)..];
    // The array's closing bracket lines up with its key; each item is one level deeper.
    let outer = &line[..line.len() - line.trim_start_matches(' ').len()];
    let inner = outer.len() + 2;
    let mut buffer = io::BufWriter::with_capacity(64 * 1024, out);
    buffer.write_all(&text.as_bytes()[..at])?;
    if items.is_empty() {
        buffer.write_all(b"[]")?;
    } else {
        buffer.write_all(b"[")?;
        for (batch, batch_items) in items.chunks(BATCH).enumerate() {
            let parts = batch_items
                .par_chunks(CHUNK)
                .enumerate()
                .map(|(chunk, items)| render_items(items, batch == 0 && chunk == 0, inner, form))
                .collect::<Result<Vec<Vec<u8>>, serde_json::Error>>()?;
            for part in parts {
                buffer.write_all(&part)?;
            }
        }
        buffer.write_all(b"\n")?;
        buffer.write_all(outer.as_bytes())?;
        buffer.write_all(b"]")?;
    }
    buffer.write_all(&text.as_bytes()[at + marker.len()..])?;
    buffer.write_all(b"\n")?;
    buffer.flush()
}

/// `items` as array elements `indent` spaces deep: each after `,` (none before the array's
/// first), on a line of its own, its own lines at that depth and deeper.
fn render_items<'a, T: Serialize>(
    items: &'a [Diagnostic],
    first_of_array: bool,
    indent: usize,
    form: fn(&'a Diagnostic) -> T,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut part = Vec::with_capacity(items.len() * 512);
    for (i, item) in items.iter().enumerate() {
        let formatter = Indented {
            base: indent,
            level: 0,
            has_value: false,
        };
        // The item's line as one of the array's values.
        formatter
            .line(&mut part, first_of_array && i == 0)
            .map_err(serde_json::Error::io)?;
        form(item).serialize(&mut serde_json::Serializer::with_formatter(
            &mut part, formatter,
        ))?;
    }
    Ok(part)
}

/// serde_json's pretty printer (two spaces a level) for a value that starts `base` spaces
/// deep: written in place, where re-indenting each line of its output afterwards copied every
/// byte twice more (SARIF's results run over many lines).
struct Indented {
    base: usize,
    level: usize,
    has_value: bool,
}

impl Indented {
    /// A new line at the current depth, after `,` unless it holds the first value.
    fn line<W: ?Sized + io::Write>(&self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        // The spaces in one write, or a few (a write of two bytes a level was a call to
        // `memcpy` each).
        const SPACES: &[u8; 64] = &[b' '; 64];
        let mut left = self.base + 2 * self.level;
        while left > 0 {
            let n = left.min(SPACES.len());
            writer.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// Closes an array or object, on a line of its own unless it is empty.
    fn close<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(writer, true)?;
        }
        writer.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::report::formats::json::{finding, Finding};

    /// The items written in parallel batches give what serde_json's pretty printer gives for
    /// the whole document: with no item, one, and more than a batch (messages with quotes,
    /// newlines and a key-like text among them).
    fn nested(d: &Diagnostic) -> serde_json::Value {
        serde_json::json!({
            "empty": [], "none": {}, "message": d.message,
            "list": [1, {"deep": [], "deeper": [{"at": [3, 7]}]}, []],
            "object": {"inner": {"values": [true, null]}, "after": "x"}
        })
    }

    #[test]
    fn items_written_in_batches_are_the_pretty_printers_output() {
        #[derive(Serialize)]
        struct Document<T: Serialize> {
            name: &'static str,
            nested: [Inner<T>; 1],
            after: u32,
        }
        #[derive(Serialize)]
        struct Inner<T: Serialize> {
            items: T,
            last: &'static str,
        }
        fn document<T: Serialize>(items: T) -> Document<T> {
            Document {
                name: "report",
                nested: [Inner {
                    items,
                    last: "after the items",
                }],
                after: 7,
            }
        }
        for count in [0, 1, 3, BATCH + CHUNK + 5] {
            let diagnostics: Vec<Diagnostic> = (0..count)
                .map(|i| {
                    Diagnostic::in_file(
                        "scope-name",
                        Severity::Warning,
                        format!("finding {i}: \"quoted\"\nsecond line, \"items\": ["),
                        std::path::Path::new(&format!("api/{}.yaml", i % 7)),
                        None,
                    )
                })
                .collect();
            let mut written = Vec::new();
            write_with_items(&document(ItemsHere), &diagnostics, finding, &mut written).unwrap();
            let whole: Vec<Finding<'_>> = diagnostics.iter().map(finding).collect();
            let expected = serde_json::to_string_pretty(&document(whole)).unwrap() + "\n";
            assert_eq!(
                String::from_utf8(written).unwrap(),
                expected,
                "{count} items"
            );
            // Items nested as SARIF's are: empty and full arrays and objects, several deep.
            let mut written = Vec::new();
            write_with_items(&document(ItemsHere), &diagnostics, nested, &mut written).unwrap();
            let whole: Vec<serde_json::Value> = diagnostics.iter().map(nested).collect();
            let expected = serde_json::to_string_pretty(&document(whole)).unwrap() + "\n";
            assert_eq!(
                String::from_utf8(written).unwrap(),
                expected,
                "{count} nested"
            );
        }
    }
}

//! A JSON report's findings written in parallel batches into the pretty-printed skeleton
//! around them, byte for byte what serde_json's pretty printer writes for the whole.

use std::io;

use serde::Serialize;

use super::pretty_json::Pretty;
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

/// Pretty JSON of `skeleton`, with `items` (each written by `write_item`) as the array in
/// place of its [`ItemsHere`]: byte for byte what serde_json's pretty printer writes for the
/// whole, and a newline. The items are written in parallel a batch at a time (the writing
/// after linting would otherwise keep one core busy while the other waits), and their text is
/// never held whole.
pub(super) fn write_with_items(
    skeleton: &impl Serialize,
    items: &[Diagnostic],
    write_item: fn(&mut Pretty<'_>, &Diagnostic),
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
                .map(|(chunk, items)| {
                    render_items(items, batch == 0 && chunk == 0, inner, write_item)
                })
                .collect::<Vec<Vec<u8>>>();
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
fn render_items(
    items: &[Diagnostic],
    first_of_array: bool,
    indent: usize,
    write_item: fn(&mut Pretty<'_>, &Diagnostic),
) -> Vec<u8> {
    let mut part = Vec::with_capacity(items.len() * 512);
    let mut writer = Pretty::new(&mut part, indent);
    for (i, item) in items.iter().enumerate() {
        writer.line(first_of_array && i == 0);
        write_item(&mut writer, item);
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    /// An item as a flat object.
    fn flat(w: &mut Pretty<'_>, d: &Diagnostic) {
        w.object(|w| {
            w.key("rule").string(d.rule);
            w.key("message").string(&d.message);
        });
    }

    #[derive(Serialize)]
    struct Flat<'a> {
        rule: &'a str,
        message: &'a str,
    }

    /// An item nested as SARIF's are: empty and full arrays and objects, several deep (keys in
    /// order, as a `Value`'s map may sort them).
    fn nested(w: &mut Pretty<'_>, d: &Diagnostic) {
        w.object(|w| {
            w.key("empty").array(|_| {});
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
            });
            w.key("message").string(&d.message);
            w.key("none").object(|_| {});
            w.key("object").object(|w| {
                w.key("after").string("x");
                w.key("inner").object(|w| {
                    w.key("values").array(|w| {
                        w.item().null();
                    });
                });
            });
        });
    }

    fn nested_value(d: &Diagnostic) -> serde_json::Value {
        serde_json::json!({
            "empty": [],
            "list": [1, {"deep": [], "deeper": [{"at": [3, 7]}]}, []],
            "message": d.message,
            "none": {},
            "object": {"after": "x", "inner": {"values": [null]}}
        })
    }

    /// The items written in parallel batches give what serde_json's pretty printer gives for
    /// the whole document: with no item, one, and more than a batch (messages with quotes,
    /// newlines and a key-like text among them).
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
            write_with_items(&document(ItemsHere), &diagnostics, flat, &mut written).unwrap();
            let whole: Vec<Flat<'_>> = diagnostics
                .iter()
                .map(|d| Flat {
                    rule: d.rule,
                    message: &d.message,
                })
                .collect();
            let expected = serde_json::to_string_pretty(&document(whole)).unwrap() + "\n";
            assert_eq!(
                String::from_utf8(written).unwrap(),
                expected,
                "{count} items"
            );
            let mut written = Vec::new();
            write_with_items(&document(ItemsHere), &diagnostics, nested, &mut written).unwrap();
            let whole: Vec<serde_json::Value> = diagnostics.iter().map(nested_value).collect();
            let expected = serde_json::to_string_pretty(&document(whole)).unwrap() + "\n";
            assert_eq!(
                String::from_utf8(written).unwrap(),
                expected,
                "{count} nested"
            );
        }
    }
}

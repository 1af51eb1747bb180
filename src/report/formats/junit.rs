//! JUnit XML: a test suite per file, a test case per finding.

use std::io;

use super::to_string;
use crate::diagnostic::Diagnostic;
use crate::lint::Outcome;

/// JUnit XML, written by quick-junit: one test suite per file, one test case per finding
/// (each with its single `<failure>`, typed by rule), and one passing case for a clean file,
/// so `tests` and `failures` count what CI test viewers show.
pub fn junit(outcome: &Outcome) -> String {
    to_string(|w| write_junit(outcome, w))
}

/// JUnit XML, written to `out` with quick-xml (its escaping, and the layout JUnit viewers
/// read: quick-junit's, byte for byte) as it is produced. quick-junit itself passed every
/// string through an ANSI-escape filter that cost more than linting the corpus. The files'
/// suites are rendered in parallel, a batch at a time: on one thread, writing the corpus's
/// 87,285 findings kept one core busy while the other waited (JUnit took 12-17% longer than
/// json).
pub fn write_junit(outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
    use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
    use rayon::prelude::*;

    let mut by_file: Vec<(&str, Vec<&Diagnostic>)> = outcome
        .files
        .iter()
        .map(|f| (f.path.as_str(), Vec::new()))
        .collect();
    let mut index: std::collections::HashMap<&str, usize> = by_file
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (*path, i))
        .collect();
    for d in &outcome.diagnostics {
        let at = *index.entry(d.path.as_str()).or_insert_with(|| {
            by_file.push((d.path.as_str(), Vec::new()));
            by_file.len() - 1
        });
        by_file[at].1.push(d);
    }
    let failures = outcome.diagnostics.len();
    let tests = failures + by_file.iter().filter(|(_, l)| l.is_empty()).count();
    let mut xml = quick_xml::Writer::new_with_indent(out, b' ', 4);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "scopegate"));
    suites.push_attribute(("tests", tests.to_string().as_str()));
    suites.push_attribute(("skipped", "0"));
    suites.push_attribute(("failures", failures.to_string().as_str()));
    suites.push_attribute(("errors", "0"));
    xml.write_event(Event::Start(suites))?;
    // A suite of many findings (22,361 in one corpus file) in parts, so that it is rendered on
    // both cores too.
    let pieces: Vec<Piece<'_>> = by_file
        .iter()
        .flat_map(|(path, list)| {
            let parts = list.len().div_ceil(CASES_PER_PIECE).max(1);
            (0..parts).map(move |i| Piece {
                path,
                findings: list.len(),
                cases: list
                    .get(i * CASES_PER_PIECE..)
                    .map_or(&[][..], |rest| &rest[..rest.len().min(CASES_PER_PIECE)]),
                head: i == 0,
                tail: i + 1 == parts,
            })
        })
        .collect();
    for batch in pieces.chunks(PIECES_PER_BATCH) {
        let parts = batch
            .par_iter()
            .map(Piece::render)
            .collect::<Vec<Vec<u8>>>();
        for part in parts {
            xml.get_mut().write_all(&part)?;
        }
    }
    xml.write_event(Event::End(BytesEnd::new("testsuites")))?;
    // A trailing newline, as quick-junit ends.
    xml.write_indent()
}

/// Pieces rendered together, in parallel; a batch is written before the next is rendered.
const PIECES_PER_BATCH: usize = 256;

/// The most test cases a piece of a suite renders.
const CASES_PER_PIECE: usize = 512;

/// A file's suite, or a part of it: its start when `head`, some of its test cases, its end
/// when `tail`.
struct Piece<'a> {
    path: &'a str,
    /// The file's findings, all of them (its counts).
    findings: usize,
    cases: &'a [&'a Diagnostic],
    head: bool,
    tail: bool,
}

impl Piece<'_> {
    /// The piece as the report's writer (quick-xml, four spaces a level) lays it out inside
    /// `<testsuites>`: written by hand, as quick-xml's attribute and text escaping went a byte
    /// at a time through several small writes (JUnit took 4-13% longer than json, whose
    /// findings are written the same way). The tests hold it to quick-xml's output.
    fn render(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.cases.len() * 640);
        if self.head {
            out.extend_from_slice(b"\n    <testsuite name=\"");
            escape(&mut out, self.path);
            out.extend_from_slice(b"\" tests=\"");
            number(&mut out, self.findings.max(1));
            out.extend_from_slice(b"\" skipped=\"0\" errors=\"0\" failures=\"");
            number(&mut out, self.findings);
            out.extend_from_slice(b"\">");
        }
        if self.findings == 0 {
            out.extend_from_slice(b"\n        <testcase name=\"no findings\" classname=\"");
            escape(&mut out, self.path);
            out.extend_from_slice(b"\"/>");
        }
        for d in self.cases {
            let position = d.position();
            // `:line:column`, in the case's name and its description.
            let place = |out: &mut Vec<u8>| {
                if let Some(p) = position {
                    out.push(b':');
                    number(out, p.line as usize);
                    out.push(b':');
                    number(out, p.column as usize);
                }
            };
            out.extend_from_slice(b"\n        <testcase name=\"");
            escape(&mut out, d.rule);
            place(&mut out);
            out.extend_from_slice(b"\" classname=\"");
            escape(&mut out, self.path);
            out.extend_from_slice(b"\">\n            <failure message=\"");
            escape(&mut out, &d.message);
            out.extend_from_slice(b"\" type=\"");
            escape(&mut out, d.rule);
            out.extend_from_slice(b"\">");
            // The description: `severity path:line:column: rule: message`.
            out.extend_from_slice(d.severity.name().as_bytes());
            out.push(b' ');
            escape(&mut out, self.path);
            place(&mut out);
            out.extend_from_slice(b": ");
            escape(&mut out, d.rule);
            out.extend_from_slice(b": ");
            escape(&mut out, &d.message);
            out.extend_from_slice(b"</failure>\n        </testcase>");
        }
        if self.tail {
            out.extend_from_slice(b"\n    </testsuite>");
        }
        out
    }
}

fn number(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// `text` as XML attribute values and text hold it: markup and quotes escaped as quick-xml
/// escapes them, and the control characters XML 1.0 cannot hold dropped (an ANSI escape's ESC
/// among them). All of these are ASCII: the runs between them are copied whole.
fn escape(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let with: &[u8] = match b {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'\'' => b"&apos;",
            b'"' => b"&quot;",
            0x00..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        out.extend_from_slice(with);
        run = i + 1;
    }
    out.extend_from_slice(&bytes[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::lint::FileSummary;

    /// The piece as quick-xml writes it (the writer before the hand-written one), and where
    /// the piece starts in it: what `Piece::render` must equal.
    fn quick_xml_render(piece: &Piece<'_>) -> io::Result<(Vec<u8>, usize)> {
        use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

        let mut rendered = Vec::with_capacity(256 + piece.cases.len() * 640);
        let mut xml = quick_xml::Writer::new_with_indent(&mut rendered, b' ', 4);
        xml.write_event(Event::Start(BytesStart::new("x")))?;
        let path = xml_text(piece.path);
        let mut suite = BytesStart::new("testsuite");
        if piece.head {
            suite.push_attribute(("name", path.as_ref()));
            suite.push_attribute(("tests", piece.findings.max(1).to_string().as_str()));
            suite.push_attribute(("skipped", "0"));
            suite.push_attribute(("errors", "0"));
            suite.push_attribute(("failures", piece.findings.to_string().as_str()));
        }
        let wrapper = xml.get_ref().len();
        xml.write_event(Event::Start(suite))?;
        // A later part leaves out the suite's start too.
        let from = if piece.head {
            wrapper
        } else {
            xml.get_ref().len()
        };
        if piece.findings == 0 {
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", "no findings"));
            case.push_attribute(("classname", path.as_ref()));
            xml.write_event(Event::Empty(case))?;
        }
        // A finding's test case name (`rule:line:column`) and description, written into
        // buffers the piece's findings share.
        let (mut name, mut description) = (String::new(), String::new());
        for d in piece.cases {
            use std::fmt::Write as _;
            name.clear();
            name.push_str(d.rule);
            if let Some(p) = d.position() {
                let _ = write!(name, ":{}:{}", p.line, p.column);
            }
            let place = &name[d.rule.len()..];
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", xml_text(&name).as_ref()));
            case.push_attribute(("classname", path.as_ref()));
            xml.write_event(Event::Start(case))?;
            let mut failure = BytesStart::new("failure");
            failure.push_attribute(("message", xml_text(&d.message).as_ref()));
            failure.push_attribute(("type", d.rule));
            xml.write_event(Event::Start(failure))?;
            description.clear();
            let _ = write!(
                description,
                "{} {path}{place}: {}: {}",
                d.severity, d.rule, d.message
            );
            xml.write_event(Event::Text(BytesText::new(&xml_text(&description))))?;
            xml.write_event(Event::End(BytesEnd::new("failure")))?;
            xml.write_event(Event::End(BytesEnd::new("testcase")))?;
        }
        if piece.tail {
            xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
        }
        Ok((rendered, from))
    }

    /// Text without the control characters XML 1.0 cannot hold (quick-xml escapes the rest).
    fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
        let invalid = |c: char| matches!(c, '\x00'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f');
        // Bytes, not characters: they are ASCII, and a byte scan decodes no UTF-8 (the character
        // scan was 15% of the JUnit writer's time on the corpus).
        // Below 0x20 first: one comparison for nearly every byte.
        if text.bytes().any(|b| b < 0x20 && invalid(char::from(b))) {
            std::borrow::Cow::Owned(text.replace(invalid, ""))
        } else {
            std::borrow::Cow::Borrowed(text)
        }
    }

    fn finding(path: &str, rule: &'static str, message: &str) -> Diagnostic {
        Diagnostic::in_file(
            rule,
            Severity::Error,
            message,
            std::path::Path::new(path),
            Some(crate::load::Position { line: 3, column: 7 }),
        )
    }

    /// Suites rendered apart (in parallel) are laid out as one writer lays out the whole: a
    /// clean file's passing case, findings with a message over two lines, more suites than a
    /// batch holds, and no suite at all.
    #[test]
    fn suites_rendered_apart_are_laid_out_as_one_document() {
        let file = |path: &str| FileSummary {
            path: path.into(),
            spec_version: None,
            operations: 1,
        };
        let outcome = Outcome {
            files: vec![file("a.yaml"), file("b.yaml")],
            diagnostics: vec![
                finding("b.yaml", "scope-name", "first"),
                finding("b.yaml", "scope-unused", "two\nlines"),
            ],
            unreadable: 0,
        };
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="scopegate" tests="3" skipped="0" failures="2" errors="0">
    <testsuite name="a.yaml" tests="1" skipped="0" errors="0" failures="0">
        <testcase name="no findings" classname="a.yaml"/>
    </testsuite>
    <testsuite name="b.yaml" tests="2" skipped="0" errors="0" failures="2">
        <testcase name="scope-name:3:7" classname="b.yaml">
            <failure message="first" type="scope-name">error b.yaml:3:7: scope-name: first</failure>
        </testcase>
        <testcase name="scope-unused:3:7" classname="b.yaml">
            <failure message="two
lines" type="scope-unused">error b.yaml:3:7: scope-unused: two
lines</failure>
        </testcase>
    </testsuite>
</testsuites>
"#;
        assert_eq!(junit(&outcome), expected);
        let many = Outcome {
            files: (0..PIECES_PER_BATCH + 3)
                .map(|i| file(&format!("f{i}.yaml")))
                .collect(),
            diagnostics: Vec::new(),
            unreadable: 0,
        };
        let xml = junit(&many);
        assert_eq!(xml.matches("<testsuite ").count(), PIECES_PER_BATCH + 3);
        assert!(xml.contains("    </testsuite>\n    <testsuite name=\"f256.yaml\""));
        assert!(xml.ends_with("    </testsuite>\n</testsuites>\n"), "{xml}");
        // A file with more findings than a piece renders: its suite is written in parts, and
        // reads as the suite rendered whole.
        let big: Vec<Diagnostic> = (0..2 * CASES_PER_PIECE + 5)
            .map(|i| finding("c.yaml", "scope-name", &format!("finding {i}")))
            .collect();
        let whole = Piece {
            path: "c.yaml",
            findings: big.len(),
            cases: &big.iter().collect::<Vec<_>>(),
            head: true,
            tail: true,
        }
        .render();
        let split = junit(&Outcome {
            files: vec![file("c.yaml")],
            diagnostics: big,
            unreadable: 0,
        });
        let expected = String::from_utf8(whole).unwrap();
        assert!(split.ends_with(&format!(" errors=\"0\">{expected}\n</testsuites>\n")));
        assert_eq!(split.matches("<testsuite ").count(), 1);
        let none = Outcome::default();
        assert_eq!(
            junit(&none),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"scopegate\" tests=\"0\" skipped=\"0\" failures=\"0\" errors=\"0\">\n</testsuites>\n"
        );
    }

    /// Pieces written by hand are what quick-xml writes for them: heads, tails and middles,
    /// a clean file's, findings with and without a position, and texts with markup, quotes,
    /// control characters XML cannot hold and multi-byte characters, in messages and paths.
    #[test]
    fn pieces_are_written_as_quick_xml_writes_them() {
        let messages = [
            "plain",
            "`<a href=\"x\">` & 'b' \u{1b}[31mred\u{0} é 日本",
            "two\nlines\r\tand\u{b}\u{c}\u{1f}\u{7f}",
            "",
        ];
        let mut cases = Vec::new();
        for (i, message) in messages.iter().enumerate() {
            let mut d = finding("a <&'\">.yaml", "scope-name", message);
            if i % 2 == 1 {
                d.located = None;
            }
            d.severity = [
                Severity::Error,
                Severity::Warning,
                Severity::Info,
                Severity::Hint,
            ][i];
            cases.push(d);
        }
        let cases: Vec<&Diagnostic> = cases.iter().collect();
        for path in ["a <&'\">.yaml", "plain.yaml", "\u{1}é.json"] {
            for (findings, cases) in [(0, &[][..]), (4, &cases[..]), (9, &cases[1..3])] {
                for (head, tail) in [(true, true), (true, false), (false, false), (false, true)] {
                    let piece = Piece {
                        path,
                        findings,
                        cases,
                        head,
                        tail,
                    };
                    let (reference, from) = quick_xml_render(&piece).unwrap();
                    assert_eq!(
                        String::from_utf8(piece.render()).unwrap(),
                        String::from_utf8(reference[from..].to_vec()).unwrap(),
                        "{path} {findings} {head} {tail}"
                    );
                }
            }
        }
    }

    /// Markup and quotes in a finding are escaped, and control characters XML cannot hold
    /// (an ANSI escape's ESC among them) are dropped, so the report still parses.
    #[test]
    fn junit_escapes_what_a_document_puts_in_a_message() {
        let message = "`<a href=\"x\">` & 'b' \u{1b}[31mred\u{0}";
        let outcome = Outcome {
            files: vec![FileSummary {
                path: "api <1>.yaml".into(),
                spec_version: None,
                operations: 0,
            }],
            diagnostics: vec![Diagnostic {
                rule: "scope-name",
                severity: Severity::Error,
                message: message.into(),
                path: "api <1>.yaml".into(),
                source: None,
                pointer: None,
                span: None,
                operation: None,
                located: None,
                located_end: None,
            }],
            unreadable: 0,
        };
        let xml = junit(&outcome);
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut seen = Vec::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                quick_xml::events::Event::Eof => break,
                quick_xml::events::Event::Start(tag) if tag.name().as_ref() == b"failure" => {
                    let attribute = tag.try_get_attribute("message").unwrap().unwrap();
                    seen.push(
                        attribute
                            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .unwrap()
                            .into_owned(),
                    );
                }
                _ => {}
            }
        }
        assert_eq!(seen, ["`<a href=\"x\">` & 'b' [31mred"]);
        assert!(
            xml.contains("<testsuite name=\"api &lt;1&gt;.yaml\""),
            "{xml}"
        );
    }
}

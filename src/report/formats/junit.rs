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
/// string through an ANSI-escape filter that cost more than linting the corpus.
pub fn write_junit(outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
    use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

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
    for (path, list) in &by_file {
        let path = xml_text(path);
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", path.as_ref()));
        suite.push_attribute(("tests", list.len().max(1).to_string().as_str()));
        suite.push_attribute(("skipped", "0"));
        suite.push_attribute(("errors", "0"));
        suite.push_attribute(("failures", list.len().to_string().as_str()));
        xml.write_event(Event::Start(suite))?;
        if list.is_empty() {
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", "no findings"));
            case.push_attribute(("classname", path.as_ref()));
            xml.write_event(Event::Empty(case))?;
        }
        for d in list {
            let place = d
                .position()
                .map(|p| format!(":{}:{}", p.line, p.column))
                .unwrap_or_default();
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", xml_text(&format!("{}{place}", d.rule)).as_ref()));
            case.push_attribute(("classname", path.as_ref()));
            xml.write_event(Event::Start(case))?;
            let mut failure = BytesStart::new("failure");
            failure.push_attribute(("message", xml_text(&d.message).as_ref()));
            failure.push_attribute(("type", d.rule));
            xml.write_event(Event::Start(failure))?;
            let description = format!("{} {path}{place}: {}: {}", d.severity, d.rule, d.message);
            xml.write_event(Event::Text(BytesText::new(&xml_text(&description))))?;
            xml.write_event(Event::End(BytesEnd::new("failure")))?;
            xml.write_event(Event::End(BytesEnd::new("testcase")))?;
        }
        xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("testsuites")))?;
    // A trailing newline, as quick-junit ends.
    xml.write_indent()
}

/// Text without the control characters XML 1.0 cannot hold (quick-xml escapes the rest).
fn xml_text(text: &str) -> std::borrow::Cow<'_, str> {
    let invalid = |c: char| matches!(c, '\x00'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f');
    // Bytes, not characters: they are ASCII, and a byte scan decodes no UTF-8 (the character
    // scan was 15% of the JUnit writer's time on the corpus).
    if text.bytes().any(|b| invalid(char::from(b))) {
        std::borrow::Cow::Owned(text.replace(invalid, ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::lint::FileSummary;

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

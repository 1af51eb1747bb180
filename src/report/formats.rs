//! Machine formats: `json` (the contract of SPEC section 5), `sarif` 2.1.0, GitHub workflow
//! commands, and JUnit XML.

use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use serde_json::{json, Value};

use crate::diagnostic::{Diagnostic, OperationRef, Severity, NOT_RULES};
use crate::lint::{FileSummary, Outcome};
use crate::rules;

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    hints: usize,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    pointer: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'a OperationRef>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Report<'a> {
    tool: Tool,
    files: &'a [FileSummary],
    findings: ItemsHere,
    summary: Summary,
}

/// Where a report's findings go: its skeleton is serialized with this marker in their place,
/// and [`write_with_items`] writes the findings there.
struct ItemsHere;

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
fn write_with_items<'a, T: Serialize>(
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
    let inner = format!("{outer}  ");
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
                .map(|(chunk, items)| render_items(items, batch == 0 && chunk == 0, &inner, form))
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

/// `items` as array elements at the depth `indent` gives: each after `,` (none before the
/// array's first), on a line of its own, its own lines moved to that depth.
fn render_items<'a, T: Serialize>(
    items: &'a [Diagnostic],
    first_of_array: bool,
    indent: &str,
    form: fn(&'a Diagnostic) -> T,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut part = Vec::with_capacity(items.len() * 512);
    let mut one = Vec::with_capacity(1024);
    for (i, item) in items.iter().enumerate() {
        part.extend_from_slice(if first_of_array && i == 0 {
            b"\n"
        } else {
            b",\n"
        });
        part.extend_from_slice(indent.as_bytes());
        one.clear();
        serde_json::to_writer_pretty(&mut one, &form(item))?;
        // Pretty output has no raw newline inside a string: each starts a line.
        let mut from = 0;
        for newline in memchr::memchr_iter(b'\n', &one) {
            part.extend_from_slice(&one[from..=newline]);
            part.extend_from_slice(indent.as_bytes());
            from = newline + 1;
        }
        part.extend_from_slice(&one[from..]);
    }
    Ok(part)
}

/// Runs a writer into a string.
fn to_string(write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to memory");
    String::from_utf8(out).expect("the formats write UTF-8")
}

/// The JSON contract, as a string.
pub fn json(outcome: &Outcome) -> String {
    to_string(|w| write_json(outcome, w))
}

fn finding(d: &Diagnostic) -> Finding<'_> {
    let position = d.position();
    Finding {
        rule: d.rule,
        severity: d.severity,
        message: &d.message,
        file: &d.path,
        pointer: d.pointer.as_ref().map(|p| p.as_str()),
        line: position.map(|p| p.line),
        column: position.map(|p| p.column),
        operation: d.operation.as_ref(),
    }
}

/// The JSON contract, written as it is serialized (from borrowed structs, not a `Value` tree).
pub fn write_json(outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
    let report = Report {
        tool: Tool {
            name: "scopegate",
            version: crate::VERSION,
        },
        files: &outcome.files,
        findings: ItemsHere,
        summary: Summary {
            files: outcome.files.len(),
            errors: outcome.count(Severity::Error),
            warnings: outcome.count(Severity::Warning),
            infos: outcome.count(Severity::Info),
            hints: outcome.count(Severity::Hint),
        },
    };
    write_with_items(&report, &outcome.diagnostics, finding, out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    partial_fingerprints: Fingerprints,
    locations: [SarifLocation<'a>; 1],
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "primaryLocationLineHash/v1")]
    primary: String,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    physical_location: Physical,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[Logical<'a>; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// SARIF 2.1.0, for GitHub code scanning, as a string.
pub fn sarif(outcome: &Outcome) -> String {
    to_string(|w| write_sarif(outcome, w))
}

/// One finding as a SARIF result.
fn sarif_result(d: &Diagnostic) -> SarifResult<'_> {
    SarifResult {
        rule_id: d.rule,
        rule_index: rule_index(d.rule),
        level: sarif_level(d.severity),
        message: Text { text: &d.message },
        partial_fingerprints: Fingerprints {
            primary: fingerprint(d),
        },
        locations: [SarifLocation {
            physical_location: Physical {
                artifact_location: artifact(&d.path),
                region: d.position().map(|p| {
                    let end = d.located_end.filter(|e| *e > p);
                    Region {
                        start_line: p.line,
                        start_column: p.column,
                        end_line: end.map(|e| e.line),
                        end_column: end.map(|e| e.column),
                    }
                }),
            },
            logical_locations: d.pointer.as_ref().map(|p| {
                [Logical {
                    fully_qualified_name: p.as_str(),
                    kind: "member",
                }]
            }),
        }],
    }
}

/// The index of rule `id` among the SARIF driver's rules.
fn rule_index(id: &str) -> Option<usize> {
    rules::ALL
        .iter()
        .map(|r| r.id)
        .chain(NOT_RULES.iter().map(|(id, _)| *id))
        .position(|known| known == id)
}

/// SARIF 2.1.0, written as it is serialized.
pub fn write_sarif(outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
    let mut rules: Vec<Value> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                // The page once, as markdown; the text form is the summary (viewers that
                // cannot render markdown show it with the link to `scopegate rules ID`).
                "help": {
                    "text": format!("{} (`scopegate rules {}` prints the rule's page)", r.summary, r.id),
                    "markdown": r.doc,
                },
                "defaultConfiguration": {"level": sarif_level(r.severity)},
            })
        })
        .collect();
    // What is not a lint rule (an unreadable document, a configuration or groups file
    // mistake) is described too, so that every result's `ruleIndex` names its own entry.
    rules.extend(NOT_RULES.iter().map(|(id, summary)| {
        json!({
            "id": id,
            "name": id,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": summary},
            "defaultConfiguration": {"level": "error"},
        })
    }));
    let sarif = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({"driver": {
                "name": "scopegate",
                "version": crate::VERSION,
                "semanticVersion": crate::VERSION,
                "informationUri": "https://github.com/scopegate/scopegate",
                "rules": rules,
            }}),
            results: ItemsHere,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: json!({
                SRCROOT: {
                    "uri": source_root(),
                    "description": {"text": "The directory scopegate ran in; relative paths are relative to it."},
                }
            }),
        }],
    };
    write_with_items(&sarif, &outcome.diagnostics, sarif_result, out)
}

#[derive(Serialize)]
struct Sarif {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Value,
    results: ItemsHere,
    column_kind: &'static str,
    original_uri_base_ids: Value,
}

/// The base id relative artifact URIs are resolved against, as code-scanning uploads expect.
const SRCROOT: &str = "%SRCROOT%";

/// The working directory as a `file:` URI ending in `/`.
fn source_root() -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = cwd.to_string_lossy().replace('\\', "/");
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let mut root = format!("file://{}", uri(&path));
    if !root.ends_with('/') {
        root.push('/');
    }
    root
}

/// A relative path under `%SRCROOT%`, an absolute one as a `file:` URI.
fn artifact(path: &str) -> Artifact {
    let path = path.strip_prefix("./").unwrap_or(path);
    if path.starts_with('/') {
        Artifact {
            uri: format!("file://{}", uri(path)),
            uri_base_id: None,
        }
    } else {
        Artifact {
            uri: uri(path),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// What identifies a finding across runs, whatever moved around it: rule, file, pointer and
/// message (as the baseline compares), hashed. Lines are left out so that an edit above a
/// finding does not make code scanning see a new alert.
fn fingerprint(d: &Diagnostic) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in [
        d.rule,
        d.path.strip_prefix("./").unwrap_or(&d.path),
        d.pointer.as_ref().map_or("", |p| p.as_str()),
        d.message.as_str(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let mut hex = String::with_capacity(32);
    for b in &hash.finalize()[..16] {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// A relative path as a URI reference: `/` separators, and the characters URIs reserve
/// percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=...::message`.
pub fn github(outcome: &Outcome) -> String {
    to_string(|w| write_github(outcome, w))
}

/// GitHub Actions workflow commands, written one by one.
pub fn write_github(outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
    for d in &outcome.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Hint => "notice",
        };
        let mut properties = vec![format!("file={}", escape_property(&d.path))];
        if let Some(p) = d.position() {
            properties.push(format!("line={}", p.line));
            properties.push(format!("col={}", p.column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("scopegate {}", d.rule))
        ));
        writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&d.message)
        )?;
    }
    Ok(())
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

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

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a,b:c%"), "a%2Cb%3Ac%25");
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
            write_with_items(&document(ItemsHere), &diagnostics, finding, &mut written).unwrap();
            let whole: Vec<Finding<'_>> = diagnostics.iter().map(finding).collect();
            let expected = serde_json::to_string_pretty(&document(whole)).unwrap() + "\n";
            assert_eq!(
                String::from_utf8(written).unwrap(),
                expected,
                "{count} items"
            );
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

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("api/my spec(1).yaml"), "api/my%20spec%281%29.yaml");
    }
}

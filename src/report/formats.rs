//! Machine formats: `json` (the contract of SPEC section 5), `sarif` 2.1.0, GitHub workflow
//! commands, and JUnit XML.

use std::fmt::Write;

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
    findings: Vec<Finding<'a>>,
    summary: Summary,
}

/// The JSON contract. Serialized from borrowed structs, not a `Value` tree, so that a run
/// with a hundred thousand findings stays small.
pub fn json(outcome: &Outcome) -> String {
    let findings = outcome
        .diagnostics
        .iter()
        .map(|d| {
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
        })
        .collect();
    let report = Report {
        tool: Tool {
            name: "scopegate",
            version: crate::VERSION,
        },
        files: &outcome.files,
        findings,
        summary: Summary {
            files: outcome.files.len(),
            errors: outcome.count(Severity::Error),
            warnings: outcome.count(Severity::Warning),
            infos: outcome.count(Severity::Info),
            hints: outcome.count(Severity::Hint),
        },
    };
    serde_json::to_string_pretty(&report).expect("json") + "\n"
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

/// SARIF 2.1.0, for GitHub code scanning.
pub fn sarif(outcome: &Outcome) -> String {
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
    let rule_index = |id: &str| {
        rules::ALL
            .iter()
            .map(|r| r.id)
            .chain(NOT_RULES.iter().map(|(id, _)| *id))
            .position(|known| known == id)
    };
    let results: Vec<SarifResult<'_>> = outcome
        .diagnostics
        .iter()
        .map(|d| SarifResult {
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
        })
        .collect();
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
            results,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: json!({
                SRCROOT: {
                    "uri": source_root(),
                    "description": {"text": "The directory scopegate ran in; relative paths are relative to it."},
                }
            }),
        }],
    };
    serde_json::to_string_pretty(&sarif).expect("sarif") + "\n"
}

#[derive(Serialize)]
struct Sarif<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    results: Vec<SarifResult<'a>>,
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
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
    let mut out = String::new();
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
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&d.message)
        );
    }
    out
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
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

    let mut by_file: Vec<(&str, Vec<&Diagnostic>)> = outcome
        .files
        .iter()
        .map(|f| (f.path.as_str(), Vec::new()))
        .collect();
    for d in &outcome.diagnostics {
        match by_file.iter_mut().find(|(p, _)| *p == d.path) {
            Some((_, list)) => list.push(d),
            None => by_file.push((d.path.as_str(), vec![d])),
        }
    }
    let mut report = Report::new("scopegate");
    for (path, list) in &by_file {
        let mut suite = TestSuite::new(*path);
        if list.is_empty() {
            let mut case = TestCase::new("no findings", TestCaseStatus::success());
            case.set_classname(*path);
            suite.add_test_case(case);
        }
        for d in list {
            let place = d
                .position()
                .map(|p| format!(":{}:{}", p.line, p.column))
                .unwrap_or_default();
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_type(d.rule)
                .set_message(d.message.as_str())
                .set_description(format!(
                    "{} {path}{place}: {}: {}",
                    d.severity, d.rule, d.message
                ));
            let mut case = TestCase::new(format!("{}{place}", d.rule), status);
            case.set_classname(*path);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .expect("a JUnit report of strings serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a,b:c%"), "a%2Cb%3Ac%25");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("api/my spec(1).yaml"), "api/my%20spec%281%29.yaml");
    }
}

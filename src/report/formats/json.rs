//! The JSON contract of SPEC section 5.

use std::io;

use serde::Serialize;

use super::batch::{write_with_items, ItemsHere};
use super::pretty_json::Pretty;
use super::to_string;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{FileSummary, Outcome};

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    hints: usize,
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

/// The JSON contract, as a string.
pub fn json(outcome: &Outcome) -> String {
    to_string(|w| write_json(outcome, w))
}

/// One finding, as the JSON contract has it (SPEC section 5); `operation` only when the
/// finding belongs to one.
fn write_finding(w: &mut Pretty<'_>, d: &Diagnostic) {
    let position = d.position();
    w.object(|w| {
        w.key("rule").string(d.rule);
        w.key("severity").string(d.severity.name());
        w.key("message").string(&d.message);
        w.key("file").string(&d.path);
        w.key("pointer")
            .string_or_null(d.pointer.as_ref().map(|p| p.as_str()));
        w.key("line")
            .number_or_null(position.map(|p| u64::from(p.line)));
        w.key("column")
            .number_or_null(position.map(|p| u64::from(p.column)));
        if let Some(operation) = &d.operation {
            w.key("operation").object(|w| {
                w.key("method").string(&operation.method);
                w.key("path").string(&operation.path);
            });
        }
    });
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
    write_with_items(&report, &outcome.diagnostics, write_finding, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::OperationRef;
    use crate::load::{Pointer, Position};

    /// The contract's finding as serde writes it, which the hand-written one must equal.
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

    /// Findings with and without a pointer, a position and an operation, with texts that need
    /// escapes: each written as serde_json's pretty printer writes the contract's struct.
    #[test]
    fn findings_are_written_as_serde_writes_the_contract() {
        let mut findings = Vec::new();
        for (i, message) in ["plain", "a \"quoted\" \\ text\n\t\u{1}", "é 日本"]
            .into_iter()
            .enumerate()
        {
            for severity in [
                Severity::Error,
                Severity::Warning,
                Severity::Info,
                Severity::Hint,
            ] {
                let mut d = Diagnostic::in_file(
                    "scope-name",
                    severity,
                    message,
                    std::path::Path::new("api/sp\"ec.yaml"),
                    (i > 0).then_some(Position {
                        line: 3,
                        column: 4_000_000_000,
                    }),
                );
                if i != 1 {
                    d.pointer = Some(Pointer::root().join("paths").join("/a\"b"));
                    d.operation = Some(OperationRef {
                        method: "GET".into(),
                        path: format!("/items/{{id}}\\{i}"),
                    });
                }
                findings.push(d);
            }
        }
        for d in &findings {
            let mut written = Vec::new();
            write_finding(&mut Pretty::new(&mut written, 4), d);
            let position = d.position();
            let expected = serde_json::to_string_pretty(&Finding {
                rule: d.rule,
                severity: d.severity,
                message: &d.message,
                file: &d.path,
                pointer: d.pointer.as_ref().map(|p| p.as_str()),
                line: position.map(|p| p.line),
                column: position.map(|p| p.column),
                operation: d.operation.as_ref(),
            })
            .unwrap()
            .replace('\n', "\n    ");
            assert_eq!(String::from_utf8(written).unwrap(), expected);
        }
    }
}

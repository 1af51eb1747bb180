//! The JSON contract of SPEC section 5.

use std::io;

use serde::Serialize;

use super::batch::{write_with_items, ItemsHere};
use super::to_string;
use crate::diagnostic::{Diagnostic, OperationRef, Severity};
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
pub(super) struct Finding<'a> {
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

/// The JSON contract, as a string.
pub fn json(outcome: &Outcome) -> String {
    to_string(|w| write_json(outcome, w))
}

pub(super) fn finding(d: &Diagnostic) -> Finding<'_> {
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

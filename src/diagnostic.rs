//! Diagnostics: everything a user can get wrong in a file (an OpenAPI document, the
//! configuration, a groups file, a table checked against groups), with the file, pointer and
//! span it is about. Every output format (`report`) renders them alike.

use std::sync::Arc;

use serde::Serialize;

use crate::load::{LoadError, Pointer, Position, SourceFile, Span};
#[cfg(feature = "lint")]
use crate::model::{DocumentProblem, Location};

/// The one severity scale (also used by configuration and groups validation).
pub use crate::severity::Severity;

/// The operation a finding belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OperationRef {
    pub method: String,
    pub path: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The file as reports print it.
    pub path: String,
    /// The file's text, when it could be read.
    pub source: Option<Arc<SourceFile>>,
    pub pointer: Option<Pointer>,
    pub span: Option<Span>,
    pub operation: Option<OperationRef>,
    /// Line and column of `span`, once [`locate`] has computed them.
    pub located: Option<Position>,
    /// Line and column of the end of `span` (exclusive), computed with `located`.
    pub located_end: Option<Position>,
}

/// A file that is not a readable OpenAPI document, or a part the model cannot read.
pub const INVALID_DOCUMENT: &str = "invalid-document";
/// A mistake in `scopegate.yaml`.
pub const INVALID_CONFIG: &str = "invalid-config";
/// A mistake in an access-groups file: its shape, or its consistency (a missing group, a
/// redefined built-in, a duplicate client).
pub const INVALID_GROUPS: &str = "invalid-groups";
/// `groups validate`: a permission or listed scope that grants no scope of the table, a group
/// that grants nothing, an inactive default, an application of unknown kind.
pub const GROUPS_TABLE: &str = "groups-table";

/// The diagnostics that are not lint rules (`invalid-document` is listed with the rules), with
/// what each means: SARIF describes them beside the rules.
pub const NOT_RULES: [(&str, &str); 3] = [
    (INVALID_CONFIG, "A mistake in scopegate.yaml."),
    (
        INVALID_GROUPS,
        "A mistake in an access-groups file: its shape or its consistency.",
    ),
    (
        GROUPS_TABLE,
        "Access groups that do not fit the permission table they are checked against.",
    ),
];

impl Diagnostic {
    /// At `span` of a file that was read.
    pub fn in_source(
        rule: &'static str,
        severity: Severity,
        message: impl Into<String>,
        source: &Arc<SourceFile>,
        span: Span,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            path: source.display_path(),
            source: Some(source.clone()),
            pointer: None,
            span: Some(span),
            operation: None,
            located: None,
            located_end: None,
        }
    }

    /// About a file as a whole, or at a position known without its text.
    pub fn in_file(
        rule: &'static str,
        severity: Severity,
        message: impl Into<String>,
        path: &std::path::Path,
        position: Option<Position>,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            path: path.to_string_lossy().replace('\\', "/"),
            source: None,
            pointer: None,
            span: None,
            operation: None,
            located: position,
            located_end: None,
        }
    }

    /// The same diagnostic under another id (a load error of a configuration or groups file is
    /// that file's mistake, not an `invalid-document`).
    pub fn as_rule(self, rule: &'static str) -> Diagnostic {
        Diagnostic { rule, ..self }
    }

    #[cfg(feature = "lint")]
    pub fn at(
        rule: &'static str,
        severity: Severity,
        message: String,
        at: &Location,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            message,
            path: at.file.display_path(),
            source: Some(at.file.clone()),
            pointer: Some(at.pointer.clone()),
            span: Some(at.span),
            operation: None,
            located: None,
            located_end: None,
        }
    }

    /// A file that could not be read, parsed or recognised.
    pub fn from_load_error(error: &LoadError) -> Diagnostic {
        Diagnostic {
            rule: INVALID_DOCUMENT,
            severity: Severity::Error,
            message: error.message.clone(),
            path: error.path.to_string_lossy().replace('\\', "/"),
            source: error.source.clone(),
            pointer: None,
            span: error.span,
            operation: None,
            located: None,
            located_end: None,
        }
    }

    #[cfg(feature = "lint")]
    /// Something the model could not read (a broken `$ref`, a field of the wrong type).
    pub fn from_problem(problem: &DocumentProblem) -> Diagnostic {
        Diagnostic::at(
            INVALID_DOCUMENT,
            Severity::Error,
            problem.message.clone(),
            &problem.at,
        )
    }

    /// Line and column, when the diagnostic has a place in a readable file.
    pub fn position(&self) -> Option<Position> {
        if self.located.is_some() {
            return self.located;
        }
        Some(self.source.as_ref()?.position(self.span?.start as usize))
    }
}

/// `file:line:col: message` (or `file: message` without a place): the short form commands print
/// for a file they cannot go on with. Reports (`report`) add the severity and the id.
impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position() {
            Some(p) => write!(f, "{}:{}:{}: {}", self.path, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Computes every diagnostic's line and column once. Findings of one file are visited in
/// offset order, so columns on one long line (minified JSON) are counted incrementally
/// instead of from the line start each time.
pub fn locate(diagnostics: &mut [Diagnostic]) {
    let mut order: Vec<usize> = (0..diagnostics.len())
        .filter(|&i| diagnostics[i].span.is_some())
        .collect();
    order.sort_by_key(|&i| {
        let d = &diagnostics[i];
        (d.source.as_ref().map(Arc::as_ptr), d.span.map(|s| s.start))
    });
    // The previous diagnostic's file, byte offset and position.
    let mut previous: Option<(*const SourceFile, usize, Position)> = None;
    for i in order {
        let d = &diagnostics[i];
        let (Some(source), Some(span)) = (&d.source, d.span) else {
            continue;
        };
        let text = source.text.as_str();
        let mut offset = (span.start as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = source.lines().line_of(offset);
        let position = match previous {
            Some((file, from, p))
                if file == Arc::as_ptr(source) && p.line as usize == line + 1 && from <= offset =>
            {
                Position {
                    line: p.line,
                    column: p.column + text[from..offset].chars().count() as u32,
                }
            }
            _ => source.position(offset),
        };
        previous = Some((Arc::as_ptr(source), offset, position));
        let mut end = (span.end as usize).clamp(offset, text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        // On another line (a line index lookup, not a scan of a span that may be a whole
        // operation), or counted on from the start.
        let end_position = if source.lines().line_of(end) != line {
            source.position(end)
        } else {
            Position {
                line: position.line,
                column: position.column + text[offset..end].chars().count() as u32,
            }
        };
        diagnostics[i].located = Some(position);
        diagnostics[i].located_end = Some(end_position);
    }
}

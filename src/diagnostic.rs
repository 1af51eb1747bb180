//! Diagnostics: everything a user can get wrong in a file (an OpenAPI document, the
//! configuration, a groups file, a table checked against groups), with the file, pointer and
//! span it is about. Every output format (`report`) renders them alike.

use std::sync::Arc;

use serde::Serialize;

use crate::load::source::{count_chars, floor_char_boundary};
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

/// Computes every diagnostic's line and column once, where it starts and where it ends. The
/// offsets of one file, starts and ends together, are visited in order, so columns on one long
/// line (minified JSON) are counted on from the previous offset: a file's text is counted over
/// once, not once per finding (a finding's span may be a whole operation).
pub fn locate(diagnostics: &mut [Diagnostic]) {
    // Per offset of a diagnostic with a place: its file, the offset on a character boundary,
    // and which diagnostic's start (even) or end (odd) it is.
    let mut order: Vec<(*const SourceFile, usize, usize)> = Vec::new();
    for (i, d) in diagnostics.iter().enumerate() {
        let (Some(source), Some(span)) = (&d.source, d.span) else {
            continue;
        };
        let text = source.text.as_str();
        let floor = |offset: usize| floor_char_boundary(text, offset.min(text.len()));
        let start = floor(span.start as usize);
        let end = floor((span.end as usize).max(start));
        order.push((Arc::as_ptr(source), start, 2 * i));
        order.push((Arc::as_ptr(source), end, 2 * i + 1));
    }
    order.sort_unstable();
    // The previous offset's file, byte offset, line index and position.
    let mut previous: Option<(*const SourceFile, usize, usize, Position)> = None;
    for (file, offset, slot) in order {
        let d = &mut diagnostics[slot / 2];
        let source = d.source.as_ref().expect("ordered by its source");
        let line = source.lines().line_of(offset);
        let position = match previous {
            Some((f, from, l, p)) if f == file && l == line => Position {
                line: p.line,
                column: p.column + count_chars(&source.text[from..offset]) as u32,
            },
            _ => source.position(offset),
        };
        previous = Some((file, offset, line, position));
        if slot % 2 == 0 {
            d.located = Some(position);
        } else {
            d.located_end = Some(position);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counted on from one offset to the next, starts and ends are where the line index puts
    /// them: on one long line with multi-byte characters, with spans that nest and overlap,
    /// across lines, in two files, and for a diagnostic that came with a position of its own.
    #[test]
    fn located_starts_and_ends_are_the_files_positions() {
        let one_line = SourceFile::new(
            "a.json",
            "{\"é\": [\"ü\", {\"x\": \"ß€\"}], \"y\": 1}".into(),
        );
        let lines = SourceFile::new("b.yaml", "a: é\nbb: [1, 2]\n\nc: ü€\n".into());
        let spans = [
            (&one_line, 0, 34),
            (&one_line, 7, 12),
            (&one_line, 2, 22),
            (&one_line, 14, 14),
            (&one_line, 3, 4), // inside `é`: each end is floored to its start
            (&lines, 3, 9),
            (&lines, 8, 30),
            (&lines, 0, 1),
        ];
        let mut diagnostics: Vec<Diagnostic> = spans
            .iter()
            .map(|&(source, start, end)| {
                Diagnostic::in_source("r", Severity::Error, "m", source, Span::new(start, end))
            })
            .collect();
        let given = Position { line: 3, column: 7 };
        diagnostics.push(Diagnostic::in_file(
            "r",
            Severity::Error,
            "m",
            std::path::Path::new("c.json"),
            Some(given),
        ));
        locate(&mut diagnostics);
        for (d, &(source, start, end)) in diagnostics.iter().zip(&spans) {
            let end = end.min(source.text.len());
            assert_eq!(d.located, Some(source.position(start)), "{start}..{end}");
            assert_eq!(d.located_end, Some(source.position(end)), "{start}..{end}");
        }
        assert_eq!(diagnostics[spans.len()].position(), Some(given));
    }
}

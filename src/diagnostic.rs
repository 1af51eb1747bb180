//! Diagnostics: what every stage reports, with the file, pointer and span it is about.

use std::sync::Arc;

use serde::Serialize;

use crate::load::{LoadError, Pointer, Position, SourceFile, Span};
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

pub const INVALID_DOCUMENT: &str = "invalid-document";

impl Diagnostic {
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
        let within = &text[offset..end];
        let end_position = if within.contains('\n') {
            source.position(end)
        } else {
            Position {
                line: position.line,
                column: position.column + within.chars().count() as u32,
            }
        };
        diagnostics[i].located = Some(position);
        diagnostics[i].located_end = Some(end_position);
    }
}

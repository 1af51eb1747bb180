//! Diagnostics: what every stage reports, with the file, pointer and span it is about.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::load::{LoadError, Pointer, Position, SourceFile, Span};
use crate::model::{Location, Problem};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Hint => "hint",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

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
        }
    }

    /// Something the model could not read (a broken `$ref`, a field of the wrong type).
    pub fn from_problem(problem: &Problem) -> Diagnostic {
        Diagnostic::at(
            INVALID_DOCUMENT,
            Severity::Error,
            problem.message.clone(),
            &problem.at,
        )
    }

    /// Line and column, when the diagnostic has a place in a readable file.
    pub fn position(&self) -> Option<Position> {
        Some(self.source.as_ref()?.position(self.span?.start as usize))
    }
}

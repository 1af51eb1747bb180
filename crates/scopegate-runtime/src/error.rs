//! Why a table was refused: its own module, so that the table and the access groups it embeds
//! can both say so without importing each other.

use std::fmt;

/// Why a table (or the access groups embedded in it) was refused: a [`kind`](Self::kind) to
/// act on, and a message for people that names the file and the place.
///
/// ```
/// use scopegate_runtime::{Table, TableErrorKind};
///
/// let e = Table::from_json(r#"{"format": "scopegate-permissions", "format_version": 9}"#)
///     .unwrap_err();
/// assert_eq!(e.kind(), TableErrorKind::UnsupportedVersion);
/// assert!(e.to_string().contains("version 9 is not supported"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    kind: TableErrorKind,
    message: String,
}

/// What went wrong with a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TableErrorKind {
    /// The file could not be read.
    Io,
    /// Not a permission table: not JSON, or another `format`.
    NotATable,
    /// A `format_version` this build does not read (or none).
    UnsupportedVersion,
    /// A permission table whose content is wrong: unknown or missing fields, a route naming a
    /// source that does not exist, access groups that do not resolve.
    Invalid,
    /// A reload was asked of an evaluator that was not loaded from a file.
    NotFromFile,
}

impl TableError {
    pub(crate) fn new(kind: TableErrorKind, message: impl Into<String>) -> TableError {
        TableError {
            kind,
            message: message.into(),
        }
    }

    /// The same error, its message prefixed with `context` (such as the file's path).
    pub(crate) fn within(self, context: &str) -> TableError {
        TableError {
            kind: self.kind,
            message: format!("{context}: {}", self.message),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> TableErrorKind {
        self.kind
    }

    /// The message, as `Display` shows it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TableError {}

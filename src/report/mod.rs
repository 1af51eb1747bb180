//! Rendering diagnostics: `plain` lines, `pretty` miette snippets, the machine formats, and the
//! markdown summary.

pub mod formats;
pub mod markdown;
mod pretty;

use std::fmt::Write;

use crate::diagnostic::Diagnostic;

pub use pretty::render_pretty;

/// `file:line:col: severity rule: message`, or `file: severity rule: message` without a place.
pub fn render_plain(d: &Diagnostic) -> String {
    let mut out = d.path.clone();
    if let Some(p) = d.position() {
        let _ = write!(out, ":{}:{}", p.line, p.column);
    }
    let _ = write!(out, ": {} {}: {}", d.severity, d.rule, d.message);
    out
}

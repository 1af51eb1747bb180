//! miette snippets, read through the file's line index.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::load::SourceFile;

/// Columns of a long line shown before the finding's column; the window is `WINDOW` wide.
const BEFORE: usize = 40;
const WINDOW: usize = 120;
/// Lines of a multi-line span shown at most (the first is underlined).
const SPAN_LINES: usize = 3;

/// A few lines around a finding, each cut to a window around its column, so that a snippet is
/// bounded whatever the file: a finding at column 300,000 of minified JSON or a span over a
/// whole 13 MB document prints a handful of short lines (miette also panics past column
/// 65,535). The excerpt keeps the file's line numbers.
struct Excerpt {
    name: String,
    text: String,
    /// The excerpt's first line, 0-based, in the file.
    first_line: usize,
    /// The underlined part, in the excerpt.
    span: (usize, usize),
    /// The finding's line and column in the file, 0-based, for the header.
    at: (usize, usize),
}

impl Excerpt {
    fn new(file: &SourceFile, start: usize, len: usize) -> Excerpt {
        let text = &file.text;
        let start = start.min(text.len());
        let lines = file.lines();
        let line_of_start = lines.line_of(start);
        let end = (start + len).min(text.len());
        let last_of_span = lines
            .line_of(end.saturating_sub(1).max(start))
            .min(line_of_start + SPAN_LINES - 1);
        let first = line_of_start.saturating_sub(1);
        let last = (last_of_span + 1).min(lines.line_count().saturating_sub(1));
        let line_text = |n: usize| -> &str {
            let from = lines.line_start(n);
            let to = if n + 1 < lines.line_count() {
                lines.line_start(n + 1)
            } else {
                text.len()
            };
            text[from..to].trim_end_matches(['\n', '\r'])
        };
        let column = start - lines.line_start(line_of_start);
        // One window for every line, so that the lines stay aligned.
        let from = floor_boundary(line_text(line_of_start), column.saturating_sub(BEFORE));
        let mut excerpt = String::new();
        let mut span = (0, 0);
        for n in first..=last {
            let line = line_text(n);
            let a = floor_boundary(line, from.min(line.len()));
            let b = floor_boundary(line, (from + WINDOW).min(line.len()));
            if a > 0 {
                excerpt.push('…');
            }
            if n == line_of_start {
                let offset = excerpt.len() + (column - a).min(b - a);
                let underline = (end.min(lines.line_start(n) + b))
                    .saturating_sub(start)
                    .max(1)
                    .min(b.saturating_sub(column).max(1));
                span = (offset, underline);
            }
            excerpt.push_str(&line[a..b]);
            if b < line.len() {
                excerpt.push('…');
            }
            excerpt.push('\n');
        }
        let position = file.position(start);
        Excerpt {
            name: file.display_path(),
            text: excerpt,
            first_line: first,
            span,
            at: (position.line as usize - 1, position.column as usize - 1),
        }
    }
}

/// The largest character boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if span.offset() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        if context_lines_before == 0 && context_lines_after == 0 {
            // The span alone: miette asks for this to print the header's line and column.
            let len = span.len().min(self.text.len() - span.offset());
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &self.text.as_bytes()[span.offset()..span.offset() + len],
                *span,
                self.at.0,
                self.at.1,
                1,
            )));
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            (0, self.text.len()).into(),
            self.first_line,
            0,
            self.text.lines().count(),
        )))
    }
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<Excerpt>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info | Severity::Hint => miette::Severity::Advice,
        })
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (start, len) = self.source.as_ref()?.span;
        let label = self.diagnostic.pointer.as_ref().map(|p| label(p.as_str()));
        Some(Box::new(std::iter::once(LabeledSpan::new(
            label, start, len,
        ))))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "`scopegate rules {}` explains this rule, how to fix it and how to silence it",
            self.diagnostic.rule
        )))
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        None
    }
}

/// What the node at `pointer` is, in words, for the label under a snippet: "operation",
/// "security requirement", "scope declared here". The pointer is in the JSON output; the
/// snippet says what the underlined text is.
pub fn label(pointer: &str) -> String {
    use crate::model::{METHODS, QUERY};
    let is_method = |m: &str| METHODS.contains(&m) || m == QUERY;
    let tokens: Vec<String> = crate::load::pointer::tokens(pointer)
        .filter_map(Result::ok)
        .map(|t| t.into_owned())
        .collect();
    let t: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let is_index = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let in_paths = matches!(t.first(), Some(&"paths" | &"webhooks"))
        || matches!(t.as_slice(), ["components", "pathItems", ..]);
    let text = match t.as_slice() {
        [] => "the document",
        ["openapi" | "swagger"] => "version",
        [.., "x-scopegate-ignore"] | [.., "x-scopegate-ignore", _] => "ignore directive",
        [.., "security"] => "security list",
        [.., "security", i] if is_index(i) => "security requirement",
        [.., "security", i, _] if is_index(i) => "scheme required here",
        [.., "security", i, _, j] if is_index(i) && is_index(j) => "scope required here",
        [.., "scopes", _] => "scope declared here",
        [.., "flows", _] => "flow",
        [.., "flows", _, field] | ["securityDefinitions", _, field] => {
            return format!("`{field}` field");
        }
        ["securityDefinitions", _] | ["components", "securitySchemes", _] => "security scheme",
        ["securityDefinitions"] | ["components", "securitySchemes"] => "security schemes",
        [.., "parameters", i] if is_index(i) => "parameter",
        [.., "additionalOperations", _] if in_paths => "operation",
        [_, _, m] if in_paths && is_method(m) => "operation",
        ["components", "pathItems", _, m] if is_method(m) => "operation",
        [_, _] if in_paths => "path item",
        [.., last] => return format!("`{last}`"),
    };
    text.to_string()
}

/// A miette snippet with the offending line underlined. `color` picks ANSI colours or plain
/// Unicode.
pub fn render_pretty(d: &Diagnostic, color: bool) -> String {
    let source = match (&d.source, d.span) {
        (Some(file), Some(span)) => {
            Some(Excerpt::new(file, span.start as usize, span.len().max(1)))
        }
        _ => None,
    };
    let report = Report {
        diagnostic: d,
        source,
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(2);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        return super::render_plain(d) + "\n";
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_say_what_the_underlined_text_is() {
        for (pointer, expected) in [
            ("", "the document"),
            ("/paths/~1pets/get", "operation"),
            ("/paths/~1pets/additionalOperations/COPY", "operation"),
            ("/paths/~1pets/get/security", "security list"),
            ("/paths/~1pets/get/security/0", "security requirement"),
            (
                "/paths/~1pets/get/security/0/oauth/1",
                "scope required here",
            ),
            ("/security/0/oauth", "scheme required here"),
            (
                "/components/securitySchemes/o/flows/password/scopes/a.read",
                "scope declared here",
            ),
            (
                "/securityDefinitions/o/scopes/a.read",
                "scope declared here",
            ),
            ("/components/securitySchemes/o/flows/password", "flow"),
            (
                "/components/securitySchemes/o/flows/password/tokenUrl",
                "`tokenUrl` field",
            ),
            (
                "/securityDefinitions/o/authorizationUrl",
                "`authorizationUrl` field",
            ),
            ("/securityDefinitions/o", "security scheme"),
            ("/paths/~1pets/get/parameters/0", "parameter"),
            ("/paths/~1pets/get/x-scopegate-ignore/0", "ignore directive"),
            ("/openapi", "version"),
            ("/paths/~1pets", "path item"),
            ("/info/title", "`title`"),
        ] {
            assert_eq!(label(pointer), expected, "{pointer}");
        }
    }
}

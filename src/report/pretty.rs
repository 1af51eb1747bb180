//! miette snippets, read through the file's line index.

use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostic::{Diagnostic, Severity};
use crate::load::SourceFile;

/// A source for miette that finds lines with the file's line index. miette's own `&str`
/// source scans from byte 0 for every span, milliseconds per snippet on a 10 MB file.
struct IndexedSource(Arc<SourceFile>);

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let file = &self.0;
        let text = file.text.as_bytes();
        let offset = span.offset();
        if offset > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let len = span.len().min(text.len() - offset);
        let lines = file.lines();
        if context_lines_before == 0 && context_lines_after == 0 {
            // The span alone: miette asks for this to print the header's line and column.
            let position = file.position(offset);
            return Ok(Box::new(MietteSpanContents::new_named(
                file.display_path(),
                &text[offset..offset + len],
                (offset, len).into(),
                position.line as usize - 1,
                position.column as usize - 1,
                1,
            )));
        }
        let first = lines.line_of(offset).saturating_sub(context_lines_before);
        let last_of_span = lines.line_of((offset + len).saturating_sub(1).max(offset));
        let last = (last_of_span + context_lines_after).min(lines.line_count() - 1);
        let start = lines.line_start(first);
        let end = if last + 1 < lines.line_count() {
            lines.line_start(last + 1)
        } else {
            text.len()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            file.display_path(),
            &text[start..end],
            (start, end - start).into(),
            first,
            0,
            last - first + 1,
        )))
    }
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<IndexedSource>,
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
        self.source.as_ref()?;
        let span = self.diagnostic.span?;
        let label = self.diagnostic.pointer.as_ref().map(|p| {
            if p.as_str().is_empty() {
                "here".to_string()
            } else {
                p.to_string()
            }
        });
        Some(Box::new(std::iter::once(LabeledSpan::new(
            label,
            span.start as usize,
            span.len().max(1),
        ))))
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        None
    }
}

/// A miette snippet with the offending line underlined. `color` picks ANSI colours or plain
/// Unicode.
pub fn render_pretty(d: &Diagnostic, color: bool) -> String {
    let report = Report {
        diagnostic: d,
        source: d.source.clone().map(IndexedSource),
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

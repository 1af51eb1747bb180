//! The cost of drawing one miette snippet near the end of a large file, through scopegate's
//! line-indexed source against miette's own `String` source (which scans from byte 0 for
//! every span). Prints microseconds per snippet:
//!
//!     cargo bench --bench diagnostics -- ~/.cache/scopegate-corpus/github/api.github.com.json

use std::path::PathBuf;
use std::time::Instant;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};
use scopegate::diagnostic::{Diagnostic, Severity};
use scopegate::load::{self, Pointer, Span};
use scopegate::report::render_pretty;

#[derive(Debug)]
struct MietteOwn {
    src: NamedSource<String>,
    span: SourceSpan,
}

impl std::fmt::Display for MietteOwn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("finding")
    }
}

impl std::error::Error for MietteOwn {}

impl miette::Diagnostic for MietteOwn {
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(miette::LabeledSpan::new(
            Some("here".into()),
            self.span.offset(),
            self.span.len(),
        ))))
    }
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .expect("usage: cargo bench --bench diagnostics -- FILE");
    let source = load::read_source(&path).expect("read");
    let at = source.text.len() * 9 / 10;
    let at = (at..source.text.len())
        .find(|&i| source.text.is_char_boundary(i))
        .unwrap();
    let diagnostic = Diagnostic {
        rule: "scope-name",
        severity: Severity::Error,
        message: "finding".into(),
        path: source.display_path(),
        source: Some(source.clone()),
        pointer: Some(Pointer::root()),
        span: Some(Span::new(at, at + 1)),
        operation: None,
        located: None,
        located_end: None,
    };
    let runs = 200;
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(render_pretty(&diagnostic, false));
    }
    let indexed = start.elapsed().as_secs_f64() / runs as f64 * 1e6;

    let own = MietteOwn {
        src: NamedSource::new(source.display_path(), source.text.clone()),
        span: (at, 1).into(),
    };
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    let start = Instant::now();
    for _ in 0..runs {
        let mut out = String::new();
        handler.render_report(&mut out, &own).unwrap();
        std::hint::black_box(out);
    }
    let default = start.elapsed().as_secs_f64() / runs as f64 * 1e6;
    println!(
        "snippet at {:.0}% of a {:.1} MB file: {indexed:.1} µs with the line index, {default:.1} µs with miette's String source",
        90.0,
        source.text.len() as f64 / 1e6
    );
}

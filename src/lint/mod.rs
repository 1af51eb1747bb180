//! The lint pipeline for many files: load → model → rules → suppress, one file per task in
//! parallel, with output sorted so that it is the same whatever the thread count.

pub mod baseline;
pub mod inputs;
mod suppress;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Severity};
use crate::load::walk::Input;
use crate::load::{self, LoadErrorKind, Workspace};
use crate::model;
use crate::rules::{self, Settings, INVALID_DOCUMENT};
use suppress::Suppressions;

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Skip named files that are not OpenAPI instead of reporting them (the pre-commit hook
    /// names every staged YAML and JSON file).
    pub skip_non_openapi: bool,
    /// Keep each file's text with its findings, for snippets. Without it a file's text is
    /// dropped as soon as its findings are located, so memory stays flat over many files.
    pub keep_sources: bool,
}

/// One linted OpenAPI document.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileSummary {
    pub path: String,
    /// `None` when the file could not be loaded.
    pub spec_version: Option<String>,
    pub operations: usize,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub files: Vec<FileSummary>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files that could not be read at all (reported as `invalid-document` too).
    pub unreadable: usize,
}

/// What linting one file gives.
#[derive(Debug, Default)]
pub struct FileResult {
    /// Present when the file is an OpenAPI document, or was named and is not one.
    pub summary: Option<FileSummary>,
    pub diagnostics: Vec<Diagnostic>,
    pub unreadable: bool,
}

impl Outcome {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Lints `inputs` in parallel, each with its settings (the configuration nearest to it);
/// `tick` is called once per file done (for a progress bar).
pub fn run(inputs: &[(Input, &Settings)], options: Options, tick: &(dyn Fn() + Sync)) -> Outcome {
    // Largest files first, so that the one that takes longest does not start last while the
    // other threads run out of work (the findings are sorted afterwards).
    let mut by_size: Vec<(u64, &(Input, &Settings))> = inputs
        .iter()
        .map(|i| (std::fs::metadata(&i.0.path).map_or(0, |m| m.len()), i))
        .collect();
    by_size.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
    let mut per_file: Vec<FileResult> = by_size
        .par_iter()
        .with_max_len(1)
        .map(|(_, (input, settings))| {
            let mut result = lint_file(input, settings, options);
            // Sorted here, in parallel: when no two files' findings interleave, the files'
            // findings in a row are all of them in order.
            sort(&mut result.diagnostics);
            tick();
            result
        })
        .collect();
    per_file.sort_by(|a, b| first_path(a).cmp(first_path(b)));
    // Whether each file's findings all come before the next file's, the last of one and the
    // first of the next not duplicates: then the findings in a row are sorted, and only
    // findings of one file can be duplicates, which are removed file by file, in parallel.
    let in_order = {
        let ends: Vec<(&Diagnostic, &Diagnostic)> = per_file
            .iter()
            .filter_map(|r| Some((r.diagnostics.first()?, r.diagnostics.last()?)))
            .collect();
        ends.windows(2).all(|pair| {
            let (last, next) = (pair[0].1, pair[1].0);
            order(last, next).is_lt() && key(last) != key(next)
        })
    };
    if in_order {
        per_file
            .par_iter_mut()
            .for_each(|r| r.diagnostics.dedup_by(|a, b| key(a) == key(b)));
    }
    let mut outcome = Outcome {
        diagnostics: Vec::with_capacity(per_file.iter().map(|r| r.diagnostics.len()).sum()),
        ..Outcome::default()
    };
    for result in per_file {
        outcome.files.extend(result.summary);
        outcome.diagnostics.extend(result.diagnostics);
        outcome.unreadable += usize::from(result.unreadable);
    }
    outcome.files.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.files.dedup_by(|a, b| a.path == b.path);
    if !in_order {
        sort(&mut outcome.diagnostics);
        // Two documents that share a $ref'd file would report its findings twice.
        outcome.diagnostics.dedup_by(|a, b| key(a) == key(b));
    }
    outcome
}

/// The path of a file's first finding (findings sorted), or "" without findings.
fn first_path(result: &FileResult) -> &str {
    result.diagnostics.first().map_or("", |d| d.path.as_str())
}

fn key(d: &Diagnostic) -> (&str, Option<u32>, &str, &str, Option<&str>) {
    (
        d.path.as_str(),
        d.span.map(|s| s.start),
        d.rule,
        d.message.as_str(),
        d.pointer.as_ref().map(|p| p.as_str()),
    )
}

/// Findings by file, then place, then rule and message.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(order);
}

/// The order of [`sort`].
fn order(a: &Diagnostic, b: &Diagnostic) -> std::cmp::Ordering {
    (
        a.path.as_str(),
        a.position(),
        a.rule,
        a.message.as_str(),
        a.pointer.as_ref(),
    )
        .cmp(&(
            b.path.as_str(),
            b.position(),
            b.rule,
            b.message.as_str(),
            b.pointer.as_ref(),
        ))
}

fn finish(diagnostics: &mut [Diagnostic], options: Options) {
    crate::diagnostic::locate(diagnostics);
    if !options.keep_sources {
        for d in diagnostics {
            d.source = None;
        }
    }
}

/// The security model of a loaded document and its `x-scopegate-ignore` directives. The
/// documents (the root and every file its `$ref`s reached) are dropped on return: the model
/// and the findings keep only the texts, for positions and snippets.
fn model_and_suppressions(loaded: load::Loaded) -> (model::Model, Suppressions) {
    let mut workspace = Workspace::new(&loaded.document);
    let model = model::build(&loaded, &mut workspace);
    let suppressions = Suppressions::collect(&workspace);
    (model, suppressions)
}

/// From this size on, a file's pass that does not feed its parse or its model (its line
/// index) runs beside them, on another core when one is free.
const ASIDE_FROM: usize = 1 << 20;

/// Parses a read file and checks that it is an OpenAPI document. A large file's line index,
/// which locating its findings needs, is built meanwhile on another core when one is free (a
/// tenth of linting a 13 MB description alone); within a busy pool it runs after the parse.
fn load_with_lines(
    source: &std::sync::Arc<load::SourceFile>,
) -> Result<load::Loaded, load::LoadError> {
    if source.text.len() < ASIDE_FROM {
        return load::load_source(source);
    }
    let (loaded, _) = rayon::join(|| load::load_source(source), || source.lines());
    loaded
}

/// Loads, models and lints one file for the compiler: the model and its findings (located,
/// texts dropped), or the findings that stopped it.
pub fn model_file(
    input: &Input,
    settings: &Settings,
) -> Result<(model::Model, Vec<Diagnostic>), Vec<Diagnostic>> {
    let options = Options::default();
    let loaded = load::load_as(&input.path, input.shown_as()).map_err(|e| {
        let mut d = vec![Diagnostic::from_load_error(&e)];
        finish(&mut d, options);
        d
    })?;
    let (model, suppressions) = model_and_suppressions(loaded);
    let mut diagnostics = rules::check(&model, settings);
    diagnostics.extend(model.problems.iter().map(Diagnostic::from_problem));
    suppressions.apply(&mut diagnostics, settings.severity(&INVALID_DOCUMENT));
    finish(&mut diagnostics, options);
    Ok((model, diagnostics))
}

/// Lints one file: its findings, and a summary when it is an OpenAPI document.
pub fn lint_file(input: &Input, settings: &Settings, options: Options) -> FileResult {
    let invalid = settings.severity(&INVALID_DOCUMENT);
    let loaded = match load::read_source_as(&input.path, input.shown_as())
        .and_then(|s| load_with_lines(&s))
    {
        Ok(loaded) => loaded,
        Err(e) => {
            let quiet = e.kind == LoadErrorKind::NotOpenApi
                && (!input.explicit || options.skip_non_openapi);
            if quiet {
                return FileResult::default();
            }
            let summary = FileSummary {
                path: Diagnostic::from_load_error(&e).path,
                spec_version: None,
                operations: 0,
            };
            let mut diagnostics: Vec<Diagnostic> = invalid
                .map(|severity| Diagnostic {
                    severity,
                    ..Diagnostic::from_load_error(&e)
                })
                .into_iter()
                .collect();
            finish(&mut diagnostics, options);
            return FileResult {
                summary: Some(summary),
                diagnostics,
                unreadable: e.kind == LoadErrorKind::Io,
            };
        }
    };
    let (model, suppressions) = model_and_suppressions(loaded);
    let mut diagnostics = rules::check(&model, settings);
    if let Some(severity) = invalid {
        diagnostics.extend(model.problems.iter().map(|p| Diagnostic {
            severity,
            ..Diagnostic::from_problem(p)
        }));
    }
    suppressions.apply(&mut diagnostics, invalid);
    finish(&mut diagnostics, options);
    let summary = FileSummary {
        path: model.file.clone(),
        spec_version: Some(model.spec_version.clone()),
        operations: model.operations.len(),
    };
    FileResult {
        summary: Some(summary),
        diagnostics,
        unreadable: false,
    }
}

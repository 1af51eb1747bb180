//! Baselines: a file of known findings that `--baseline` silences, so that CI fails only on
//! new ones. A finding is known when its rule, file, pointer and message match an entry; each
//! entry silences one finding, so a second copy of a known problem is still new. Lines and
//! columns are not compared: edits elsewhere in the file do not revive old findings.
//!
//! Files are recorded relative to the baseline file's directory (version 2), so one baseline
//! matches whether the files were named `api/x.yaml`, `./api/x.yaml` or by an absolute path,
//! and from whichever directory lint runs. Version 1 baselines (paths as printed, relative to
//! where lint ran) are still read, as relative to the working directory.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Entry {
    rule: String,
    file: String,
    pointer: String,
    message: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    version: u32,
    findings: Vec<Entry>,
    /// The directory the entries' files are relative to.
    #[serde(skip)]
    base: PathBuf,
}

fn entry(d: &Diagnostic, base: &Path) -> Entry {
    Entry {
        rule: d.rule.to_string(),
        file: relative_to(&d.path, base),
        pointer: d
            .pointer
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        message: d.message.clone(),
    }
}

/// The directory a baseline's paths are relative to: its own, made absolute.
fn base_of(baseline: &Path) -> PathBuf {
    let dir = baseline.parent().unwrap_or(Path::new(""));
    absolute(dir)
}

/// `path` as the working directory sees it, absolute and without `.` or `..`, lexically (no
/// symlinks resolved: a baseline is about names).
fn absolute(path: &Path) -> PathBuf {
    let joined = std::env::current_dir().unwrap_or_default().join(path);
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A printed path (relative to the working directory, or absolute) relative to `base`, with
/// `/` separators. Standard input keeps its name.
fn relative_to(printed: &str, base: &Path) -> String {
    if printed == "-" || printed.starts_with('<') {
        return printed.to_string();
    }
    let path = absolute(Path::new(printed));
    let (mut p, mut b) = (path.components().peekable(), base.components().peekable());
    while let (Some(x), Some(y)) = (p.peek(), b.peek()) {
        if x != y {
            break;
        }
        p.next();
        b.next();
    }
    let mut parts: Vec<String> = b.map(|_| "..".to_string()).collect();
    parts.extend(p.map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

impl Baseline {
    /// The baseline of `diagnostics`, to be written to `path`.
    pub fn of(diagnostics: &[Diagnostic], path: &Path) -> Baseline {
        let base = base_of(path);
        let mut findings: Vec<Entry> = diagnostics.iter().map(|d| entry(d, &base)).collect();
        findings.sort();
        Baseline {
            version: 2,
            findings,
            base,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a baseline serializes") + "\n"
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let fail = |kind, message: String| BaselineError {
            kind,
            message: format!("{}: {message}", path.display()),
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| fail(BaselineErrorKind::Io, e.to_string()))?;
        let mut baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            fail(
                BaselineErrorKind::NotABaseline,
                format!("not a scopegate baseline: {e}"),
            )
        })?;
        baseline.base = match baseline.version {
            1 => absolute(Path::new("")),
            2 => base_of(path),
            v => {
                return Err(fail(
                    BaselineErrorKind::UnknownVersion,
                    format!("unknown baseline version {v} (this scopegate reads 1 and 2)"),
                ))
            }
        };
        Ok(baseline)
    }

    /// Removes the findings the baseline knows; returns how many.
    pub fn silence(&self, diagnostics: &mut Vec<Diagnostic>) -> usize {
        let mut known = self.findings.clone();
        let before = diagnostics.len();
        diagnostics.retain(|d| {
            let e = entry(d, &self.base);
            match known.iter().position(|k| *k == e) {
                Some(i) => {
                    known.swap_remove(i);
                    false
                }
                None => true,
            }
        });
        before - diagnostics.len()
    }
}

/// Why a baseline file was refused.
#[derive(Debug)]
pub struct BaselineError {
    kind: BaselineErrorKind,
    message: String,
}

/// What is wrong with a baseline file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaselineErrorKind {
    /// It could not be read.
    Io,
    /// Not JSON of a baseline's shape.
    NotABaseline,
    /// A `version` this build does not read.
    UnknownVersion,
}

impl BaselineError {
    pub fn kind(&self) -> BaselineErrorKind {
        self.kind
    }
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BaselineError {}

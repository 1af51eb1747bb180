//! A markdown summary of a run, per file and per rule: what the GitHub Action appends to
//! `$GITHUB_STEP_SUMMARY`, and `--format markdown`.
//!
//! GitHub shows at most ten error and ten warning annotations per step, so the summary is where
//! a reviewer sees the whole run at a glance. It stays small on big runs: the per-file table
//! lists only files with findings, at most [`MAX_FILE_ROWS`] of them, the worst first.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::diagnostic::Severity;
use crate::lint::Outcome;

/// Rows of the per-file table before the rest are folded into one line.
pub const MAX_FILE_ROWS: usize = 50;

#[derive(Default, Clone, Copy)]
struct Counts([usize; 4]);

impl Counts {
    fn add(&mut self, severity: Severity) {
        self.0[column(severity)] += 1;
    }

    fn total(&self) -> usize {
        self.0.iter().sum()
    }

    fn cells(&self) -> String {
        self.0
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

fn column(severity: Severity) -> usize {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
        Severity::Hint => 3,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Markdown: a headline, then a table per file and a table per rule.
pub fn markdown(outcome: &Outcome) -> String {
    let mut total = Counts::default();
    let mut by_file: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut by_rule: BTreeMap<&str, (Severity, Counts, BTreeMap<&str, ()>)> = BTreeMap::new();
    for d in &outcome.diagnostics {
        total.add(d.severity);
        by_file.entry(&d.path).or_default().add(d.severity);
        let rule = by_rule
            .entry(d.rule)
            .or_insert_with(|| (d.severity, Counts::default(), BTreeMap::new()));
        rule.0 = rule.0.max(d.severity);
        rule.1.add(d.severity);
        rule.2.insert(&d.path, ());
    }

    let mut out = String::new();
    let files = plural(outcome.files.len(), "file", "files");
    if total.total() == 0 {
        let _ = writeln!(out, "### scopegate: no findings in {files}\n");
        return out;
    }
    let _ = writeln!(
        out,
        "### scopegate: {}, {} in {files}\n",
        plural(total.0[0], "error", "errors"),
        plural(total.0[1], "warning", "warnings"),
    );
    if total.0[2] + total.0[3] > 0 {
        let _ = writeln!(
            out,
            "Also {} and {}.\n",
            plural(total.0[2], "info", "infos"),
            plural(total.0[3], "hint", "hints")
        );
    }

    out.push_str("| rule | severity | findings | files |\n|---|---|---:|---:|\n");
    let mut rules: Vec<_> = by_rule.into_iter().collect();
    // Worst first, then most findings, then by id.
    rules.sort_by(|a, b| {
        (b.1 .0, b.1 .1.total())
            .cmp(&(a.1 .0, a.1 .1.total()))
            .then(a.0.cmp(b.0))
    });
    for (rule, (severity, counts, files)) in &rules {
        let _ = writeln!(
            out,
            "| `{rule}` | {severity} | {} | {} |",
            counts.total(),
            files.len()
        );
    }

    out.push_str("\n| file | errors | warnings | infos | hints |\n|---|---:|---:|---:|---:|\n");
    let mut files: Vec<_> = by_file.into_iter().collect();
    files.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    for (path, counts) in files.iter().take(MAX_FILE_ROWS) {
        let _ = writeln!(out, "| `{}` | {} |", escape_cell(path), counts.cells());
    }
    if files.len() > MAX_FILE_ROWS {
        let mut rest = Counts::default();
        for (_, counts) in &files[MAX_FILE_ROWS..] {
            for (sum, n) in rest.0.iter_mut().zip(counts.0) {
                *sum += n;
            }
        }
        let _ = writeln!(
            out,
            "| {} more | {} |",
            plural(files.len() - MAX_FILE_ROWS, "file", "files"),
            rest.cells()
        );
    }
    out.push('\n');
    out
}

/// A path inside a table cell: `|` would end the cell and a backtick the code span.
fn escape_cell(path: &str) -> String {
    path.replace('|', "\\|").replace('`', "'")
}

/// The run's counts as `key=value` lines: the format of `$GITHUB_OUTPUT`.
pub fn counts(outcome: &Outcome) -> String {
    format!(
        "errors={}\nwarnings={}\ninfos={}\nhints={}\nfiles={}\n",
        outcome.count(Severity::Error),
        outcome.count(Severity::Warning),
        outcome.count(Severity::Info),
        outcome.count(Severity::Hint),
        outcome.files.len()
    )
}

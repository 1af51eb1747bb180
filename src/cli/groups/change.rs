//! How an editing command of `scopegate groups` writes: the library's transaction works the
//! change out and checks it; this shows what it moves (with a table), asks or refuses when it
//! takes routes from tills, and writes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use scopegate::groups::manage::{Action, Stamp};
use scopegate::groups::transaction::{self, Transaction};
use scopegate::groups::{moves, GroupsFile};
use scopegate::runtime::table::Table;

use super::super::exit;
use super::load_table;

/// What a change that moves rights shows, and when it is written.
#[derive(Args, Debug, Default, Clone)]
pub struct Preview {
    /// Before writing, show the routes of this permission table that each store (with its
    /// tills) and API client gains and loses (default: the groups file's `table:`).
    #[arg(long, value_name = "FILE", env = "SCOPEGATE_TABLE")]
    pub table: Option<PathBuf>,
    /// Show what the change moves, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write a change that takes routes from stores with tills without asking. Off a
    /// terminal such a change is refused without it; on one, scopegate asks.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct By {
    /// Who makes the change (default: $SCOPEGATE_USER, then git's user.email, then $USER).
    #[arg(long, value_name = "USER")]
    pub by: Option<String>,
}

impl By {
    pub const NOBODY: By = By { by: None };
}

/// What happened to a change.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Written,
    /// Refused, not confirmed, or a dry run: the file is untouched; exit with this code.
    NotWritten(i32),
}

impl Outcome {
    pub fn code(&self) -> i32 {
        match self {
            Outcome::Written => exit::OK,
            Outcome::NotWritten(code) => *code,
        }
    }
}

pub fn stamp(by: &By) -> Stamp {
    let who = by
        .by
        .clone()
        .or_else(|| {
            std::env::var("SCOPEGATE_USER")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .or_else(|| {
            std::process::Command::new("git")
                .args(["config", "user.email"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("USER").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into());
    // SCOPEGATE_NOW pins the time (reproducible files in tests and demos).
    let at = std::env::var("SCOPEGATE_NOW")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
        });
    Stamp { by: who, at }
}

/// Applies the actions in order (all or nothing) through the library's transaction, shows
/// what they move (with a table), and writes the file unless the change is refused, a dry
/// run, or takes rights the user did not confirm.
pub fn change(
    path: &Path,
    file: &GroupsFile,
    actions: &[Action],
    by: &By,
    preview: &Preview,
) -> Result<Outcome, String> {
    let original = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let table = match super::table_path(file, preview.table.clone()) {
        Some(table_path) => Some((load_table(&table_path)?, table_path)),
        None => None,
    };
    let prepared = transaction::prepare(
        path,
        &original,
        file,
        actions,
        &stamp(by),
        table.as_ref().map(|(t, _)| t),
    );
    let tx = match prepared {
        Ok(tx) => tx,
        Err(refused) => {
            eprintln!("scopegate: {refused}");
            eprintln!("scopegate: {} unchanged", path.display());
            return Ok(Outcome::NotWritten(exit::FINDINGS));
        }
    };
    if !confirmed(&tx, table.as_ref().map(|(t, p)| (t, p.as_path())), preview) {
        return Ok(Outcome::NotWritten(if preview.dry_run {
            exit::OK
        } else {
            exit::FINDINGS
        }));
    }
    tx.write().map_err(|e| format!("{}: {e}", path.display()))?;
    notes(&tx.notes, "");
    eprintln!("scopegate: updated {}", path.display());
    Ok(Outcome::Written)
}

/// Shows what the transaction moves (with `--table`) and decides whether to write it: not on
/// `--dry-run`; when it takes routes from tills that stay, only with `--yes` or, on a
/// terminal, a "y" to the question.
fn confirmed(tx: &Transaction, table: Option<(&Table, &Path)>, preview: &Preview) -> bool {
    let path = &tx.path;
    let Some((table, table_path)) = table else {
        if preview.dry_run {
            notes(&tx.notes, "would: ");
            eprintln!(
                "scopegate: dry run: {} unchanged (pass --table to see the routes the change moves)",
                path.display()
            );
        }
        return !preview.dry_run;
    };
    let moved = tx.moves(table);
    print!(
        "{}",
        moves::render(&moved, &table_path.display().to_string())
    );
    if preview.dry_run {
        notes(&tx.notes, "would: ");
        eprintln!("scopegate: dry run: {} unchanged", path.display());
        return false;
    }
    let taking: Vec<&moves::Moved> = moved.iter().filter(|m| m.takes_from_tills()).collect();
    if taking.is_empty() || preview.yes {
        return true;
    }
    let stores = taking
        .iter()
        .filter(|m| matches!(m.holder, moves::Holder::Store { .. }))
        .count();
    let taking = match (stores, taking.len() - stores) {
        (s, 0) => format!("{s} store(s) with tills"),
        (0, t) => format!("{t} till(s)"),
        (s, t) => format!("{s} store(s) with tills and {t} till(s)"),
    };
    let question = format!("this change takes routes from {taking}; write it? [y/N] ");
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        eprint!("{question}");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if matches!(answer.trim(), "y" | "Y" | "yes") {
            return true;
        }
        eprintln!("scopegate: not written; {} unchanged", path.display());
        return false;
    }
    eprintln!(
        "scopegate: refused: this change takes routes from {taking}; pass --yes to write it (or --dry-run to only look)"
    );
    eprintln!("scopegate: {} unchanged", path.display());
    false
}

/// What else a change affects, one line each; a change to 20 stores says the first few and
/// how many more.
fn notes(notes: &[String], prefix: &str) {
    const SHOWN: usize = 5;
    let cut = if notes.len() > SHOWN + 1 {
        SHOWN
    } else {
        notes.len()
    };
    for note in &notes[..cut] {
        eprintln!("scopegate: {prefix}{note}");
    }
    if cut < notes.len() {
        eprintln!(
            "scopegate: {prefix}... and {} more like these",
            notes.len() - cut
        );
    }
}

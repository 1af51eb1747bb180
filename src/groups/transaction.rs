//! One change to the brand's file, all or nothing.
//!
//! [`prepare`] applies the actions in order to the file's text (each through
//! [`manage::apply`], which refuses what SPEC section 8 forbids), reads every step back, and
//! refuses a result that is less consistent than the start or, given a permission table, that
//! grants what the table does not know. Nothing is written until [`Transaction::write`], so a
//! caller can first show what the change moves ([`moves`]) and ask.

use std::path::{Path, PathBuf};

use crate::runtime::table::Table;

use super::file::{self, GroupsFile};
use super::manage::{self, Action, Refusal, Stamp};
use super::moves::{self, Moved};
use super::validate::{self, Severity};
use crate::diagnostic::Diagnostic;

/// A change worked out and checked, not yet written.
#[derive(Debug)]
pub struct Transaction {
    pub path: PathBuf,
    pub before: GroupsFile,
    pub after: GroupsFile,
    /// The brand file's new text.
    pub text: String,
    /// What else the change affects, for the user (tills that now get a group, clients denied).
    pub notes: Vec<String>,
}

/// Why a change was refused; nothing was written.
#[derive(Debug)]
pub enum Refused {
    /// An action broke a rule (a built-in group, a store still assigned, ...).
    Action(Refusal),
    /// The result would have problems the files did not have before.
    Inconsistent(Vec<Diagnostic>),
    /// The result grants what the table does not know (a typo until proven otherwise).
    Unfit(Vec<Diagnostic>),
    /// The edited text does not read back: a bug in the editor, never written.
    Unreadable(Vec<Diagnostic>),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Action(r) => write!(f, "refused: {r}"),
            Refused::Inconsistent(problems) => write!(
                f,
                "refused: the change would make the files inconsistent:\n{}",
                file::list_problems(problems)
            ),
            Refused::Unfit(findings) => {
                write!(f, "refused: the change does not fit the table:")?;
                for finding in findings {
                    write!(f, "\n{finding}")?;
                }
                Ok(())
            }
            Refused::Unreadable(problems) => write!(
                f,
                "internal error: the edited file does not read back, nothing written:\n{}",
                file::list_problems(problems)
            ),
        }
    }
}

/// Applies `actions` to `text` (the brand file `file` was read from, at `path`) and checks the
/// result; with a `table`, also that the change adds no error against it.
pub fn prepare(
    path: &Path,
    text: &str,
    file: &GroupsFile,
    actions: &[Action],
    stamp: &Stamp,
    table: Option<&Table>,
) -> Result<Transaction, Refused> {
    let mut current = file.clone();
    let mut text = text.to_string();
    let mut notes = Vec::new();
    for action in actions {
        let applied = manage::apply(&current, &text, action, stamp).map_err(Refused::Action)?;
        text = applied.text;
        notes.extend(applied.notes);
        let brand = file::parse_layer(path, text.clone(), false).map_err(Refused::Unreadable)?;
        current = GroupsFile {
            brand,
            platform: file.platform.clone(),
        };
    }
    let known: Vec<String> = file.consistency().into_iter().map(|p| p.message).collect();
    let new_problems: Vec<Diagnostic> = current
        .consistency()
        .into_iter()
        .filter(|p| !known.contains(&p.message))
        .collect();
    if !new_problems.is_empty() {
        return Err(Refused::Inconsistent(new_problems));
    }
    if let Some(table) = table {
        let known: Vec<String> = validate::validate(file, table)
            .into_iter()
            .map(|f| f.message)
            .collect();
        let new_errors: Vec<Diagnostic> = validate::validate(&current, table)
            .into_iter()
            .filter(|f| f.severity == Severity::Error && !known.contains(&f.message))
            .collect();
        if !new_errors.is_empty() {
            return Err(Refused::Unfit(new_errors));
        }
    }
    Ok(Transaction {
        path: path.to_path_buf(),
        before: file.clone(),
        after: current,
        text,
        notes,
    })
}

impl Transaction {
    /// The routes of `table` each store, till and API client gains and loses.
    pub fn moves(&self, table: &Table) -> Vec<Moved> {
        moves::moves(&self.before, &self.after, table)
    }

    /// Writes the new text atomically: a new sibling file (never one that is there already,
    /// such as a planted symlink) with the original's permissions, then a rename over it.
    pub fn write(&self) -> std::io::Result<()> {
        use std::io::Write;
        let tmp = self.path.with_extension("scopegate-tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        if let Ok(meta) = std::fs::metadata(&self.path) {
            out.set_permissions(meta.permissions())?;
        }
        out.write_all(self.text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&tmp, &self.path)
    }
}

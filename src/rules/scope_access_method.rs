#![doc = include_str!("../../rules/scope-access-method.md")]

use super::{operation_label, Context, Findings, Rule, Severity};
use crate::model::scope::{Access, Scope};
use crate::model::{Requirement, SecuritySource};

pub const RULE: Rule = Rule {
    id: "scope-access-method",
    severity: Severity::Warning,
    summary: "read scopes for GET/HEAD/OPTIONS, write scopes for POST/PUT/PATCH/DELETE",
    doc: include_str!("../../rules/scope-access-method.md"),
    check,
};

/// The access types an alternative requires, ignoring `uid` and names outside the grammar.
fn accesses(cx: &Context<'_>, req: &Requirement) -> (bool, bool) {
    let (mut read, mut write) = (false, false);
    for scope in cx.scopes_in(req) {
        match cx.parse(&scope.value) {
            Some(Scope::Api {
                access: Access::Read,
                ..
            }) => read = true,
            Some(Scope::Api {
                access: Access::Write,
                ..
            }) => write = true,
            _ => {}
        }
    }
    (read, write)
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for op in cx.operations() {
        let Some(list) = &op.security.list else {
            continue;
        };
        let alternatives: Vec<(bool, bool)> =
            list.requirements.iter().map(|r| accesses(cx, r)).collect();
        if alternatives.iter().all(|&(r, w)| !r && !w) {
            continue;
        }
        let message = match op.method.as_str() {
            "GET" | "HEAD" | "OPTIONS" if alternatives.iter().all(|&(_, w)| w) => {
                reads_with_write_scope(&operation_label(op))
            }
            "POST" | "PUT" | "PATCH" | "DELETE" if alternatives.iter().any(|&(r, w)| r && !w) => {
                writes_with_read_scope(&operation_label(op))
            }
            _ => continue,
        };
        let (at, message) = match op.security.source {
            SecuritySource::Operation => (&list.at, message),
            _ => (&op.at, inherited(&message)),
        };
        out.report(at, message, Some(op));
    }
}

/// The message: a reading method that only write scopes allow.
fn reads_with_write_scope(operation: &str) -> String {
    format!("{operation} reads but every alternative requires a write scope")
}

/// The message: a writing method that read scopes alone allow.
fn writes_with_read_scope(operation: &str) -> String {
    format!("{operation} changes data but read scopes alone satisfy it")
}

/// A message about an operation judged through the top-level list it inherits.
fn inherited(message: &str) -> String {
    format!("{message} (through the inherited top-level list)")
}

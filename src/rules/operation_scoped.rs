#![doc = include_str!("../../rules/operation-scoped.md")]

use super::{Context, Findings, Rule, Severity};
use crate::model::Requirement;

pub const RULE: Rule = Rule {
    id: "operation-scoped",
    severity: Severity::Error,
    summary: "every alternative of an operation's security includes an oauth2 scheme with a scope",
    doc: include_str!("../../rules/operation-scoped.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (op, list) in cx.lists_in_force() {
        let whose = match op {
            Some(op) => format!("`{} {}`", op.method, op.path),
            None => "the top-level list".to_string(),
        };
        for (i, req) in list.requirements.iter().enumerate() {
            if let Some(message) = problem(cx, req) {
                out.report(&req.at, unscoped_alternative(i + 1, &whose, &message), op);
            }
        }
    }
}

/// Why `req` does not require an oauth2 scope, if it does not.
fn problem(cx: &Context<'_>, req: &Requirement) -> Option<String> {
    if req.is_anonymous() {
        return Some(ANONYMOUS.into());
    }
    // An undefined scheme is left to security-scheme-defined.
    let scoped = req
        .schemes
        .iter()
        .any(|s| !s.scopes.is_empty() && cx.scheme(&s.scheme).is_none_or(|d| d.is_oauth2()));
    if scoped {
        return None;
    }
    let oauth2_unscoped: Vec<&str> = req
        .schemes
        .iter()
        .filter(|s| cx.scheme(&s.scheme).is_some_and(|d| d.is_oauth2()))
        .map(|s| s.scheme.as_str())
        .collect();
    if let Some(name) = oauth2_unscoped.first() {
        return Some(no_scope(name));
    }
    let names: Vec<String> = req
        .schemes
        .iter()
        .map(|s| format!("`{}`", s.scheme))
        .collect();
    Some(only_other_schemes(&names))
}

/// The message: alternative `n` (from 1) of an operation's (or the top-level) list, and why.
fn unscoped_alternative(n: usize, whose: &str, why: &str) -> String {
    format!("alternative {n} of {whose} {why}")
}

/// Why: the alternative is `{}`.
const ANONYMOUS: &str = "is `{}`, which allows anonymous access";

/// Why: an oauth2 scheme named without scopes.
fn no_scope(scheme: &str) -> String {
    format!("names `{scheme}` with no scope")
}

/// Why: only schemes that are not oauth2.
fn only_other_schemes(names: &[String]) -> String {
    format!("needs only {}, no oauth2 scope", names.join(" and "))
}

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
                out.report(
                    &req.at,
                    format!("alternative {} of {whose} {message}", i + 1),
                    op,
                );
            }
        }
    }
}

/// Why `req` does not require an oauth2 scope, if it does not.
fn problem(cx: &Context<'_>, req: &Requirement) -> Option<String> {
    if req.is_anonymous() {
        return Some("is `{}`, which allows anonymous access".into());
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
        return Some(format!("names `{name}` with no scope"));
    }
    let names: Vec<String> = req
        .schemes
        .iter()
        .map(|s| format!("`{}`", s.scheme))
        .collect();
    Some(format!(
        "needs only {}, no oauth2 scope",
        names.join(" and ")
    ))
}

//! # scope-declared
//!
//! ## What it does
//! Checks that every scope an operation uses is declared in the oauth2 scheme it names.
//! `uid` needs no declaration.
//!
//! ## Why
//! An undeclared scope is one that no client can be granted through the documented scheme,
//! usually a typo; the operation then answers 403 to everyone.

use super::{Context, Rule, Severity};
use crate::model::scope::UID;

pub const RULE: Rule = Rule {
    id: "scope-declared",
    severity: Severity::Error,
    summary: "every scope an operation uses is declared in the scheme it names",
    doc: include_str!("../../rules/scope-declared.md"),
    check,
};

fn check(cx: &mut Context<'_>) {
    for (op, used, scope) in cx.required_scopes() {
        let oauth2 = cx.scheme(&used.scheme).is_some_and(|s| s.is_oauth2());
        if oauth2 && scope.value != UID && !cx.is_declared(&used.scheme, &scope.value) {
            let message = format!(
                "scope `{}` is not declared in `{}`",
                scope.value, used.scheme
            );
            cx.report(&scope.at, message, op);
        }
    }
}

//! # scope-unused
//!
//! ## What it does
//! Checks that every declared scope is used by some operation.
//!
//! ## Why
//! An unused scope is granted to clients without opening anything, which hides what their
//! access really is, and is often the leftover of a renamed scope.

use super::{used_scopes, Context, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "scope-unused",
    severity: Severity::Warning,
    summary: "every declared scope is used by some operation",
    doc: include_str!("../../rules/scope-unused.md"),
    check,
};

fn check(cx: &mut Context<'_>) {
    let used = used_scopes(cx);
    for (scheme, scope) in cx.declared_scopes() {
        let is_used = used
            .get(scope.name.as_str())
            .is_some_and(|schemes| schemes.contains(scheme.name.as_str()));
        if !is_used {
            cx.report(
                &scope.at,
                format!(
                    "scope `{}` is declared but no operation uses it",
                    scope.name
                ),
                None,
            );
        }
    }
}

//! # scope-name
//!
//! ## What it does
//! Checks that scope names follow the guideline's grammar: `<application-id>.<access-type>`,
//! `<application-id>.<resource-id>.<access-type>` or `uid`, with `read` or `write` access.
//! A declared scope is judged once, where it is declared; an undeclared one where it is used.
//!
//! ## Why
//! Gateways, access groups and the compiled permission table read the application, resource
//! and access type out of the name; a name outside the grammar cannot be granted by rule.

use super::{Context, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "scope-name",
    severity: Severity::Error,
    summary: "scope names follow <application-id>.[<resource-id>.]<read|write> or uid",
    doc: include_str!("../../rules/scope-name.md"),
    check,
};

const GRAMMAR: &str = "expected `<application-id>.<read|write>`, `<application-id>.<resource-id>.<read|write>` or `uid`";

fn check(cx: &mut Context<'_>) {
    for (_, scope) in cx.declared_scopes() {
        if cx.parse(&scope.name).is_none() {
            cx.report(
                &scope.at,
                format!(
                    "scope `{}` breaks the naming grammar: {GRAMMAR}",
                    scope.name
                ),
                None,
            );
        }
    }
    for (op, used, scope) in cx.required_scopes() {
        if !cx.is_declared(&used.scheme, &scope.value) && cx.parse(&scope.value).is_none() {
            cx.report(
                &scope.at,
                format!(
                    "scope `{}` breaks the naming grammar: {GRAMMAR}",
                    scope.value
                ),
                op,
            );
        }
    }
}

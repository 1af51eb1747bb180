#![doc = include_str!("../../rules/scope-name.md")]

use super::{Context, Findings, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "scope-name",
    severity: Severity::Error,
    summary: "scope names follow <application-id>.[<resource-id>.]<read|write> or uid",
    doc: include_str!("../../rules/scope-name.md"),
    check,
};

const GRAMMAR: &str = "expected `<application-id>.<read|write>`, `<application-id>.<resource-id>.<read|write>` or `uid`";

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (_, scope) in cx.declared_scopes() {
        if cx.parse(&scope.name).is_none() {
            out.report(&scope.at, breaks_grammar(&scope.name), None);
        }
    }
    for (op, used, scope) in cx.required_scopes() {
        if !cx.is_declared(&used.scheme, &scope.value) && cx.parse(&scope.value).is_none() {
            out.report(&scope.at, breaks_grammar(&scope.value), op);
        }
    }
}

/// The message: a scope name outside the grammar.
fn breaks_grammar(scope: &str) -> String {
    format!("scope `{scope}` breaks the naming grammar: {GRAMMAR}")
}

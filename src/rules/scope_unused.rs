#![doc = include_str!("../../rules/scope-unused.md")]

use super::{used_scopes, Context, Findings, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "scope-unused",
    severity: Severity::Warning,
    summary: "every declared scope is used by some operation",
    doc: include_str!("../../rules/scope-unused.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let used = used_scopes(cx);
    for (scheme, scope) in cx.declared_scopes() {
        let is_used = used
            .get(scope.name.as_str())
            .is_some_and(|schemes| schemes.contains(scheme.name.as_str()));
        if !is_used {
            out.report(&scope.at, unused(&scope.name), None);
        }
    }
}

/// The message: a declared scope no operation requires.
fn unused(scope: &str) -> String {
    format!("scope `{scope}` is declared but no operation uses it")
}

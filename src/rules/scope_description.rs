#![doc = include_str!("../../rules/scope-description.md")]

use super::{Context, Findings, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "scope-description",
    severity: Severity::Warning,
    summary: "every declared scope has a non-empty description",
    doc: include_str!("../../rules/scope-description.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (_, scope) in cx.declared_scopes() {
        if scope
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            out.report(&scope.at, no_description(&scope.name), None);
        }
    }
}

/// The message: a declared scope without a description.
fn no_description(scope: &str) -> String {
    format!("scope `{scope}` has no description")
}

//! # scope-description
//!
//! ## What it does
//! Checks that every declared scope has a non-empty description.
//!
//! ## Why
//! The description is what an administrator reads when granting the scope to a client or an
//! access group; an empty one invites granting it blindly.

use super::{Context, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "scope-description",
    severity: Severity::Warning,
    summary: "every declared scope has a non-empty description",
    doc: include_str!("../../rules/scope-description.md"),
    check,
};

fn check(cx: &mut Context<'_>) {
    for (_, scope) in cx.declared_scopes() {
        if scope
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            cx.report(
                &scope.at,
                format!("scope `{}` has no description", scope.name),
                None,
            );
        }
    }
}

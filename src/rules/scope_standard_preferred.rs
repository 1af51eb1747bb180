#![doc = include_str!("../../rules/scope-standard-preferred.md")]

use std::collections::BTreeSet;

use super::{Context, Findings, Rule, Severity};
use crate::model::scope::{Access, Scope};

pub const RULE: Rule = Rule {
    id: "scope-standard-preferred",
    severity: Severity::Hint,
    summary: "a resource-specific scope where the standard scope would do",
    doc: include_str!("../../rules/scope-standard-preferred.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let mut specific = Vec::new();
    let mut resources = BTreeSet::new();
    for (_, scope) in cx.declared_scopes() {
        if let Some(Scope::Api {
            application,
            resource: Some(resource),
            access,
        }) = cx.parse(&scope.name)
        {
            resources.insert((application, resource));
            specific.push((scope, application, access));
        }
    }
    if resources.len() != 1 {
        return;
    }
    for (scope, application, access) in specific {
        let access = match access {
            Access::Read => "read",
            Access::Write => "write",
        };
        out.report(
            &scope.at,
            standard_would_do(&scope.name, application, access),
            None,
        );
    }
}

/// The message: a resource scope where the API has one resource.
fn standard_would_do(scope: &str, application: &str, access: &str) -> String {
    format!("`{scope}` names the API's only resource; the standard scope `{application}.{access}` would do")
}

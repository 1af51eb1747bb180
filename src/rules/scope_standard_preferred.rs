//! # scope-standard-preferred
//!
//! ## What it does
//! Reports resource-specific scopes (`<app>.<resource>.<access>`) when all of the API's
//! resource-specific scopes name one single resource: then nothing is told apart, and the
//! standard scope (`<app>.<access>`) would do.
//!
//! ## Why
//! The guideline keeps to standard scopes; resource-specific ones are for an API that serves
//! resources of different owners, where they separate one owner's rights from another's.

use std::collections::BTreeSet;

use super::{Context, Rule, Severity};
use crate::model::scope::{Access, Scope};

pub const RULE: Rule = Rule {
    id: "scope-standard-preferred",
    severity: Severity::Hint,
    summary: "a resource-specific scope where the standard scope would do",
    doc: include_str!("../../rules/scope-standard-preferred.md"),
    check,
};

fn check(cx: &mut Context<'_>) {
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
        let message = format!(
            "`{}` names the API's only resource; the standard scope `{application}.{access}` would do",
            scope.name
        );
        cx.report(&scope.at, message, None);
    }
}

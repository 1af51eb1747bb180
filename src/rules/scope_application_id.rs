#![doc = include_str!("../../rules/scope-application-id.md")]

use std::collections::BTreeMap;

use super::{Context, Findings, Rule, Severity};
use crate::model::scope::Scope;
use crate::model::{Location, Operation};

pub const RULE: Rule = Rule {
    id: "scope-application-id",
    severity: Severity::Warning,
    summary: "all scopes of one API share its application id",
    doc: include_str!("../../rules/scope-application-id.md"),
    check,
};

fn application<'s>(cx: &Context<'_>, name: &'s str) -> Option<&'s str> {
    match cx.parse(name)? {
        Scope::Api { application, .. } => Some(application),
        Scope::Uid => None,
    }
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    // Declared scopes are judged where declared; undeclared ones where used.
    let mut judged: Vec<(&str, &Location, Option<&Operation>)> = Vec::new();
    for (_, scope) in cx.declared_scopes() {
        judged.push((&scope.name, &scope.at, None));
    }
    for (op, used, scope) in cx.required_scopes() {
        if !cx.is_declared(&used.scheme, &scope.value) {
            judged.push((&scope.value, &scope.at, op));
        }
    }
    let expected = match &cx.settings.application_id {
        Some(id) => id.clone(),
        None => {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for (name, ..) in &judged {
                if let Some(app) = application(cx, name) {
                    *counts.entry(app).or_default() += 1;
                }
            }
            // The most used id; on a tie, the first in sort order.
            let Some((id, _)) = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else {
                return;
            };
            id.to_string()
        }
    };
    for (name, at, op) in judged {
        if let Some(app) = application(cx, name) {
            if app != expected {
                out.report(at, other_application(name, app, &expected), op);
            }
        }
    }
}

/// The message: a scope of another application than the API's.
fn other_application(scope: &str, application: &str, expected: &str) -> String {
    format!("scope `{scope}` has application id `{application}`; this API's is `{expected}`")
}

#![doc = include_str!("../../rules/scope-declared.md")]

use super::{Context, Findings, Rule, Severity};
use crate::load::SpecFamily;
use crate::model::scope::UID;

pub const RULE: Rule = Rule {
    id: "scope-declared",
    severity: Severity::Error,
    summary: "every scope an operation uses is declared in the scheme it names",
    doc: include_str!("../../rules/scope-declared.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (op, used, scope) in cx.required_scopes() {
        if scope.value != UID && !cx.is_declared(&used.scheme, &scope.value) {
            out.report(&scope.at, undeclared(&scope.value, &used.scheme), op);
        }
    }
    // Before 3.1 only oauth2 (and, in 3.0, openIdConnect) requirements list anything; 3.1
    // lets other schemes list role names.
    let family = cx.model.family;
    if family >= SpecFamily::OpenApi31 {
        return;
    }
    for (op, used) in cx.scheme_uses() {
        let Some(scheme) = cx.scheme(&used.scheme) else {
            continue;
        };
        let kind = scheme.kind.as_deref().unwrap_or("");
        let may_list =
            kind == "oauth2" || (kind == "openIdConnect" && family == SpecFamily::OpenApi30);
        if may_list {
            continue;
        }
        if let Some(first) = used.scopes.first() {
            let version = if family == SpecFamily::Swagger2 {
                "Swagger 2.0"
            } else {
                "OpenAPI 3.0"
            };
            out.report(&first.at, list_not_empty(&used.scheme, kind, version), op);
        }
    }
}

/// The message: a scope the scheme does not declare.
fn undeclared(scope: &str, scheme: &str) -> String {
    format!("scope `{scope}` is not declared in `{scheme}`")
}

/// The message: a non-empty list for a scheme that takes none before OpenAPI 3.1.
fn list_not_empty(scheme: &str, kind: &str, version: &str) -> String {
    format!(
        "`{scheme}` is a `{kind}` scheme: in {version} its list must be empty (only oauth2 schemes take scopes; role lists came with OpenAPI 3.1)"
    )
}

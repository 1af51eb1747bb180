//! `openapi-version-known`: the document's version is one scopegate knows. A later OpenAPI 3.x
//! is read as the newest version it knows (3.2), and this finding says so, so that a field
//! that version added is never skipped silently.

use super::{Context, Rule, Severity};
use crate::load::SpecFamily;

pub const RULE: Rule = Rule {
    id: "openapi-version-known",
    severity: Severity::Info,
    summary: "the document's OpenAPI version is one scopegate knows (a later 3.x is read as 3.2)",
    doc: include_str!("../../rules/openapi-version-known.md"),
    check,
};

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    if let Some(at) = &model.newer_version_at {
        cx.report(
            at,
            format!(
                "OpenAPI {} is newer than the {} scopegate knows; it is read as {}, and fields added since are not checked",
                model.spec_version,
                SpecFamily::NEWEST,
                SpecFamily::NEWEST
            ),
            None,
        );
    }
}

#![doc = include_str!("../../rules/openapi-version-known.md")]

use super::{Context, Findings, Rule, Severity};
use crate::load::SpecFamily;

pub const RULE: Rule = Rule {
    id: "openapi-version-known",
    severity: Severity::Info,
    summary: "the document's OpenAPI version is one scopegate knows (a later 3.x is read as 3.2)",
    doc: include_str!("../../rules/openapi-version-known.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let model = cx.model;
    if let Some(at) = &model.newer_version_at {
        out.report(at, newer_version(&model.spec_version), None);
    }
}

/// The message: a 3.x version later than the newest known, read as that one.
fn newer_version(version: &str) -> String {
    format!(
        "OpenAPI {version} is newer than the {} scopegate knows; it is read as {}, and fields added since are not checked",
        SpecFamily::NEWEST,
        SpecFamily::NEWEST
    )
}

//! # oauth2-defined
//!
//! ## What it does
//! Checks that the document defines at least one security scheme of type `oauth2`.
//!
//! ## Why
//! The guideline secures every endpoint with OAuth 2.0; without an oauth2 scheme no operation
//! can name a scope, and clients fall back to basic auth or broad tokens.

use super::{Context, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "oauth2-defined",
    severity: Severity::Error,
    summary: "the document defines at least one security scheme of type oauth2",
    doc: include_str!("../../rules/oauth2-defined.md"),
    check,
};

fn check(cx: &mut Context<'_>) {
    if cx.oauth2_schemes().next().is_some() {
        return;
    }
    let model = cx.model;
    // At the schemes object when there is one (that is where one belongs), else the root.
    let at = model.schemes_at.as_ref().unwrap_or(&model.root);
    cx.report(
        at,
        "the document defines no security scheme of type `oauth2`",
        None,
    );
}

#![doc = include_str!("../../rules/oauth2-defined.md")]

use super::{Context, Findings, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "oauth2-defined",
    severity: Severity::Error,
    summary: "the document defines at least one security scheme of type oauth2",
    doc: include_str!("../../rules/oauth2-defined.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    if cx.oauth2_schemes().next().is_some() {
        return;
    }
    let model = cx.model;
    // At the schemes object when there is one (that is where one belongs), else the root.
    let at = model.schemes_at.as_ref().unwrap_or(&model.root);
    out.report(at, no_oauth2_scheme(), None);
}

/// The message: no oauth2 scheme at all.
fn no_oauth2_scheme() -> &'static str {
    "the document defines no security scheme of type `oauth2`"
}

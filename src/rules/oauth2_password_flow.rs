#![doc = include_str!("../../rules/oauth2-password-flow.md")]

use super::{Context, Findings, Rule, Severity};
use crate::model::FlowKind;

pub const RULE: Rule = Rule {
    id: "oauth2-password-flow",
    severity: Severity::Error,
    summary: "every oauth2 scheme declares the password flow",
    doc: include_str!("../../rules/oauth2-password-flow.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for scheme in cx.oauth2_schemes().collect::<Vec<_>>() {
        if scheme.flows.iter().any(|f| f.kind == FlowKind::Password) {
            continue;
        }
        let written: Vec<String> = scheme
            .flows
            .iter()
            .map(|f| format!("`{}`", f.written))
            .collect();
        out.report(
            &scheme.name_at,
            no_password_flow(&scheme.name, &written),
            None,
        );
    }
}

/// The message: an oauth2 scheme without the password flow, and the flows it has.
fn no_password_flow(scheme: &str, flows: &[String]) -> String {
    if flows.is_empty() {
        format!("oauth2 scheme `{scheme}` declares no flow; it needs the password flow")
    } else {
        format!(
            "oauth2 scheme `{scheme}` declares {} but not the password flow",
            flows.join(", ")
        )
    }
}

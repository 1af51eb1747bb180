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
        let message = if written.is_empty() {
            format!(
                "oauth2 scheme `{}` declares no flow; it needs the password flow",
                scheme.name
            )
        } else {
            format!(
                "oauth2 scheme `{}` declares {} but not the password flow",
                scheme.name,
                written.join(", ")
            )
        };
        out.report(&scheme.name_at, message, None);
    }
}

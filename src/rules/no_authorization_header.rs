#![doc = include_str!("../../rules/no-authorization-header.md")]

use std::collections::HashSet;

use super::{Context, Findings, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "no-authorization-header",
    severity: Severity::Warning,
    summary: "no parameter declares the Authorization header",
    doc: include_str!("../../rules/no-authorization-header.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    // A parameter shared through a path item or a $ref is reported once, where it is written.
    let mut seen = HashSet::new();
    for op in cx.operations() {
        for p in &op.parameters {
            if p.location == "header" && p.name.eq_ignore_ascii_case("authorization") {
                let key = (p.at.file.path.clone(), p.at.pointer.clone());
                if seen.insert(key) {
                    out.report(&p.at, authorization_parameter(&p.name), Some(op));
                }
            }
        }
    }
}

/// The message: a parameter declares the header the security section implies.
fn authorization_parameter(name: &str) -> String {
    format!(
        "parameter `{name}` declares the Authorization header, which the security section implies"
    )
}

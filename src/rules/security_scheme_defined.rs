#![doc = include_str!("../../rules/security-scheme-defined.md")]

use super::{Context, Findings, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "security-scheme-defined",
    severity: Severity::Error,
    summary: "every security requirement names a defined scheme",
    doc: include_str!("../../rules/security-scheme-defined.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (op, list) in cx.written_lists() {
        for req in &list.requirements {
            for used in &req.schemes {
                if cx.scheme(&used.scheme).is_none() {
                    out.report(&used.at, undefined(&used.scheme), op);
                }
            }
        }
    }
}

/// The message: a requirement names a scheme the document does not define.
fn undefined(scheme: &str) -> String {
    format!("security scheme `{scheme}` is not defined")
}

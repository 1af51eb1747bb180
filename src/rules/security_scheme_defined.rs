//! # security-scheme-defined
//!
//! ## What it does
//! Checks that every security requirement names a scheme the document defines.
//!
//! ## Why
//! A requirement naming an unknown scheme can never be met, or is silently ignored by
//! gateways and generators; either way the operation is not protected as written.

use super::{Context, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "security-scheme-defined",
    severity: Severity::Error,
    summary: "every security requirement names a defined scheme",
    doc: include_str!("../../rules/security-scheme-defined.md"),
    check,
};

fn check(cx: &mut Context<'_>) {
    for (op, list) in cx.written_lists() {
        for req in &list.requirements {
            for used in &req.schemes {
                if cx.scheme(&used.scheme).is_none() {
                    cx.report(
                        &used.at,
                        format!("security scheme `{}` is not defined", used.scheme),
                        op,
                    );
                }
            }
        }
    }
}

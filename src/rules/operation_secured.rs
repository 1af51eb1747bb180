//! # operation-secured
//!
//! ## What it does
//! Checks that every operation's effective security is present and not empty: it has its
//! own non-empty `security` list or inherits a non-empty top-level one.
//!
//! ## Why
//! An operation without security is open to anyone. `security: []` removes the inherited
//! requirement altogether; an endpoint meant for any authenticated user says so with the
//! `uid` scope instead.

use super::{describe, Context, Rule, Severity};
use crate::model::SecuritySource;

pub const RULE: Rule = Rule {
    id: "operation-secured",
    severity: Severity::Error,
    summary: "every operation's effective security is present and non-empty",
    doc: include_str!("../../rules/operation-secured.md"),
    check,
};

const UID_ADVICE: &str = "an endpoint open to any authenticated user declares the `uid` scope";

fn check(cx: &mut Context<'_>) {
    for op in cx.operations() {
        match (op.security.source, &op.security.list) {
            (SecuritySource::Absent, _) => cx.report(
                &op.at,
                format!(
                    "{} has no security: neither the operation nor the document declares `security`",
                    describe(op)
                ),
                Some(op),
            ),
            (SecuritySource::Operation, Some(list)) if list.requirements.is_empty() => cx.report(
                &list.at,
                format!("`security: []` leaves {} unsecured; {UID_ADVICE}", describe(op)),
                Some(op),
            ),
            _ => {}
        }
    }
    let inheriting = cx.inheriting();
    if let Some(top) = &cx.model.security {
        if top.requirements.is_empty() && inheriting > 0 {
            cx.report(
                &top.at,
                format!(
                    "the top-level `security: []` leaves {inheriting} inheriting operation(s) unsecured; {UID_ADVICE}"
                ),
                None,
            );
        }
    }
}

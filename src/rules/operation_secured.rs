#![doc = include_str!("../../rules/operation-secured.md")]

use super::{operation_label, Context, Findings, Rule, Severity};
use crate::model::SecuritySource;

pub const RULE: Rule = Rule {
    id: "operation-secured",
    severity: Severity::Error,
    summary: "every operation's effective security is present and non-empty",
    doc: include_str!("../../rules/operation-secured.md"),
    check,
};

const UID_ADVICE: &str = "an endpoint open to any authenticated user declares the `uid` scope";

fn check(cx: &Context<'_>, out: &mut Findings) {
    for op in cx.operations() {
        match (op.security.source, &op.security.list) {
            (SecuritySource::Absent, _) => {
                out.report(&op.at, no_security(&operation_label(op)), Some(op))
            }
            (SecuritySource::Operation, Some(list)) if list.requirements.is_empty() => {
                out.report(&list.at, empty_list(&operation_label(op)), Some(op))
            }
            _ => {}
        }
    }
    let inheriting = cx.inheriting();
    if let Some(top) = &cx.model.security {
        if top.requirements.is_empty() && inheriting > 0 {
            out.report(&top.at, empty_top_level_list(inheriting), None);
        }
    }
}

/// The message: no `security` anywhere for the operation.
fn no_security(operation: &str) -> String {
    format!(
        "{operation} has no security: neither the operation nor the document declares `security`"
    )
}

/// The message: the operation's own `security: []`.
fn empty_list(operation: &str) -> String {
    format!("`security: []` leaves {operation} unsecured; {UID_ADVICE}")
}

/// The message: a top-level `security: []` that operations inherit.
fn empty_top_level_list(inheriting: usize) -> String {
    format!("the top-level `security: []` leaves {inheriting} inheriting operation(s) unsecured; {UID_ADVICE}")
}

#![doc = include_str!("../../rules/uid-alone.md")]

use super::{Context, Findings, Rule, Severity};
use crate::model::scope::UID;

pub const RULE: Rule = Rule {
    id: "uid-alone",
    severity: Severity::Warning,
    summary: "uid is not combined with other scopes in one requirement",
    doc: include_str!("../../rules/uid-alone.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (op, list) in cx.written_lists() {
        for req in &list.requirements {
            let scopes = cx.scopes_in(req);
            if scopes.len() < 2 {
                continue;
            }
            for scope in scopes.iter().filter(|s| s.value == UID) {
                out.report(&scope.at, UID_NEXT_TO_OTHERS, op);
            }
        }
    }
}

/// The message: `uid` beside other scopes.
const UID_NEXT_TO_OTHERS: &str =
    "`uid` next to other scopes adds nothing: every authenticated principal holds it";

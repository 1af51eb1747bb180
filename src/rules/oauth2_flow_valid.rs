//! # oauth2-flow-valid
//!
//! ## What it does
//! Checks that each oauth2 flow has the fields its kind requires: password and client
//! credentials need `tokenUrl`, implicit needs `authorizationUrl`, authorization code needs
//! both, and every flow needs a `scopes` map. A Swagger 2.0 `flow` must be one of
//! `password`, `implicit`, `application`, `accessCode`.
//!
//! ## Why
//! A flow without its URLs cannot be used by any client or tool. The guideline's own example
//! gives a password flow an `authorizationUrl` instead of a `tokenUrl`; the message says so.

use super::{Context, Rule, Severity};
use crate::model::FlowKind;

pub const RULE: Rule = Rule {
    id: "oauth2-flow-valid",
    severity: Severity::Error,
    summary:
        "each oauth2 flow has the fields its kind requires (tokenUrl, authorizationUrl, scopes)",
    doc: include_str!("../../rules/oauth2-flow-valid.md"),
    check,
};

fn check(cx: &mut Context<'_>) {
    for scheme in cx.oauth2_schemes().collect::<Vec<_>>() {
        for flow in &scheme.flows {
            let (token, authorization) = match flow.kind {
                FlowKind::Password | FlowKind::ClientCredentials => (true, false),
                FlowKind::Implicit => (false, true),
                FlowKind::AuthorizationCode => (true, true),
                FlowKind::Other => {
                    cx.report(
                        &flow.at,
                        format!("unknown oauth2 flow `{}`", flow.written),
                        None,
                    );
                    continue;
                }
            };
            let name = &flow.written;
            if token && flow.token_url.is_none() {
                let message = match (&flow.kind, &flow.authorization_url) {
                    (FlowKind::Password, Some(_)) => format!(
                        "the `{name}` flow of `{}` has `authorizationUrl` but no `tokenUrl`; the password flow uses only a token URL: rename it to `tokenUrl`",
                        scheme.name
                    ),
                    _ => format!("the `{name}` flow of `{}` needs `tokenUrl`", scheme.name),
                };
                cx.report(&flow.at, message, None);
            }
            if authorization && flow.authorization_url.is_none() {
                cx.report(
                    &flow.at,
                    format!(
                        "the `{name}` flow of `{}` needs `authorizationUrl`",
                        scheme.name
                    ),
                    None,
                );
            }
            if !flow.has_scopes {
                cx.report(
                    &flow.at,
                    format!(
                        "the `{name}` flow of `{}` needs a `scopes` map",
                        scheme.name
                    ),
                    None,
                );
            }
        }
    }
}

#![doc = include_str!("../../rules/oauth2-flow-valid.md")]

use super::{Context, Findings, Rule, Severity};
use crate::load::SpecFamily;
use crate::model::FlowKind;

pub const RULE: Rule = Rule {
    id: "oauth2-flow-valid",
    severity: Severity::Error,
    summary:
        "each oauth2 flow has the fields its kind requires (tokenUrl, authorizationUrl, scopes)",
    doc: include_str!("../../rules/oauth2-flow-valid.md"),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for scheme in cx.oauth2_schemes().collect::<Vec<_>>() {
        let name = &scheme.name;
        if cx.model.family == SpecFamily::Swagger2 && scheme.flows.is_empty() {
            out.report(&scheme.name_at, flow_missing(name), None);
            continue;
        }
        for flow in &scheme.flows {
            let (token, authorization, device) = match flow.kind {
                FlowKind::Password | FlowKind::ClientCredentials => (true, false, false),
                FlowKind::Implicit => (false, true, false),
                FlowKind::AuthorizationCode => (true, true, false),
                FlowKind::DeviceAuthorization => (true, false, true),
                FlowKind::Other => {
                    out.report(&flow.name_at, unknown_flow(&flow.written, name), None);
                    continue;
                }
            };
            let flow_name = &flow.written;
            if token && flow.token_url.is_none() {
                match (&flow.kind, &flow.authorization_url_key) {
                    (FlowKind::Password, Some(misnamed)) => out.report(
                        misnamed,
                        authorization_url_for_token_url(flow_name, name),
                        None,
                    ),
                    _ => out.report(&flow.name_at, flow_needs(flow_name, name, "tokenUrl"), None),
                }
            }
            if authorization && flow.authorization_url.is_none() {
                out.report(
                    &flow.name_at,
                    flow_needs(flow_name, name, "authorizationUrl"),
                    None,
                );
            }
            if device && flow.device_authorization_url.is_none() {
                out.report(
                    &flow.name_at,
                    flow_needs(flow_name, name, "deviceAuthorizationUrl"),
                    None,
                );
            }
            if !flow.has_scopes {
                out.report(
                    &flow.name_at,
                    flow_needs(flow_name, name, "a `scopes` map"),
                    None,
                );
            }
        }
    }
}

/// The message: a Swagger 2.0 oauth2 scheme without `flow`.
fn flow_missing(scheme: &str) -> String {
    format!("oauth2 scheme `{scheme}` needs `flow`: `password`, `implicit`, `application` or `accessCode`")
}

/// The message: a flow name no version knows.
fn unknown_flow(flow: &str, scheme: &str) -> String {
    format!("unknown oauth2 flow `{flow}` in `{scheme}`")
}

/// The message: a password flow that names its token URL `authorizationUrl`.
fn authorization_url_for_token_url(flow: &str, scheme: &str) -> String {
    format!("the `{flow}` flow of `{scheme}` has `authorizationUrl` but no `tokenUrl`; the password flow uses only a token URL: rename it to `tokenUrl`")
}

/// The message: a flow without a field it needs (`field` as it is to be read: a key in
/// backquotes, or words).
fn flow_needs(flow: &str, scheme: &str, field: &str) -> String {
    if field.contains(' ') {
        format!("the `{flow}` flow of `{scheme}` needs {field}")
    } else {
        format!("the `{flow}` flow of `{scheme}` needs `{field}`")
    }
}

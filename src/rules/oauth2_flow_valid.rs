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
            out.report(
                &scheme.name_at,
                format!("oauth2 scheme `{name}` needs `flow`: `password`, `implicit`, `application` or `accessCode`"),
                None,
            );
            continue;
        }
        for flow in &scheme.flows {
            let (token, authorization, device) = match flow.kind {
                FlowKind::Password | FlowKind::ClientCredentials => (true, false, false),
                FlowKind::Implicit => (false, true, false),
                FlowKind::AuthorizationCode => (true, true, false),
                FlowKind::DeviceAuthorization => (true, false, true),
                FlowKind::Other => {
                    out.report(
                        &flow.name_at,
                        format!("unknown oauth2 flow `{}` in `{name}`", flow.written),
                        None,
                    );
                    continue;
                }
            };
            let flow_name = &flow.written;
            if token && flow.token_url.is_none() {
                match (&flow.kind, &flow.authorization_url_key) {
                    (FlowKind::Password, Some(misnamed)) => out.report(
                        misnamed,
                        format!("the `{flow_name}` flow of `{name}` has `authorizationUrl` but no `tokenUrl`; the password flow uses only a token URL: rename it to `tokenUrl`"),
                        None,
                    ),
                    _ => out.report(
                        &flow.name_at,
                        format!("the `{flow_name}` flow of `{name}` needs `tokenUrl`"),
                        None,
                    ),
                }
            }
            if authorization && flow.authorization_url.is_none() {
                out.report(
                    &flow.name_at,
                    format!("the `{flow_name}` flow of `{name}` needs `authorizationUrl`"),
                    None,
                );
            }
            if device && flow.device_authorization_url.is_none() {
                out.report(
                    &flow.name_at,
                    format!("the `{flow_name}` flow of `{name}` needs `deviceAuthorizationUrl`"),
                    None,
                );
            }
            if !flow.has_scopes {
                out.report(
                    &flow.name_at,
                    format!("the `{flow_name}` flow of `{name}` needs a `scopes` map"),
                    None,
                );
            }
        }
    }
}

//! # oauth2-url-https
//!
//! ## What it does
//! Checks that `authorizationUrl`, `tokenUrl` and `refreshUrl` are absolute `https` URLs.
//!
//! ## Why
//! Passwords and tokens cross these URLs. A relative URL depends on where the description is
//! served from, and plain `http` sends credentials in the clear.

use super::{Context, Rule, Severity};

pub const RULE: Rule = Rule {
    id: "oauth2-url-https",
    severity: Severity::Warning,
    summary: "oauth2 flow URLs are absolute https URLs",
    doc: include_str!("../../rules/oauth2-url-https.md"),
    check,
};

fn is_absolute_https(url: &str) -> bool {
    url.strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', '?', '#']))
}

fn check(cx: &mut Context<'_>) {
    for scheme in cx.oauth2_schemes().collect::<Vec<_>>() {
        for flow in &scheme.flows {
            let urls = [
                ("authorizationUrl", &flow.authorization_url),
                ("tokenUrl", &flow.token_url),
                ("refreshUrl", &flow.refresh_url),
                ("deviceAuthorizationUrl", &flow.device_authorization_url),
            ];
            for (field, url) in urls {
                let Some(url) = url else { continue };
                if !is_absolute_https(&url.value) {
                    cx.report(
                        &url.at,
                        format!("`{field}` `{}` is not an absolute https URL", url.value),
                        None,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn absolute_https_only() {
        assert!(super::is_absolute_https("https://id.example.com/token"));
        for bad in [
            "http://id.example.com/token",
            "/token",
            "https://",
            "https:///x",
            "HTTPS//x",
            "",
        ] {
            assert!(!super::is_absolute_https(bad), "{bad}");
        }
    }
}

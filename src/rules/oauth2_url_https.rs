#![doc = include_str!("../../rules/oauth2-url-https.md")]

use super::{Context, Findings, Rule, Severity};

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

fn check(cx: &Context<'_>, out: &mut Findings) {
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
                    out.report(&url.at, not_https(field, &url.value), None);
                }
            }
        }
    }
}

/// The message: a flow URL that is not absolute https.
fn not_https(field: &str, url: &str) -> String {
    format!("`{field}` `{url}` is not an absolute https URL")
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

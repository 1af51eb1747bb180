//! A decision as an HTTP answer: status, headers and a JSON body with a stable code. The
//! decision server (`scopegate serve`) and the tower layer both answer with this, so a request
//! gets the same answer in front of a service and inside it.
//!
//! | decision | status | `code` |
//! |---|---|---|
//! | allow | 200 | `allow` |
//! | no principal, or a bad credential | 401 + `WWW-Authenticate` | `unauthenticated`, `invalid-credentials` |
//! | a scope is missing | 403 + `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` (RFC 6750) | `missing-scopes` |
//! | the client's group refuses it | 403 | `unknown-client`, `no-group`, `inactive-group` |
//! | nothing matches | 403 | `no-route` |
//! | malformed or ambiguous path | 400 | `invalid-path` |
//! | no valid table loaded | 503 | `no-table` |
//! | the gateway's request cannot be read (two copies of a deciding header, ...) | 400 | `duplicate-header`, `no-original-request` |
//! | too many failed logins for the user or address | 429 + `Retry-After` | `too-many-failed-logins` |
//! | the password-hashing pool is full | 503 + `Retry-After` | `busy` |
//! | the identity provider cannot be reached to judge a token | 503 + `Retry-After` | `provider-unavailable` |

use serde_json::json;

use super::evaluator::{Decision, Deny, Evaluator, Grant};

/// The authentication scheme a 401 asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Challenge {
    /// `WWW-Authenticate: Bearer` (OAuth tokens).
    Bearer,
    /// `WWW-Authenticate: Basic` (store tills).
    Basic,
}

/// A ready answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status: 200, 401, 403, 400, 429 or 503.
    pub status: u16,
    /// The stable reason (`allow`, `missing-scopes`, ...), also in the body.
    pub code: &'static str,
    /// Headers to send with it (`WWW-Authenticate`, `Retry-After`, the decision id, ...).
    pub headers: Vec<(&'static str, String)>,
    /// JSON, one line.
    pub body: String,
}

impl Answer {
    /// Whether the request may go on (status 200).
    pub fn is_allow(&self) -> bool {
        self.status == 200
    }
}

fn quote(s: &str) -> String {
    // Header quoted-string: scope names and realms never hold these, but be safe.
    s.replace(['"', '\\', '\r', '\n'], "")
}

fn challenge(scheme: Challenge, realm: &str, error: Option<(&str, &str)>) -> String {
    let mut value = match scheme {
        Challenge::Bearer => format!("Bearer realm=\"{}\"", quote(realm)),
        Challenge::Basic => format!("Basic realm=\"{}\", charset=\"UTF-8\"", quote(realm)),
    };
    if let (Challenge::Bearer, Some((code, description))) = (scheme, error) {
        value.push_str(&format!(
            ", error=\"{code}\", error_description=\"{}\"",
            quote(description)
        ));
    }
    value
}

/// The scope set to name in `insufficient_scope`: the alternative missing the fewest scopes.
pub fn closest_set<'a>(
    evaluator: &Evaluator,
    grant: &Grant,
    any_of: &'a [Vec<String>],
) -> &'a [String] {
    let held = evaluator.granted_scopes(grant);
    any_of
        .iter()
        .min_by_key(|set| set.iter().filter(|s| !held.contains(&s.as_str())).count())
        .map_or(&[], |s| s.as_slice())
}

/// The answer to a decision. `scheme` is how the principal authenticated (or, for an
/// anonymous one, what to ask for).
pub fn answer(
    evaluator: &Evaluator,
    grant: &Grant,
    decision: &Decision<'_>,
    scheme: Challenge,
    realm: &str,
    decision_id: &str,
) -> Answer {
    let code = decision.code();
    let mut headers = Vec::new();
    let status = match decision {
        Decision::Allow { .. } => 200,
        Decision::Deny(Deny::Unauthenticated { .. }) => {
            headers.push(("www-authenticate", challenge(scheme, realm, None)));
            401
        }
        Decision::Deny(Deny::MissingScopes { route }) => {
            if scheme == Challenge::Bearer {
                let needed = closest_set(evaluator, grant, &route.any_of).join(" ");
                headers.push((
                    "www-authenticate",
                    format!(
                        "Bearer realm=\"{}\", error=\"insufficient_scope\", scope=\"{}\"",
                        quote(realm),
                        quote(&needed)
                    ),
                ));
            }
            403
        }
        Decision::Deny(Deny::InvalidPath(_)) => 400,
        Decision::Deny(
            Deny::NoRoute | Deny::UnknownClient | Deny::NoGroup | Deny::InactiveGroup { .. },
        ) => 403,
    };
    let mut body = decision.to_json();
    body["decision_id"] = json!(decision_id);
    Answer {
        status,
        code,
        headers,
        body: body.to_string(),
    }
}

/// 401 for a credential that was presented and failed (a bad token or password).
pub fn invalid_credentials(
    scheme: Challenge,
    realm: &str,
    reason: &str,
    decision_id: &str,
) -> Answer {
    let header = challenge(scheme, realm, Some(("invalid_token", reason)));
    Answer {
        status: 401,
        code: "invalid-credentials",
        headers: vec![("www-authenticate", header)],
        body: json!({"decision": "deny", "code": "invalid-credentials", "message": reason, "decision_id": decision_id})
            .to_string(),
    }
}

/// 503: no valid table is loaded, so nothing is allowed.
pub fn no_table(decision_id: &str) -> Answer {
    Answer {
        status: 503,
        code: "no-table",
        headers: Vec::new(),
        body: json!({"decision": "deny", "code": "no-table", "message": "no valid permission table is loaded", "decision_id": decision_id})
            .to_string(),
    }
}

/// 400: the gateway's request cannot be read (`code` says why).
pub fn bad_request(code: &'static str, message: &str, decision_id: &str) -> Answer {
    Answer {
        status: 400,
        code,
        headers: Vec::new(),
        body: json!({"decision": "deny", "code": code, "message": message, "decision_id": decision_id})
            .to_string(),
    }
}

/// 429: too many failed logins for this user or address; nothing was checked.
pub fn too_many_failed_logins(retry_after: u64, decision_id: &str) -> Answer {
    retry_later(
        429,
        "too-many-failed-logins",
        "too many failed logins; try again later",
        retry_after,
        decision_id,
    )
}

/// 503: the identity provider's keys (or its introspection endpoint) cannot be reached and
/// nothing in force can judge the token; nothing was allowed.
pub fn provider_unavailable(retry_after: u64, decision_id: &str) -> Answer {
    retry_later(
        503,
        "provider-unavailable",
        "the identity provider cannot be reached to check the token; try again shortly",
        retry_after,
        decision_id,
    )
}

/// 503: the password-hashing pool is full; nothing was checked.
pub fn busy(retry_after: u64, decision_id: &str) -> Answer {
    retry_later(
        503,
        "busy",
        "too many logins are being checked; try again shortly",
        retry_after,
        decision_id,
    )
}

fn retry_later(
    status: u16,
    code: &'static str,
    message: &str,
    retry_after: u64,
    decision_id: &str,
) -> Answer {
    Answer {
        status,
        code,
        headers: vec![("retry-after", retry_after.to_string())],
        body: json!({"decision": "deny", "code": code, "message": message, "decision_id": decision_id})
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Principal, Route, Table};

    #[test]
    fn an_answer_body_is_the_decision_json_and_its_id() {
        let table = Table::with_routes(
            "/v1",
            vec![Route::new("POST", "/orders", &[&["orders.write"]])],
        );
        let evaluator = Evaluator::new(table, Options::default());
        let reader = evaluator.grant(&Principal::from_scope_string("orders.read"));
        for (method, path) in [
            ("POST", "/v1/orders"),
            ("GET", "/v1/orders"),
            ("POST", "/v1/./orders"),
        ] {
            let decision = evaluator.evaluate(&reader, method, path);
            let answer = answer(
                &evaluator,
                &reader,
                &decision,
                Challenge::Bearer,
                "api",
                "id-1",
            );
            let mut body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
            assert_eq!(body["decision_id"], "id-1");
            assert_eq!(body["code"], answer.code);
            body.as_object_mut().unwrap().remove("decision_id");
            assert_eq!(body, decision.to_json(), "{method} {path}");
        }
    }
}

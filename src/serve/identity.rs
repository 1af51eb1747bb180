//! Who a request proved to be, and the checks every source of identity shares: a subject that
//! can be forwarded in a header, and claims that are current.

use serde_json::Value;

use crate::runtime::Principal;

/// What authentication gives a decision.
#[derive(Debug)]
pub struct Identity {
    pub principal: Principal,
    /// `sub:alice`, `client_id:svc`, `client:bm-till-1`, `token` or `anonymous`; always a
    /// valid header value (it goes to the upstream in `X-Scopegate-Principal`).
    pub label: String,
    /// Unix seconds after which a cached identity no longer counts (`u64::MAX`: not cached).
    pub until: u64,
    /// The OAuth client a token was issued to (`client_id`, `azp`, or the configured claim):
    /// when the access groups know it as an API client, its group decides.
    pub client: Option<String>,
}

impl Identity {
    pub fn new(principal: Principal, label: String) -> Identity {
        Identity {
            principal,
            label,
            until: u64::MAX,
            client: None,
        }
    }
}

/// The claims a token's client is read from, first present wins, when none is configured:
/// `client_id` (RFC 9068 access tokens, RFC 7662 introspection), then `azp` (OpenID Connect).
pub const CLIENT_CLAIMS: [&str; 2] = ["client_id", "azp"];

/// The token's client: the first of `claims` present. One that is not a string that can be a
/// header value is refused, so that a token never reaches another client's group by a
/// reading of the claim.
pub fn client(claims: &Value, names: &[String]) -> Result<Option<String>, String> {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    if names.is_empty() {
        names = CLIENT_CLAIMS.to_vec();
    }
    for name in names {
        match claims.get(name) {
            None | Some(Value::Null) => continue,
            Some(Value::String(id)) if header_safe(id) => return Ok(Some(id.clone())),
            Some(_) => {
                return Err(format!(
                    "the `{name}` claim is not a client id (1 to 256 visible ASCII characters)"
                ))
            }
        }
    }
    Ok(None)
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A subject or client id that can be forwarded in `X-Scopegate-Principal` and logged on one
/// line: 1 to 256 bytes of visible ASCII. Anything else is refused, never silently dropped.
pub fn header_safe(id: &str) -> bool {
    !id.is_empty() && id.len() <= 256 && id.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The label of verified claims: `sub:...`, else `client_id:...`, else `token`.
pub fn label(claims: &Value) -> Result<String, String> {
    let (kind, id) = match (claims.get("sub"), claims.get("client_id")) {
        (Some(sub), _) => ("sub", sub),
        (None, Some(client)) => ("client_id", client),
        (None, None) => return Ok("token".into()),
    };
    match id.as_str() {
        Some(id) if header_safe(id) => Ok(format!("{kind}:{id}")),
        Some(_) => Err(format!(
            "the `{kind}` claim cannot be forwarded in a header (1 to 256 visible ASCII characters)"
        )),
        None => Err(format!("the `{kind}` claim is not a string")),
    }
}

/// `exp` and `nbf`, where present, hold at `now` with `leeway` seconds of clock skew.
pub fn current(claims: &Value, now: u64, leeway: u64) -> Result<(), String> {
    let seconds = |name: &str| match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Some(s as u64))
            .ok_or_else(|| format!("the `{name}` claim is not a number")),
    };
    if let Some(exp) = seconds("exp")? {
        if now > exp.saturating_add(leeway) {
            return Err("the claims have expired".into());
        }
    }
    if let Some(nbf) = seconds("nbf")? {
        if now.saturating_add(leeway) < nbf {
            return Err("the claims are not valid yet (nbf)".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subjects_that_cannot_be_forwarded_are_refused() {
        assert_eq!(label(&json!({"sub": "alice"})).unwrap(), "sub:alice");
        assert!(label(&json!({"sub": "alice\r\nX-Admin: 1"})).is_err());
        assert!(label(&json!({"sub": ""})).is_err());
        assert!(label(&json!({"sub": 7})).is_err());
        assert!(label(&json!({"client_id": "a".repeat(257)})).is_err());
        assert_eq!(label(&json!({})).unwrap(), "token");
    }

    #[test]
    fn expired_and_early_claims_are_refused() {
        assert!(current(&json!({"exp": 100}), 100, 0).is_ok());
        assert!(current(&json!({"exp": 100}), 131, 30).is_err());
        assert!(current(&json!({"nbf": 200}), 100, 30).is_err());
        assert!(current(&json!({"exp": "never"}), 100, 0).is_err());
        assert!(current(&json!({}), 100, 0).is_ok());
    }
}

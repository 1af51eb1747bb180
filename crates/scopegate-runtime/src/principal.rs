//! Who is asking: anonymous, the scopes a token grants, or a client whose access group grants
//! them.

use std::collections::BTreeSet;

use serde_json::Value;

/// The pseudo-scope every authenticated principal holds.
pub const UID: &str = "uid";

/// Who is asking.
///
/// ```
/// use scopegate_runtime::Principal;
///
/// // A token's `scope` claim; `uid` is implied for anyone authenticated.
/// let token = Principal::from_scope_string("orders.read orders.write");
/// assert_eq!(token, Principal::with_scopes(["orders.read", "orders.write", "uid"]));
/// // A basic-auth till or an OAuth client without useful scopes: its access group decides.
/// let till = Principal::Client("bm-till-1".into());
/// # let _ = till;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No credentials: only routes that need nothing would be allowed, and every route of a
    /// table needs at least `uid`.
    Anonymous,
    /// An authenticated principal and the scopes it was granted (`uid` always among them).
    Scopes(BTreeSet<String>),
    /// An authenticated client (a store's till or an OAuth API client) whose scopes come from
    /// its access group.
    Client(String),
}

impl Principal {
    /// An authenticated principal holding `scopes` and `uid`.
    pub fn with_scopes<I, S>(scopes: I) -> Principal
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut set: BTreeSet<String> = scopes.into_iter().map(Into::into).collect();
        set.insert(UID.to_string());
        Principal::Scopes(set)
    }

    /// From a space-delimited scope string (OAuth 2.0's `scope`, RFC 6749 section 3.3).
    pub fn from_scope_string(scope: &str) -> Principal {
        Principal::with_scopes(scope.split(' ').filter(|s| !s.is_empty()))
    }

    /// From verified token claims: `scope` (a space-delimited string), `scp` (a string or an
    /// array of strings) or `scopes` (an array of strings), all that are present. A claim of
    /// the wrong type is an error, so that a malformed token never gains or silently loses
    /// scopes.
    pub fn from_claims(claims: &Value) -> Result<Principal, ClaimsError> {
        let mut scopes: Vec<String> = Vec::new();
        each_claimed_scope(claims, |s| scopes.push(s.to_string()))?;
        Ok(Principal::with_scopes(scopes))
    }

    /// Whether a token principal holds `scope`. A client's scopes are known only through its
    /// access group (`Evaluator::client_grant`), so this is false for one.
    pub fn holds(&self, scope: &str) -> bool {
        match self {
            Principal::Anonymous | Principal::Client(_) => false,
            Principal::Scopes(s) => s.contains(scope),
        }
    }

    /// A client principal, resolved through access groups.
    pub fn client(id: impl Into<String>) -> Principal {
        Principal::Client(id.into())
    }
}

/// Calls `each` with every scope the claims grant: the words of `scope` (a space-delimited
/// string), of `scp` (a string, or each string of an array) and each string of `scopes`. A
/// claim of the wrong type is refused before any scope of a later claim is given.
pub(crate) fn each_claimed_scope(
    claims: &Value,
    mut each: impl FnMut(&str),
) -> Result<(), ClaimsError> {
    let wrong_type = |claim| ClaimsError {
        claim,
        kind: ClaimsErrorKind::WrongType,
    };
    let strings = |claim: &'static str, v: &[Value]| -> Result<(), ClaimsError> {
        match v.iter().all(Value::is_string) {
            true => Ok(()),
            false => Err(ClaimsError {
                claim,
                kind: ClaimsErrorKind::NonStringItem,
            }),
        }
    };
    // Every claim is checked before any scope is given, so that a refusal leaves nothing half
    // granted.
    match claims.get("scope") {
        None | Some(Value::String(_)) => {}
        Some(_) => return Err(wrong_type("scope")),
    }
    match claims.get("scp") {
        None | Some(Value::String(_)) => {}
        Some(Value::Array(v)) => strings("scp", v)?,
        Some(_) => return Err(wrong_type("scp")),
    }
    match claims.get("scopes") {
        None => {}
        Some(Value::Array(v)) => strings("scopes", v)?,
        Some(_) => return Err(wrong_type("scopes")),
    }
    for claim in ["scope", "scp", "scopes"] {
        match claims.get(claim) {
            Some(Value::String(s)) => s.split(' ').filter(|w| !w.is_empty()).for_each(&mut each),
            Some(Value::Array(v)) => v.iter().filter_map(Value::as_str).for_each(&mut each),
            _ => {}
        }
    }
    Ok(())
}

/// Why a token's scope claims were refused: which claim, and what is wrong with it.
///
/// ```
/// use scopegate_runtime::principal::{ClaimsErrorKind, Principal};
///
/// let e = Principal::from_claims(&serde_json::json!({"scp": ["a.read", 7]})).unwrap_err();
/// assert_eq!((e.claim(), e.kind()), ("scp", ClaimsErrorKind::NonStringItem));
/// assert_eq!(e.to_string(), "`scp` holds a non-string");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimsError {
    claim: &'static str,
    kind: ClaimsErrorKind,
}

/// What is wrong with a scope claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClaimsErrorKind {
    /// `scope` is not a string, `scp` neither a string nor an array, `scopes` not an array.
    WrongType,
    /// An array claim holds something other than a string.
    NonStringItem,
}

impl ClaimsError {
    /// The claim: `scope`, `scp` or `scopes`.
    pub fn claim(&self) -> &'static str {
        self.claim
    }

    /// What is wrong with it.
    pub fn kind(&self) -> ClaimsErrorKind {
        self.kind
    }
}

impl std::fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let claim = self.claim;
        match (self.kind, claim) {
            (ClaimsErrorKind::NonStringItem, _) => write!(f, "`{claim}` holds a non-string"),
            (ClaimsErrorKind::WrongType, "scope") => {
                write!(f, "`scope` must be a space-delimited string")
            }
            (ClaimsErrorKind::WrongType, "scp") => {
                write!(f, "`scp` must be a string or an array of strings")
            }
            (ClaimsErrorKind::WrongType, _) => write!(f, "`{claim}` must be an array of strings"),
        }
    }
}

impl std::error::Error for ClaimsError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_authenticated_principal_holds_uid() {
        assert!(Principal::from_scope_string("").holds(UID));
        assert!(!Principal::Anonymous.holds(UID));
    }

    #[test]
    fn claims_in_each_form() {
        let p = Principal::from_claims(&json!({"scope": "a.read  b.write"})).unwrap();
        assert!(p.holds("a.read") && p.holds("b.write"));
        let p = Principal::from_claims(&json!({"scp": ["a.read"], "scopes": ["c.read"]})).unwrap();
        assert!(p.holds("a.read") && p.holds("c.read"));
        let p = Principal::from_claims(&json!({"scp": "x.read y.read"})).unwrap();
        assert!(p.holds("y.read"));
    }

    #[test]
    fn malformed_claims_are_refused() {
        assert!(Principal::from_claims(&json!({"scope": ["a.read"]})).is_err());
        assert!(Principal::from_claims(&json!({"scopes": "a.read"})).is_err());
        assert!(Principal::from_claims(&json!({"scp": [1]})).is_err());
    }

    #[test]
    fn scopes_are_case_sensitive() {
        assert!(!Principal::from_scope_string("A.READ").holds("a.read"));
    }
}

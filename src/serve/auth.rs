//! Who is asking: the principal of a forwarded request.
//!
//! In order, the first that applies:
//! 1. trusted headers set by the gateway: already-verified JWT claims (JSON, or base64url JSON)
//!    in `--trusted-claims-header` (`exp`/`nbf` still checked when present), or a client id in
//!    `--trusted-client-header`. Believed only when the request comes from the gateway (see
//!    `trust`); from anywhere else a trusted header is refused, not ignored;
//! 2. `Authorization: Bearer`: a JWT verified by `jwt`;
//! 3. `Authorization: Basic`: a till, checked against the credentials by `logins` (the slow
//!    part runs off the request thread, so this step only parses);
//! 4. nobody: the anonymous principal (every route needs at least `uid`, so it gets 401).
//!
//! A credential that is presented and fails is a 401 of its own (`invalid-credentials`), never
//! a fall-through to anonymous. No fragment of a presented credential is ever echoed or logged:
//! refusal texts are fixed strings.

use std::sync::Arc;

use base64::Engine;
use serde_json::Value;

use crate::runtime::answer::Challenge;
use crate::runtime::Principal;

use super::identity::{self, header_safe, Identity};
use super::jwt::{JwtVerifier, BAD_SIGNATURE, MALFORMED, UNKNOWN_KID};

/// How a principal was established.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub identity: Arc<Identity>,
    /// The scheme a 401 or 403 answers with.
    pub scheme: Challenge,
}

/// What a request presented.
#[derive(Debug)]
pub enum Presented {
    /// Established already.
    Known(Authenticated),
    /// Basic credentials still to check against the till credentials (slow: see `logins`).
    Basic { user: String, password: String },
}

/// Why [`Authenticator::authenticate_with`] gave no principal.
#[derive(Debug, Clone)]
pub enum Unsettled {
    /// A credential that was presented and fails: 401.
    Failed(Failure),
    /// A bearer JWT naming a `kid` no key has: worth a refetch from the identity provider
    /// before it is judged (then `authenticate_with(.., refetched: true)`).
    UnknownKid,
    /// A bearer token, and the identity provider's keys were never fetched: 503, not 401.
    ProviderUnavailable,
    /// An opaque bearer token, for the provider's introspection endpoint.
    Opaque(String),
}

impl From<Failure> for Unsettled {
    fn from(f: Failure) -> Unsettled {
        Unsettled::Failed(f)
    }
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub reason: String,
    pub scheme: Challenge,
}

/// Request headers, lower-case names; each asked-for header is present at most once (the
/// server refuses duplicates before authentication).
pub trait Headers {
    fn get(&self, name: &str) -> Option<&str>;
}

pub struct Authenticator {
    pub trusted_claims_header: Option<String>,
    pub trusted_client_header: Option<String>,
    /// Whether basic auth is accepted (the credentials themselves are reloaded with the table).
    pub basic: bool,
    /// What a 401 for an anonymous request asks for.
    pub challenge: Challenge,
    /// Clock skew allowed for `exp` and `nbf` of trusted claims.
    pub leeway_seconds: u64,
}

/// Fixed refusal texts: none of them quotes what the client sent.
pub const UNTRUSTED: &str = "a trusted gateway header came from outside the gateway";
pub const MALFORMED_AUTHORIZATION: &str = "malformed Authorization header";
pub const UNSUPPORTED_SCHEME: &str = "unsupported authorization scheme";
pub const MALFORMED_BASIC: &str = "malformed basic credentials";
pub const PROVIDER_UNAVAILABLE: &str = "the identity provider's keys are not fetched yet";

impl Authenticator {
    /// The names of the trusted headers in use.
    pub fn trusted_headers(&self) -> impl Iterator<Item = &str> {
        self.trusted_claims_header
            .iter()
            .chain(self.trusted_client_header.iter())
            .map(String::as_str)
    }

    /// What the request presents. `from_gateway` says whether trusted headers may be believed;
    /// `jwt` is the verifier in force (keys reload). A token is judged with the keys at hand.
    pub fn authenticate(
        &self,
        headers: &dyn Headers,
        from_gateway: bool,
        jwt: Option<&JwtVerifier>,
    ) -> Result<Presented, Failure> {
        self.authenticate_with(headers, from_gateway, jwt, true)
            .map_err(|e| match e {
                Unsettled::Failed(f) => f,
                Unsettled::UnknownKid | Unsettled::ProviderUnavailable | Unsettled::Opaque(_) => {
                    Failure {
                        reason: PROVIDER_UNAVAILABLE.into(),
                        scheme: Challenge::Bearer,
                    }
                }
            })
    }

    /// [`Authenticator::authenticate`], which before `refetched` answers
    /// [`Unsettled::UnknownKid`] for a token the provider's next key set may verify.
    pub fn authenticate_with(
        &self,
        headers: &dyn Headers,
        from_gateway: bool,
        jwt: Option<&JwtVerifier>,
        refetched: bool,
    ) -> Result<Presented, Unsettled> {
        let bearer = |reason: &str| Failure {
            reason: reason.to_string(),
            scheme: Challenge::Bearer,
        };
        let known = |identity: Identity, scheme| {
            Ok(Presented::Known(Authenticated {
                identity: Arc::new(identity),
                scheme,
            }))
        };
        if self.trusted_headers().any(|h| headers.get(h).is_some()) && !from_gateway {
            return Err(Unsettled::Failed(bearer(UNTRUSTED)));
        }
        if let Some(raw) = self
            .trusted_claims_header
            .as_deref()
            .and_then(|h| headers.get(h))
        {
            let claims = decode_claims(raw).map_err(|e| bearer(&e))?;
            identity::current(&claims, identity::unix_now(), self.leeway_seconds)
                .map_err(|e| bearer(&e))?;
            let principal = Principal::from_claims(&claims).map_err(|e| bearer(&e.to_string()))?;
            let label = identity::label(&claims).map_err(|e| bearer(&e))?;
            return known(Identity::new(principal, label), Challenge::Bearer);
        }
        if let Some(id) = self
            .trusted_client_header
            .as_deref()
            .and_then(|h| headers.get(h))
        {
            if !header_safe(id) {
                return Err(Unsettled::Failed(bearer(
                    "the trusted client id is not 1 to 256 visible ASCII characters",
                )));
            }
            return known(
                Identity::new(Principal::client(id), format!("client:{id}")),
                self.challenge,
            );
        }
        let Some(authorization) = headers.get("authorization") else {
            return known(
                Identity::new(Principal::Anonymous, "anonymous".into()),
                self.challenge,
            );
        };
        // RFC 9110: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]. One space,
        // then one token: anything else (tabs, several words) is malformed.
        let Some((scheme, credential)) = authorization.split_once(' ') else {
            return Err(Unsettled::Failed(Failure {
                reason: MALFORMED_AUTHORIZATION.into(),
                scheme: self.challenge,
            }));
        };
        let credential = credential.trim_start_matches(' ');
        if credential.is_empty() || !credential.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Unsettled::Failed(Failure {
                reason: MALFORMED_AUTHORIZATION.into(),
                scheme: self.challenge,
            }));
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            let Some(jwt) = jwt else {
                return Err(Unsettled::Failed(bearer(
                    "bearer tokens are not accepted here",
                )));
            };
            // One reading of the token: the verified-token cache first, then its header.
            let identity = match jwt.verify(credential) {
                Ok(identity) => identity,
                Err(e) if e == MALFORMED && jwt.introspects() => {
                    return Err(Unsettled::Opaque(credential.to_string()))
                }
                Err(_) if jwt.waiting_for_provider() => return Err(Unsettled::ProviderUnavailable),
                Err(e) if e == UNKNOWN_KID && !refetched => return Err(Unsettled::UnknownKid),
                Err(e) if e == UNKNOWN_KID => return Err(Unsettled::Failed(bearer(BAD_SIGNATURE))),
                Err(e) => return Err(Unsettled::Failed(bearer(&e))),
            };
            return Ok(Presented::Known(Authenticated {
                identity,
                scheme: Challenge::Bearer,
            }));
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let basic = |reason: &str| Failure {
                reason: reason.to_string(),
                scheme: Challenge::Basic,
            };
            if !self.basic {
                return Err(Unsettled::Failed(basic(
                    "basic authentication is not accepted here",
                )));
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(credential)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| basic(MALFORMED_BASIC))?;
            let (user, password) = decoded
                .split_once(':')
                .ok_or_else(|| basic(MALFORMED_BASIC))?;
            if !header_safe(user) || password.len() > 1024 {
                return Err(Unsettled::Failed(basic(MALFORMED_BASIC)));
            }
            return Ok(Presented::Basic {
                user: user.to_string(),
                password: password.to_string(),
            });
        }
        Err(Unsettled::Failed(Failure {
            reason: UNSUPPORTED_SCHEME.into(),
            scheme: self.challenge,
        }))
    }
}

/// Claims a gateway forwards: a JSON object, or its base64url (or base64) encoding.
fn decode_claims(raw: &str) -> Result<Value, String> {
    let raw = raw.trim();
    let text = if raw.starts_with('{') {
        raw.as_bytes().to_vec()
    } else {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw.trim_end_matches('='))
            .or_else(|_| base64::engine::general_purpose::STANDARD.decode(raw))
            .map_err(|_| "the trusted claims header is neither JSON nor base64".to_string())?
    };
    let claims: Value = serde_json::from_slice(&text)
        .map_err(|_| "the trusted claims header is not JSON".to_string())?;
    if !claims.is_object() {
        return Err("the trusted claims header is not a JSON object".into());
    }
    Ok(claims)
}

//! Opaque bearer tokens, judged by the identity provider's introspection endpoint (RFC 7662).
//!
//! - A bearer token that is not a JWT is introspected: a POST of `token=...` to
//!   `--introspection-url` (or the endpoint OpenID discovery found), with this server's client
//!   credentials in HTTP basic auth.
//! - `active: false` is a 401; so is an answer for a refresh token, an `iss` or `aud` this
//!   server does not accept, or an `exp` in the past.
//! - An answer is remembered until the token's `exp`, and at most `--introspection-max-age`
//!   (a revoked token keeps working that long at most); an inactive one for a minute. The
//!   cache is bounded in bytes.
//! - At most `--introspection-concurrency` introspections run at once; a token that finds no
//!   room within the timeout, or a provider that is down or answers nonsense, is a 503 for a
//!   token not in the cache: never an allow.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::Uri;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::runtime::Principal;

use super::fetch::{provider_url, Fetcher};
use super::identity::{client, label, unix_now, Identity};
use super::provider::{Provider, ProviderMetrics};

/// Where and as whom to introspect.
#[derive(Debug, Clone)]
pub struct IntrospectionConfig {
    /// `None`: the endpoint OpenID discovery found.
    pub url: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub max_age: Duration,
    pub cache_bytes: u64,
    pub concurrency: usize,
    pub timeout: Duration,
    /// Accepted `iss` values (checked when the answer has one).
    pub issuers: Vec<String>,
    /// Accepted `aud` values (checked when the answer has one).
    pub audiences: Vec<String>,
    /// The claims a token's client is read from.
    pub client_claims: Vec<String>,
}

/// What introspection says of a token.
#[derive(Debug, Clone)]
pub enum Introspected {
    /// Active: who it is.
    Active(Arc<Identity>),
    /// Not active, or not acceptable here: a fixed reason.
    Refused(&'static str),
    /// The provider could not answer: 503.
    Unavailable,
}

/// How long an inactive answer is remembered.
const REMEMBER_INACTIVE: Duration = Duration::from_secs(60);
const MAX_ANSWER_BYTES: usize = 64 << 10;

pub const INACTIVE: &str = "the token is not active";
pub const NOT_ACCEPTED: &str = "the token is not accepted here";

#[derive(Clone)]
struct Remembered {
    answer: Introspected,
    until: Instant,
}

struct UntilExpiry;

impl moka::Expiry<[u8; 32], Remembered> for UntilExpiry {
    fn expire_after_create(
        &self,
        _key: &[u8; 32],
        value: &Remembered,
        created_at: Instant,
    ) -> Option<Duration> {
        Some(value.until.saturating_duration_since(created_at))
    }
}

pub struct Introspector {
    config: IntrospectionConfig,
    url: Option<Uri>,
    provider: Option<Arc<Provider>>,
    fetcher: Fetcher,
    cache: moka::sync::Cache<[u8; 32], Remembered>,
    room: tokio::sync::Semaphore,
    metrics: ProviderMetrics,
}

impl std::fmt::Debug for Introspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Introspector")
            .field("url", &self.url)
            .field("client_id", &self.config.client_id)
            .finish_non_exhaustive()
    }
}

impl Introspector {
    /// `provider` gives the discovered endpoint (when `config.url` is `None`) and the metrics
    /// the fetches are counted in.
    pub fn new(
        config: IntrospectionConfig,
        provider: Option<Arc<Provider>>,
    ) -> Result<Introspector, String> {
        let url = match &config.url {
            Some(u) => Some(provider_url(u).map_err(|e| format!("--introspection-url: {e}"))?),
            None if provider.as_ref().is_some_and(|p| p.issuer().is_some()) => None,
            None => {
                return Err(
                    "introspection needs --introspection-url, or --oidc-issuer to discover it"
                        .into(),
                )
            }
        };
        let metrics = provider
            .as_ref()
            .map_or_else(ProviderMetrics::default, |p| p.metrics.clone());
        Ok(Introspector {
            fetcher: Fetcher::new(config.timeout, MAX_ANSWER_BYTES)?,
            cache: moka::sync::Cache::builder()
                .max_capacity(config.cache_bytes.max(1 << 20))
                .weigher(|_, v: &Remembered| match &v.answer {
                    Introspected::Active(i) => (200 + i.label.len() * 2) as u32,
                    _ => 64,
                })
                .expire_after(UntilExpiry)
                .build(),
            room: tokio::sync::Semaphore::new(config.concurrency.max(1)),
            url,
            provider,
            metrics,
            config,
        })
    }

    /// The provider's metrics, to register when there is no provider of keys.
    pub fn metrics(&self) -> &ProviderMetrics {
        &self.metrics
    }

    /// What the provider says of `token`, from the cache or by asking.
    pub async fn introspect(&self, token: &str) -> Introspected {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(hit) = self.cache.get(&key) {
            if Instant::now() < hit.until {
                return hit.answer;
            }
        }
        let Ok(Ok(_permit)) = tokio::time::timeout(self.config.timeout, self.room.acquire()).await
        else {
            return Introspected::Unavailable;
        };
        // Another request may have asked while this one waited.
        if let Some(hit) = self.cache.get(&key) {
            if Instant::now() < hit.until {
                return hit.answer;
            }
        }
        let Some(url) = self
            .url
            .clone()
            .or_else(|| self.provider.as_ref()?.introspection_endpoint())
        else {
            return Introspected::Unavailable;
        };
        let fetched = self
            .fetcher
            .post_form(
                &url,
                (&self.config.client_id, &self.config.client_secret),
                &[("token", token), ("token_type_hint", "access_token")],
            )
            .await;
        let body = match fetched {
            Ok(f) if f.status == 200 => f.body,
            Ok(f) => {
                self.metrics.fetched("introspection", "error");
                super::event(
                    serde_json::json!({"event": "introspection-failed", "status": f.status}),
                );
                return Introspected::Unavailable;
            }
            Err(e) => {
                self.metrics.fetched("introspection", "error");
                super::event(serde_json::json!({"event": "introspection-failed", "error": e.0}));
                return Introspected::Unavailable;
            }
        };
        let Ok(answer) = serde_json::from_slice::<Value>(&body) else {
            self.metrics.fetched("introspection", "error");
            return Introspected::Unavailable;
        };
        self.metrics.fetched("introspection", "ok");
        let now = unix_now();
        let (answer, keep) = self.judge(&answer, now);
        self.cache.insert(
            key,
            Remembered {
                answer: answer.clone(),
                until: Instant::now() + keep,
            },
        );
        answer
    }

    /// The answer to an introspection response, and how long to remember it.
    fn judge(&self, answer: &Value, now: u64) -> (Introspected, Duration) {
        let refused = |reason| (Introspected::Refused(reason), REMEMBER_INACTIVE);
        if answer.get("active") != Some(&Value::Bool(true)) {
            return refused(INACTIVE);
        }
        if answer
            .get("token_type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("refresh_token"))
        {
            return refused(NOT_ACCEPTED);
        }
        let exp = match answer.get("exp") {
            None => None,
            Some(v) => match v.as_u64() {
                Some(exp) if exp > now => Some(exp),
                _ => return refused(INACTIVE),
            },
        };
        if let Some(iss) = answer.get("iss") {
            let accepted = iss.as_str().is_some_and(|i| {
                self.config.issuers.is_empty() || self.config.issuers.iter().any(|a| a == i)
            });
            if !accepted {
                return refused(NOT_ACCEPTED);
            }
        }
        if let Some(aud) = answer.get("aud") {
            let names: Vec<&str> = match aud {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !self.config.audiences.is_empty()
                && !names
                    .iter()
                    .any(|n| self.config.audiences.iter().any(|a| a == n))
            {
                return refused(NOT_ACCEPTED);
            }
        }
        let identity = (|| {
            Ok::<_, String>(Identity {
                principal: Principal::from_claims(answer).map_err(|e| e.to_string())?,
                label: label(answer)?,
                client: client(answer, &self.config.client_claims)?,
                until: exp.unwrap_or(u64::MAX),
            })
        })();
        let Ok(identity) = identity else {
            return refused(NOT_ACCEPTED);
        };
        let keep = exp.map_or(self.config.max_age, |exp| {
            Duration::from_secs(exp - now).min(self.config.max_age)
        });
        (Introspected::Active(Arc::new(identity)), keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn introspector() -> Introspector {
        Introspector::new(
            IntrospectionConfig {
                url: Some("https://id.example.com/introspect".into()),
                client_id: "scopegate".into(),
                client_secret: "s".into(),
                max_age: Duration::from_secs(60),
                cache_bytes: 1 << 20,
                concurrency: 1,
                timeout: Duration::from_secs(1),
                issuers: vec!["https://id.example.com".into()],
                audiences: vec!["retail-api".into()],
                client_claims: Vec::new(),
            },
            None,
        )
        .unwrap()
    }

    fn reason(answer: Value) -> &'static str {
        match introspector().judge(&answer, 1_000).0 {
            Introspected::Refused(r) => r,
            Introspected::Active(_) => "active",
            Introspected::Unavailable => "unavailable",
        }
    }

    #[test]
    fn only_an_active_access_token_for_this_api_passes() {
        let good = json!({"active": true, "scope": "customer.read", "client_id": "bi-export",
                          "exp": 1_500, "iss": "https://id.example.com", "aud": "retail-api"});
        assert_eq!(reason(good.clone()), "active");
        let with = |k: &str, v: Value| {
            let mut a = good.clone();
            a[k] = v;
            a
        };
        assert_eq!(reason(json!({"active": false})), INACTIVE);
        // `"active": "true"` is not `true`.
        assert_eq!(reason(with("active", json!("true"))), INACTIVE);
        assert_eq!(reason(with("exp", json!(999))), INACTIVE);
        assert_eq!(
            reason(with("token_type", json!("refresh_token"))),
            NOT_ACCEPTED
        );
        assert_eq!(
            reason(with("iss", json!("https://evil.example.com"))),
            NOT_ACCEPTED
        );
        assert_eq!(reason(with("aud", json!(["other-api"]))), NOT_ACCEPTED);
        assert_eq!(
            reason(with("aud", json!(["other-api", "retail-api"]))),
            "active"
        );
        assert_eq!(
            reason(with("scope", json!(["customer.read"]))),
            NOT_ACCEPTED
        );
        assert_eq!(reason(with("client_id", json!(7))), NOT_ACCEPTED);
    }

    #[test]
    fn an_answer_is_remembered_until_exp_and_max_age_at_most() {
        let i = introspector();
        let keep = |exp: u64| i.judge(&json!({"active": true, "exp": exp}), 1_000).1;
        assert_eq!(keep(1_010), Duration::from_secs(10));
        assert_eq!(keep(9_000), Duration::from_secs(60));
        assert_eq!(
            i.judge(&json!({"active": false}), 1_000).1,
            REMEMBER_INACTIVE
        );
    }
}

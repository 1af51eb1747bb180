//! The identity provider: its keys from a JWKS URL, found by OpenID discovery
//! (`--oidc-issuer`) or given (`--jwks-url`).
//!
//! - Discovery reads `{issuer}/.well-known/openid-configuration` and refuses a document whose
//!   `issuer` is not exactly the configured one (OpenID Connect Discovery 1.0, section 4.3).
//! - The key set is cached as the provider's `Cache-Control: max-age` says (within
//!   `--jwks-min-refresh` and a day; five minutes without one), revalidated with its `ETag`, and
//!   refreshed in the background.
//! - A token whose `kid` no key has triggers a refetch at most once per `--jwks-refetch-interval`,
//!   and the request waits for it (bounded by the fetch timeout): a key the provider has just
//!   rotated in is accepted at its first token.
//! - When the provider is down or answers nonsense, the last good key set stays in force; until
//!   a first one is fetched, bearer tokens are answered 503.
//! - Every fetch is counted in /metrics by document and result.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use hyper::Uri;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::fetch::{provider_url, FetchError, Fetcher};
use super::identity::unix_now;
use super::jwt::{keys_of_jwks, Key};

/// Where the provider is and how often to ask it.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// `--oidc-issuer`: discovery finds the JWKS (and the introspection endpoint).
    pub issuer: Option<String>,
    /// `--jwks-url`: the key set, without discovery.
    pub jwks_url: Option<String>,
    /// The least time between two refetches for an unknown `kid`.
    pub refetch_interval: Duration,
    /// The least time a fetched key set is kept before it is refreshed.
    pub min_refresh: Duration,
    /// One exchange with the provider, at most.
    pub timeout: Duration,
}

const DEFAULT_REFRESH: Duration = Duration::from_secs(300);
const MAX_REFRESH: Duration = Duration::from_secs(86_400);
/// A JWKS or discovery document larger than this is refused.
const MAX_DOCUMENT_BYTES: usize = 1 << 20;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchLabels {
    /// `discovery`, `jwks` or `introspection`.
    pub document: &'static str,
    /// `ok`, `not-modified` or `error`.
    pub result: &'static str,
}

/// The provider's figures in /metrics.
#[derive(Default, Clone)]
pub struct ProviderMetrics {
    pub fetches: Family<FetchLabels, Counter>,
    pub keys: Gauge,
    /// Unix time of the last key set fetched or revalidated.
    pub keys_fresh_at: Gauge,
}

impl ProviderMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "provider_fetches",
            "Requests to the identity provider by document (discovery, jwks, introspection) and result (ok, not-modified, error)",
            self.fetches.clone(),
        );
        registry.register(
            "provider_keys",
            "Keys in the identity provider's key set in force",
            self.keys.clone(),
        );
        registry.register(
            "provider_keys_fresh_at_seconds",
            "Unix time the key set in force was last fetched or revalidated",
            self.keys_fresh_at.clone(),
        );
    }

    pub fn fetched(&self, document: &'static str, result: &'static str) {
        self.fetches
            .get_or_create(&FetchLabels { document, result })
            .inc();
    }
}

/// Where discovery pointed.
#[derive(Debug, Clone, Default)]
struct Endpoints {
    jwks: Option<Uri>,
    introspection: Option<Uri>,
}

pub struct Provider {
    config: ProviderConfig,
    fetcher: Fetcher,
    endpoints: RwLock<Endpoints>,
    keys: RwLock<Option<Arc<Vec<Key>>>>,
    /// Bumped whenever the key set in force changes: verified tokens are forgotten then.
    generation: AtomicU64,
    etag: RwLock<Option<String>>,
    /// The SHA-256 of the key set document in force.
    digest: RwLock<Option<[u8; 32]>>,
    /// When the last refetch for an unknown `kid` started; held while it runs.
    refetched: tokio::sync::Mutex<Option<Instant>>,
    pub metrics: ProviderMetrics,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn event(fields: Value) {
    super::event(fields)
}

impl Provider {
    pub fn new(config: ProviderConfig) -> Result<Arc<Provider>, String> {
        let mut endpoints = Endpoints::default();
        if let Some(url) = &config.jwks_url {
            endpoints.jwks = Some(provider_url(url).map_err(|e| format!("--jwks-url: {e}"))?);
        }
        if let Some(issuer) = &config.issuer {
            provider_url(issuer).map_err(|e| format!("--oidc-issuer: {e}"))?;
        }
        if endpoints.jwks.is_none() && config.issuer.is_none() {
            return Err("an identity provider needs --oidc-issuer or --jwks-url".into());
        }
        Ok(Arc::new(Provider {
            fetcher: Fetcher::new(config.timeout, MAX_DOCUMENT_BYTES)?,
            config,
            endpoints: RwLock::new(endpoints),
            keys: RwLock::new(None),
            generation: AtomicU64::new(0),
            etag: RwLock::new(None),
            digest: RwLock::new(None),
            refetched: tokio::sync::Mutex::new(None),
            metrics: ProviderMetrics::default(),
        }))
    }

    /// The issuer discovery was configured with.
    pub fn issuer(&self) -> Option<&str> {
        self.config.issuer.as_deref()
    }

    /// The key set in force, once one was fetched.
    pub fn keys(&self) -> Option<Arc<Vec<Key>>> {
        self.keys.read().ok()?.clone()
    }

    /// Changes whenever the key set in force does.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Whether a key set was ever fetched.
    pub fn ready(&self) -> bool {
        self.keys().is_some()
    }

    /// The introspection endpoint discovery found.
    pub fn introspection_endpoint(&self) -> Option<Uri> {
        self.endpoints.read().ok()?.introspection.clone()
    }

    /// OpenID discovery: the JWKS and introspection endpoints of the configured issuer.
    async fn discover(&self) -> Result<(), FetchError> {
        let Some(issuer) = &self.config.issuer else {
            return Ok(());
        };
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let uri = provider_url(&url).map_err(FetchError)?;
        let result = async {
            let fetched = self.fetcher.get(&uri, None).await?;
            if fetched.status != 200 {
                return Err(FetchError(format!("{url}: status {}", fetched.status)));
            }
            let document: Value = serde_json::from_slice(&fetched.body)
                .map_err(|e| FetchError(format!("{url}: not JSON: {e}")))?;
            let found = document.get("issuer").and_then(Value::as_str);
            if found != Some(issuer.as_str()) {
                return Err(FetchError(format!(
                    "{url}: the document's issuer is {}, not `{issuer}`",
                    found.map_or("missing".to_string(), |f| format!("`{f}`"))
                )));
            }
            let endpoint = |name: &str| -> Result<Option<Uri>, FetchError> {
                match document.get(name) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) => provider_url(s)
                        .map(Some)
                        .map_err(|e| FetchError(format!("{url}: `{name}`: {e}"))),
                    Some(_) => Err(FetchError(format!("{url}: `{name}` is not a string"))),
                }
            };
            let jwks =
                endpoint("jwks_uri")?.ok_or_else(|| FetchError(format!("{url}: no `jwks_uri`")))?;
            let introspection = endpoint("introspection_endpoint")?;
            Ok(Endpoints {
                jwks: Some(jwks),
                introspection,
            })
        }
        .await;
        match result {
            Ok(endpoints) => {
                self.metrics.fetched("discovery", "ok");
                if let Ok(mut e) = self.endpoints.write() {
                    *e = endpoints;
                }
                Ok(())
            }
            Err(e) => {
                self.metrics.fetched("discovery", "error");
                Err(e)
            }
        }
    }

    /// Fetches (or revalidates) the key set; returns how long it may be kept.
    async fn refresh(&self) -> Result<Duration, FetchError> {
        let known = self.endpoints.read().ok().and_then(|e| e.jwks.clone());
        let jwks = match known {
            Some(uri) => uri,
            None => {
                self.discover().await?;
                self.endpoints
                    .read()
                    .ok()
                    .and_then(|e| e.jwks.clone())
                    .ok_or_else(|| FetchError("discovery found no jwks_uri".into()))?
            }
        };
        let etag = if self.ready() {
            self.etag.read().ok().and_then(|e| e.clone())
        } else {
            None
        };
        let fetched = match self.fetcher.get(&jwks, etag.as_deref()).await {
            Ok(f) => f,
            Err(e) => {
                self.metrics.fetched("jwks", "error");
                return Err(e);
            }
        };
        let keep = fetched
            .max_age
            .unwrap_or(DEFAULT_REFRESH)
            .clamp(self.config.min_refresh, MAX_REFRESH);
        if fetched.status == 304 && self.ready() {
            self.metrics.fetched("jwks", "not-modified");
            self.metrics.keys_fresh_at.set(unix_now() as i64);
            return Ok(keep);
        }
        let parsed = if fetched.status == 200 {
            serde_json::from_slice::<jsonwebtoken::jwk::JwkSet>(&fetched.body)
                .map_err(|e| format!("not a JWKS: {e}"))
                .and_then(|set| keys_of_jwks(&set))
        } else {
            Err(format!("status {}", fetched.status))
        };
        let keys = match parsed {
            Ok(keys) if !keys.is_empty() => keys,
            Ok(_) => Err(FetchError(format!("{jwks}: the key set has no usable key")))?,
            Err(e) => {
                self.metrics.fetched("jwks", "error");
                return Err(FetchError(format!("{jwks}: {e}")));
            }
        };
        let ids: Vec<Option<String>> = keys.iter().map(|k| k.kid.clone()).collect();
        // A key replaced under the same id is a change too: the document's digest decides.
        let digest: [u8; 32] = Sha256::digest(&fetched.body).into();
        let changed = match self.digest.write() {
            Ok(mut old) => old.replace(digest) != Some(digest),
            Err(_) => true,
        };
        self.metrics.fetched("jwks", "ok");
        self.metrics.keys.set(keys.len() as i64);
        self.metrics.keys_fresh_at.set(unix_now() as i64);
        if let Ok(mut tag) = self.etag.write() {
            *tag = fetched.etag;
        }
        if changed {
            if let Ok(mut k) = self.keys.write() {
                *k = Some(Arc::new(keys));
            }
            self.generation.fetch_add(1, Ordering::AcqRel);
            event(json!({"event": "provider-keys", "url": jwks.to_string(), "kids": ids}));
        }
        Ok(keep)
    }

    /// Keeps the key set fresh until the server stops: as long as the provider allows, then
    /// again; after a failure, again in 1 s, doubling up to 5 minutes.
    pub async fn run(self: Arc<Self>) {
        let mut backoff = Duration::from_secs(1);
        loop {
            let wait = match self.refresh().await {
                Ok(keep) => {
                    backoff = Duration::from_secs(1);
                    keep
                }
                Err(e) => {
                    event(json!({"event": "provider-fetch-failed", "error": e.0,
                                 "keys_in_force": self.keys().map_or(0, |k| k.len()),
                                 "retry_in_s": backoff.as_secs()}));
                    let wait = backoff;
                    backoff = (backoff * 2).min(Duration::from_secs(300));
                    wait
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// A token named a `kid` no key has: refetch now, unless a refetch started less than
    /// `--jwks-refetch-interval` ago. Concurrent callers wait for the one refetch.
    pub async fn refetch_for_unknown_kid(&self) {
        let mut last = self.refetched.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.config.refetch_interval) {
            return;
        }
        *last = Some(Instant::now());
        if let Err(e) = self.refresh().await {
            event(
                json!({"event": "provider-fetch-failed", "error": e.0, "why": "unknown-kid",
                         "keys_in_force": self.keys().map_or(0, |k| k.len())}),
            );
        }
    }
}

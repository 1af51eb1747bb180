//! Bearer JWTs verified here: HS256, RS256 and ES256 with keys from files (HS secrets, PEM
//! public keys, JWKS) and from the identity provider (`provider`), `exp` required, `nbf`,
//! `iss`, `aud` and optionally `typ` checked.
//!
//! A verified token is remembered until it expires (five minutes at most) in a cache bounded in
//! bytes that holds only what a decision needs: the principal, its label and the expiry. The
//! cache belongs to the verifier, so a verifier built from changed key files starts empty: a
//! key removed from the JWKS stops opening doors at the next reload, not five minutes later.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::runtime::Principal;

use super::identity::{client, label, unix_now, Identity};
use super::provider::Provider;

/// Where JWT keys come from and what a token must say.
#[derive(Debug, Clone, Default)]
pub struct JwtConfig {
    pub hs256_secret_files: Vec<PathBuf>,
    /// PEM public keys: RSA for RS256, EC P-256 for ES256.
    pub public_key_files: Vec<PathBuf>,
    pub jwks_files: Vec<PathBuf>,
    /// Keys fetched from the identity provider (`--oidc-issuer`, `--jwks-url`).
    pub provider: Option<Arc<Provider>>,
    /// Accepted `iss` values; empty means any issuer (an explicit opt-in at the CLI).
    pub issuers: Vec<String>,
    /// Accepted `aud` values; empty means any audience (an explicit opt-in at the CLI).
    pub audiences: Vec<String>,
    /// A required header `typ` (`at+jwt` for RFC 9068 access tokens), compared without case;
    /// `at+jwt` also accepts `application/at+jwt`.
    pub typ: Option<String>,
    pub leeway_seconds: u64,
    /// The verified-token cache's budget in bytes (0: the default, 16 MiB).
    pub cache_bytes: u64,
    /// The claims a token's client is read from (empty: `client_id`, then `azp`).
    pub client_claims: Vec<String>,
    /// Bearer tokens that are not JWTs go to the provider's introspection endpoint.
    pub introspection: bool,
}

impl JwtConfig {
    pub fn is_empty(&self) -> bool {
        self.hs256_secret_files.is_empty()
            && self.public_key_files.is_empty()
            && self.jwks_files.is_empty()
            && self.provider.is_none()
            && !self.introspection
    }

    /// Every file the keys come from, for change detection.
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        self.hs256_secret_files
            .iter()
            .chain(&self.public_key_files)
            .chain(&self.jwks_files)
    }
}

const REMEMBER_TOKENS_FOR: u64 = 300;
const DEFAULT_CACHE_BYTES: u64 = 16 << 20;

/// The one answer for every token whose signature this server cannot verify, whether its `kid`
/// is known or not: the text must not tell an attacker which key ids exist.
pub const BAD_SIGNATURE: &str = "the token's signature does not verify";

/// A bearer token that is not a JWT (an opaque token, when introspection is on).
pub const MALFORMED: &str = "malformed token";

/// Said by [`JwtVerifier::verify`] of a token whose `kid` neither the key files nor the
/// provider's key set in force has: worth a refetch. Never shown to a client, who gets
/// [`BAD_SIGNATURE`] as for any other key.
pub const UNKNOWN_KID: &str = "the token's key id is not known";

/// A verification key and the algorithm it is for.
pub struct Key {
    pub kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// The keys of a JWKS this server can use (RSA for RS256, EC for ES256, oct for HS256); keys
/// of other types are skipped.
pub fn keys_of_jwks(set: &jsonwebtoken::jwk::JwkSet) -> Result<Vec<Key>, String> {
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let algorithm = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
            jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
            jsonwebtoken::jwk::AlgorithmParameters::OctetKey(_) => Algorithm::HS256,
            _ => continue,
        };
        keys.push(Key {
            kid: jwk.common.key_id.clone(),
            algorithm,
            key: DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?,
        });
    }
    Ok(keys)
}

pub struct JwtVerifier {
    keys: Vec<Key>,
    provider: Option<Arc<Provider>>,
    /// The provider's key generation the cached tokens were verified under.
    provider_generation: AtomicU64,
    issuers: Vec<String>,
    audiences: Vec<String>,
    typ: Option<String>,
    leeway: u64,
    client_claims: Vec<String>,
    introspection: bool,
    verified: moka::sync::Cache<[u8; 32], Arc<Identity>>,
}

/// Each cached token expires at its own `until`.
struct UntilExpiry;

impl moka::Expiry<[u8; 32], Arc<Identity>> for UntilExpiry {
    fn expire_after_create(
        &self,
        _key: &[u8; 32],
        value: &Arc<Identity>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(Duration::from_secs(value.until.saturating_sub(unix_now())))
    }
}

/// An estimate of what one cached token holds on the heap, for the byte budget.
fn weight(value: &Identity) -> u32 {
    let scopes = match &value.principal {
        Principal::Scopes(s) => s.iter().map(|s| s.len() + 48).sum(),
        Principal::Client(c) => c.len(),
        Principal::Anonymous => 0,
    };
    (160 + value.label.len() + scopes).min(u32::MAX as usize) as u32
}

impl JwtVerifier {
    pub fn load(config: &JwtConfig) -> Result<JwtVerifier, String> {
        let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        let mut keys = Vec::new();
        for path in &config.hs256_secret_files {
            let secret = read(path)?;
            let secret = secret.trim_ascii();
            if secret.len() < 32 {
                return Err(format!(
                    "{}: an HS256 secret needs at least 32 bytes",
                    path.display()
                ));
            }
            keys.push(Key {
                kid: None,
                algorithm: Algorithm::HS256,
                key: DecodingKey::from_secret(secret),
            });
        }
        for path in &config.public_key_files {
            let pem = read(path)?;
            let (algorithm, key) = if let Ok(k) = DecodingKey::from_rsa_pem(&pem) {
                (Algorithm::RS256, k)
            } else if let Ok(k) = DecodingKey::from_ec_pem(&pem) {
                (Algorithm::ES256, k)
            } else {
                return Err(format!(
                    "{}: not an RSA or EC public key in PEM",
                    path.display()
                ));
            };
            keys.push(Key {
                kid: None,
                algorithm,
                key,
            });
        }
        for path in &config.jwks_files {
            let text = read(path)?;
            let set: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(&text)
                .map_err(|e| format!("{}: not a JWKS: {e}", path.display()))?;
            keys.extend(keys_of_jwks(&set).map_err(|e| format!("{}: {e}", path.display()))?);
        }
        if keys.is_empty() && config.provider.is_none() && !config.introspection {
            return Err("no JWT keys".into());
        }
        let budget = if config.cache_bytes == 0 {
            DEFAULT_CACHE_BYTES
        } else {
            config.cache_bytes
        };
        Ok(JwtVerifier {
            keys,
            provider: config.provider.clone(),
            provider_generation: AtomicU64::new(
                config.provider.as_ref().map_or(0, |p| p.generation()),
            ),
            issuers: config.issuers.clone(),
            audiences: config.audiences.clone(),
            typ: config.typ.clone(),
            leeway: config.leeway_seconds,
            client_claims: config.client_claims.clone(),
            introspection: config.introspection,
            verified: moka::sync::Cache::builder()
                .max_capacity(budget)
                .weigher(|_, v: &Arc<Identity>| weight(v))
                .expire_after(UntilExpiry)
                .build(),
        })
    }

    /// The principal a token proves, from the cache or by verifying it.
    pub fn verify(&self, token: &str) -> Result<Arc<Identity>, String> {
        if let Some(provider) = &self.provider {
            // Keys rotated out at the provider stop opening doors now, not when the tokens
            // they verified leave the cache.
            let generation = provider.generation();
            if self.provider_generation.swap(generation, Ordering::AcqRel) != generation {
                self.verified.invalidate_all();
            }
        }
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = unix_now();
        if let Some(hit) = self.verified.get(&key) {
            if now < hit.until {
                return Ok(hit);
            }
        }
        let claims = self.verify_signature(token)?;
        let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(now);
        let verified = Arc::new(Identity {
            principal: Principal::from_claims(&claims).map_err(|e| e.to_string())?,
            label: label(&claims)?,
            client: client(&claims, &self.client_claims)?,
            until: exp
                .saturating_add(self.leeway)
                .min(now + REMEMBER_TOKENS_FOR),
        });
        self.verified.insert(key, verified.clone());
        Ok(verified)
    }

    /// Whether bearer tokens that are not JWTs go to introspection.
    pub fn introspects(&self) -> bool {
        self.introspection
    }

    /// Whether keys are expected from the provider and none was fetched yet.
    pub fn waiting_for_provider(&self) -> bool {
        self.keys.is_empty() && self.provider.as_ref().is_some_and(|p| !p.ready())
    }

    /// Verified tokens held now, and their weight in bytes (for tests and metrics).
    pub fn cached(&self) -> (u64, u64) {
        self.verified.run_pending_tasks();
        (self.verified.entry_count(), self.verified.weighted_size())
    }

    /// The verified claims, without the cache.
    pub fn verify_signature(&self, token: &str) -> Result<Value, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| MALFORMED.to_string())?;
        if !matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::RS256 | Algorithm::ES256
        ) {
            return Err(format!("algorithm {:?} is not accepted", header.alg));
        }
        if let Some(want) = &self.typ {
            let have = header.typ.as_deref().unwrap_or("");
            let have = have.strip_prefix("application/").unwrap_or(have);
            if !have.eq_ignore_ascii_case(want) {
                return Err(format!("the token's `typ` is not `{want}`"));
            }
        }
        if let (Some(provider), Some(kid)) = (&self.provider, &header.kid) {
            // A key without an id may verify a token with any id, as the candidates below.
            let fits = |k: &Key| k.kid.as_deref().is_none_or(|have| have == kid);
            let known =
                self.keys.iter().any(fits) || provider.keys().is_some_and(|k| k.iter().any(fits));
            if !known {
                return Err(UNKNOWN_KID.into());
            }
        }
        let fetched = self.provider.as_ref().and_then(|p| p.keys());
        let candidates = self
            .keys
            .iter()
            .chain(fetched.iter().flat_map(|k| k.iter()))
            .filter(|k| k.algorithm == header.alg)
            .filter(|k| match (&header.kid, &k.kid) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            });
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        if self.issuers.is_empty() {
            validation.iss = None;
        } else {
            validation.set_issuer(&self.issuers);
            validation.required_spec_claims.insert("iss".into());
        }
        if self.audiences.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&self.audiences);
            validation.required_spec_claims.insert("aud".into());
        }
        let mut last = BAD_SIGNATURE.to_string();
        for key in candidates {
            match jsonwebtoken::decode::<Value>(token, &key.key, &validation) {
                Ok(data) => {
                    // RFC 7519 makes `iss` a single StringOrURI; an array where one element
                    // matches is two readings of one token.
                    if data.claims.get("iss").is_some_and(|iss| !iss.is_string()) {
                        return Err("the token's `iss` is not a string".into());
                    }
                    return Ok(data.claims);
                }
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind;
                    last = match e.kind() {
                        ErrorKind::ExpiredSignature => "the token has expired".into(),
                        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
                        ErrorKind::InvalidIssuer => "the token's issuer is not accepted".into(),
                        ErrorKind::InvalidAudience => "the token's audience is not accepted".into(),
                        ErrorKind::MissingRequiredClaim(c) => format!("the token has no `{c}`"),
                        ErrorKind::InvalidSignature
                        | ErrorKind::InvalidEcdsaKey
                        | ErrorKind::InvalidRsaKey(_) => BAD_SIGNATURE.into(),
                        _ => "the token does not verify".into(),
                    };
                    // A wrong key is worth trying the next one; anything else is final.
                    if last != BAD_SIGNATURE {
                        return Err(last);
                    }
                }
            }
        }
        Err(last)
    }
}

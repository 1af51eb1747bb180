//! Who is asking: the principal of a forwarded request.
//!
//! In order, the first that applies:
//! 1. trusted headers set by the gateway: already-verified JWT claims (JSON, or base64url JSON)
//!    in `--trusted-claims-header`, or a client id in `--trusted-client-header`;
//! 2. `Authorization: Bearer`: a JWT verified here (HS256, RS256, ES256; keys or a JWKS file;
//!    `exp` required, `nbf`, `iss` and `aud` checked); scopes from `scope`, `scp` or `scopes`;
//! 3. `Authorization: Basic`: a till against the credentials file (argon2 hashes);
//! 4. nobody: the anonymous principal (every route needs at least `uid`, so it gets 401).
//!
//! A credential that is presented and fails is a 401 of its own (`invalid-credentials`), never
//! a fall-through to anonymous. Tokens and passwords are never logged or echoed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::runtime::answer::Challenge;
use crate::runtime::Principal;

/// How a principal was established.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    /// For logs and the upstream header: `sub:alice`, `client:bm-till-1`, `anonymous`.
    pub label: String,
    /// The scheme a 401 or 403 answers with.
    pub scheme: Challenge,
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub reason: String,
    pub scheme: Challenge,
}

/// Request headers, lower-case names.
pub trait Headers {
    fn get(&self, name: &str) -> Option<&str>;
}

pub struct Authenticator {
    pub trusted_claims_header: Option<String>,
    pub trusted_client_header: Option<String>,
    pub jwt: Option<JwtVerifier>,
    /// Whether basic auth is accepted (the credentials themselves are reloaded with the table).
    pub basic: bool,
    /// What a 401 for an anonymous request asks for.
    pub challenge: Challenge,
}

impl Authenticator {
    pub fn authenticate(
        &self,
        headers: &dyn Headers,
        credentials: Option<&Credentials>,
    ) -> Result<Authenticated, Failure> {
        let bearer = |reason: &str| Failure {
            reason: reason.to_string(),
            scheme: Challenge::Bearer,
        };
        if let Some(name) = &self.trusted_claims_header {
            if let Some(raw) = headers.get(name) {
                let claims = decode_claims(raw).map_err(|e| bearer(&e))?;
                let principal = Principal::from_claims(&claims).map_err(|e| bearer(&e))?;
                return Ok(Authenticated {
                    label: subject(&claims),
                    principal,
                    scheme: Challenge::Bearer,
                });
            }
        }
        if let Some(name) = &self.trusted_client_header {
            if let Some(id) = headers.get(name).map(str::trim).filter(|s| !s.is_empty()) {
                return Ok(Authenticated {
                    label: format!("client:{id}"),
                    principal: Principal::client(id),
                    scheme: self.challenge,
                });
            }
        }
        let Some(authorization) = headers.get("authorization") else {
            return Ok(Authenticated {
                principal: Principal::Anonymous,
                label: "anonymous".into(),
                scheme: self.challenge,
            });
        };
        let (scheme, credential) = authorization.split_once(' ').unwrap_or((authorization, ""));
        let credential = credential.trim();
        if scheme.eq_ignore_ascii_case("bearer") {
            let Some(jwt) = &self.jwt else {
                return Err(bearer("bearer tokens are not accepted here"));
            };
            let claims = jwt.verify(credential).map_err(|e| bearer(&e))?;
            let principal = Principal::from_claims(&claims).map_err(|e| bearer(&e))?;
            return Ok(Authenticated {
                label: subject(&claims),
                principal,
                scheme: Challenge::Bearer,
            });
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let basic = |reason: &str| Failure {
                reason: reason.to_string(),
                scheme: Challenge::Basic,
            };
            let Some(credentials) = credentials.filter(|_| self.basic) else {
                return Err(basic("basic authentication is not accepted here"));
            };
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(credential)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| basic("malformed basic credentials"))?;
            let (user, password) = decoded
                .split_once(':')
                .ok_or_else(|| basic("malformed basic credentials"))?;
            if !credentials.verify(user, password) {
                return Err(basic("unknown user or wrong password"));
            }
            return Ok(Authenticated {
                label: format!("client:{user}"),
                principal: Principal::client(user),
                scheme: Challenge::Basic,
            });
        }
        Err(Failure {
            reason: format!(
                "unsupported authorization scheme `{}`",
                scheme.chars().take(20).collect::<String>()
            ),
            scheme: self.challenge,
        })
    }
}

fn subject(claims: &Value) -> String {
    match claims.get("sub").and_then(Value::as_str) {
        Some(s) => format!("sub:{s}"),
        None => match claims.get("client_id").and_then(Value::as_str) {
            Some(c) => format!("client_id:{c}"),
            None => "token".into(),
        },
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

/// JWT verification with fixed keys. A verified token is remembered (by its SHA-256) until it
/// expires or for five minutes, whichever comes first: a client sends the same token many
/// times, and an RS256 signature check costs about 240 µs.
pub struct JwtVerifier {
    keys: Vec<Key>,
    issuers: Vec<String>,
    audiences: Vec<String>,
    leeway: u64,
    verified: Mutex<HashMap<[u8; 32], (Value, u64)>>,
}

const REMEMBER_TOKENS_FOR: u64 = 300;
const MAX_REMEMBERED_TOKENS: usize = 100_000;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

struct Key {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Where JWT keys come from.
#[derive(Debug, Clone, Default)]
pub struct JwtConfig {
    pub hs256_secret_files: Vec<std::path::PathBuf>,
    /// PEM public keys: RSA for RS256, EC P-256 for ES256.
    pub public_key_files: Vec<std::path::PathBuf>,
    pub jwks_files: Vec<std::path::PathBuf>,
    pub issuers: Vec<String>,
    pub audiences: Vec<String>,
    pub leeway_seconds: u64,
}

impl JwtConfig {
    pub fn is_empty(&self) -> bool {
        self.hs256_secret_files.is_empty()
            && self.public_key_files.is_empty()
            && self.jwks_files.is_empty()
    }
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
            let key = if let Ok(k) = DecodingKey::from_rsa_pem(&pem) {
                Key {
                    kid: None,
                    algorithm: Algorithm::RS256,
                    key: k,
                }
            } else if let Ok(k) = DecodingKey::from_ec_pem(&pem) {
                Key {
                    kid: None,
                    algorithm: Algorithm::ES256,
                    key: k,
                }
            } else {
                return Err(format!(
                    "{}: not an RSA or EC public key in PEM",
                    path.display()
                ));
            };
            keys.push(key);
        }
        for path in &config.jwks_files {
            let text = read(path)?;
            let set: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(&text)
                .map_err(|e| format!("{}: not a JWKS: {e}", path.display()))?;
            for jwk in &set.keys {
                let algorithm = match &jwk.algorithm {
                    jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                    jsonwebtoken::jwk::AlgorithmParameters::OctetKey(_) => Algorithm::HS256,
                    _ => continue,
                };
                let key =
                    DecodingKey::from_jwk(jwk).map_err(|e| format!("{}: {e}", path.display()))?;
                keys.push(Key {
                    kid: jwk.common.key_id.clone(),
                    algorithm,
                    key,
                });
            }
        }
        if keys.is_empty() {
            return Err("no JWT keys".into());
        }
        Ok(JwtVerifier {
            keys,
            issuers: config.issuers.clone(),
            audiences: config.audiences.clone(),
            leeway: config.leeway_seconds,
            verified: Mutex::new(HashMap::new()),
        })
    }

    /// The verified claims.
    pub fn verify(&self, token: &str) -> Result<Value, String> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = unix_now();
        if let Ok(verified) = self.verified.lock() {
            if let Some((claims, until)) = verified.get(&key) {
                if now < *until {
                    return Ok(claims.clone());
                }
            }
        }
        let claims = self.verify_signature(token)?;
        let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(now);
        let until = exp.min(now + REMEMBER_TOKENS_FOR);
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() >= MAX_REMEMBERED_TOKENS {
                verified.retain(|_, (_, until)| now < *until);
                if verified.len() >= MAX_REMEMBERED_TOKENS {
                    verified.clear();
                }
            }
            verified.insert(key, (claims.clone(), until));
        }
        Ok(claims)
    }

    fn verify_signature(&self, token: &str) -> Result<Value, String> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| "malformed token".to_string())?;
        if !matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::RS256 | Algorithm::ES256
        ) {
            return Err(format!("algorithm {:?} is not accepted", header.alg));
        }
        let candidates = self
            .keys
            .iter()
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
        let mut last = "no key for this token".to_string();
        for key in candidates {
            match jsonwebtoken::decode::<Value>(token, &key.key, &validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind;
                    last = match e.kind() {
                        ErrorKind::ExpiredSignature => "the token has expired".into(),
                        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
                        ErrorKind::InvalidIssuer => "the token's issuer is not accepted".into(),
                        ErrorKind::InvalidAudience => "the token's audience is not accepted".into(),
                        ErrorKind::MissingRequiredClaim(c) => format!("the token has no `{c}`"),
                        ErrorKind::InvalidSignature => {
                            "the token's signature does not verify".into()
                        }
                        _ => "the token does not verify".into(),
                    };
                    // A wrong key is worth trying the next one; anything else is final.
                    if !matches!(
                        e.kind(),
                        ErrorKind::InvalidSignature
                            | ErrorKind::InvalidEcdsaKey
                            | ErrorKind::InvalidRsaKey(_)
                    ) {
                        return Err(last);
                    }
                }
            }
        }
        Err(last)
    }
}

/// Till credentials: `id:$argon2id$...` lines (`#` comments allowed). Verifying argon2 costs
/// tens of milliseconds by design, so a successful check is remembered for a few minutes,
/// keyed by a salted digest of user and password (a wrong password never hits the cache).
pub struct Credentials {
    hashes: HashMap<String, String>,
    cache: Mutex<HashMap<[u8; 32], Instant>>,
    salt: [u8; 16],
}

const CACHE_FOR: Duration = Duration::from_secs(300);

impl Credentials {
    pub fn load(path: &Path) -> Result<Credentials, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut hashes = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, hash) = line.split_once(':').ok_or_else(|| {
                format!("{}:{}: expected `id:$argon2id$...`", path.display(), n + 1)
            })?;
            PasswordHash::new(hash)
                .map_err(|e| format!("{}:{}: not a PHC hash: {e}", path.display(), n + 1))?;
            if hashes.insert(id.to_string(), hash.to_string()).is_some() {
                return Err(format!(
                    "{}:{}: `{id}` appears twice",
                    path.display(),
                    n + 1
                ));
            }
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
        Ok(Credentials {
            hashes,
            cache: Mutex::new(HashMap::new()),
            salt,
        })
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    pub fn verify(&self, user: &str, password: &str) -> bool {
        let Some(hash) = self.hashes.get(user) else {
            // Spend the same effort as for a known user, so timing does not tell who exists.
            let _ = Argon2::default().verify_password(password.as_bytes(), &dummy_hash());
            return false;
        };
        let digest: [u8; 32] = Sha256::new()
            .chain_update(self.salt)
            .chain_update(user.as_bytes())
            .chain_update([0])
            .chain_update(password.as_bytes())
            .finalize()
            .into();
        let now = Instant::now();
        if let Ok(cache) = self.cache.lock() {
            if cache
                .get(&digest)
                .is_some_and(|at| now.duration_since(*at) < CACHE_FOR)
            {
                return true;
            }
        }
        let ok = PasswordHash::new(hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        if ok {
            if let Ok(mut cache) = self.cache.lock() {
                if cache.len() > 100_000 {
                    cache.retain(|_, at| now.duration_since(*at) < CACHE_FOR);
                }
                cache.insert(digest, now);
            }
        }
        ok
    }
}

fn dummy_hash() -> PasswordHash<'static> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let s = DUMMY.get_or_init(|| hash_password("not a password").expect("hashing works"));
    PasswordHash::new(s).expect("a valid hash")
}

/// An argon2id hash (the crate's defaults: 19 MiB, 2 passes) in PHC format.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

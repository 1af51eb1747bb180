//! The decision server's authentication: JWTs (HS256, RS256, ES256, JWKS by `kid`; `exp`,
//! `nbf`, `iss`, `aud`), trusted gateway headers, basic auth against argon2 credentials. The
//! server end to end (nginx in front, reload, metrics) is tests/integrations/nginx.py.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use scopegate::runtime::answer::Challenge;
use scopegate::runtime::Principal;
use scopegate::serve::auth::{
    hash_password, Authenticator, Credentials, Headers, JwtConfig, JwtVerifier,
};
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jwt")
        .join(name)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test";

fn claims(extra: Value) -> Value {
    let mut c = json!({"sub": "alice", "iss": "https://id.example.com", "aud": "retail-api",
                       "exp": now() + 600, "scope": "customer.read loyalty.points.write"});
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

fn hs256(c: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        c,
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap()
}

fn rs256(c: &Value, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_string);
    let key =
        EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa-private.pem")).unwrap()).unwrap();
    encode(&header, c, &key).unwrap()
}

fn es256(c: &Value) -> String {
    let key =
        EncodingKey::from_ec_pem(&std::fs::read(fixture("ec-private.pk8.pem")).unwrap()).unwrap();
    encode(&Header::new(Algorithm::ES256), c, &key).unwrap()
}

fn verifier(issuers: &[&str], audiences: &[&str]) -> JwtVerifier {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, SECRET).unwrap();
    JwtVerifier::load(&JwtConfig {
        hs256_secret_files: vec![secret],
        public_key_files: vec![fixture("ec-public.pem")],
        jwks_files: vec![fixture("jwks.json")],
        issuers: issuers.iter().map(|s| s.to_string()).collect(),
        audiences: audiences.iter().map(|s| s.to_string()).collect(),
        leeway_seconds: 0,
    })
    .unwrap()
}

#[test]
fn tokens_of_each_algorithm_verify_and_give_their_scopes() {
    let v = verifier(&["https://id.example.com"], &["retail-api"]);
    for token in [
        hs256(&claims(json!({}))),
        rs256(&claims(json!({})), Some("rsa-2026")),
        es256(&claims(json!({}))),
    ] {
        let c = v.verify(&token).unwrap_or_else(|e| panic!("{e}"));
        let p = Principal::from_claims(&c).unwrap();
        assert!(p.holds("customer.read") && p.holds("loyalty.points.write") && p.holds("uid"));
    }
}

#[test]
fn what_is_refused_and_why() {
    let v = verifier(&["https://id.example.com"], &["retail-api"]);
    let refused = |token: String| v.verify(&token).unwrap_err();
    assert_eq!(
        refused(hs256(&claims(json!({"exp": now() - 60})))),
        "the token has expired"
    );
    assert_eq!(
        refused(hs256(&claims(json!({"exp": null})))),
        "the token has no `exp`"
    );
    assert_eq!(
        refused(hs256(&claims(json!({"nbf": now() + 600})))),
        "the token is not valid yet (nbf)"
    );
    assert_eq!(
        refused(hs256(&claims(json!({"iss": "https://evil.example.com"})))),
        "the token's issuer is not accepted"
    );
    assert_eq!(
        refused(hs256(&claims(json!({"aud": "another-api"})))),
        "the token's audience is not accepted"
    );
    assert_eq!(
        refused(hs256(&claims(json!({"aud": null})))),
        "the token has no `aud`"
    );
    // A kid the JWKS does not have, a forged signature, alg none, garbage.
    assert_eq!(
        refused(rs256(&claims(json!({})), Some("other"))),
        "no key for this token"
    );
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &claims(json!({})),
        &EncodingKey::from_secret(b"another-secret-of-32-bytes-or-more!!"),
    )
    .unwrap();
    assert_eq!(refused(forged), "the token's signature does not verify");
    let none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&claims(json!({})).to_string())
    );
    assert!(v.verify(&none).is_err());
    assert_eq!(v.verify("not.a.token").unwrap_err(), "malformed token");
    // HS384 is not on the list even with the right secret.
    let hs384 = encode(
        &Header::new(Algorithm::HS384),
        &claims(json!({})),
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    assert!(v.verify(&hs384).unwrap_err().contains("not accepted"));
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[test]
fn short_hs256_secrets_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "short").unwrap();
    let e = JwtVerifier::load(&JwtConfig {
        hs256_secret_files: vec![secret],
        ..JwtConfig::default()
    })
    .err()
    .unwrap();
    assert!(e.contains("at least 32 bytes"), "{e}");
}

struct Map(HashMap<&'static str, String>);

impl Headers for Map {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

fn headers(pairs: &[(&'static str, &str)]) -> Map {
    Map(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

#[test]
fn basic_auth_trusted_headers_and_anonymous() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tills.txt");
    std::fs::write(
        &file,
        format!(
            "# tills\nbm-till-1:{}\n",
            hash_password("right-password").unwrap()
        ),
    )
    .unwrap();
    let credentials = Credentials::load(&file).unwrap();
    let auth = Authenticator {
        trusted_claims_header: Some("x-jwt-claims".into()),
        trusted_client_header: Some("x-client-id".into()),
        jwt: Some(verifier(&[], &[])),
        basic: true,
        challenge: Challenge::Basic,
    };
    use base64::Engine;
    let basic = |u: &str, p: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
    };
    let ok = auth
        .authenticate(
            &headers(&[("authorization", &basic("bm-till-1", "right-password"))]),
            Some(&credentials),
        )
        .unwrap();
    assert_eq!(ok.principal, Principal::client("bm-till-1"));
    assert_eq!(ok.label, "client:bm-till-1");
    // Twice: the second answer comes from the cache of successful checks.
    assert!(auth
        .authenticate(
            &headers(&[("authorization", &basic("bm-till-1", "right-password"))]),
            Some(&credentials)
        )
        .is_ok());
    for wrong in [
        basic("bm-till-1", "wrong"),
        basic("nobody", "right-password"),
        "Basic !!!".into(),
        "Basic Ym0tdGlsbC0x".into(),
    ] {
        let e = auth
            .authenticate(&headers(&[("authorization", &wrong)]), Some(&credentials))
            .unwrap_err();
        assert_eq!(e.scheme, Challenge::Basic, "{wrong}");
    }
    let claims = auth
        .authenticate(
            &headers(&[("x-jwt-claims", r#"{"sub":"svc","scp":["orders.read"]}"#)]),
            None,
        )
        .unwrap();
    assert!(claims.principal.holds("orders.read"));
    assert_eq!(claims.label, "sub:svc");
    let encoded = b64(r#"{"sub":"svc","scope":"a.read"}"#);
    assert!(auth
        .authenticate(&headers(&[("x-jwt-claims", &encoded)]), None)
        .unwrap()
        .principal
        .holds("a.read"));
    assert!(auth
        .authenticate(&headers(&[("x-jwt-claims", "[1]")]), None)
        .is_err());
    assert_eq!(
        auth.authenticate(&headers(&[("x-client-id", "bridge")]), None)
            .unwrap()
            .principal,
        Principal::client("bridge")
    );
    let anonymous = auth.authenticate(&headers(&[]), None).unwrap();
    assert_eq!(
        (anonymous.principal, anonymous.scheme),
        (Principal::Anonymous, Challenge::Basic)
    );
    assert!(auth
        .authenticate(&headers(&[("authorization", "Digest x")]), None)
        .is_err());
    // Basic auth is refused when no credentials file is loaded.
    assert!(auth
        .authenticate(
            &headers(&[("authorization", &basic("bm-till-1", "right-password"))]),
            None
        )
        .is_err());
}

#[test]
fn credentials_files_are_checked_on_load() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tills.txt");
    std::fs::write(&file, "till-1:plaintext\n").unwrap();
    assert!(Credentials::load(&file)
        .err()
        .unwrap()
        .contains("tills.txt:1: not a PHC hash"));
    let h = hash_password("pw-12345678").unwrap();
    std::fs::write(&file, format!("t:{h}\nt:{h}\n")).unwrap();
    assert!(Credentials::load(&file)
        .err()
        .unwrap()
        .contains("tills.txt:2: `t` appears twice"));
}

#[test]
fn a_remembered_token_still_expires() {
    let v = verifier(&[], &[]);
    let token = hs256(&claims(json!({"exp": now() + 1})));
    assert!(v.verify(&token).is_ok());
    assert!(
        v.verify(&token).is_ok(),
        "the second check comes from memory"
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(v.verify(&token).unwrap_err(), "the token has expired");
}

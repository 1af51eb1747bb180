//! The decision server's authentication: JWTs (HS256, RS256, ES256, JWKS by `kid`; `exp`,
//! `nbf`, `iss`, `aud`, `typ`), trusted gateway headers, basic auth against argon2 credentials.
//! The server as a process, attacked, is tests/serve_attacks.rs; behind a real nginx,
//! tests/integrations/nginx.py.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use scopegate::runtime::answer::Challenge;
use scopegate::runtime::Principal;
use scopegate::serve::auth::{self, Authenticator, Headers, Presented};
use scopegate::serve::credentials::{hash_password, Credentials};
use scopegate::serve::jwt::{JwtConfig, JwtVerifier, BAD_SIGNATURE};
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
        ..JwtConfig::default()
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
        let p = &v.verify(&token).unwrap_or_else(|e| panic!("{e}")).principal;
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
        BAD_SIGNATURE
    );
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &claims(json!({})),
        &EncodingKey::from_secret(b"another-secret-of-32-bytes-or-more!!"),
    )
    .unwrap();
    assert_eq!(refused(forged), BAD_SIGNATURE);
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

fn authenticator() -> Authenticator {
    Authenticator {
        trusted_claims_header: Some("x-jwt-claims".into()),
        trusted_client_header: Some("x-client-id".into()),
        basic: true,
        challenge: Challenge::Basic,
        leeway_seconds: 0,
    }
}

fn principal(p: Presented) -> Principal {
    match p {
        Presented::Known(a) => a.identity.principal.clone(),
        Presented::Basic { .. } => panic!("basic credentials are checked by the login pool"),
    }
}

fn basic(u: &str, p: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
    )
}

#[test]
fn basic_auth_trusted_headers_and_anonymous() {
    let auth = authenticator();
    let v = verifier(&[], &[]);
    let jwt = Some(&v);
    match auth
        .authenticate(
            &headers(&[("authorization", &basic("bm-till-1", "pw:with:colons"))]),
            false,
            jwt,
        )
        .unwrap()
    {
        Presented::Basic { user, password } => {
            assert_eq!(
                (user.as_str(), password.as_str()),
                ("bm-till-1", "pw:with:colons")
            )
        }
        other => panic!("{other:?}"),
    }
    for wrong in ["Basic !!!", "Basic Ym0tdGlsbC0x", "Basic", "Basic  "] {
        let e = auth
            .authenticate(&headers(&[("authorization", wrong)]), false, jwt)
            .unwrap_err();
        assert!(e.reason.starts_with("malformed"), "{wrong}: {e:?}");
    }
    let claims = auth
        .authenticate(
            &headers(&[("x-jwt-claims", r#"{"sub":"svc","scp":["orders.read"]}"#)]),
            true,
            jwt,
        )
        .unwrap();
    assert!(principal(claims).holds("orders.read"));
    let encoded = b64(r#"{"sub":"svc","scope":"a.read"}"#);
    assert!(principal(
        auth.authenticate(&headers(&[("x-jwt-claims", &encoded)]), true, jwt)
            .unwrap()
    )
    .holds("a.read"));
    assert!(auth
        .authenticate(&headers(&[("x-jwt-claims", "[1]")]), true, jwt)
        .is_err());
    assert_eq!(
        principal(
            auth.authenticate(&headers(&[("x-client-id", "bridge")]), true, jwt)
                .unwrap()
        ),
        Principal::client("bridge")
    );
    assert_eq!(
        principal(auth.authenticate(&headers(&[]), false, jwt).unwrap()),
        Principal::Anonymous
    );
    assert!(auth
        .authenticate(&headers(&[("authorization", "Digest x")]), false, jwt)
        .is_err());
}

/// Attack: a client that reaches the server directly sends the gateway's trusted headers.
#[test]
fn trusted_headers_from_outside_the_gateway_are_refused_not_ignored() {
    let auth = authenticator();
    for h in [
        ("x-client-id", "bm-till-1"),
        (
            "x-jwt-claims",
            r#"{"sub":"root","scope":"store-admin.stores.write"}"#,
        ),
    ] {
        let e = auth.authenticate(&headers(&[h]), false, None).unwrap_err();
        assert_eq!(e.reason, auth::UNTRUSTED);
    }
}

/// Attack: a client-made claims header with an `exp` long past is believed as-is.
#[test]
fn trusted_claims_are_checked_for_exp_and_nbf() {
    let auth = authenticator();
    let old = format!(r#"{{"sub":"svc","scope":"a.read","exp":{}}}"#, now() - 3600);
    let early = format!(r#"{{"sub":"svc","scope":"a.read","nbf":{}}}"#, now() + 3600);
    for claims in [old, early] {
        assert!(auth
            .authenticate(&headers(&[("x-jwt-claims", &claims)]), true, None)
            .is_err());
    }
    let fresh = format!(r#"{{"sub":"svc","scope":"a.read","exp":{}}}"#, now() + 60);
    assert!(auth
        .authenticate(&headers(&[("x-jwt-claims", &fresh)]), true, None)
        .is_ok());
}

/// Attack: `Basic<TAB>credential` and `Bearer<TAB>token` echoed the first 20 characters.
#[test]
fn no_fragment_of_a_credential_is_echoed() {
    let auth = authenticator();
    let v = verifier(&[], &[]);
    let token = hs256(&claims(json!({})));
    for value in [
        format!("Basic\t{}", &basic("bm-till-1", "right-password")[6..]),
        format!("Bearer\t{token}"),
        format!("Bearer {token} extra"),
        format!("Token {token}"),
        token.clone(),
    ] {
        let e = auth
            .authenticate(&headers(&[("authorization", &value)]), false, Some(&v))
            .unwrap_err();
        for fragment in [
            &value[..value.len().min(12)],
            &token[..12],
            "YnTtdGls",
            "Ym0tdGls",
        ] {
            assert!(
                !e.reason.contains(fragment),
                "{value:?} echoed in {:?}",
                e.reason
            );
        }
    }
}

/// Attack: a `sub` with CR/LF got 200 while the principal header was silently dropped.
#[test]
fn a_subject_that_cannot_be_a_header_is_refused() {
    let v = verifier(&[], &[]);
    for sub in ["alice\r\nX-Admin: yes", "", "j\u{fc}rgen"] {
        let e = v
            .verify(&hs256(&claims(json!({ "sub": sub }))))
            .unwrap_err();
        assert!(e.contains("`sub`"), "{sub:?}: {e}");
    }
}

/// Attack: an `iss` array passed when one element matched.
#[test]
fn iss_must_be_one_string() {
    let v = verifier(&["https://id.example.com"], &["retail-api"]);
    let e = v
        .verify(&hs256(&claims(
            json!({"iss": ["https://evil.example.com", "https://id.example.com"]}),
        )))
        .unwrap_err();
    assert!(e.contains("iss") || e.contains("issuer"), "{e}");
    let any = verifier(&[], &["retail-api"]);
    assert!(any
        .verify(&hs256(&claims(json!({"iss": ["a", "b"]}))))
        .is_err());
}

#[test]
fn a_required_typ_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, SECRET).unwrap();
    let v = JwtVerifier::load(&JwtConfig {
        hs256_secret_files: vec![secret],
        audiences: vec!["retail-api".into()],
        typ: Some("at+jwt".into()),
        ..JwtConfig::default()
    })
    .unwrap();
    let with_typ = |typ: &str| {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(typ.into());
        encode(
            &header,
            &claims(json!({})),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    };
    assert!(v.verify(&with_typ("at+jwt")).is_ok());
    assert!(v.verify(&with_typ("application/at+JWT")).is_ok());
    assert_eq!(
        v.verify(&with_typ("JWT")).unwrap_err(),
        "the token's `typ` is not `at+jwt`"
    );
}

/// Attack: 20k unique tokens with 8 KB claims took the cache to 228 MB. It is bounded in
/// bytes, and holds the principal, not the claims.
#[test]
fn the_token_cache_is_bounded_in_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, SECRET).unwrap();
    let budget = 1 << 20;
    let v = JwtVerifier::load(&JwtConfig {
        hs256_secret_files: vec![secret],
        cache_bytes: budget,
        ..JwtConfig::default()
    })
    .unwrap();
    let padding = "x".repeat(8 << 10);
    let scopes: Vec<String> = (0..40).map(|i| format!("app{i}.resource.read")).collect();
    for i in 0..3000 {
        let token = hs256(&claims(
            json!({"sub": format!("user-{i}"), "padding": padding, "scope": scopes.join(" ")}),
        ));
        v.verify(&token).unwrap();
    }
    let (entries, bytes) = v.cached();
    println!("token cache after 3000 tokens of 8 KB claims: {entries} entries, {bytes} bytes (budget {budget})");
    assert!(bytes <= budget, "{bytes} > {budget}");
    assert!(entries > 100, "the cache still holds tokens: {entries}");
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
    // Attack: hashes of any PHC algorithm and any parameters were accepted.
    let weak = "t:$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY";
    std::fs::write(&file, format!("{weak}\n")).unwrap();
    let e = Credentials::load(&file).err().unwrap();
    assert!(
        e.contains("tills.txt:1: argon2id parameters m=1024,t=1,p=1 are below the floor"),
        "{e}"
    );
    let argon2i = "t:$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY";
    std::fs::write(&file, format!("{argon2i}\n")).unwrap();
    assert!(Credentials::load(&file)
        .err()
        .unwrap()
        .contains("only argon2id"));
    let huge = "t:$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY";
    std::fs::write(&file, format!("{huge}\n")).unwrap();
    assert!(Credentials::load(&file)
        .err()
        .unwrap()
        .contains("exceed the ceiling"));
    // Attack: timing told known users apart when hashes had other parameters than the dummy.
    let floor = hash_password("pw-12345678").unwrap();
    let stronger = floor.replace("m=19456,t=2,p=1", "m=19456,t=3,p=1");
    std::fs::write(&file, format!("a:{floor}\nb:{stronger}\n")).unwrap();
    let e = Credentials::load(&file).err().unwrap();
    assert!(
        e.contains("tills.txt:2:") && e.contains("differ from line 1"),
        "{e}"
    );
    let h = hash_password("pw-12345678").unwrap();
    std::fs::write(&file, format!("t:{h}\nt:{h}\n")).unwrap();
    assert!(Credentials::load(&file)
        .err()
        .unwrap()
        .contains("tills.txt:2: `t` appears twice"));
}

#[test]
fn credentials_verify_known_users_only() {
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
    let c = Credentials::load(&file).unwrap();
    assert!(!c.remembered("bm-till-1", "right-password"));
    assert!(c.verify("bm-till-1", "right-password"));
    assert!(c.remembered("bm-till-1", "right-password"));
    assert!(!c.verify("bm-till-1", "wrong"));
    assert!(!c.verify("nobody", "right-password"));
    assert!(!c.remembered("bm-till-1", "wrong"));
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

//! The decision server's authentication on arbitrary header values: the Authorization header
//! (bearer JWTs, basic credentials, other schemes) and the trusted claims and client headers.
//! No input may panic; a presented Authorization header never yields the anonymous principal
//! (it authenticates someone, asks for a basic-auth check, or is refused); a refusal never
//! quotes the presented value; a trusted header from outside the gateway is always refused.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopegate::runtime::answer::Challenge;
use scopegate::runtime::Principal;
use scopegate::serve::auth::{Authenticator, Headers, Presented};
use scopegate::serve::jwt::{JwtConfig, JwtVerifier};

struct One(String, String);

impl Headers for One {
    fn get(&self, name: &str) -> Option<&str> {
        (name == self.0).then_some(self.1.as_str())
    }
}

fn setup() -> &'static (Authenticator, JwtVerifier) {
    static S: OnceLock<(Authenticator, JwtVerifier)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("scopegate-fuzz-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret"), "0123456789abcdef0123456789abcdef-fuzz").unwrap();
        let jwt = JwtVerifier::load(&JwtConfig {
            hs256_secret_files: vec![dir.join("secret")],
            ..JwtConfig::default()
        })
        .unwrap();
        let auth = Authenticator {
            trusted_claims_header: Some("x-claims".into()),
            trusted_client_header: Some("x-client".into()),
            basic: true,
            challenge: Challenge::Bearer,
            leeway_seconds: 0,
        };
        (auth, jwt)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(value) = std::str::from_utf8(rest) else {
        return;
    };
    let name = match selector & 0x7f {
        b'c' => "x-claims",
        b'i' => "x-client",
        _ => "authorization",
    };
    let (auth, jwt) = setup();
    let from_gateway = selector & 0x80 != 0;
    let result = auth.authenticate(&One(name.into(), value.into()), from_gateway, Some(jwt));
    match result {
        Ok(Presented::Known(a)) => {
            if name == "authorization" {
                assert!(
                    a.identity.principal != Principal::Anonymous,
                    "{value:?} gave anonymous"
                );
            } else {
                assert!(
                    from_gateway,
                    "a trusted header believed from outside the gateway"
                );
            }
        }
        Ok(Presented::Basic { .. }) => assert_eq!(name, "authorization"),
        Err(failure) => {
            // Every refusal text has spaces and no word of 16 bytes: a long space-free value
            // found in one was echoed.
            if value.len() >= 16 && !value.contains(' ') {
                assert!(!failure.reason.contains(value), "{value:?} echoed");
            }
        }
    }
});

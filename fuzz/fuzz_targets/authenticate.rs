//! The decision server's authentication on arbitrary header values: the Authorization header
//! (bearer JWTs, basic credentials, other schemes) and the trusted claims and client headers.
//! No input may panic, and a presented Authorization header never yields the anonymous
//! principal: it authenticates someone or it is refused.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopegate::runtime::answer::Challenge;
use scopegate::runtime::Principal;
use scopegate::serve::auth::{hash_password, Authenticator, Credentials, Headers, JwtConfig, JwtVerifier};

struct One(String, String);

impl Headers for One {
    fn get(&self, name: &str) -> Option<&str> {
        (name == self.0).then_some(self.1.as_str())
    }
}

fn setup() -> &'static (Authenticator, Credentials) {
    static S: OnceLock<(Authenticator, Credentials)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("scopegate-fuzz-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret"), "0123456789abcdef0123456789abcdef-fuzz").unwrap();
        std::fs::write(dir.join("tills"), format!("t:{}\n", hash_password("password-1").unwrap())).unwrap();
        let jwt = JwtVerifier::load(&JwtConfig {
            hs256_secret_files: vec![dir.join("secret")],
            ..JwtConfig::default()
        })
        .unwrap();
        let auth = Authenticator {
            trusted_claims_header: Some("x-claims".into()),
            trusted_client_header: Some("x-client".into()),
            jwt: Some(jwt),
            basic: true,
            challenge: Challenge::Bearer,
        };
        (auth, Credentials::load(&dir.join("tills")).unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(value) = std::str::from_utf8(rest) else { return };
    let name = match selector {
        b'c' => "x-claims",
        b'i' => "x-client",
        _ => "authorization",
    };
    let (auth, credentials) = setup();
    let result = auth.authenticate(&One(name.into(), value.into()), Some(credentials));
    if let Ok(a) = result {
        if name == "authorization" {
            assert!(a.principal != Principal::Anonymous, "{value:?} gave anonymous");
        }
    }
});

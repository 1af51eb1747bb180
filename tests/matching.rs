//! Path matching that no backend reads differently: every request of the path-matching issue
//! sent through every entry point (`scopegate check`, `serve --gateway nginx`, `serve
//! --gateway envoy-http` and the tower layer) for a principal holding only `uid`, and each must
//! give the same decision, the one listed. A request the HTTP stack itself refuses before any
//! decision (a raw tab in a request line) counts as refused.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

use scopegate::runtime::{Evaluator, Principal, SharedEvaluator, Table};
use scopegate::tower::{Authentication, ScopeGateLayer};
use support::{launch, now, request, Server};

const SECRET: &[u8] = b"a-secret-for-the-matching-test-0123456789";

/// (method, target, decision for a `uid`-only token). The table is
/// tests/fixtures/matching/shop.yaml, base path `/api/v1`.
const CASES: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/orders/mine", "allow"),
    ("GET", "/api/v1/orders/42", "missing-scopes"),
    // Encoded letters never match a literal: Express routes `%6Dine` to /orders/{id}.
    ("GET", "/api/v1/orders/%6Dine", "invalid-path"),
    ("GET", "/api/v1/orders/%6dine?x=1", "invalid-path"),
    // An encoded `:` is not the literal `:` of `{id}:archive`.
    ("POST", "/api/v1/orders/1:archive", "missing-scopes"),
    ("POST", "/api/v1/orders/1%3Aarchive", "no-route"),
    // Encoded `?`, `#`, `;`: a decoding backend re-splits the path.
    (
        "DELETE",
        "/api/v1/repos/o/r%3F/subscription",
        "invalid-path",
    ),
    (
        "DELETE",
        "/api/v1/repos/o/r%23/subscription",
        "invalid-path",
    ),
    (
        "DELETE",
        "/api/v1/repos/o/r%3B/subscription",
        "invalid-path",
    ),
    ("DELETE", "/api/v1/repos/o/r/subscription", "allow"),
    ("DELETE", "/api/v1/repos/o/r", "missing-scopes"),
    // Unicode that backends trim, normalise or case-map.
    ("GET", "/api/v1/orders/42%C2%85", "invalid-path"),
    ("GET", "/api/v1/orders/42%C2%A0", "invalid-path"),
    ("GET", "/api/v1/orders/42%E2%80%A8", "invalid-path"),
    ("GET", "/api/v1/orders/42%E3%80%80", "invalid-path"),
    ("GET", "/api/v1/orders/%E2%80%A5", "invalid-path"),
    ("GET", "/api/v1/orders/%EF%B8%B0", "invalid-path"),
    ("GET", "/api/v1/orders/a%E2%84%80b", "invalid-path"),
    ("GET", "/api/v1/orders/%EF%BD%8Dine", "invalid-path"),
    ("GET", "/api/v1/orders/%C3%A9t%C3%A9", "missing-scopes"),
    // Case: a case-insensitive backend runs /user/issues.
    ("GET", "/api/v1/user/ISSUES", "invalid-path"),
    ("GET", "/api/v1/user/Issues", "invalid-path"),
    ("GET", "/api/v1/user/issues", "missing-scopes"),
    ("GET", "/api/v1/user/octocat", "missing-scopes"),
    // A concrete GET does not hide the templated DELETE.
    ("GET", "/api/v1/gists/public", "allow"),
    ("DELETE", "/api/v1/gists/public", "missing-scopes"),
    ("HEAD", "/api/v1/gists/public", "allow"),
    // Parameters that span segments where the document says so; every refusal still holds
    // inside them.
    (
        "GET",
        "/api/v1/repos/o/r/contents/docs/a/b.txt",
        "missing-scopes",
    ),
    (
        "GET",
        "/api/v1/repos/o/r/git/ref/heads/main",
        "missing-scopes",
    ),
    ("GET", "/api/v1/repos/o/r/compare/main...feature/x", "allow"),
    ("GET", "/api/v1/repos/o/r/compare/main", "allow"),
    (
        "GET",
        "/api/v1/repos/o/r/contents/a/../../../x",
        "invalid-path",
    ),
    ("GET", "/api/v1/repos/o/r/contents/a//b", "invalid-path"),
    ("GET", "/api/v1/repos/o/r/contents/a%2Fb", "invalid-path"),
    ("GET", "/api/v1/repos/o/r/contents/a/", "no-route"),
    ("DELETE", "/api/v1/repos/o/r/compare/a/b", "no-route"),
    // Targets that are not origin-form, and fragments.
    ("GET", "gists", "invalid-path"),
    ("GET", "..", "invalid-path"),
    (
        "DELETE",
        "/api/v1/repos/o/r/subscription#/../../r",
        "invalid-path",
    ),
    ("GET", "/api/v1/orders/mine#x", "invalid-path"),
];

fn token() -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "u", "iss": "https://id.example.com", "aud": "shop", "exp": now() + 600, "scope": ""}),
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap()
}

/// A directory with tests/fixtures/matching/shop.yaml compiled to `table.json` and the JWT
/// secret in `secret`.
fn shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(["compile", "-o"])
        .arg(dir.path().join("table.json"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matching/shop.yaml"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(dir.path().join("secret"), SECRET).unwrap();
    dir
}

fn serve(dir: &Path, mode: &str) -> Server {
    let args: Vec<String> = [
        "serve",
        "--gateway",
        mode,
        "--table",
        "table.json",
        "--jwt-hs256-secret",
        "secret",
        "--jwt-issuer",
        "https://id.example.com",
        "--jwt-audience",
        "shop",
        "--decision-log",
        "off",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    launch(dir, &args, Stdio::null())
}

/// A serve answer as a decision: its code, or `invalid-path` when the HTTP stack refused the
/// request before deciding it (400 without a decision body).
fn decision(r: &support::Reply) -> String {
    match r.header("x-scopegate-code") {
        Some(code) => code.to_string(),
        None if r.status == 400 => "invalid-path".into(),
        None => format!("status {}", r.status),
    }
}

fn check(table: &Path, method: &str, target: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(["check", "--table"])
        .arg(table)
        .args(["--scopes", "", "--format", "json", method, target])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "{method} {target}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    v["reason"].as_str().unwrap().to_string()
}

/// Through the tower layer, for targets `http` can carry as a request URI.
fn tower(table: &Table, method: &str, target: &str) -> Option<String> {
    use tower::ServiceExt;
    let uri: http::Uri = target.parse().ok()?;
    if uri
        .path_and_query()
        .is_none_or(|p| !p.as_str().starts_with('/'))
        || target.contains('#')
    {
        // Not a request URI a service receives (http drops a fragment when parsing).
        return None;
    }
    let evaluator = Arc::new(SharedEvaluator::new(Evaluator::new(
        table.clone(),
        Default::default(),
    )));
    let authenticate =
        |_: &http::request::Parts| -> Authentication { Ok(Principal::from_scope_string("")) };
    let app = axum::Router::new()
        .fallback(|| async { "reached the service" })
        .layer(ScopeGateLayer::new(evaluator, authenticate));
    let request = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(axum::body::Body::empty())
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let response = runtime.block_on(app.oneshot(request)).unwrap();
    Some(match response.headers().get("x-scopegate-code") {
        Some(code) => code.to_str().unwrap().to_string(),
        None => "allow".into(),
    })
}

#[test]
fn every_entry_point_gives_the_same_decision() {
    let dir = shop();
    let table_path = dir.path().join("table.json");
    let table = Table::read(&table_path).unwrap();
    let nginx = serve(dir.path(), "nginx");
    let envoy = serve(dir.path(), "envoy-http");
    let bearer = format!("Bearer {}", token());
    let mut failures = Vec::new();
    for &(method, target, want) in CASES {
        let mut got = vec![("check", check(&table_path, method, target))];
        if target.bytes().all(|b| b.is_ascii_graphic()) {
            let r = request(
                nginx.port,
                "GET",
                "/_auth",
                &[
                    ("X-Original-Method", method),
                    ("X-Original-URI", target),
                    ("Authorization", &bearer),
                ],
            )
            .unwrap();
            got.push(("nginx", decision(&r)));
        }
        let r = request(envoy.port, method, target, &[("Authorization", &bearer)]).unwrap();
        got.push(("envoy-http", decision(&r)));
        if let Some(code) = tower(&table, method, target) {
            got.push(("tower", code));
        }
        let line = format!(
            "{method} {target}: want {want}, got {}",
            got.iter()
                .map(|(e, c)| format!("{e}={c}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!("{line}");
        if got.iter().any(|(_, c)| c != want) {
            failures.push(line);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// nginx mode: hyper trims whitespace around header values, so `X-Original-URI:
/// /api/v1/orders/42<TAB>` would be decided as `/api/v1/orders/42`; the raw bytes are watched.
#[test]
fn whitespace_around_the_original_request_is_refused_not_trimmed() {
    use std::io::{Read, Write};
    let dir = shop();
    let nginx = serve(dir.path(), "nginx");
    let bearer = format!("Bearer {}", token());
    let send = |uri: &str, method: &str| {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", nginx.port)).unwrap();
        write!(
            s,
            "GET /_auth HTTP/1.1\r\nHost: x\r\nX-Original-URI: {uri}\r\nX-Original-Method: {method}\r\nAuthorization: {bearer}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.lines().next().unwrap().to_string()
    };
    assert!(send("/api/v1/orders/mine", "GET").contains("200"));
    for (uri, method) in [
        ("/api/v1/orders/mine\t", "GET"),
        ("/api/v1/orders/mine ", "GET"),
        ("\t/api/v1/orders/mine", "GET"),
        ("/api/v1/orders/mine", "GET\t"),
        ("/api/v1/orders/mine", " GET"),
    ] {
        let line = send(uri, method);
        assert!(line.contains("400"), "{uri:?} {method:?}: {line}");
    }
}

#[test]
fn compile_refuses_routes_one_request_reaches_in_two_ways() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matching");
    let run = |files: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_scopegate"))
            .arg("compile")
            .args(files.iter().map(|f| fixtures.join(f)))
            .args(["-o", "/dev/null"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, stderr) = run(&["overlap.yaml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("`GET /w/{a}-{b}`")
            && stderr.contains("`GET /w/{a}.{b}`")
            && stderr.contains("overlap.yaml:")
            && stderr.contains("both match `GET /w/"),
        "{stderr}"
    );
    let (code, stderr) = run(&["multi-bad.yaml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("multi-bad.yaml:") && stderr.contains("whole last segment"),
        "{stderr}"
    );
    let (code, stderr) = run(&["split/a.yaml", "split/b.yaml"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("a.yaml:") && stderr.contains("b.yaml:") && stderr.contains("`GET /a/b/c`"),
        "{stderr}"
    );
}

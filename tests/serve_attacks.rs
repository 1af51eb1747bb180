//! `scopegate serve` as a process, attacked the way the hardening issue found it broken. Each
//! test is written as the attack: the request an attacker sends, and what must happen now.
//! Requests are raw bytes on a socket, so nothing between the test and the server normalises
//! or merges anything.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{launch, now, request, Reply, Server};

use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sha2::Digest;

const SECRET_A: &[u8] = b"secret-a-0123456789abcdef0123456789";
const SECRET_B: &[u8] = b"secret-b-0123456789abcdef0123456789";

fn token(secret: &[u8], claims: Value) -> String {
    let mut c = json!({"sub": "alice", "iss": "https://id.example.com", "aud": "retail-api",
                       "exp": now() + 600, "scope": "customer.read"});
    for (k, v) in claims.as_object().unwrap() {
        c[k] = v.clone();
    }
    encode(
        &Header::new(Algorithm::HS256),
        &c,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A copy of examples/retail with a compiled table, a JWT secret and one till's password.
struct Work {
    dir: tempfile::TempDir,
}

const TILL_PASSWORD: &str = "till-password-1";

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let retail = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/retail");
        for entry in std::fs::read_dir(&retail).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        let status = Command::new(env!("CARGO_BIN_EXE_scopegate"))
            .args([
                "compile",
                "loyalty.yaml",
                "customers.yaml",
                "sales.yaml",
                "store-admin.yaml",
                "-o",
                "table.json",
            ])
            .current_dir(dir.path())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::write(dir.path().join("secret"), SECRET_A).unwrap();
        let mut add = Command::new(env!("CARGO_BIN_EXE_scopegate"))
            .args(["credentials", "add", "--file", "tills.txt", "bm-till-1"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        writeln!(add.stdin.take().unwrap(), "{TILL_PASSWORD}").unwrap();
        assert!(add.wait().unwrap().success());
        Work { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Starts `scopegate serve` in `work` with the retail table, the JWT secret and `extra`.
fn serve(work: &Work, extra: &[&str]) -> Server {
    serve_with(work, extra, Stdio::null())
}

fn serve_with(work: &Work, extra: &[&str], stdout: Stdio) -> Server {
    let mut args: Vec<String> = [
        "serve",
        "--table",
        "table.json",
        "--groups",
        "groups.yaml",
        "--credentials",
        "tills.txt",
        "--jwt-hs256-secret",
        "secret",
        "--jwt-issuer",
        "https://id.example.com",
        "--jwt-audience",
        "retail-api",
        "--poll-ms",
        "100",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !extra.contains(&"--decision-log") {
        args.extend(["--decision-log".into(), "off".into()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    launch(work.dir.path(), &args, stdout)
}

/// An nginx-form decision: the original request in the two headers.
fn nginx(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut all = vec![("X-Original-Method", method), ("X-Original-URI", path)];
    all.extend_from_slice(headers);
    request(port, "GET", "/_auth", &all).unwrap()
}

fn metric(admin: u16, name: &str) -> f64 {
    let text = request(admin, "GET", "/metrics", &[]).unwrap().body;
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn start_fails(work: &Work, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(args)
        .current_dir(work.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?} started");
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Attack 1: a client sends the trusted client header itself. From a peer outside the
/// allowlist it is refused, not believed and not ignored.
#[test]
fn a_trusted_header_from_outside_the_allowlist_is_refused() {
    let work = Work::new();
    // The gateway is 10.0.0.0/8: this test's loopback connection is a client's.
    let s = serve(
        &work,
        &[
            "--gateway",
            "nginx",
            "--trusted-client-header",
            "X-Scopegate-Client",
            "--trusted-peer",
            "10.0.0.0/8",
        ],
    );
    let r = nginx(
        s.port,
        "POST",
        "/sales/v1/transactions",
        &[("X-Scopegate-Client", "bm-till-1")],
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "invalid-credentials"),
        "{r:?}"
    );
}

/// Attack 1: the same header with a gateway secret: without the secret (or with a guess) it
/// is refused; with it, believed.
#[test]
fn a_trusted_header_needs_the_gateway_secret_when_one_is_set() {
    let work = Work::new();
    std::fs::write(
        work.path("gateway-secret"),
        "a-gateway-secret-of-32-bytes-or-more",
    )
    .unwrap();
    let s = serve(
        &work,
        &[
            "--gateway",
            "nginx",
            "--trusted-client-header",
            "X-Scopegate-Client",
            "--gateway-secret-file",
            "gateway-secret",
        ],
    );
    let till = ("X-Scopegate-Client", "bm-till-1");
    let r = nginx(s.port, "POST", "/sales/v1/transactions", &[till]);
    assert_eq!(r.status, 401, "{r:?}");
    let r = nginx(
        s.port,
        "POST",
        "/sales/v1/transactions",
        &[till, ("X-Scopegate-Gateway-Secret", "a-guess")],
    );
    assert_eq!(r.status, 401, "{r:?}");
    let r = nginx(
        s.port,
        "POST",
        "/sales/v1/transactions",
        &[
            till,
            (
                "X-Scopegate-Gateway-Secret",
                "a-gateway-secret-of-32-bytes-or-more",
            ),
        ],
    );
    assert_eq!(r.status, 200, "{r:?}");
}

/// Attack 1: trusted headers on a listener anyone can reach, with neither an allowlist nor a
/// secret, would let anyone claim any identity: serve refuses to start.
#[test]
fn trusted_headers_on_a_public_listener_need_an_allowlist_or_a_secret() {
    let work = Work::new();
    let e = start_fails(
        &work,
        &[
            "serve",
            "--gateway",
            "nginx",
            "--table",
            "table.json",
            "--listen",
            "0.0.0.0:0",
            "--trusted-client-header",
            "X-Scopegate-Client",
        ],
    );
    assert!(
        e.contains("--trusted-peer") && e.contains("--gateway-secret-file"),
        "{e}"
    );
}

/// Traefik and Caddy pass a client's headers through to the check from the gateway's own
/// address: in forward-auth mode a trusted header (or a client address from anything but
/// X-Forwarded-For, which both set) needs the gateway's secret, even on loopback.
#[test]
fn forward_auth_mode_refuses_trusted_headers_without_a_secret() {
    let work = Work::new();
    for extra in [
        &["--trusted-client-header", "X-Scopegate-Client"][..],
        &["--trusted-claims-header", "X-Verified-Claims"],
        &["--client-address-header", "X-Real-IP"],
    ] {
        let mut args = vec![
            "serve",
            "--gateway",
            "forward-auth",
            "--table",
            "table.json",
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend(extra);
        let e = start_fails(&work, &args);
        assert!(
            e.contains("--gateway forward-auth") && e.contains("--gateway-secret-file"),
            "{extra:?}: {e}"
        );
    }
    let s = serve(
        &work,
        &[
            "--gateway",
            "forward-auth",
            "--client-address-header",
            "X-Forwarded-For",
        ],
    );
    let r = request(
        s.port,
        "GET",
        "/",
        &[
            ("X-Forwarded-Method", "GET"),
            ("X-Forwarded-Uri", "/customers/v1/customers"),
        ],
    )
    .unwrap();
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "unauthenticated"),
        "{r:?}"
    );
}

/// Attack 1: a forwarded claims header with an expired `exp`.
#[test]
fn expired_trusted_claims_are_refused() {
    let work = Work::new();
    let s = serve(
        &work,
        &[
            "--gateway",
            "nginx",
            "--trusted-claims-header",
            "X-Verified-Claims",
        ],
    );
    let old = format!(
        r#"{{"sub":"svc","scope":"customer.read","exp":{}}}"#,
        now() - 3600
    );
    let r = nginx(
        s.port,
        "GET",
        "/customers/v1/customers",
        &[("X-Verified-Claims", &old)],
    );
    assert_eq!(r.status, 401, "{r:?}");
    let fresh = format!(
        r#"{{"sub":"svc","scope":"customer.read","exp":{}}}"#,
        now() + 60
    );
    let r = nginx(
        s.port,
        "GET",
        "/customers/v1/customers",
        &[("X-Verified-Claims", &fresh)],
    );
    assert_eq!(r.status, 200, "{r:?}");
}

/// Attack 2: a key removed from the key file kept working until restart. Rewritten with a
/// same-size secret (mtime and size tell nothing within a second), the old key's tokens are
/// refused and the new key's accepted, without a signal.
#[test]
fn a_rotated_key_takes_effect_at_once_and_empties_the_token_cache() {
    let work = Work::new();
    let s = serve(&work, &["--gateway", "nginx"]);
    let old = format!("Bearer {}", token(SECRET_A, json!({})));
    let new = format!("Bearer {}", token(SECRET_B, json!({})));
    let get = |auth: &str| {
        nginx(
            s.port,
            "GET",
            "/customers/v1/customers",
            &[("Authorization", auth)],
        )
        .status
    };
    assert_eq!((get(&old), get(&new)), (200, 401));
    assert_eq!(SECRET_A.len(), SECRET_B.len());
    std::fs::write(work.path("secret"), SECRET_B).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&old) == 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!((get(&old), get(&new)), (401, 200));
}

/// Attack 2: the platform layer named by the brand's groups file was never watched. A change
/// to a built-in group takes effect.
#[test]
fn the_platform_groups_file_reloads() {
    let work = Work::new();
    let s = serve(
        &work,
        &[
            "--gateway",
            "nginx",
            "--trusted-client-header",
            "X-Scopegate-Client",
        ],
    );
    let till = [("X-Scopegate-Client", "bm-till-1")];
    let post = || nginx(s.port, "POST", "/sales/v1/transactions", &till).status;
    assert_eq!(post(), 200);
    let platform = std::fs::read_to_string(work.path("platform-groups.yaml")).unwrap();
    let read_only = platform.replacen("transactions: read-write", "transactions: read      ", 1);
    assert_eq!(platform.len(), read_only.len());
    std::fs::write(work.path("platform-groups.yaml"), read_only).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while post() == 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(post(), 403);
}

/// During a rollout, replicas must be told apart: /metrics names the policy in force (the
/// table's digest, the groups files' SHA-256), one series at a time, and a reload replaces it.
#[test]
fn metrics_name_the_policy_in_force() {
    let work = Work::new();
    let s = serve(&work, &["--gateway", "nginx"]);
    let sha256 = |name: &str| -> String {
        let bytes = std::fs::read(work.path(name)).unwrap();
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let table: Value =
        serde_json::from_slice(&std::fs::read(work.path("table.json")).unwrap()).unwrap();
    let series = || -> Vec<String> {
        let text = request(s.admin, "GET", "/metrics", &[]).unwrap().body;
        text.lines()
            .filter(|l| l.starts_with("scopegate_policy_info{"))
            .map(str::to_owned)
            .collect()
    };
    let expected = |platform: &str| {
        format!(
            "scopegate_policy_info{{table_digest=\"{}\",groups_sha256=\"{}\",platform_sha256=\"{platform}\"}} 1",
            table["digest"].as_str().unwrap(),
            sha256("groups.yaml"),
        )
    };
    assert_eq!(series(), [expected(&sha256("platform-groups.yaml"))]);

    let platform = std::fs::read_to_string(work.path("platform-groups.yaml")).unwrap();
    std::fs::write(
        work.path("platform-groups.yaml"),
        platform.replacen("transactions: read-write", "transactions: read      ", 1),
    )
    .unwrap();
    let now = expected(&sha256("platform-groups.yaml"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while series() != [now.clone()] && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(series(), [now]);
}

/// Attack 3: failed logins are limited per user; past the limit even the right password is
/// answered 429 without being checked (a refused guess and a right one look the same).
#[test]
fn failed_logins_are_limited_per_user() {
    let work = Work::new();
    let s = serve(
        &work,
        &["--gateway", "nginx", "--max-failed-logins-per-user", "3"],
    );
    let wrong = basic("bm-till-1", "wrong-password");
    for _ in 0..3 {
        let r = nginx(
            s.port,
            "POST",
            "/sales/v1/transactions",
            &[("Authorization", &wrong)],
        );
        assert_eq!(r.status, 401, "{r:?}");
    }
    let right = basic("bm-till-1", TILL_PASSWORD);
    let r = nginx(
        s.port,
        "POST",
        "/sales/v1/transactions",
        &[("Authorization", &right)],
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (429, "too-many-failed-logins"),
        "{r:?}"
    );
    assert!(r.header("retry-after").is_some(), "{r:?}");
    assert!(metric(s.admin, "scopegate_logins_refused_total") >= 1.0);
}

/// Attack 3: with the hashing pool full, a login is answered 503 at once, and decisions that
/// need no hashing keep being answered meanwhile.
#[test]
fn a_full_hashing_pool_answers_503_and_decisions_go_on() {
    let work = Work::new();
    let s = serve(
        &work,
        &[
            "--gateway",
            "nginx",
            "--login-workers",
            "1",
            "--login-queue",
            "0",
            "--max-failed-logins-per-user",
            "1000",
            "--max-failed-logins-per-address",
            "1000",
        ],
    );
    let port = s.port;
    let flood: Vec<_> = (0..12)
        .map(|i| {
            std::thread::spawn(move || {
                let wrong = basic("bm-till-1", &format!("wrong-{i}"));
                nginx(
                    port,
                    "POST",
                    "/sales/v1/transactions",
                    &[("Authorization", &wrong)],
                )
                .status
            })
        })
        .collect();
    let bearer = format!("Bearer {}", token(SECRET_A, json!({})));
    let decided = nginx(
        port,
        "GET",
        "/customers/v1/customers",
        &[("Authorization", &bearer)],
    );
    let statuses: Vec<u16> = flood.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(decided.status, 200);
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 503),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&503),
        "12 logins at once, one worker, no queue: {statuses:?}"
    );
}

/// Attack 4: half-sent requests were held open for ever. One whose headers do not arrive
/// within the header-read timeout is closed.
#[test]
fn a_half_sent_request_is_closed_after_the_header_read_timeout() {
    let work = Work::new();
    let s = serve(&work, &["--gateway", "nginx", "--header-read-timeout", "1"]);
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.write_all(b"GET /_auth HTTP/1.1\r\nHost: x\r\nX-Original-")
        .unwrap();
    c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut out = Vec::new();
    // The server answers 408 or closes; either way the read ends rather than timing out.
    let read = c.read_to_end(&mut out);
    assert!(
        read.is_ok(),
        "the connection was still open after 15 s: {read:?}"
    );
    assert!(metric(s.admin, "scopegate_connections_timed_out_total") >= 1.0);
}

/// Attack 4: no connection cap. Past `--max-connections`, a connection is closed at once, and
/// the admin listener still answers.
#[test]
fn connections_past_the_cap_are_closed_and_health_still_answers() {
    let work = Work::new();
    let s = serve(&work, &["--gateway", "nginx", "--max-connections", "2"]);
    let held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(("127.0.0.1", s.port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = third.write_all(b"GET /_auth HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut out = Vec::new();
    let _ = third.read_to_end(&mut out);
    assert!(out.is_empty(), "the third connection was served");
    assert_eq!(
        request(s.admin, "GET", "/healthz", &[]).unwrap().status,
        200
    );
    assert!(metric(s.admin, "scopegate_connections_refused_total") >= 1.0);
    drop(held);
}

/// Attack 5: JWT keys without an issuer or an audience accepted any token those keys signed.
#[test]
fn jwt_verification_needs_an_issuer_and_an_audience_or_an_explicit_opt_in() {
    let work = Work::new();
    let base = [
        "serve",
        "--gateway",
        "nginx",
        "--table",
        "table.json",
        "--jwt-hs256-secret",
        "secret",
    ];
    let e = start_fails(
        &work,
        &[&base[..], &["--jwt-audience", "retail-api"]].concat(),
    );
    assert!(
        e.contains("--jwt-issuer") && e.contains("--jwt-any-issuer"),
        "{e}"
    );
    let e = start_fails(
        &work,
        &[&base[..], &["--jwt-issuer", "https://id.example.com"]].concat(),
    );
    assert!(
        e.contains("--jwt-audience") && e.contains("--jwt-any-audience"),
        "{e}"
    );
    // An ID token issued to another client.
    let s = serve(&work, &["--gateway", "nginx"]);
    let other = format!("Bearer {}", token(SECRET_A, json!({"aud": "another-app"})));
    let r = nginx(
        s.port,
        "GET",
        "/customers/v1/customers",
        &[("Authorization", &other)],
    );
    assert_eq!(r.status, 401, "{r:?}");
}

/// Attack 6: which place the path came from depended on whether a header was present, and a
/// duplicate header's first copy won.
#[test]
fn each_gateway_mode_reads_one_place_and_duplicates_are_400() {
    let work = Work::new();
    let bearer = format!("Bearer {}", token(SECRET_A, json!({})));
    let auth = ("Authorization", bearer.as_str());
    let s = serve(&work, &["--gateway", "nginx"]);
    // nginx mode: no fallback to the request line.
    let r = request(s.port, "GET", "/customers/v1/customers", &[auth]).unwrap();
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "no-original-request"),
        "{r:?}"
    );
    // Two copies of the original URI: allowed one first, forbidden one second.
    let r = request(
        s.port,
        "GET",
        "/_auth",
        &[
            ("X-Original-Method", "GET"),
            ("X-Original-URI", "/customers/v1/customers"),
            ("X-Original-URI", "/store-admin/v1/stores"),
            auth,
        ],
    )
    .unwrap();
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "duplicate-header"),
        "{r:?}"
    );
    let r = request(
        s.port,
        "GET",
        "/_auth",
        &[
            ("X-Original-Method", "GET"),
            ("X-Original-Method", "DELETE"),
            ("X-Original-URI", "/customers/v1/customers"),
            auth,
        ],
    )
    .unwrap();
    assert_eq!(r.status, 400, "{r:?}");
    let other = format!(
        "Bearer {}",
        token(SECRET_A, json!({"scope": "store-admin.stores.write"}))
    );
    let r = nginx(
        s.port,
        "GET",
        "/customers/v1/customers",
        &[auth, ("Authorization", &other)],
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "duplicate-header"),
        "{r:?}"
    );
    drop(s);
    // Envoy mode: a client's X-Original-URI is just a header; the request line decides.
    let s = serve(&work, &["--gateway", "envoy-http"]);
    let r = request(
        s.port,
        "POST",
        "/customers/v1/customers",
        &[
            ("X-Original-URI", "/customers/v1/customers"),
            ("X-Original-Method", "GET"),
            auth,
        ],
    )
    .unwrap();
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "missing-scopes"),
        "{r:?}"
    );
    let r = request(s.port, "GET", "/customers/v1/customers", &[auth]).unwrap();
    assert_eq!(r.status, 200, "{r:?}");
}

/// Attack 7: with stdout piped into a reader that never reads, no decision progressed. Lines
/// are dropped and counted instead; decisions and health go on.
#[test]
fn a_stalled_decision_log_never_blocks_a_decision() {
    let work = Work::new();
    // stdout is a pipe nobody reads (the Child keeps its end open).
    let s = serve_with(
        &work,
        &["--gateway", "nginx", "--decision-log", "-"],
        Stdio::piped(),
    );
    let bearer = format!("Bearer {}", token(SECRET_A, json!({})));
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // 12,000 decisions on one connection, pipelined in batches: the pipe (64 KiB) and the
    // queue (8,192 lines) fill well before the end.
    let long = format!("/customers/v1/customers/{}", "x".repeat(2000));
    let one = format!(
        "GET /_auth HTTP/1.1\r\nHost: x\r\nX-Original-Method: GET\r\nX-Original-URI: {long}\r\nAuthorization: {bearer}\r\n\r\n"
    );
    let mut answered = 0;
    let mut buf = vec![0u8; 1 << 16];
    for _ in 0..120 {
        c.write_all(one.repeat(100).as_bytes()).unwrap();
        let mut seen = 0;
        while seen < 100 {
            let n = c.read(&mut buf).unwrap();
            assert!(n > 0, "the connection closed");
            seen += buf[..n]
                .windows(12)
                .filter(|w| w == b"HTTP/1.1 200")
                .count();
        }
        answered += seen;
    }
    assert_eq!(answered, 12_000);
    assert_eq!(
        request(s.admin, "GET", "/healthz", &[]).unwrap().status,
        200
    );
    assert!(metric(s.admin, "scopegate_decision_log_dropped_total") > 0.0);
}

/// Attack 7: logged fields are cut to a stated length.
#[test]
fn long_paths_are_cut_in_the_decision_log() {
    let work = Work::new();
    let s = serve(
        &work,
        &["--gateway", "nginx", "--decision-log", "decisions.jsonl"],
    );
    let long = format!("/customers/v1/customers/{}", "a".repeat(20_000));
    let r = nginx(s.port, "GET", &long, &[]);
    assert_ne!(r.status, 200, "{r:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut log = String::new();
    while log.is_empty() && Instant::now() < deadline {
        log = std::fs::read_to_string(work.path("decisions.jsonl")).unwrap_or_default();
        std::thread::sleep(Duration::from_millis(20));
    }
    let line: Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    let path = line["path"].as_str().unwrap();
    assert!(
        path.len() <= 512 + 3 && path.ends_with('…'),
        "{}",
        path.len()
    );
}

/// Attack 9: the 401 text told a known `kid` from an unknown one, and a CR/LF in `sub` gave
/// 200 with the principal header silently dropped.
#[test]
fn kids_are_not_told_apart_and_unforwardable_subjects_are_401() {
    let work = Work::new();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt/jwks.json"),
        work.path("jwks.json"),
    )
    .unwrap();
    let s = serve(&work, &["--gateway", "nginx", "--jwt-jwks", "jwks.json"]);
    let forged = |kid: &str| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.into());
        let t = encode(
            &header,
            &json!({"sub": "x", "exp": now() + 60}),
            &EncodingKey::from_secret(b"guess-guess-guess-guess-guess-guess"),
        )
        .unwrap();
        nginx(
            s.port,
            "GET",
            "/customers/v1/customers",
            &[("Authorization", &format!("Bearer {t}"))],
        )
    };
    let known = forged("rsa-2026");
    let unknown = forged("no-such-kid");
    assert_eq!((known.status, unknown.status), (401, 401));
    let text = |r: &Reply| serde_json::from_str::<Value>(&r.body).unwrap()["message"].clone();
    assert_eq!(text(&known), text(&unknown));
    let crlf = format!(
        "Bearer {}",
        token(SECRET_A, json!({"sub": "alice\r\nX-Admin: 1"}))
    );
    let r = nginx(
        s.port,
        "GET",
        "/customers/v1/customers",
        &[("Authorization", &crlf)],
    );
    assert_eq!(r.status, 401, "{r:?}");
}

/// Attack 9: decision ids were sequential.
#[test]
fn decision_ids_cannot_be_guessed_from_one_another() {
    let work = Work::new();
    let s = serve(&work, &["--gateway", "nginx"]);
    let ids: Vec<String> = (0..3)
        .map(|_| {
            nginx(s.port, "GET", "/customers/v1/customers", &[])
                .header("x-scopegate-decision-id")
                .unwrap()
                .to_string()
        })
        .collect();
    for pair in ids.windows(2) {
        assert_eq!(pair[0].len(), 32, "{ids:?}");
        // Consecutive ids share no prefix a counter would leave.
        assert_ne!(pair[0][..16], pair[1][..16], "{ids:?}");
    }
}

/// Attack 9: `credentials add` wrote the file world-readable.
#[test]
fn the_credentials_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let work = Work::new();
    let mode = std::fs::metadata(work.path("tills.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

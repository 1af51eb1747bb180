//! `scopegate check` as a person types it: the method as written, scopes as they come, and a
//! path written without its base path.

use std::path::Path;
use std::process::Command;

fn table() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(["compile", "-o"])
        .arg(dir.path().join("t.json"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/orders.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn check(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(["check", "--table"])
        .arg(dir.join("t.json"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn a_lower_case_method_is_an_error_that_says_so() {
    let dir = table();
    let (code, _, stderr) = check(
        dir.path(),
        &["--scopes", "", "get", "/orders-api/v1/orders"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("did you mean `GET`"), "{stderr}");
}

#[test]
fn scopes_may_be_separated_by_commas_or_spaces() {
    let dir = table();
    for scopes in [
        "sales-order.read,sales-order.write",
        "sales-order.read sales-order.write",
    ] {
        let (code, stdout, _) = check(
            dir.path(),
            &["--scopes", scopes, "POST", "/orders-api/v1/orders"],
        );
        assert_eq!(code, Some(0), "{scopes}: {stdout}");
    }
}

#[test]
fn a_path_without_its_base_path_gets_a_hint() {
    let dir = table();
    let (code, stdout, _) = check(
        dir.path(),
        &["--scopes", "sales-order.read", "GET", "/orders/42"],
    );
    assert_eq!(code, Some(1));
    assert!(stdout.contains("deny (no-route)"), "{stdout}");
    assert!(
        stdout.contains("hint: the path matches `GET /orders/{orderId}` without its base path")
            && stdout.contains("--strip-base-paths"),
        "{stdout}"
    );
    let (_, json, _) = check(
        dir.path(),
        &[
            "--scopes",
            "sales-order.read",
            "--format",
            "json",
            "GET",
            "/orders/42",
        ],
    );
    assert!(json.contains("\"hint\""), "{json}");
    let (_, stdout, _) = check(
        dir.path(),
        &["--scopes", "sales-order.read", "GET", "/nothing"],
    );
    assert!(!stdout.contains("hint:"), "{stdout}");
}

//! Hostile input through the real binary: every case ends with a clear `invalid-document`
//! diagnostic that names the place, and exit code 1; nothing panics, hangs or blows up.

use std::path::Path;
use std::process::{Command, Output};

fn inspect(dir: &Path, name: &str, bytes: &[u8]) -> (Output, String) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .arg("inspect")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&format!("{}/", dir.display()), "");
    (out, stderr)
}

fn assert_refused(name: &str, bytes: &[u8], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (out, stderr) = inspect(dir.path(), name, bytes);
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert!(out.stdout.is_empty(), "{name}: printed a model");
    assert!(
        stderr.starts_with(expected),
        "{name}: expected a diagnostic starting with {expected:?}, got {stderr:?}"
    );
    assert!(stderr.contains("error invalid-document"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn alias_expansion_bomb() {
    let mut yaml = String::from(
        "openapi: 3.0.0\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..12 {
        let p = format!("*a{}", i - 1);
        yaml += &format!("x{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", "));
    }
    // Refused at the alias that takes the expansion past the limit, in the sixth line of anchors.
    assert_refused(
        "bomb.yaml",
        yaml.as_bytes(),
        "bomb.yaml:7:45: error invalid-document: aliases expand to more than 1000000 nodes",
    );
}

#[test]
fn deep_flow_nesting() {
    let text = "[".repeat(100_000) + &"]".repeat(100_000);
    assert_refused("deep.json", text.as_bytes(), "deep.json:1:257:");
    assert_refused("deep.yaml", text.as_bytes(), "deep.yaml:1:");
}

#[test]
fn deep_block_nesting() {
    let text = format!("openapi: 3.0.0\nx:\n{}deep\n", "- ".repeat(100_000));
    assert_refused("block.yaml", text.as_bytes(), "block.yaml:3:");
}

#[test]
fn invalid_utf8_names_the_line() {
    let mut bytes = b"openapi: 3.0.0\ninfo:\n  title: caf".to_vec();
    bytes.extend_from_slice(&[0xC3, 0x28]);
    bytes.extend_from_slice(b"\n");
    let dir = tempfile::tempdir().unwrap();
    let (out, stderr) = inspect(dir.path(), "utf8.yaml", &bytes);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr.trim(),
        "utf8.yaml:3:13: error invalid-document: invalid UTF-8"
    );
}

#[test]
fn duplicate_keys() {
    assert_refused(
        "dup.yaml",
        b"openapi: 3.0.0\npaths: {}\npaths: {}\n",
        "dup.yaml:3:1: error invalid-document: duplicate key `paths` (first at line 2, column 1)",
    );
    assert_refused(
        "dup.json",
        b"{\"openapi\": \"3.0.0\",\n \"openapi\": \"3.1.0\"}",
        "dup.json:2:2: error invalid-document: duplicate key `openapi`",
    );
}

#[test]
fn binary_junk() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert_refused("junk.yaml", &junk, "junk.yaml:1:");
    assert_refused("junk.json", &junk, "junk.json:1:");
    assert_refused(
        "nul.json",
        b"{\"openapi\": \"3.0.0\"}\0\0",
        "nul.json:1:21: error invalid-document: the file holds a NUL byte",
    );
}

#[test]
fn empty_files() {
    assert_refused(
        "empty.yaml",
        b"",
        "empty.yaml:1:1: error invalid-document: the file is empty",
    );
    assert_refused(
        "blank.json",
        b"\n\n  \n",
        "blank.json:1:1: error invalid-document: the file is empty",
    );
}

#[test]
fn yaml_that_is_not_openapi() {
    assert_refused(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\n",
        "compose.yaml:1:1: error invalid-document: not an OpenAPI document: no `openapi` or `swagger` field",
    );
}

#[test]
fn unreadable_file_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(["inspect", "no/such/file.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("no/such/file.yaml: error invalid-document: cannot read"));
}

#[test]
fn stdin_is_read_for_dash() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(["inspect", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"openapi\": \"3.1.0\", \"paths\": {\"/a\": {\"get\": {}}}}")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let model: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(model["file"], "-");
    assert_eq!(model["operations"][0]["path"], "/a");
}

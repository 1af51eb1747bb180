//! Puts the commit scopegate is built from into `scopegate --version` (`SCOPEGATE_COMMIT`):
//! `SCOPEGATE_COMMIT` from the environment when a packager sets it; else the git checkout's
//! HEAD (short hash and commit date); else, for a crate unpacked from crates.io, the hash cargo
//! recorded in `.cargo_vcs_info.json`; else "unknown commit".

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SCOPEGATE_COMMIT");
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&dir);
    let commit = std::env::var("SCOPEGATE_COMMIT")
        .ok()
        .filter(|commit| !commit.trim().is_empty())
        .or_else(|| from_git(dir))
        .or_else(|| from_cargo_vcs_info(dir))
        .unwrap_or_else(|| "unknown commit".to_owned());
    println!("cargo:rustc-env=SCOPEGATE_COMMIT={}", commit.trim());
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_owned()).filter(|text| !text.is_empty())
}

fn from_git(dir: &Path) -> Option<String> {
    // Only a checkout whose top is this crate: a crate unpacked inside someone else's repository
    // must not report that repository's commit.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let described = git(dir, &["log", "-1", "--format=%h %cs", "--abbrev=9"])?;
    // Rebuild when HEAD moves: HEAD itself, the branch it points at, and packed refs.
    let git_dir = git(dir, &["rev-parse", "--absolute-git-dir"])?;
    let git_dir = Path::new(&git_dir);
    let mut watched = vec![git_dir.join("HEAD"), git_dir.join("packed-refs")];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git_dir.join(branch));
    }
    for path in watched.iter().filter(|path| path.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Some(described)
}

fn from_cargo_vcs_info(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    // {"git": {"sha1": "<40 hex>"}, "path_in_vcs": ""}: no JSON parser in a build script for one field.
    let start = text.find("\"sha1\"")? + "\"sha1\"".len();
    let rest = &text[start..];
    let hash: String = rest
        .trim_start_matches([' ', ':', '"'])
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (hash.len() >= 9).then(|| hash[..9].to_owned())
}

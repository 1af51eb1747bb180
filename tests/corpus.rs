//! Smoke test over the real-world corpus from `shared/corpus/fetch.sh`: every file loads or
//! fails with a clear `invalid-document` diagnostic, and nothing panics.
//!
//! The corpus is found at `$SCOPEGATE_CORPUS`, else `~/.cache/scopegate-corpus`. `.ci/run`
//! fetches it (cached between runs); without it this test fails and says how to get it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use scopegate::diagnostic::Diagnostic;
use scopegate::load::{self, walk, LoadErrorKind, Workspace};
use scopegate::model;

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("SCOPEGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/scopegate-corpus")
        });
    assert!(
        dir.join("directory/.done").exists(),
        "no corpus at {}: run ../shared/corpus/fetch.sh (or set SCOPEGATE_CORPUS)",
        dir.display()
    );
    dir
}

#[derive(Default)]
struct Tally {
    loaded: usize,
    operations: usize,
    /// Files that are not OpenAPI, and invalid ones, by the first words of their message.
    refused: BTreeMap<String, Vec<String>>,
    model_problems: usize,
    panics: Vec<String>,
}

fn check(path: &Path, tally: &Mutex<Tally>) {
    let outcome = std::panic::catch_unwind(|| match load::load(path) {
        Ok(loaded) => {
            let mut workspace = Workspace::new(&loaded.document);
            let model = model::build(&loaded, &mut workspace);
            for p in &model.problems {
                // Every problem renders with a place in a file.
                assert!(Diagnostic::from_problem(p).position().is_some());
            }
            Ok((model.operations.len(), model.problems.len()))
        }
        Err(e) => {
            assert!(
                e.kind == LoadErrorKind::Io || e.span.is_some(),
                "{e}: no location"
            );
            Err(e)
        }
    });
    let mut t = tally.lock().unwrap();
    match outcome {
        Ok(Ok((operations, problems))) => {
            t.loaded += 1;
            t.operations += operations;
            t.model_problems += problems;
        }
        Ok(Err(e)) => {
            let reason: String = e
                .message
                .split([':', '`', '('])
                .next()
                .unwrap()
                .trim()
                .to_string();
            t.refused.entry(reason).or_default().push(e.to_string());
        }
        Err(_) => t.panics.push(path.display().to_string()),
    }
}

#[test]
fn every_corpus_file_loads_without_panic() {
    let dir = corpus_dir();
    let parts = ["directory", "github", "examples", "yaml", "scoped"];
    let roots: Vec<PathBuf> = parts.iter().map(|p| dir.join(p)).collect();
    let files: Vec<PathBuf> = walk::discover(&roots, &[], &dir)
        .unwrap()
        .into_iter()
        .map(|i| i.path)
        .collect();
    let directory_specs = files
        .iter()
        .filter(|f| f.starts_with(dir.join("directory")))
        .count();
    assert_eq!(directory_specs, 2639, "the corpus directory is incomplete");
    assert!(files.contains(&dir.join("github/api.github.com.json")));
    assert!(files.contains(&dir.join("scoped/github-swagger2.yaml")));

    let tally = Mutex::new(Tally::default());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                check(f, &tally);
            });
        }
    });
    let t = tally.into_inner().unwrap();
    println!(
        "{} files: {} loaded with {} operations and {} model problems",
        files.len(),
        t.loaded,
        t.operations,
        t.model_problems
    );
    for (reason, examples) in &t.refused {
        println!(
            "  refused, {reason}: {} file(s), e.g. {}",
            examples.len(),
            examples[0]
        );
    }
    assert!(t.panics.is_empty(), "panicked on: {:?}", t.panics);
    // The GitHub-derived scoped descriptions are valid and must load.
    assert!(
        t.refused
            .values()
            .flatten()
            .all(|e| !e.contains("/scoped/")),
        "{:?}",
        t.refused
    );
}

/// `lint --format pretty` (the default on a terminal) on real files: no panic (miette panicked
/// past column 65,535 of minified JSON), a handful of lines per finding (GitHub's description
/// once printed its whole 347,236 lines for the root finding), and no line longer than a few
/// hundred characters (minified JSON reprinted its whole line per finding).
#[test]
fn pretty_output_is_bounded_on_real_files() {
    let corpus = corpus_dir();
    for (name, path) in [
        (
            "adafruit.com.json",
            corpus.join("directory/adafruit.com.json"),
        ),
        (
            "GitHub's description",
            corpus.join("github/api.github.com.json"),
        ),
        ("the directory", corpus.join("directory")),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_scopegate"))
            .args(["lint", "--format", "pretty", "--threads", "2"])
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{name}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        let findings = text
            .lines()
            .filter(|l| l.starts_with("  × ") || l.starts_with("  ⚠ ") || l.starts_with("  ☞ "))
            .count();
        let lines = text.lines().count();
        let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        println!("{name}: {findings} findings in {lines} lines, longest {longest} characters");
        assert!(findings > 0, "{name}: no findings printed");
        assert!(
            lines <= findings * 16 + 10,
            "{name}: {lines} lines for {findings} findings"
        );
        assert!(longest <= 600, "{name}: a line of {longest} characters");
    }
}

//! Decision cost on the table compiled from GitHub's scoped description (1,223 routes,
//! 94 scopes): allowed, denied (missing scopes) and unmatched requests. Criterion prints the
//! time per decision; decisions per second are 10^9 / ns.
//!
//!     cargo bench --bench evaluate
//!
//! The corpus comes from ../shared/corpus/fetch.sh. cedar-policy and casbin answer the same
//! questions in `benches/peers/` (a separate crate, kept out of the test build).

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scopegate::compile::{self, CompileOptions};
use scopegate::load::walk;
use scopegate::rules::Settings;
use scopegate::runtime::{template, Evaluator, Options, Principal, Table};

fn github_table() -> Table {
    let corpus = std::env::var_os("SCOPEGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/scopegate-corpus")
        });
    let inputs = walk::discover(&[corpus.join("scoped/github.json")], &[], &corpus).unwrap();
    compile::compile(&inputs, &Settings::default(), CompileOptions::default())
        .expect("compile")
        .table
}

fn bench(c: &mut Criterion) {
    let table = github_table();
    let requests: Vec<(String, String)> = table
        .routes
        .iter()
        .map(|r| (r.method.clone(), template::instantiate(&r.path, "p1")))
        .collect();
    let all_scopes: Vec<String> = table.scopes.iter().map(|s| s.name.clone()).collect();
    let evaluator = Evaluator::new(table, Options::default());
    let everything = evaluator.grant(&Principal::with_scopes(all_scopes));
    let nothing = evaluator.grant(&Principal::from_scope_string(""));
    let unmatched: Vec<(String, String)> = requests
        .iter()
        .map(|(m, p)| (m.clone(), format!("/unknown{p}")))
        .collect();

    // Check the three sets mean what their names say before timing them.
    for (m, p) in &requests {
        let d = evaluator.evaluate(&everything, m, p);
        assert!(d.is_allow(), "{m} {p}: {}", d.reason());
    }
    let denied = requests
        .iter()
        .filter(|(m, p)| evaluator.evaluate(&nothing, m, p).reason() == "missing-scopes")
        .count();
    assert!(denied > 1000);
    assert!(unmatched
        .iter()
        .all(|(m, p)| evaluator.evaluate(&everything, m, p).reason() == "no-route"));

    let mut group = c.benchmark_group("decision");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("allowed", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                std::hint::black_box(evaluator.evaluate(&everything, m, p));
            }
        })
    });
    group.bench_function("denied", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                std::hint::black_box(evaluator.evaluate(&nothing, m, p));
            }
        })
    });
    group.bench_function("unmatched", |b| {
        b.iter(|| {
            for (m, p) in &unmatched {
                std::hint::black_box(evaluator.evaluate(&everything, m, p));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

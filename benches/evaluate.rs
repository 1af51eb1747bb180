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
use scopegate::runtime::groups::{AccessGroups, ClientGroup, ClientKind, GroupGrant, Status, Via};
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
    let mut table = table;
    table.access_groups = Some(access_groups(&all_scopes));
    let evaluator = Evaluator::new(table, Options::default());
    let everything = evaluator.grant(&Principal::with_scopes(all_scopes.clone()));
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
    // The floor: matchit (axum's router) finding the same templates, then the method and a
    // u128 mask test, with none of the path checks. Templates matchit cannot hold (a
    // parameter inside a segment) are left out and their requests miss, which only lowers it.
    let baseline = MatchitBaseline::new(&evaluator);
    let matched = requests
        .iter()
        .filter(|(m, p)| baseline.allows(u128::MAX, m, p))
        .count();
    println!(
        "matchit baseline: {matched} of {} requests matched and allowed",
        requests.len()
    );
    group.bench_function("baseline: matchit + bitmask, allowed", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                std::hint::black_box(baseline.allows(u128::MAX, m, p));
            }
        })
    });
    group.bench_function("baseline: matchit + bitmask, unmatched", |b| {
        b.iter(|| {
            for (m, p) in &unmatched {
                std::hint::black_box(baseline.allows(u128::MAX, m, p));
            }
        })
    });
    group.finish();

    // The same allowed requests from a token principal and from a client principal (a till
    // resolved through access groups, 2,000 clients known): what a decision server does per
    // request, from the credential to the decision.
    let token = all_scopes.join(" ");
    let tills: Vec<String> = (0..requests.len())
        .map(|i| format!("till-{}", i % 2000))
        .collect();
    for ((m, p), till) in requests.iter().zip(&tills) {
        assert!(evaluator
            .evaluate(evaluator.client_grant(till), m, p)
            .is_allow());
    }
    let mut group = c.benchmark_group("principal");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("token (grant reused)", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                std::hint::black_box(evaluator.evaluate(&everything, m, p));
            }
        })
    });
    group.bench_function("token (scope string parsed per request)", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                let grant = evaluator.grant(&Principal::from_scope_string(&token));
                std::hint::black_box(evaluator.evaluate(&grant, m, p).is_allow());
            }
        })
    });
    group.bench_function("token (grant from the scope string per request)", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                let grant = evaluator.grant_from_scope_string(&token);
                std::hint::black_box(evaluator.evaluate(&grant, m, p).is_allow());
            }
        })
    });
    group.bench_function("client (group lookup per request)", |b| {
        b.iter(|| {
            for ((m, p), till) in requests.iter().zip(&tills) {
                std::hint::black_box(evaluator.evaluate(evaluator.client_grant(till), m, p));
            }
        })
    });
    group.finish();

    // Building a token's grant alone, per request: from the scope string without allocating,
    // and through a `Principal` (a set of owned strings) as before, in the same run.
    let three = all_scopes[..3].join(" ");
    let mut group = c.benchmark_group("grant");
    for (name, scopes) in [("3 scopes", &three), ("94 scopes", &token)] {
        group.bench_function(format!("{name}, from the scope string"), |b| {
            b.iter(|| std::hint::black_box(evaluator.grant_from_scope_string(scopes)))
        });
        group.bench_function(format!("{name}, through a Principal"), |b| {
            b.iter(|| std::hint::black_box(evaluator.grant(&Principal::from_scope_string(scopes))))
        });
    }
    group.finish();
}

/// Routes in matchit with each route's scope sets as u128 masks (the GitHub table has fewer
/// than 128 scopes).
struct MatchitBaseline {
    router: matchit::Router<usize>,
    /// Per template: (method, scope sets as masks).
    methods: Vec<Vec<(String, Vec<u128>)>>,
}

impl MatchitBaseline {
    fn new(evaluator: &Evaluator) -> MatchitBaseline {
        let table = evaluator.table();
        let bit = |name: &str| {
            table
                .scopes
                .iter()
                .position(|s| s.name == name)
                .map_or(0, |i| 1u128 << i)
        };
        let mut router = matchit::Router::new();
        let mut methods: Vec<Vec<(String, Vec<u128>)>> = Vec::new();
        let mut at: std::collections::HashMap<String, usize> = Default::default();
        for route in &table.routes {
            // Parameters named by position, so that routes sharing a prefix agree on names.
            let Some(segments) = route
                .path
                .split('/')
                .enumerate()
                .map(|(i, s)| {
                    if s.starts_with('{') && s.ends_with('}') && s.matches('{').count() == 1 {
                        Some(format!("{{p{i}}}"))
                    } else if s.contains('{') {
                        None
                    } else {
                        Some(s.to_string())
                    }
                })
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            for base in route.base_paths(table) {
                let path = format!("{base}{}", segments.join("/"));
                let index = *at.entry(path.clone()).or_insert_with(|| {
                    methods.push(Vec::new());
                    methods.len() - 1
                });
                let _ = router.insert(path, index);
                let masks = route
                    .any_of
                    .iter()
                    .map(|set| set.iter().map(|s| bit(s)).fold(0, |a, b| a | b))
                    .collect();
                methods[index].push((route.method.clone(), masks));
            }
        }
        MatchitBaseline { router, methods }
    }

    fn allows(&self, held: u128, method: &str, path: &str) -> bool {
        let Ok(found) = self.router.at(path) else {
            return false;
        };
        self.methods[*found.value]
            .iter()
            .find(|(m, _)| m == method)
            .is_some_and(|(_, sets)| sets.iter().any(|need| need & !held == 0))
    }
}

/// One group holding every scope; 200 stores of 10 tills each in it.
fn access_groups(scopes: &[String]) -> AccessGroups {
    AccessGroups {
        default_group: None,
        groups: vec![GroupGrant {
            id: "everything".into(),
            name: "Everything".into(),
            status: Status::Active,
            builtin: false,
            scopes: scopes.to_vec(),
        }],
        clients: (0..2000)
            .map(|i| ClientGroup {
                id: format!("till-{i}"),
                kind: ClientKind::Till,
                store: Some(format!("store-{}", i / 10)),
                group: Some("everything".into()),
                via: Via::Store,
                token_scopes: Default::default(),
            })
            .collect(),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

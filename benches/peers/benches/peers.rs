//! ns per decision for scopegate, cedar and casbin on the same requests, after checking that
//! the three agree on every one of them. Per decision = time / 1,223 (criterion's thrpt line
//! gives decisions per second); casbin is timed on every 20th request.

use criterion::{criterion_group, criterion_main, Criterion};
use scopegate_peers::*;

fn bench(c: &mut Criterion) {
    let table = github_table();
    let requests: Vec<(String, String)> = table
        .routes
        .iter()
        .map(|r| (r.method.clone(), instantiate(&r.path)))
        .collect();
    let unmatched: Vec<(String, String)> = requests
        .iter()
        .map(|(m, p)| (m.clone(), format!("/unknown{p}")))
        .collect();
    let everything: Vec<String> = table.scopes.iter().map(|s| s.name.clone()).collect();
    let nothing: Vec<String> = Vec::new();

    let sg = Scopegate::new(table.clone());
    let cedar = Cedar::new(table.clone());
    let mut casbin = Casbin::new(&table);
    let sg_all = sg.grant(&everything);
    let sg_none = sg.grant(&nothing);
    let cedar_all = cedar.principal(&everything);
    let cedar_none = cedar.principal(&nothing);
    let casbin_all = casbin.principal("all", &everything);
    let casbin_none = casbin.principal("none", &nothing);

    let cases = [
        ("allowed", &requests, &sg_all, &cedar_all, &casbin_all),
        ("denied", &requests, &sg_none, &cedar_none, &casbin_none),
        ("unmatched", &unmatched, &sg_all, &cedar_all, &casbin_all),
    ];
    for (name, reqs, sg_p, cedar_p, casbin_p) in cases {
        let mut disagree = 0;
        let mut allowed = 0;
        for (m, p) in reqs.iter() {
            let a = sg.allows(sg_p, m, p);
            let b = cedar.allows(cedar_p, m, p);
            let c = casbin.allows(casbin_p, m, p);
            allowed += usize::from(a);
            if a != b || a != c {
                disagree += 1;
                if disagree <= 5 {
                    eprintln!("{name}: {m} {p}: scopegate {a}, cedar {b}, casbin {c}");
                }
            }
        }
        eprintln!(
            "{name}: {} requests, {allowed} allowed by scopegate, {disagree} disagreements",
            reqs.len()
        );
        assert_eq!(disagree, 0, "the engines disagree on {name} requests");

        let mut group = c.benchmark_group(name);
        group.throughput(criterion::Throughput::Elements(reqs.len() as u64));
        group.bench_function("scopegate", |b| {
            b.iter(|| reqs.iter().filter(|(m, p)| sg.allows(sg_p, m, p)).count())
        });
        group.bench_function("cedar", |b| {
            b.iter(|| {
                reqs.iter()
                    .filter(|(m, p)| cedar.allows(cedar_p, m, p))
                    .count()
            })
        });
        group.finish();
        // casbin takes tens of milliseconds a decision with this many keyMatch2 policies:
        // time it on every 20th request (agreement was checked on all of them above).
        let sample: Vec<&(String, String)> = reqs.iter().step_by(20).collect();
        let mut group = c.benchmark_group(format!("{name}-sampled"));
        group.throughput(criterion::Throughput::Elements(sample.len() as u64));
        group.bench_function("casbin", |b| {
            b.iter(|| {
                sample
                    .iter()
                    .filter(|(m, p)| casbin.allows(casbin_p, m, p))
                    .count()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

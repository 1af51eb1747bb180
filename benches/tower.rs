//! In-process decision cost: the tower layer around a trivial service against bare evaluator
//! calls, on the table compiled from GitHub's scoped description (1,223 allowed requests).
//!
//!     cargo bench --bench tower
//!
//! The layer's figure includes what a service pays per request: the authentication closure
//! (here: scopes from a header), building the grant, the decision, the `Allowed` extension and
//! calling the inner service.

use std::path::PathBuf;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http::{Request, Response};
use scopegate::compile::{self, CompileOptions};
use scopegate::load::walk;
use scopegate::rules::Settings;
use scopegate::runtime::{template, Evaluator, Options, Principal, SharedEvaluator};
use scopegate::tower::{Authentication, ScopeGateLayer};
use tower_layer::Layer;
use tower_service::Service;

fn bench(c: &mut Criterion) {
    let corpus = std::env::var_os("SCOPEGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/scopegate-corpus")
        });
    let inputs = walk::discover(&[corpus.join("scoped/github.json")], &[], &corpus).unwrap();
    let table = compile::compile(&inputs, &Settings::default(), CompileOptions::default())
        .unwrap()
        .table;
    let requests: Vec<(String, String)> = table
        .routes
        .iter()
        .map(|r| (r.method.clone(), template::instantiate(&r.path, "p1")))
        .collect();
    let scopes = table
        .scopes
        .iter()
        .map(|s| s.name.clone())
        .collect::<Vec<_>>()
        .join(" ");
    let evaluator = Evaluator::new(table, Options::default());
    let shared = Arc::new(SharedEvaluator::new(Evaluator::new(
        evaluator.table().clone(),
        Options::default(),
    )));

    let authenticate = |head: &http::request::Parts| -> Authentication {
        Ok(head
            .headers
            .get("x-scopes")
            .and_then(|v| v.to_str().ok())
            .map_or(Principal::Anonymous, Principal::from_scope_string))
    };
    let inner = tower::service_fn(|_req: Request<()>| async {
        Ok::<_, std::convert::Infallible>(Response::new(String::new()))
    });
    let mut service = ScopeGateLayer::new(shared, authenticate).layer(inner);
    let mut cx = Context::from_waker(Waker::noop());
    let mut call = |method: &str, path: &str| -> u16 {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("x-scopes", scopes.as_str())
            .body(())
            .unwrap();
        let mut future = service.call(request);
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(response)) => response.status().as_u16(),
            _ => unreachable!("the layer and the inner service answer at once"),
        }
    };
    for (m, p) in &requests {
        assert_eq!(call(m, p), 200, "{m} {p}");
    }

    let grant = evaluator.grant(&Principal::from_scope_string(&scopes));
    let mut group = c.benchmark_group("in-process");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("bare evaluator (grant reused)", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                std::hint::black_box(evaluator.evaluate(&grant, m, p));
            }
        })
    });
    group.bench_function("bare evaluator (grant per request)", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                let grant = evaluator.grant(&Principal::from_scope_string(&scopes));
                std::hint::black_box(evaluator.evaluate(&grant, m, p).is_allow());
            }
        })
    });
    group.bench_function(
        "tower layer (request built, authenticated, decided, inner called)",
        |b| {
            b.iter(|| {
                for (m, p) in &requests {
                    std::hint::black_box(call(m, p));
                }
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

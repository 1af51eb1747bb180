//! In-process decision cost: the tower layer around a trivial service against bare evaluator
//! calls, on the table compiled from GitHub's scoped description (1,223 allowed requests).
//!
//!     cargo bench --bench tower
//!
//! The layer's figure includes what a service pays per request: the authentication closure
//! (here: scopes from a header), building the grant, the decision, the `Allowed` extension and
//! calling the inner service.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http::{Request, Response};
use scopegate::compile::{self, CompileOptions};
use scopegate::load::walk;
use scopegate::rules::Settings;
use scopegate::runtime::{template, Evaluator, Options, Principal, SharedEvaluator};
use scopegate::tower::{Authenticate, Authentication, Credentials, ScopeGateLayer};
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
    let mut cx = Context::from_waker(Waker::noop());
    // One request through a service: built (method, URI, the scopes header), called, polled
    // to its answer, as a service sees each request.
    fn call<S>(service: &mut S, cx: &mut Context<'_>, method: &str, path: &str, scopes: &str) -> u16
    where
        S: Service<Request<()>, Response = Response<String>, Error = std::convert::Infallible>,
    {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("x-scopes", scopes)
            .body(())
            .unwrap();
        let mut future = std::pin::pin!(service.call(request));
        match future.as_mut().poll(cx) {
            Poll::Ready(Ok(response)) => response.status().as_u16(),
            _ => unreachable!("the layer and the inner service answer at once"),
        }
    }
    let mut with_principal = ScopeGateLayer::new(shared.clone(), authenticate).layer(inner);
    let mut with_scope_string = ScopeGateLayer::new(shared, HeaderScopes).layer(inner);
    let mut bare = inner;
    // Per request, a token of three scopes that allows it: the route's first scope set, filled
    // up with other scopes of the table.
    let three: Vec<String> = evaluator
        .table()
        .routes
        .iter()
        .map(|route| {
            let mut token: Vec<&str> = route.any_of[0].iter().map(String::as_str).collect();
            for s in &evaluator.table().scopes {
                if token.len() >= 3 {
                    break;
                }
                if !token.contains(&s.name.as_str()) {
                    token.push(&s.name);
                }
            }
            token.join(" ")
        })
        .collect();
    assert!(three.iter().all(|t| t.split(' ').count() == 3));
    for ((m, p), token) in requests.iter().zip(&three) {
        assert_eq!(
            call(&mut with_principal, &mut cx, m, p, &scopes),
            200,
            "{m} {p}"
        );
        assert_eq!(
            call(&mut with_scope_string, &mut cx, m, p, &scopes),
            200,
            "{m} {p}"
        );
        assert_eq!(
            call(&mut with_scope_string, &mut cx, m, p, token),
            200,
            "{m} {p}"
        );
        assert_eq!(
            call(&mut with_principal, &mut cx, m, p, token),
            200,
            "{m} {p}"
        );
    }
    let all = vec![scopes.clone(); requests.len()];

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
    group.bench_function("bare evaluator (grant per request, 94 scopes)", |b| {
        b.iter(|| {
            for (m, p) in &requests {
                let grant = evaluator.grant_from_scope_string(&scopes);
                std::hint::black_box(evaluator.evaluate(&grant, m, p).is_allow());
            }
        })
    });
    // The floor: the same requests built and answered by the inner service, without the layer.
    group.bench_function("no layer (request built, inner called)", |b| {
        b.iter(|| {
            for ((m, p), token) in requests.iter().zip(&three) {
                std::hint::black_box(call(&mut bare, &mut cx, m, p, token));
            }
        })
    });
    for (name, tokens) in [("3 scopes", &three), ("94 scopes", &all)] {
        group.bench_function(format!("tower layer, scope string, {name}"), |b| {
            b.iter(|| {
                for ((m, p), token) in requests.iter().zip(tokens) {
                    std::hint::black_box(call(&mut with_scope_string, &mut cx, m, p, token));
                }
            })
        });
        group.bench_function(format!("tower layer, Principal, {name}"), |b| {
            b.iter(|| {
                for ((m, p), token) in requests.iter().zip(tokens) {
                    std::hint::black_box(call(&mut with_principal, &mut cx, m, p, token));
                }
            })
        });
    }
    group.finish();
}

/// Hands the layer the `x-scopes` header's text where it stands (no `Principal` built).
#[derive(Clone)]
struct HeaderScopes;

impl Authenticate for HeaderScopes {
    fn authenticate<'r>(&self, head: &'r http::request::Parts) -> Result<Credentials<'r>, String> {
        Ok(
            match head.headers.get("x-scopes").and_then(|v| v.to_str().ok()) {
                Some(scope) => Credentials::ScopeString(scope),
                None => Credentials::Principal(Principal::Anonymous),
            },
        )
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

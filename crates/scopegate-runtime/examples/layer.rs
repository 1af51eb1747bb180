//! Sends every route of a table through the tower layer ROUNDS times over, each request built
//! as a service receives it (method, URI, a 3-scope token in a header) and answered by a
//! trivial inner service, or (`without`) the same requests straight to that service: for
//! counting the instructions the layer adds to a request (`scripts/decision-instructions.sh`
//! runs both under cachegrind).
//!
//!     cargo run --release -p scopegate-runtime --features tower --example layer -- TABLE with|without ROUNDS
//!
//! Each route's template is asked with every parameter `p1`, with a token of three scopes: the
//! route's first scope set, filled up with other scopes of the table (as `benches/tower.rs`).

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use http::{Request, Response};
use scopegate_runtime::tower::{Authenticate, Credentials, ScopeGateLayer};
use scopegate_runtime::{template, Evaluator, Options, SharedEvaluator, Table};
use tower_layer::Layer;
use tower_service::Service;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [table, kind, rounds] = args.as_slice() else {
        eprintln!("usage: layer TABLE with|without ROUNDS");
        std::process::exit(2);
    };
    let rounds: usize = rounds.parse().expect("ROUNDS is a number");
    let table = Table::read(std::path::Path::new(table)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let requests: Vec<(String, String, String)> = table
        .routes
        .iter()
        .map(|route| {
            let mut token: Vec<&str> = route.any_of[0].iter().map(String::as_str).collect();
            for scope in &table.scopes {
                if token.len() >= 3 {
                    break;
                }
                if !token.contains(&scope.name.as_str()) {
                    token.push(&scope.name);
                }
            }
            let path = template::instantiate(&route.path, "p1");
            (route.method.clone(), path, token.join(" "))
        })
        .collect();
    let shared = Arc::new(SharedEvaluator::new(Evaluator::new(
        table,
        Options::default(),
    )));
    let mut cx = Context::from_waker(Waker::noop());
    let mut allowed = 0;
    match kind.as_str() {
        "with" => {
            let mut service = ScopeGateLayer::new(shared, HeaderScopes).layer(Answer);
            for _ in 0..rounds {
                for (method, path, token) in &requests {
                    allowed += usize::from(call(&mut service, &mut cx, method, path, token) == 200);
                }
            }
        }
        "without" => {
            let mut service = Answer;
            for _ in 0..rounds {
                for (method, path, token) in &requests {
                    allowed += usize::from(call(&mut service, &mut cx, method, path, token) == 200);
                }
            }
        }
        _ => {
            eprintln!("usage: layer TABLE with|without ROUNDS");
            std::process::exit(2);
        }
    }
    println!(
        "{kind}: {allowed} of {} answered 200",
        rounds * requests.len()
    );
}

/// One request through a service: built, called, polled to its answer.
fn call<S>(service: &mut S, cx: &mut Context<'_>, method: &str, path: &str, token: &str) -> u16
where
    S: Service<Request<()>, Response = Response<String>, Error = Infallible>,
{
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("x-scopes", token)
        .body(())
        .expect("a valid request");
    let mut future = std::pin::pin!(service.call(std::hint::black_box(request)));
    match future.as_mut().poll(cx) {
        Poll::Ready(Ok(response)) => std::hint::black_box(response).status().as_u16(),
        Poll::Pending => unreachable!("the layer and the inner service answer at once"),
    }
}

/// The inner service: answers 200 at once.
#[derive(Clone)]
struct Answer;

impl Service<Request<()>> for Answer {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        drop(std::hint::black_box(request));
        ready(Ok(Response::new(String::new())))
    }
}

/// Hands the layer the `x-scopes` header's text where it stands.
#[derive(Clone)]
struct HeaderScopes;

impl Authenticate for HeaderScopes {
    fn authenticate<'r>(&self, head: &'r http::request::Parts) -> Result<Credentials<'r>, String> {
        match head.headers.get("x-scopes").map(|v| v.to_str()) {
            Some(Ok(scope)) => Ok(Credentials::ScopeString(scope)),
            _ => Err("no readable x-scopes header".into()),
        }
    }
}

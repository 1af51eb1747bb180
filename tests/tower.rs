//! The tower layer in an axum service: allowed requests reach the handler with the route that
//! allowed them; denials are answered by the layer exactly as `scopegate serve` answers them.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Extension;
use axum::routing::{get, post};
use axum::Router;
use http::{Request, StatusCode};
use scopegate::runtime::table::{Route, Table};
use scopegate::runtime::{Evaluator, Options, Principal, SharedEvaluator};
use scopegate::tower::{Allowed, Authenticate, Authentication, Credentials, ScopeGateLayer};
use tower::ServiceExt;

/// The layer reads scopes from `x-scopes`: as a `Principal` built by a closure, or (with
/// `scope_string`) as the header's text handed over where it stands.
fn app_with(scope_string: bool) -> Router {
    let table = Table::with_routes(
        "/api",
        vec![
            Route {
                operation_id: Some("getOrder".into()),
                ..Route::new("GET", "/orders/{id}", &[&["orders.read"]])
            },
            Route::new(
                "POST",
                "/orders",
                &[&["orders.write"], &["orders.admin.write"]],
            ),
        ],
    );
    let evaluator = Arc::new(SharedEvaluator::new(Evaluator::new(
        table,
        Options::default(),
    )));
    let authenticate = |head: &http::request::Parts| -> Authentication {
        match head.headers.get("x-scopes").map(|v| v.to_str()) {
            None => Ok(Principal::Anonymous),
            Some(Ok("bad")) => Err("the token does not verify".into()),
            Some(Ok(s)) => Ok(Principal::from_scope_string(s)),
            Some(Err(_)) => Err("unreadable".into()),
        }
    };
    let layer = |router: Router| {
        if scope_string {
            router.layer(ScopeGateLayer::new(evaluator.clone(), HeaderScopes))
        } else {
            router.layer(ScopeGateLayer::new(evaluator.clone(), authenticate))
        }
    };
    let router = Router::new()
        .route(
            "/api/orders/{id}",
            get(|Extension(a): Extension<Allowed>| async move {
                let id = a.decision_id();
                assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
                format!("{} {} {:?}", a.method(), a.route(), a.operation_id())
            }),
        )
        .route(
            "/api/orders",
            post(|Extension(a): Extension<Allowed>| async move {
                format!("created by {} {}", a.method(), a.route())
            }),
        )
        // A handler the table does not know: the layer must keep it unreachable.
        .route("/api/internal", get(|| async { "internal" }));
    layer(router)
}

fn app() -> Router {
    app_with(false)
}

#[derive(Clone)]
struct HeaderScopes;

impl Authenticate for HeaderScopes {
    fn authenticate<'r>(&self, head: &'r http::request::Parts) -> Result<Credentials<'r>, String> {
        match head.headers.get("x-scopes").map(|v| v.to_str()) {
            None => Ok(Credentials::Principal(Principal::Anonymous)),
            Some(Ok("bad")) => Err("the token does not verify".into()),
            Some(Ok(s)) => Ok(Credentials::ScopeString(s)),
            Some(Err(_)) => Err("unreadable".into()),
        }
    }
}

async fn call(
    method: &str,
    path: &str,
    scopes: Option<&str>,
) -> (StatusCode, http::HeaderMap, String) {
    call_app(app(), method, path, scopes).await
}

async fn call_app(
    app: Router,
    method: &str,
    path: &str,
    scopes: Option<&str>,
) -> (StatusCode, http::HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(s) = scopes {
        request = request.header("x-scopes", s);
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn allowed_requests_reach_the_handler_with_their_route() {
    let (status, _, body) = call("GET", "/api/orders/42?x=1", Some("orders.read")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "GET /orders/{id} Some(\"getOrder\")")
    );
    let (status, _, body) = call("POST", "/api/orders", Some("orders.admin.write")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "created by POST /orders")
    );
}

#[tokio::test]
async fn denials_are_answered_like_the_decision_server() {
    let (status, headers, body) = call("GET", "/api/orders/42", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["www-authenticate"], "Bearer realm=\"scopegate\"");
    assert_eq!(headers["x-scopegate-code"], "unauthenticated");

    let (status, headers, body2) = call("POST", "/api/orders", Some("orders.read")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        headers["www-authenticate"],
        "Bearer realm=\"scopegate\", error=\"insufficient_scope\", scope=\"orders.write\""
    );
    let json: serde_json::Value = serde_json::from_str(&body2).unwrap();
    assert_eq!(json["code"], "missing-scopes");
    assert_eq!(
        json["required"],
        serde_json::json!([["orders.write"], ["orders.admin.write"]])
    );

    let (status, _, body3) = call("GET", "/api/orders/%2e%2e", Some("orders.read")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body3.contains("\"code\":\"invalid-path\""), "{body3}");

    let (status, _, body4) = call("GET", "/api/internal", Some("orders.read orders.write")).await;
    assert_eq!(
        (status, body4.contains("no-route")),
        (StatusCode::FORBIDDEN, true)
    );

    let (status, headers, _) = call("GET", "/api/orders/1", Some("bad")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["x-scopegate-code"], "invalid-credentials");
    assert!(body.contains("\"code\":\"unauthenticated\""));
}

/// A token's scope string handed over where it stands is decided and answered exactly as the
/// `Principal` built from it (apart from each decision's own id).
#[tokio::test]
async fn a_scope_string_is_decided_as_its_principal() {
    let cases = [
        ("GET", "/api/orders/42", Some("orders.read")),
        (
            "GET",
            "/api/orders/42",
            Some("  orders.write   orders.read "),
        ),
        ("GET", "/api/orders/42", Some("")),
        ("GET", "/api/orders/42", None),
        ("POST", "/api/orders", Some("orders.read")),
        ("POST", "/api/orders", Some("orders.admin.write")),
        ("GET", "/api/orders/%2e%2e", Some("orders.read")),
        ("GET", "/api/internal", Some("orders.read orders.write")),
        ("GET", "/api/orders/1", Some("bad")),
    ];
    let without_id = |body: String| {
        let mut json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if let Some(o) = json.as_object_mut() {
            o.remove("decision_id");
        }
        (
            json,
            if body.starts_with('{') {
                String::new()
            } else {
                body
            },
        )
    };
    for (method, path, scopes) in cases {
        let (s1, h1, b1) = call_app(app_with(false), method, path, scopes).await;
        let (s2, h2, b2) = call_app(app_with(true), method, path, scopes).await;
        let context = format!("{method} {path} {scopes:?}");
        assert_eq!(s1, s2, "{context}");
        for header in ["x-scopegate-code", "www-authenticate"] {
            assert_eq!(h1.get(header), h2.get(header), "{context}: {header}");
        }
        assert_eq!(without_id(b1), without_id(b2), "{context}");
    }
}

/// The layer holds the table only while it decides: an authentication or a service that swaps
/// the table while it handles a request (an admin endpoint behind the layer) does not wait on
/// the layer, which would wait for it in turn.
#[test]
fn the_table_can_be_replaced_while_a_request_is_handled() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    use tower::{Layer, Service};

    let evaluator = || {
        let table = Table::with_routes("", vec![Route::new("GET", "/orders", &[&["orders.read"]])]);
        Evaluator::new(table, Options::default())
    };
    let shared = Arc::new(SharedEvaluator::new(evaluator()));
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let in_authentication = shared.clone();
        let authenticate = move |_: &http::request::Parts| -> Authentication {
            in_authentication.replace(evaluator());
            Ok(Principal::from_scope_string("orders.read"))
        };
        let in_service = shared.clone();
        let inner = tower::service_fn(move |_: Request<()>| {
            in_service.replace(evaluator());
            async { Ok::<_, std::convert::Infallible>(http::Response::new(String::new())) }
        });
        let mut service = ScopeGateLayer::new(shared, authenticate).layer(inner);
        let request = Request::get("/orders").body(()).unwrap();
        let mut future = std::pin::pin!(service.call(request));
        let answer = match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(Ok(response)) => response.status(),
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => unreachable!("the service answers at once"),
        };
        sender.send(answer).unwrap();
    });
    let answer = receiver.recv_timeout(std::time::Duration::from_secs(30));
    assert_eq!(answer, Ok(StatusCode::OK), "the request never finished");
}

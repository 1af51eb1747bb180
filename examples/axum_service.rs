//! An axum service that enforces a permission table in-process with scopegate's tower layer.
//!
//!     cargo run --example axum_service -- permissions.json 127.0.0.1:3000
//!     curl -H 'x-demo-scopes: sales-order.read' localhost:3000/orders-api/v1/orders/42
//!
//! The layer decides every request with the same evaluator and the same answers as
//! `scopegate serve`; a handler reaches only allowed requests, and sees which route allowed it.
//! Authentication here is a stand-in (scopes in a header): a real service verifies a token and
//! returns its `Principal::from_claims`.

use std::path::Path;
use std::sync::Arc;

use axum::extract::Extension;
use axum::routing::get;
use axum::Router;
use scopegate::runtime::{Options, Principal, SharedEvaluator};
use scopegate::tower::{Allowed, Authentication, ScopeGateLayer};

fn authenticate(head: &http::request::Parts) -> Authentication {
    match head.headers.get("x-demo-scopes") {
        None => Ok(Principal::Anonymous),
        Some(v) => v
            .to_str()
            .map(Principal::from_scope_string)
            .map_err(|_| "unreadable scopes".to_string()),
    }
}

async fn order(Extension(allowed): Extension<Allowed>) -> String {
    format!(
        "order, allowed by {} {} ({})\n",
        allowed.method(),
        allowed.route(),
        allowed.decision_id()
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let table = args.next().unwrap_or_else(|| "permissions.json".into());
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let evaluator = Arc::new(SharedEvaluator::open(
        Path::new(&table),
        Options::default(),
    )?);
    let app = Router::new()
        .route("/orders-api/v1/orders/{id}", get(order))
        .layer(ScopeGateLayer::new(evaluator, authenticate));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on {listen}");
    axum::serve(listener, app).await?;
    Ok(())
}

//! `scopegate serve`: the decision server behind a gateway.
//!
//! - nginx `auth_request`: the original method and URI arrive in `X-Original-Method` and
//!   `X-Original-URI` (names configurable);
//! - Envoy `ext_authz` (HTTP service): the check request carries the original method and path
//!   (after an optional `path_prefix`, given with `--path-prefix`) and the allowed headers.
//!
//! Every decision goes through the runtime evaluator and is answered by
//! `runtime::answer` (200 / 400 / 401 / 403 / 503 with a JSON body and a stable code). An allowed
//! request gets `X-Scopegate-Principal`, `X-Scopegate-Route` and `X-Scopegate-Decision-Id` for
//! the upstream.
//!
//! `/healthz`, `/readyz` and `/metrics` are served on a separate admin listener: on the decision
//! port every request is a decision, so a client's `GET /healthz` through Envoy (whose check
//! request carries the client's path) is decided like any other path, never answered 200.

pub mod auth;
pub mod metrics;
pub mod state;

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;

use crate::runtime::answer::{self, Answer};

use auth::{Authenticator, Headers};
use metrics::Metrics;
use state::State;

/// How the server reads requests and where it logs.
pub struct Config {
    pub listen: SocketAddr,
    /// `/healthz`, `/readyz` and `/metrics`.
    pub admin_listen: SocketAddr,
    pub method_header: String,
    pub uri_header: String,
    /// Envoy's `path_prefix`: removed from the check request's path.
    pub path_prefix: String,
    pub realm: String,
    /// JSON lines, one per decision; `None` logs nothing.
    pub decision_log: Option<Box<dyn std::io::Write + Send>>,
    /// How often files are checked for changes.
    pub poll: Duration,
}

struct Server {
    config: ServerConfig,
    state: State,
    auth: Authenticator,
    metrics: Metrics,
    log: Option<std::sync::Mutex<Box<dyn std::io::Write + Send>>>,
    next_id: AtomicU64,
    nonce: u32,
}

struct ServerConfig {
    method_header: String,
    uri_header: String,
    path_prefix: String,
    realm: String,
}

struct HeaderMapView<'a>(&'a hyper::HeaderMap);

impl Headers for HeaderMapView<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }
}

fn event(fields: serde_json::Value) {
    eprintln!("{fields}");
}

/// Runs until SIGINT or SIGTERM, then drains the open connections (up to 10 s).
pub async fn run(config: Config, state: State, auth: Authenticator) -> std::io::Result<()> {
    let mut nonce = [0u8; 4];
    let _ = getrandom::fill(&mut nonce);
    let server = Arc::new(Server {
        config: ServerConfig {
            method_header: config.method_header.to_ascii_lowercase(),
            uri_header: config.uri_header.to_ascii_lowercase(),
            path_prefix: config.path_prefix.clone(),
            realm: config.realm.clone(),
        },
        state,
        auth,
        metrics: Metrics::default(),
        log: config.decision_log.map(std::sync::Mutex::new),
        next_id: AtomicU64::new(1),
        nonce: u32::from_be_bytes(nonce),
    });
    server.reload("start");

    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let admin = tokio::net::TcpListener::bind(config.admin_listen).await?;
    event(
        json!({"event": "listening", "address": listener.local_addr()?.to_string(),
                 "admin": admin.local_addr()?.to_string()}),
    );

    // Reload on SIGHUP and when a file changes.
    let reloader = server.clone();
    let poll = config.poll;
    tokio::spawn(async move {
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        let mut tick = tokio::time::interval(poll);
        loop {
            let why = tokio::select! {
                _ = tick.tick() => "file-change",
                Some(()) = async { match hangup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => "sighup",
            };
            if why == "sighup" || reloader.state.changed() {
                let r = reloader.clone();
                // Loading (argon2 parsing, groups resolution) is blocking work.
                let _ = tokio::task::spawn_blocking(move || r.reload(why)).await;
            }
        }
    });

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        let (accepted, is_admin) = tokio::select! {
            accepted = listener.accept() => (accepted, false),
            accepted = admin.accept() => (accepted, true),
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        };
        let (stream, _) = match accepted {
            Ok(a) => a,
            Err(e) => {
                event(json!({"event": "accept-failed", "error": e.to_string()}));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let server = server.clone();
        let service = hyper::service::service_fn(move |req| {
            let server = server.clone();
            async move {
                Ok::<_, Infallible>(if is_admin {
                    server.admin(&req)
                } else {
                    server.handle(req)
                })
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
        });
    }
    event(json!({"event": "shutting-down"}));
    tokio::select! {
        _ = graceful.shutdown() => event(json!({"event": "stopped", "drained": true})),
        _ = tokio::time::sleep(Duration::from_secs(10)) => event(json!({"event": "stopped", "drained": false})),
    }
    Ok(())
}

impl Server {
    fn reload(&self, why: &str) {
        match self.state.reload() {
            Ok(summary) => {
                self.metrics.reloads.inc();
                self.metrics.table_loaded.set(1);
                event(json!({"event": "loaded", "trigger": why, "what": summary}));
            }
            Err(error) => {
                self.metrics.reload_failures.inc();
                let kept = self.state.evaluator().is_some();
                event(
                    json!({"event": "load-failed", "trigger": why, "error": error,
                             "kept": if kept { "the previous version" } else { "nothing: answering 503" }}),
                );
            }
        }
    }

    fn decision_id(&self) -> String {
        format!(
            "{:08x}{:08x}",
            self.nonce,
            self.next_id.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// The admin listener: health, readiness and metrics; nothing is decided here.
    fn admin(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        match req.uri().path() {
            "/healthz" => plain(StatusCode::OK, "ok\n"),
            "/readyz" if self.state.evaluator().is_some() => plain(StatusCode::OK, "ready\n"),
            "/readyz" => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "no valid permission table\n",
            ),
            "/metrics" => plain(StatusCode::OK, &self.metrics.render()),
            _ => plain(
                StatusCode::NOT_FOUND,
                "not found: /healthz, /readyz, /metrics\n",
            ),
        }
    }

    fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let started = Instant::now();
        let id = self.decision_id();
        let (answer, method, target, principal, route) = self.decide(&req, &id);
        let seconds = started.elapsed().as_secs_f64();
        self.metrics
            .decision(answer.is_allow(), answer.code, seconds);
        if let Some(log) = &self.log {
            let line = json!({
                "ts": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
                "decision_id": id,
                "method": method,
                // The query string is dropped: it may carry tokens or personal data.
                "path": target.split('?').next().unwrap_or(""),
                "principal": principal,
                "status": answer.status,
                "code": answer.code,
                "route": route,
                "us": (seconds * 1e6) as u64,
            });
            if let Ok(mut w) = log.lock() {
                let _ = writeln!(w, "{line}");
            }
        }
        let mut response = Response::builder()
            .status(answer.status)
            .header("content-type", "application/json")
            .header("x-scopegate-decision-id", id.as_str())
            .header("x-scopegate-code", answer.code);
        for (name, value) in &answer.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                response = response.header(HeaderName::from_static(name), v);
            }
        }
        if answer.is_allow() {
            if let Ok(v) = HeaderValue::from_str(&principal) {
                response = response.header("x-scopegate-principal", v);
            }
            if let Some(r) = route.as_deref().and_then(|r| HeaderValue::from_str(r).ok()) {
                response = response.header("x-scopegate-route", r);
            }
        }
        response
            .body(Full::new(Bytes::from(answer.body + "\n")))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n"))
    }

    /// The answer, with what the log needs: method, target, principal label, route.
    fn decide(
        &self,
        req: &Request<Incoming>,
        id: &str,
    ) -> (Answer, String, String, String, Option<String>) {
        let headers = req.headers();
        let (method, target) = match headers.get(&self.config.uri_header) {
            Some(uri) => {
                let target = uri.to_str().unwrap_or("\u{0}").to_string();
                let method = headers
                    .get(&self.config.method_header)
                    .and_then(|m| m.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                (method, target)
            }
            None => {
                let full = req.uri().path_and_query().map_or("/", |p| p.as_str());
                let target = match full.strip_prefix(self.config.path_prefix.as_str()) {
                    Some(rest) if !self.config.path_prefix.is_empty() => rest.to_string(),
                    _ if self.config.path_prefix.is_empty() => full.to_string(),
                    // The prefix is configured and absent: nothing to match.
                    _ => "\u{0}".to_string(),
                };
                (req.method().as_str().to_string(), target)
            }
        };
        let Some(evaluator) = self.state.evaluator() else {
            return (answer::no_table(id), method, target, "-".into(), None);
        };
        let credentials = self.state.credentials();
        let authenticated = match self
            .auth
            .authenticate(&HeaderMapView(headers), credentials.as_deref())
        {
            Ok(a) => a,
            Err(failure) => {
                return (
                    answer::invalid_credentials(
                        failure.scheme,
                        &self.config.realm,
                        &failure.reason,
                        id,
                    ),
                    method,
                    target,
                    "invalid".into(),
                    None,
                )
            }
        };
        let grant = evaluator.grant_for(&authenticated.principal);
        let decision = evaluator.evaluate(&grant, &method, &target);
        let route = decision.route().map(|r| format!("{} {}", r.method, r.path));
        let answer = answer::answer(
            &evaluator,
            &grant,
            &decision,
            authenticated.scheme,
            &self.config.realm,
            id,
        );
        (answer, method, target, authenticated.label, route)
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_string())));
    *response.status_mut() = status;
    response
}

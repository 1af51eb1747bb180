//! `scopegate serve`: the decision server behind a gateway, and a security boundary: every
//! byte a client sends is hostile, and every header the gateway forwards may be a client's copy.
//!
//! - `gateway`: the explicit gateway mode (where the original method and target are read) and
//!   the trust rule for gateway headers (peer allowlist, shared secret);
//! - `auth`, `jwt`, `identity`: who is asking; `credentials`, `logins`: basic-auth tills, with
//!   hashing in a bounded pool and failed logins limited;
//! - `state`: the table, groups, credentials and keys in force, reloaded by content;
//! - `log`: the decision log, which never blocks a decision; `metrics`: `/metrics`.
//!
//! Every decision goes through the runtime evaluator and is answered by `runtime::answer`
//! (200 / 400 / 401 / 403 / 429 / 503 with a JSON body and a stable code). An allowed request
//! gets `X-Scopegate-Principal`, `X-Scopegate-Route` and `X-Scopegate-Decision-Id` for the
//! upstream.
//!
//! Connections are held to limits: a header-read timeout, an idle timeout, a cap on open
//! connections (the next one is closed at once), and back-off when accepting fails (out of file
//! descriptors). `/healthz`, `/readyz` and `/metrics` are served on a separate admin listener
//! with its own accept loop and cap: on the decision port every request is a decision (an Envoy
//! check for a client's `GET /healthz` is decided, never answered 200), and a flood there does
//! not silence the health checks.

pub mod auth;
pub mod credentials;
pub mod fetch;
pub mod gateway;
mod grpc;
pub mod identity;
pub mod introspect;
pub mod jwt;
pub mod log;
pub mod logins;
pub mod metrics;
pub mod provider;
pub mod raw;
pub mod state;

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{watch, Semaphore};

use crate::runtime::answer::{self, Answer};
use crate::runtime::ids::{DecisionId, DecisionIds};

use auth::{Authenticator, Headers, Presented, Unsettled};
use gateway::{Mode, Trust, Unreadable};
use log::DecisionLog;
use logins::{LoginLimits, LoginRefusal, Logins};
use metrics::{KindLabel, Metrics};
use state::State;

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A request's headers must arrive within this time of its first byte (and a new
    /// connection's first request within this time of the accept).
    pub header_read_timeout: Duration,
    /// A connection with no traffic for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections on the decision listener at most; the next one is closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            // Longer than nginx's default upstream keepalive_timeout (60 s), so that the gateway
            // closes its idle connections first and never sends on one being closed.
            idle_timeout: Duration::from_secs(75),
            max_connections: 1024,
        }
    }
}

/// Connections on the admin listener at most.
const ADMIN_CONNECTIONS: usize = 16;
/// Descriptors kept free of connections: the admin listener's, and files read on reloads.
const RESERVED_DESCRIPTORS: u64 = ADMIN_CONNECTIONS as u64 + 48;

/// Raises the soft descriptor limit to the hard one, and lowers `max_connections` to fit under
/// it with `RESERVED_DESCRIPTORS` to spare, so that connections never take the descriptors the
/// admin listener and reloads need. Returns the connection cap and the descriptor limit.
fn fit_descriptors(max_connections: usize) -> (usize, u64) {
    let limit = rlimit::increase_nofile_limit(u64::MAX)
        .or_else(|_| rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft))
        .unwrap_or(u64::MAX);
    let room = limit.saturating_sub(RESERVED_DESCRIPTORS).max(1);
    (
        max_connections.min(room.min(usize::MAX as u64) as usize),
        limit,
    )
}

/// How the server reads requests and where it logs.
pub struct Config {
    pub listen: SocketAddr,
    /// `/healthz`, `/readyz` and `/metrics`.
    pub admin_listen: SocketAddr,
    pub mode: Mode,
    pub trust: Trust,
    /// A header with the client's address (nginx: `X-Real-IP $remote_addr`), believed only
    /// from the gateway; used to limit failed logins per client rather than per gateway.
    pub client_address_header: Option<String>,
    pub realm: String,
    /// JSON lines, one per decision; `None` logs nothing.
    pub decision_log: Option<Box<dyn std::io::Write + Send>>,
    /// How often files are checked for changes.
    pub poll: Duration,
    pub limits: Limits,
    pub logins: LoginLimits,
    /// The identity provider whose keys are fetched and kept fresh (the JWT verifier reads
    /// them through its own handle).
    pub provider: Option<Arc<provider::Provider>>,
    /// Opaque bearer tokens are introspected by it.
    pub introspector: Option<Arc<introspect::Introspector>>,
}

struct Server {
    mode: Mode,
    trust: Trust,
    client_address_header: Option<String>,
    realm: String,
    state: State,
    auth: Authenticator,
    logins: Logins,
    metrics: Metrics,
    log: Option<DecisionLog>,
    ids: DecisionIds,
    limits: Limits,
    /// When the server started, for connection activity stamps.
    epoch: Instant,
    /// Every header that decides something, each allowed once per request.
    deciding: Vec<HeaderName>,
    provider: Option<Arc<provider::Provider>>,
    introspector: Option<Arc<introspect::Introspector>>,
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
pub async fn run(mut config: Config, state: State, auth: Authenticator) -> std::io::Result<()> {
    let (cap, descriptors) = fit_descriptors(config.limits.max_connections);
    if cap < config.limits.max_connections {
        event(
            json!({"event": "max-connections-lowered", "from": config.limits.max_connections, "to": cap,
                     "why": format!("{descriptors} file descriptors at most, {RESERVED_DESCRIPTORS} kept for the admin listener and reloads")}),
        );
        config.limits.max_connections = cap;
    }
    let mut deciding = vec!["authorization".to_string()];
    deciding.extend(
        config
            .mode
            .deciding_headers()
            .into_iter()
            .map(str::to_string),
    );
    deciding.extend(auth.trusted_headers().map(str::to_string));
    deciding.extend(config.client_address_header.clone());
    deciding.extend(config.trust.secret.as_ref().map(|(h, _)| h.clone()));
    let deciding = deciding
        .iter()
        .map(|h| HeaderName::from_bytes(h.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| std::io::Error::other(format!("a header name: {e}")))?;
    let server = Arc::new(Server {
        mode: config.mode,
        trust: config.trust,
        client_address_header: config.client_address_header,
        realm: config.realm,
        state,
        auth,
        logins: Logins::new(config.logins),
        metrics: {
            let mut metrics = Metrics::default();
            match (&config.provider, &config.introspector) {
                (Some(p), _) => metrics.register_provider(&p.metrics),
                (None, Some(i)) => metrics.register_provider(i.metrics()),
                (None, None) => {}
            }
            metrics
        },
        log: config.decision_log.map(DecisionLog::start),
        ids: DecisionIds::default(),
        limits: config.limits,
        epoch: Instant::now(),
        deciding,
        provider: config.provider.clone(),
        introspector: config.introspector.clone(),
    });
    if let Some(provider) = config.provider.clone() {
        tokio::spawn(provider.run());
    }
    {
        let s = server.clone();
        let _ = tokio::task::spawn_blocking(move || s.reload("start")).await;
    }

    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let admin = tokio::net::TcpListener::bind(config.admin_listen).await?;
    event(
        json!({"event": "listening", "address": listener.local_addr()?.to_string(),
                 "admin": admin.local_addr()?.to_string()}),
    );

    // Reload on SIGHUP and when a file's content changes.
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
            let r = reloader.clone();
            // Hashing files and loading them (argon2 parameters, groups) is blocking work.
            let _ = tokio::task::spawn_blocking(move || {
                if why == "sighup" || r.state.changed() {
                    r.reload(why);
                }
            })
            .await;
        }
    });

    let (shutdown, stopping) = watch::channel(false);
    let decisions = Arc::new(Semaphore::new(server.limits.max_connections));
    let admins = Arc::new(Semaphore::new(ADMIN_CONNECTIONS));
    let loops = [
        if matches!(server.mode, Mode::EnvoyGrpc) {
            tokio::spawn(grpc::serve(
                listener,
                server.clone(),
                decisions.clone(),
                stopping.clone(),
            ))
        } else {
            tokio::spawn(accept(
                listener,
                server.clone(),
                false,
                decisions.clone(),
                stopping.clone(),
            ))
        },
        tokio::spawn(accept(
            admin,
            server.clone(),
            true,
            admins.clone(),
            stopping.clone(),
        )),
    ];
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    event(json!({"event": "shutting-down"}));
    let _ = shutdown.send(true);
    for l in loops {
        let _ = l.await;
    }
    // Every connection holds a permit until it ends: all permits back means all drained.
    let drained = async {
        let _ = decisions
            .acquire_many(server.limits.max_connections as u32)
            .await;
        let _ = admins.acquire_many(ADMIN_CONNECTIONS as u32).await;
    };
    tokio::select! {
        _ = drained => event(json!({"event": "stopped", "drained": true})),
        _ = tokio::time::sleep(Duration::from_secs(10)) => event(json!({"event": "stopped", "drained": false})),
    }
    Ok(())
}

/// Accepts connections until shutdown. A connection past the cap is closed at once; a failed
/// accept (out of file descriptors) backs off from 5 ms to 1 s and is logged at most once a
/// second, so the loop never spins.
async fn accept(
    listener: tokio::net::TcpListener,
    server: Arc<Server>,
    is_admin: bool,
    cap: Arc<Semaphore>,
    mut stopping: watch::Receiver<bool>,
) {
    let mut backoff = Duration::ZERO;
    let mut failed_since_log = 0u64;
    let mut last_log: Option<Instant> = None;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopping.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => {
                backoff = Duration::ZERO;
                a
            }
            Err(e) => {
                server.metrics.accept_errors.inc();
                failed_since_log += 1;
                if last_log.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                    event(
                        json!({"event": "accept-failed", "error": e.to_string(), "failures": failed_since_log,
                               "listener": if is_admin { "admin" } else { "decisions" }}),
                    );
                    failed_since_log = 0;
                    last_log = Some(Instant::now());
                }
                backoff = (backoff * 2).clamp(Duration::from_millis(5), Duration::from_secs(1));
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => continue,
                    _ = stopping.changed() => return,
                }
            }
        };
        let Ok(permit) = cap.clone().try_acquire_owned() else {
            if !is_admin {
                server.metrics.connections_refused.inc();
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let server = server.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            if !is_admin {
                server.metrics.connections_open.inc();
            }
            serve_connection(stream, peer, server.clone(), is_admin, stopping).await;
            if !is_admin {
                server.metrics.connections_open.dec();
            }
            drop(permit);
        });
    }
}

/// A stream that stamps the time of its last read or write, and watches what it reads (see
/// `raw`: what the HTTP parser hides, and when each request's head began).
struct Stamped<T> {
    inner: T,
    last: Arc<AtomicU64>,
    epoch: Instant,
    watcher: raw::Watcher,
}

impl<T> Stamped<T> {
    fn touch(&self) -> u64 {
        let now = self.epoch.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Relaxed);
        now
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Stamped<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            let now = self.touch();
            let Stamped { watcher, .. } = &mut *self;
            watcher.read(&buf.filled()[before..], now);
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Stamped<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        poll
    }

    /// Vectored writes pass through, so hyper writes head and body with one `writev` instead of
    /// copying them into one buffer.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    server: Arc<Server>,
    is_admin: bool,
    mut stopping: watch::Receiver<bool>,
) {
    let last = Arc::new(AtomicU64::new(0));
    // A new connection's first request head must arrive within the header-read timeout too.
    let head_since = Arc::new(AtomicU64::new(
        server.epoch.elapsed().as_millis() as u64 + 1,
    ));
    // What the HTTP parser hides about the original request: a fragment in Envoy mode's
    // request line, whitespace around the original method and URI headers (nginx, forward-auth).
    let notes = raw::Notes::default();
    let watcher = match &server.mode {
        _ if is_admin => raw::Watcher::new(notes.clone(), head_since.clone(), false, Vec::new()),
        Mode::EnvoyHttp { .. } | Mode::EnvoyGrpc => {
            raw::Watcher::new(notes.clone(), head_since.clone(), true, Vec::new())
        }
        Mode::Nginx { .. } | Mode::ForwardAuth => raw::Watcher::new(
            notes.clone(),
            head_since.clone(),
            false,
            server
                .mode
                .deciding_headers()
                .into_iter()
                .map(|h| h.as_bytes().to_vec())
                .collect(),
        ),
    };
    let io = Stamped {
        inner: stream,
        last: last.clone(),
        epoch: server.epoch,
        watcher,
    };
    io.touch();
    let limits = server.limits;
    let handler = server.clone();
    let service = hyper::service::service_fn(move |req| {
        let server = handler.clone();
        let hidden = !is_admin && raw::next_is_refused(&notes);
        async move {
            Ok::<_, Infallible>(if is_admin {
                server.admin(&req)
            } else {
                server.handle(req, peer.ip(), hidden).await
            })
        }
    });
    // No hyper timer: a timer per request costs a measurable share of a decision; the header
    // read timeout is checked by the tick below against `head_since`.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.max_buf_size(64 * 1024);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    let check_every =
        (limits.idle_timeout.min(limits.header_read_timeout) / 4).max(Duration::from_millis(50));
    let mut tick = tokio::time::interval(check_every);
    let mut shutting_down = *stopping.borrow();
    if shutting_down {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = stopping.changed(), if !shutting_down => {
                shutting_down = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = tick.tick() => {
                let now = server.epoch.elapsed().as_millis() as u64;
                let head = head_since.load(Ordering::Relaxed);
                let timed_out = if head != 0 && now.saturating_sub(head) >= limits.header_read_timeout.as_millis() as u64 {
                    "header-read"
                } else if now.saturating_sub(last.load(Ordering::Relaxed)) >= limits.idle_timeout.as_millis() as u64 {
                    "idle"
                } else {
                    continue;
                };
                if !is_admin {
                    server.metrics.connections_timed_out.get_or_create(&KindLabel { kind: timed_out }).inc();
                }
                return;
            }
        }
    }
}

/// What one decision produced, for the answer, the metrics and the log.
struct Outcome {
    answer: Answer,
    method: String,
    target: String,
    principal: String,
    route: Option<String>,
}

impl Outcome {
    fn early(answer: Answer) -> Outcome {
        Outcome {
            answer,
            method: String::new(),
            target: String::new(),
            principal: "-".into(),
            route: None,
        }
    }
}

impl Server {
    fn reload(&self, why: &str) {
        match self.state.reload() {
            Ok(loaded) => {
                self.metrics.reloads.inc();
                self.metrics.table_loaded.set(1);
                self.metrics.policy_loaded(loaded.policy);
                event(json!({"event": "loaded", "trigger": why, "what": loaded.summary}));
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

    /// The admin listener: health, readiness and metrics; nothing is decided here.
    fn admin(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        match req.uri().path() {
            "/healthz" => plain(StatusCode::OK, "ok\n"),
            "/readyz" if self.state.evaluator().is_none() => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "no valid permission table\n",
            ),
            "/readyz" if self.provider.as_ref().is_some_and(|p| !p.ready()) => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "no key set fetched from the identity provider yet\n",
            ),
            "/readyz" => plain(StatusCode::OK, "ready\n"),
            "/metrics" => plain(StatusCode::OK, &self.metrics.render()),
            _ => plain(
                StatusCode::NOT_FOUND,
                "not found: /healthz, /readyz, /metrics\n",
            ),
        }
    }

    /// `hidden`: the raw request held what the HTTP parser dropped (see `raw`).
    async fn handle(
        &self,
        req: Request<Incoming>,
        peer: IpAddr,
        hidden: bool,
    ) -> Response<Full<Bytes>> {
        let original = self.mode.original(req.method(), req.uri(), req.headers());
        let (outcome, id) = self.decided(original, req.headers(), peer, hidden).await;
        let answer = &outcome.answer;
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
            // The label was checked to be a header value when it was made; a route template
            // comes from the table. Neither is ever silently dropped.
            let (Ok(principal), Some(Ok(route))) = (
                HeaderValue::from_str(&outcome.principal),
                outcome.route.as_deref().map(HeaderValue::from_str),
            ) else {
                return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n");
            };
            response = response
                .header("x-scopegate-principal", principal)
                .header("x-scopegate-route", route);
        }
        // Forward-auth gateways use an allow's headers only, and Caddy leaves its body unread,
        // which closes the connection: one new connection per allowed request. No body, then
        // (denials keep theirs: the gateway passes them to the client).
        let body = if answer.is_allow() && matches!(self.mode, Mode::ForwardAuth) {
            Bytes::new()
        } else {
            Bytes::from(outcome.answer.body + "\n")
        };
        response
            .body(Full::new(body))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n"))
    }

    /// Refuses two copies of any header that decides something.
    fn duplicates(&self, headers: &hyper::HeaderMap) -> Result<(), Unreadable> {
        for name in &self.deciding {
            if headers.get_all(name).iter().nth(1).is_some() {
                return Err(Unreadable::Duplicate(name.as_str().to_string()));
            }
        }
        Ok(())
    }

    /// Where failed logins are counted: the client's address when the gateway says it.
    fn client_address(
        &self,
        headers: &hyper::HeaderMap,
        peer: IpAddr,
        from_gateway: bool,
    ) -> IpAddr {
        self.client_address_header
            .as_deref()
            .filter(|_| from_gateway)
            .and_then(|h| headers.get(h))
            .and_then(|v| v.to_str().ok())
            // A list (`X-Forwarded-For: a, b`): the last entry, the one the gateway added.
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(peer)
    }

    /// Decides the original request (or refuses the unreadable one) and records the decision:
    /// metrics and the decision log. Every listener's requests come through here.
    async fn decided(
        &self,
        original: Result<gateway::Original, Unreadable>,
        headers: &hyper::HeaderMap,
        peer: IpAddr,
        hidden: bool,
    ) -> (Outcome, DecisionId) {
        let started = Instant::now();
        let id = self.ids.next();
        let outcome = self.decide(original, headers, peer, hidden, &id).await;
        let answer = &outcome.answer;
        let seconds = started.elapsed().as_secs_f64();
        self.metrics
            .decision(answer.is_allow(), answer.code, seconds);
        if let Some(log) = &self.log {
            let line = json!({
                "ts": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
                "decision_id": id,
                "method": log::field(&outcome.method),
                // The query string is dropped: it may carry tokens or personal data.
                "path": log::field(outcome.target.split('?').next().unwrap_or("")),
                "principal": log::field(&outcome.principal),
                "status": answer.status,
                "code": answer.code,
                "route": outcome.route,
                "us": (seconds * 1e6) as u64,
            });
            if !log.write(line.to_string()) {
                self.metrics.decision_log_dropped.inc();
            }
        }
        (outcome, id)
    }

    async fn decide(
        &self,
        original: Result<gateway::Original, Unreadable>,
        headers: &hyper::HeaderMap,
        peer: IpAddr,
        hidden: bool,
        id: &str,
    ) -> Outcome {
        let unreadable =
            |e: Unreadable| Outcome::early(answer::bad_request(e.code(), &e.message(), id));
        let mut original = match original {
            Ok(o) => o,
            Err(e) => return unreadable(e),
        };
        if hidden {
            // A fragment or whitespace the parser dropped: decided as a path with a character
            // that cannot stand in a request target.
            original.target.push('#');
        }
        let mut outcome = Outcome {
            // Replaced on every path below; built without its JSON body, which costs.
            answer: Answer {
                status: 503,
                code: "no-table",
                headers: Vec::new(),
                body: String::new(),
            },
            method: original.method,
            target: original.target,
            principal: "-".into(),
            route: None,
        };
        if let Err(e) = self.duplicates(headers) {
            outcome.answer = answer::bad_request(e.code(), &e.message(), id);
            return outcome;
        }
        let from_gateway = match self.trust.from_gateway(peer, headers) {
            Ok(b) => b,
            Err(e) => return unreadable(e),
        };
        let current = self.state.current();
        let Some(evaluator) = current.evaluator.as_deref() else {
            outcome.answer = answer::no_table(id);
            return outcome;
        };
        let mut presented = self.auth.authenticate_with(
            &HeaderMapView(headers),
            from_gateway,
            current.jwt.as_deref(),
            false,
        );
        if matches!(presented, Err(Unsettled::UnknownKid)) {
            if let Some(provider) = &self.provider {
                provider.refetch_for_unknown_kid().await;
            }
            presented = self.auth.authenticate_with(
                &HeaderMapView(headers),
                from_gateway,
                current.jwt.as_deref(),
                true,
            );
        }
        if let Err(Unsettled::Opaque(token)) = &presented {
            use introspect::Introspected;
            let answer = match &self.introspector {
                Some(i) => i.introspect(token).await,
                None => Introspected::Unavailable,
            };
            presented = match answer {
                Introspected::Active(identity) => Ok(Presented::Known(auth::Authenticated {
                    identity,
                    scheme: crate::runtime::answer::Challenge::Bearer,
                })),
                Introspected::Refused(reason) => Err(Unsettled::Failed(auth::Failure {
                    reason: reason.into(),
                    scheme: crate::runtime::answer::Challenge::Bearer,
                })),
                Introspected::Unavailable => Err(Unsettled::ProviderUnavailable),
            };
        }
        let authenticated = match presented {
            Ok(Presented::Known(a)) => a,
            Err(Unsettled::ProviderUnavailable | Unsettled::UnknownKid | Unsettled::Opaque(_)) => {
                outcome.answer = answer::provider_unavailable(1, id);
                outcome.principal = "unverified".into();
                return outcome;
            }
            Ok(Presented::Basic { user, password }) => {
                let refused = |reason: &str| {
                    answer::invalid_credentials(
                        crate::runtime::answer::Challenge::Basic,
                        &self.realm,
                        reason,
                        id,
                    )
                };
                let Some(credentials) = current.credentials.clone() else {
                    outcome.answer = refused("basic authentication is not accepted here");
                    outcome.principal = "invalid".into();
                    return outcome;
                };
                let address = self.client_address(headers, peer, from_gateway);
                match self
                    .logins
                    .check(credentials, &user, &password, address)
                    .await
                {
                    Ok(()) => auth::Authenticated {
                        identity: Arc::new(identity::Identity::new(
                            crate::runtime::Principal::client(user.as_str()),
                            format!("client:{user}"),
                        )),
                        scheme: crate::runtime::answer::Challenge::Basic,
                    },
                    Err(refusal) => {
                        outcome.principal = "invalid".into();
                        outcome.answer = match refusal {
                            LoginRefusal::Wrong => refused("unknown user or wrong password"),
                            LoginRefusal::Limited(s) => {
                                self.metrics
                                    .logins_refused
                                    .get_or_create(&KindLabel { kind: "limited" })
                                    .inc();
                                answer::too_many_failed_logins(s, id)
                            }
                            LoginRefusal::Busy(s) => {
                                self.metrics
                                    .logins_refused
                                    .get_or_create(&KindLabel { kind: "busy" })
                                    .inc();
                                answer::busy(s, id)
                            }
                        };
                        return outcome;
                    }
                }
            }
            Err(Unsettled::Failed(failure)) => {
                outcome.answer =
                    answer::invalid_credentials(failure.scheme, &self.realm, &failure.reason, id);
                outcome.principal = "invalid".into();
                return outcome;
            }
        };
        let identity = &authenticated.identity;
        let grant = evaluator.token_grant(&identity.principal, identity.client.as_deref());
        let decision = evaluator.evaluate(&grant, &outcome.method, &outcome.target);
        outcome.route = decision.route().map(|r| format!("{} {}", r.method, r.path));
        outcome.answer = answer::answer(
            evaluator,
            &grant,
            &decision,
            authenticated.scheme,
            &self.realm,
            id,
        );
        outcome.principal = authenticated.identity.label.clone();
        outcome
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_string())));
    *response.status_mut() = status;
    response
}

//! `--gateway envoy-grpc`: Envoy's and Istio's gRPC external authorization
//! (`envoy.service.auth.v3.Authorization/Check`) on the decision listener.
//!
//! The check request is decided like every other: the same authentication, evaluator,
//! answers, metrics and decision log. What differs is only how the original request is read
//! and how the answer is written:
//!
//! - method and target from `attributes.request.http.method` and `.path` (the request line as
//!   the client sent it, query included, undecoded); nothing else;
//! - the client's headers from `header_map` when Envoy sends raw headers
//!   (`encode_raw_headers: true`: every copy kept, so two copies of a deciding header are a
//!   400), else from `headers`, where Envoy has joined copies with `,`: a `,` in
//!   `Authorization`, a trusted header or the gateway secret, which none of them can hold, is
//!   two copies too;
//! - an allow is `OK` with the upstream headers `X-Scopegate-Principal`, `-Route` and
//!   `-Decision-Id` set (overwriting any copy) and the client's copies of the trusted headers
//!   removed; a denial is a non-OK status with the HTTP status, headers and JSON body the HTTP
//!   modes answer with.
//!
//! Connections are capped by `--max-connections` like the HTTP listener's; each connection
//! carries at most 256 concurrent checks, each check must finish within the header-read
//! timeout, a check message is at most 64 KiB, and connections are recycled after an hour.

use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use envoy_types::ext_authz::v3::pb::{
    Authorization, AuthorizationServer, CheckRequest, CheckResponse, DeniedHttpResponse,
    HeaderAppendAction, HeaderValue as EnvoyHeader, HeaderValueOption, HttpResponse, HttpStatus,
    OkHttpResponse,
};
use envoy_types::ext_authz::v3::CheckResponseExt;
use hyper::header::{HeaderName, HeaderValue};
use hyper::HeaderMap;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::gateway::{Original, Unreadable};
use super::{event, Outcome, Server};

/// A check message larger than this is refused (Envoy sends the headers, no body unless
/// `with_request_body` is set).
const MAX_CHECK_BYTES: usize = 64 << 10;

struct Check {
    server: Arc<Server>,
    /// The deciding headers that cannot hold a `,` (all but the client-address header).
    single: Vec<HeaderName>,
    /// What an allow removes from the upstream request: the client's copies of the trusted
    /// headers and the gateway secret.
    removed: Vec<String>,
}

impl Check {
    fn new(server: Arc<Server>) -> Check {
        let single = server
            .deciding
            .iter()
            .filter(|h| {
                server
                    .client_address_header
                    .as_deref()
                    .is_none_or(|c| h.as_str() != c)
            })
            .cloned()
            .collect();
        let removed = server
            .auth
            .trusted_headers()
            .map(str::to_string)
            .chain(server.trust.secret.as_ref().map(|(h, _)| h.clone()))
            .collect();
        Check {
            server,
            single,
            removed,
        }
    }
}

#[tonic::async_trait]
impl Authorization for Check {
    async fn check(
        &self,
        request: tonic::Request<CheckRequest>,
    ) -> Result<tonic::Response<CheckResponse>, tonic::Status> {
        let server = &self.server;
        // Without a peer address the request is from nowhere the gateway could be.
        let peer = request
            .remote_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        let check = request.into_inner();
        let (original, headers) = read(&check, &self.single);
        let (outcome, id) = server.decided(original, &headers, peer, false).await;
        Ok(tonic::Response::new(respond(
            &outcome,
            &id,
            self.removed.clone(),
        )))
    }
}

/// The original request and the client's headers, from the check request.
fn read(check: &CheckRequest, single: &[HeaderName]) -> (Result<Original, Unreadable>, HeaderMap) {
    let mut headers = HeaderMap::new();
    let Some(http) = check
        .attributes
        .as_ref()
        .and_then(|a| a.request.as_ref())
        .and_then(|r| r.http.as_ref())
    else {
        let missing = Unreadable::Missing("attributes.request.http".into());
        return (Err(missing), headers);
    };
    let is_single = |name: &HeaderName| single.contains(name);
    let mut refusal = None;
    let mut add = |key: &str, value: &[u8], joined: bool| {
        // Pseudo-headers (`:path`, `:authority`) are not headers; the method and path are read
        // from their own fields.
        let Ok(name) = HeaderName::from_bytes(key.as_bytes()) else {
            return;
        };
        let Ok(value) = HeaderValue::from_bytes(value) else {
            if is_single(&name) {
                refusal.get_or_insert(Unreadable::Malformed(name.to_string()));
            }
            return;
        };
        if joined && is_single(&name) && value.as_bytes().contains(&b',') {
            refusal.get_or_insert(Unreadable::Duplicate(name.to_string()));
        }
        headers.append(name, value);
    };
    match &http.header_map {
        Some(map) => {
            for h in &map.headers {
                let value = if h.raw_value.is_empty() {
                    h.value.as_bytes()
                } else {
                    &h.raw_value
                };
                add(&h.key, value, false);
            }
        }
        None => {
            for (key, value) in &http.headers {
                add(key, value.as_bytes(), true);
            }
        }
    }
    if let Some(refusal) = refusal {
        return (Err(refusal), headers);
    }
    if http.method.is_empty() {
        return (Err(Unreadable::Missing("method".into())), headers);
    }
    if http.path.is_empty() {
        return (Err(Unreadable::Missing("path".into())), headers);
    }
    let original = Original {
        method: http.method.clone(),
        target: http.path.clone(),
    };
    (Ok(original), headers)
}

fn header(key: &str, value: &str) -> HeaderValueOption {
    #[allow(deprecated)] // `append` is deprecated in favour of `append_action`.
    HeaderValueOption {
        header: Some(EnvoyHeader {
            key: key.to_string(),
            value: value.to_string(),
            raw_value: Vec::new(),
        }),
        append: None,
        append_action: HeaderAppendAction::OverwriteIfExistsOrAdd.into(),
        keep_empty_value: false,
    }
}

/// The decision as a check response: the HTTP modes' answer, in Envoy's terms.
fn respond(outcome: &Outcome, id: &str, removed: Vec<String>) -> CheckResponse {
    let answer = &outcome.answer;
    if answer.is_allow() {
        let mut response = CheckResponse::with_status(tonic::Status::ok(""));
        response.set_http_response(HttpResponse::OkResponse(OkHttpResponse {
            headers: vec![
                header("x-scopegate-principal", &outcome.principal),
                header(
                    "x-scopegate-route",
                    outcome.route.as_deref().unwrap_or_default(),
                ),
                header("x-scopegate-decision-id", id),
            ],
            headers_to_remove: removed,
            ..Default::default()
        }));
        return response;
    }
    let status = match answer.status {
        401 => tonic::Status::unauthenticated(answer.code),
        400 => tonic::Status::invalid_argument(answer.code),
        429 => tonic::Status::resource_exhausted(answer.code),
        503 => tonic::Status::unavailable(answer.code),
        _ => tonic::Status::permission_denied(answer.code),
    };
    let mut headers = vec![
        header("content-type", "application/json"),
        header("x-scopegate-code", answer.code),
        header("x-scopegate-decision-id", id),
    ];
    headers.extend(answer.headers.iter().map(|(k, v)| header(k, v)));
    let mut response = CheckResponse::with_status(status);
    response.set_http_response(HttpResponse::DeniedResponse(DeniedHttpResponse {
        status: Some(HttpStatus {
            code: i32::from(answer.status),
        }),
        headers,
        body: format!("{}\n", answer.body),
    }));
    response
}

/// A connection holding its place under `--max-connections`.
struct Capped {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl Connected for Capped {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}

impl AsyncRead for Capped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Capped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves gRPC checks on `listener` until `stopping` turns true.
pub(super) async fn serve(
    listener: TcpListener,
    server: Arc<Server>,
    connections: Arc<Semaphore>,
    mut stopping: watch::Receiver<bool>,
) {
    let incoming = futures_util::stream::unfold(
        (listener, connections),
        |(listener, connections)| async move {
            let permit = connections.clone().acquire_owned().await.ok()?;
            let accepted = loop {
                match listener.accept().await {
                    Ok((stream, _)) => break stream,
                    // Out of descriptors and the like: wait a little, as the HTTP listener does.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            };
            let _ = accepted.set_nodelay(true);
            let capped = Capped {
                stream: accepted,
                _permit: permit,
            };
            Some((Ok::<_, std::io::Error>(capped), (listener, connections)))
        },
    );
    let timeout = server.limits.header_read_timeout;
    let service =
        AuthorizationServer::new(Check::new(server)).max_decoding_message_size(MAX_CHECK_BYTES);
    let stopped = async move {
        while !*stopping.borrow() {
            if stopping.changed().await.is_err() {
                break;
            }
        }
    };
    let served = tonic::transport::Server::builder()
        .accept_http1(false)
        .timeout(timeout)
        .concurrency_limit_per_connection(256)
        .max_concurrent_streams(256)
        .max_connection_age(Duration::from_secs(3600))
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .serve_with_incoming_shutdown(service, incoming, stopped)
        .await;
    if let Err(e) = served {
        event(serde_json::json!({"event": "grpc-stopped", "error": e.to_string()}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use envoy_types::pb::envoy::config::core::v3::HeaderMap as EnvoyHeaderMap;
    use envoy_types::pb::envoy::service::auth::v3::attribute_context::{
        HttpRequest, Request as AttributeRequest,
    };
    use envoy_types::pb::envoy::service::auth::v3::AttributeContext;

    fn check(http: HttpRequest) -> CheckRequest {
        CheckRequest {
            attributes: Some(AttributeContext {
                request: Some(AttributeRequest {
                    http: Some(http),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }
    }

    fn authorization() -> HeaderName {
        HeaderName::from_static("authorization")
    }

    #[test]
    fn the_request_line_fields_decide_and_pseudo_headers_are_skipped() {
        let http = HttpRequest {
            method: "POST".into(),
            path: "/sales/v1/transactions?x=1".into(),
            headers: [
                (":path".to_string(), "/customers/v1/customers".to_string()),
                (
                    "x-original-uri".to_string(),
                    "/customers/v1/customers".to_string(),
                ),
                ("authorization".to_string(), "Bearer abc".to_string()),
            ]
            .into(),
            ..Default::default()
        };
        let (original, headers) = read(&check(http), &[authorization()]);
        let original = original.unwrap();
        assert_eq!(
            (original.method.as_str(), original.target.as_str()),
            ("POST", "/sales/v1/transactions?x=1")
        );
        assert_eq!(headers.get("authorization").unwrap(), "Bearer abc");
    }

    #[test]
    fn two_copies_of_a_deciding_header_are_refused_raw_or_joined() {
        // Envoy's `headers` map joins copies with a comma.
        let joined = HttpRequest {
            method: "GET".into(),
            path: "/".into(),
            headers: [("authorization".to_string(), "Bearer a,Bearer b".to_string())].into(),
            ..Default::default()
        };
        let (original, _) = read(&check(joined), &[authorization()]);
        assert_eq!(
            original.unwrap_err(),
            Unreadable::Duplicate("authorization".into())
        );
        // `encode_raw_headers`: every copy is its own entry.
        let raw = |key: &str, value: &str| EnvoyHeader {
            key: key.into(),
            value: String::new(),
            raw_value: value.as_bytes().to_vec(),
        };
        let http = HttpRequest {
            method: "GET".into(),
            path: "/".into(),
            header_map: Some(EnvoyHeaderMap {
                headers: vec![
                    raw("authorization", "Bearer a"),
                    raw("authorization", "Bearer b"),
                    raw("x-forwarded-for", "10.0.0.1, 10.0.0.2"),
                ],
            }),
            ..Default::default()
        };
        let (original, headers) = read(&check(http), &[authorization()]);
        assert!(original.is_ok());
        assert_eq!(headers.get_all("authorization").iter().count(), 2);
        // A comma in a header that may hold one is not a refusal.
        assert!(headers.get("x-forwarded-for").is_some());
    }

    #[test]
    fn a_check_without_the_http_request_is_refused() {
        let (original, _) = read(&CheckRequest::default(), &[]);
        assert_eq!(original.unwrap_err().code(), "no-original-request");
        let (original, _) = read(
            &check(HttpRequest {
                method: "GET".into(),
                ..Default::default()
            }),
            &[],
        );
        assert!(original.is_err());
    }
}

//! What the gateway tells the server: the original method and target, read from exactly one
//! place per gateway mode, and whether the request really comes from the gateway.
//!
//! | mode | method | target | ignored |
//! |---|---|---|---|
//! | `nginx` (`auth_request`) | `X-Original-Method` | `X-Original-URI` (`$request_uri`) | the request line |
//! | `envoy-http` (`ext_authz` HTTP service) | the request line | the request line, after `--path-prefix` | `X-Original-*` |
//! | `forward-auth` (Traefik `forwardAuth`, Caddy `forward_auth`) | `X-Forwarded-Method` | `X-Forwarded-Uri` | the request line, `X-Original-*` |
//!
//! A mode never falls back to the other place: in nginx and forward-auth modes a missing header
//! is a 400, and in the other modes a client's `X-Original-URI` is just a header. Forward-auth
//! gateways set their `X-Forwarded-*` headers themselves, replacing a client's copies, but pass
//! every other client header (`X-Original-URI` among them) through to the check: that mode
//! reads nothing else. Two copies of a header that decides
//! anything (the original method and target, `Authorization`, the trusted headers, the gateway
//! secret) are a 400: two readings of one request are never resolved by picking one.

use std::net::IpAddr;

use hyper::header::HeaderValue;
use hyper::{HeaderMap, Method, Uri};
use ipnet::IpNet;
use sha2::{Digest, Sha256};

/// A target no table matches and the evaluator refuses as a malformed path: what a header that
/// is not visible ASCII, or a target that is not origin-form, is decided as.
pub const UNREADABLE: &str = "\u{0}";

#[derive(Debug, Clone)]
pub enum Mode {
    Nginx {
        /// Lower-case header names.
        method_header: String,
        uri_header: String,
    },
    EnvoyHttp {
        /// Envoy's `path_prefix`, removed from the check request's path.
        path_prefix: String,
    },
    /// Traefik's `forwardAuth` and Caddy's `forward_auth`: the original request in the
    /// `X-Forwarded-Method` and `X-Forwarded-Uri` headers the gateway sets.
    ForwardAuth,
    /// Envoy's and Istio's gRPC ext_authz: the original request is a field of the check
    /// message (`grpc`); the listener speaks gRPC only.
    EnvoyGrpc,
}

/// Forward-auth gateways' header with the original method.
pub const FORWARDED_METHOD: &str = "x-forwarded-method";
/// Forward-auth gateways' header with the original request URI (path and query).
pub const FORWARDED_URI: &str = "x-forwarded-uri";

/// The request the client sent to the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub method: String,
    pub target: String,
}

/// Why the gateway's request cannot be read. Each is a 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Two or more copies of a header that decides something.
    Duplicate(String),
    /// The header the mode reads from is absent.
    Missing(String),
    /// A header that decides something cannot be read as a header value.
    Malformed(String),
}

impl Unreadable {
    pub fn code(&self) -> &'static str {
        match self {
            Unreadable::Duplicate(_) => "duplicate-header",
            Unreadable::Missing(_) => "no-original-request",
            Unreadable::Malformed(_) => "malformed-header",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Unreadable::Duplicate(h) => {
                format!("the request has more than one `{h}` header")
            }
            Unreadable::Missing(h) => {
                format!("the gateway sent no `{h}` header")
            }
            Unreadable::Malformed(h) => {
                format!("the `{h}` header is not a readable header value")
            }
        }
    }
}

/// The one copy of header `name`, or none; two copies are refused.
pub fn single<'a>(
    headers: &'a HeaderMap,
    name: &str,
) -> Result<Option<&'a HeaderValue>, Unreadable> {
    let mut all = headers.get_all(name).iter();
    let first = all.next();
    if all.next().is_some() {
        return Err(Unreadable::Duplicate(name.to_string()));
    }
    Ok(first)
}

fn text(value: &HeaderValue) -> String {
    value.to_str().unwrap_or(UNREADABLE).to_string()
}

/// The original method and target from one copy each of two headers; never the request line.
fn from_headers(
    headers: &HeaderMap,
    method_header: &str,
    uri_header: &str,
) -> Result<Original, Unreadable> {
    let target =
        single(headers, uri_header)?.ok_or_else(|| Unreadable::Missing(uri_header.to_string()))?;
    let method = single(headers, method_header)?
        .ok_or_else(|| Unreadable::Missing(method_header.to_string()))?;
    Ok(Original {
        method: text(method),
        target: text(target),
    })
}

impl Mode {
    /// The original method and target.
    pub fn original(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Original, Unreadable> {
        match self {
            Mode::Nginx {
                method_header,
                uri_header,
            } => from_headers(headers, method_header, uri_header),
            Mode::ForwardAuth => from_headers(headers, FORWARDED_METHOD, FORWARDED_URI),
            // Never asked: the gRPC listener reads the check message (`grpc::read`).
            Mode::EnvoyGrpc => Err(Unreadable::Missing("a gRPC check message".into())),
            Mode::EnvoyHttp { path_prefix } => {
                // Origin-form only: an absolute-form (`http://host/...`) or authority-form
                // (`host:443`) target has no path of its own to decide.
                let target = match uri.path_and_query() {
                    Some(p) if uri.scheme().is_none() && uri.authority().is_none() => p.as_str(),
                    _ => UNREADABLE,
                };
                let target = if path_prefix.is_empty() {
                    target
                } else {
                    // The prefix is configured and absent: nothing to match.
                    target
                        .strip_prefix(path_prefix.as_str())
                        .unwrap_or(UNREADABLE)
                };
                Ok(Original {
                    method: method.as_str().to_string(),
                    target: target.to_string(),
                })
            }
        }
    }

    /// The headers this mode reads, which must each come once.
    pub fn deciding_headers(&self) -> Vec<&str> {
        match self {
            Mode::Nginx {
                method_header,
                uri_header,
            } => vec![method_header, uri_header],
            Mode::ForwardAuth => vec![FORWARDED_METHOD, FORWARDED_URI],
            Mode::EnvoyHttp { .. } | Mode::EnvoyGrpc => Vec::new(),
        }
    }
}

/// When trusted headers are believed: from a peer in `peers`, and, when a secret is set, only
/// with the gateway's secret header. Peers are compared after unmapping IPv4-mapped IPv6.
#[derive(Debug, Clone)]
pub struct Trust {
    pub peers: Vec<IpNet>,
    /// The secret header's lower-case name and the SHA-256 of its value.
    pub secret: Option<(String, [u8; 32])>,
}

impl Trust {
    /// Loopback only, no secret.
    pub fn loopback() -> Trust {
        Trust {
            peers: vec![
                "127.0.0.0/8".parse().expect("a CIDR"),
                "::1/128".parse().expect("a CIDR"),
            ],
            secret: None,
        }
    }

    /// Any peer (the secret alone decides).
    pub fn any_peer() -> Vec<IpNet> {
        vec![
            "0.0.0.0/0".parse().expect("a CIDR"),
            "::/0".parse().expect("a CIDR"),
        ]
    }

    /// Whether a request from `peer` with these headers comes from the gateway.
    pub fn from_gateway(&self, peer: IpAddr, headers: &HeaderMap) -> Result<bool, Unreadable> {
        let peer = peer.to_canonical();
        if !self.peers.iter().any(|net| net.contains(&peer)) {
            return Ok(false);
        }
        let Some((name, digest)) = &self.secret else {
            return Ok(true);
        };
        // Digests compared, not the secrets: the comparison's timing says nothing about them.
        Ok(single(headers, name)?
            .is_some_and(|v| <[u8; 32]>::from(Sha256::digest(v.as_bytes())) == *digest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn nginx() -> Mode {
        Mode::Nginx {
            method_header: "x-original-method".into(),
            uri_header: "x-original-uri".into(),
        }
    }

    #[test]
    fn nginx_mode_reads_only_its_headers() {
        let uri: Uri = "/anything".parse().unwrap();
        let h = headers(&[
            ("x-original-uri", "/orders/1"),
            ("x-original-method", "GET"),
        ]);
        assert_eq!(
            nginx().original(&Method::DELETE, &uri, &h).unwrap(),
            Original {
                method: "GET".into(),
                target: "/orders/1".into()
            }
        );
        // Without the header the request line is not a fallback.
        let e = nginx()
            .original(
                &Method::GET,
                &uri,
                &headers(&[("x-original-method", "GET")]),
            )
            .unwrap_err();
        assert_eq!(e.code(), "no-original-request");
    }

    #[test]
    fn two_copies_of_a_deciding_header_are_refused() {
        let uri: Uri = "/".parse().unwrap();
        let h = headers(&[
            ("x-original-uri", "/orders/mine"),
            ("x-original-uri", "/admin"),
            ("x-original-method", "GET"),
        ]);
        assert_eq!(
            nginx().original(&Method::GET, &uri, &h).unwrap_err(),
            Unreadable::Duplicate("x-original-uri".into())
        );
    }

    #[test]
    fn envoy_mode_ignores_client_sent_original_headers() {
        let envoy = Mode::EnvoyHttp {
            path_prefix: String::new(),
        };
        let h = headers(&[
            ("x-original-uri", "/orders/mine"),
            ("x-original-method", "GET"),
        ]);
        let o = envoy
            .original(&Method::DELETE, &"/orders/7".parse().unwrap(), &h)
            .unwrap();
        assert_eq!(
            (o.method.as_str(), o.target.as_str()),
            ("DELETE", "/orders/7")
        );
        let absolute = envoy
            .original(&Method::GET, &"http://evil/orders/7".parse().unwrap(), &h)
            .unwrap();
        assert_eq!(absolute.target, UNREADABLE);
        let prefixed = Mode::EnvoyHttp {
            path_prefix: "/authz".into(),
        };
        let o = prefixed
            .original(&Method::GET, &"/authz/orders/7".parse().unwrap(), &h)
            .unwrap();
        assert_eq!(o.target, "/orders/7");
        let o = prefixed
            .original(&Method::GET, &"/orders/7".parse().unwrap(), &h)
            .unwrap();
        assert_eq!(o.target, UNREADABLE);
    }

    #[test]
    fn forward_auth_mode_reads_the_forwarded_headers_and_never_x_original() {
        // Attack: behind Traefik or Caddy a client's X-Original-URI reaches the check as sent.
        let h = headers(&[
            ("x-original-uri", "/customers/v1/customers"),
            ("x-original-method", "GET"),
            ("x-forwarded-uri", "/sales/v1/transactions"),
            ("x-forwarded-method", "POST"),
        ]);
        let o = Mode::ForwardAuth
            .original(&Method::GET, &"/check".parse().unwrap(), &h)
            .unwrap();
        assert_eq!(
            (o.method.as_str(), o.target.as_str()),
            ("POST", "/sales/v1/transactions")
        );
        // No fallback to X-Original-* or the request line.
        let only_original = headers(&[
            ("x-original-uri", "/customers/v1/customers"),
            ("x-original-method", "GET"),
        ]);
        let e = Mode::ForwardAuth
            .original(
                &Method::GET,
                &"/customers/v1/customers".parse().unwrap(),
                &only_original,
            )
            .unwrap_err();
        assert_eq!(e, Unreadable::Missing("x-forwarded-uri".into()));
        let twice = headers(&[
            ("x-forwarded-uri", "/a"),
            ("x-forwarded-uri", "/b"),
            ("x-forwarded-method", "GET"),
        ]);
        assert_eq!(
            Mode::ForwardAuth
                .original(&Method::GET, &"/".parse().unwrap(), &twice)
                .unwrap_err(),
            Unreadable::Duplicate("x-forwarded-uri".into())
        );
    }

    #[test]
    fn trust_needs_an_allowed_peer_and_the_secret_when_one_is_set() {
        let loopback = Trust::loopback();
        let none = headers(&[]);
        assert!(loopback
            .from_gateway("127.0.0.1".parse().unwrap(), &none)
            .unwrap());
        assert!(loopback
            .from_gateway("::ffff:127.0.0.1".parse().unwrap(), &none)
            .unwrap());
        assert!(!loopback
            .from_gateway("10.0.0.5".parse().unwrap(), &none)
            .unwrap());
        let secret = Trust {
            peers: Trust::any_peer(),
            secret: Some((
                "x-scopegate-gateway-secret".into(),
                Sha256::digest(b"s3cret-from-the-gateway").into(),
            )),
        };
        let peer: IpAddr = "10.0.0.5".parse().unwrap();
        assert!(!secret.from_gateway(peer, &none).unwrap());
        assert!(!secret
            .from_gateway(peer, &headers(&[("x-scopegate-gateway-secret", "guess")]))
            .unwrap());
        assert!(secret
            .from_gateway(
                peer,
                &headers(&[("x-scopegate-gateway-secret", "s3cret-from-the-gateway")])
            )
            .unwrap());
    }
}

//! Fetching the identity provider's documents (OpenID discovery, JWKS, token introspection):
//! HTTPS only, plain HTTP to a loopback address only (a provider on the same host, or a test),
//! no redirects followed, every exchange bounded in time and in bytes.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderValue, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// What the provider answered.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    /// The entity tag to send back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Cache-Control: max-age` (`no-cache` and `no-store` are zero).
    pub max_age: Option<Duration>,
    pub body: Bytes,
}

/// Why a fetch failed. The message never holds a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError(pub String);

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An HTTPS client for the provider's endpoints.
pub struct Fetcher {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    max_bytes: usize,
}

/// A URL the provider may be reached at: `https://`, or `http://` to a loopback host.
pub fn provider_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let host = uri
        .host()
        .ok_or_else(|| format!("`{url}` has no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']');
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http")
            if host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) =>
        {
            Ok(uri)
        }
        Some("http") => Err(format!(
            "`{url}`: the identity provider must be reached over HTTPS (plain http only to a \
             loopback address): keys and token answers fetched in clear could be forged"
        )),
        _ => Err(format!("`{url}` is not an https URL")),
    }
}

fn max_age(value: Option<&HeaderValue>) -> Option<Duration> {
    let text = value?.to_str().ok()?;
    let mut age = None;
    for directive in text.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-cache" || lower == "no-store" {
            return Some(Duration::ZERO);
        }
        if let Some(n) = lower.strip_prefix("max-age=") {
            age = n
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    age
}

impl Fetcher {
    pub fn new(timeout: Duration, max_bytes: usize) -> Result<Fetcher, String> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| format!("the system's root certificates: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Fetcher {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
            max_bytes,
        })
    }

    /// GET `url`, revalidating with `etag` when given (a 304 has an empty body).
    pub async fn get(&self, url: &Uri, etag: Option<&str>) -> Result<Fetched, FetchError> {
        let mut request = Request::builder()
            .method(Method::GET)
            .uri(url.clone())
            .header("accept", "application/json");
        if let Some(tag) = etag {
            request = request.header(IF_NONE_MATCH, tag);
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|e| FetchError(format!("{url}: {e}")))?;
        self.send(url, request).await
    }

    /// POST a form to `url` with HTTP basic client credentials (RFC 6749 section 2.3.1).
    pub async fn post_form(
        &self,
        url: &Uri,
        client: (&str, &str),
        form: &[(&str, &str)],
    ) -> Result<Fetched, FetchError> {
        use base64::Engine;
        let encode = |s: &str| form_urlencode(s);
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            encode(client.0),
            encode(client.1)
        ));
        let request = Request::builder()
            .method(Method::POST)
            .uri(url.clone())
            .header("accept", "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(AUTHORIZATION, format!("Basic {basic}"))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| FetchError(format!("{url}: {e}")))?;
        self.send(url, request).await
    }

    async fn send(&self, url: &Uri, request: Request<Full<Bytes>>) -> Result<Fetched, FetchError> {
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| FetchError(format!("{url}: {}", error_chain(&e))))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = Limited::new(response.into_body(), self.max_bytes)
                .collect()
                .await
                .map_err(|e| FetchError(format!("{url}: the answer: {e}")))?
                .to_bytes();
            Ok(Fetched {
                status,
                etag: headers
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                max_age: max_age(headers.get(CACHE_CONTROL)),
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| FetchError(format!("{url}: no answer within {:?}", self.timeout)))?
    }
}

/// `application/x-www-form-urlencoded` for one name or value.
fn form_urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(provider_url("https://id.example.com/jwks").is_ok());
        assert!(provider_url("http://127.0.0.1:9000/jwks").is_ok());
        assert!(provider_url("http://[::1]:9000/jwks").is_ok());
        assert!(provider_url("http://localhost:9000/jwks").is_ok());
        let e = provider_url("http://id.example.com/jwks").unwrap_err();
        assert!(e.contains("HTTPS"), "{e}");
        // A name that merely starts like loopback is not loopback.
        assert!(provider_url("http://127.0.0.1.example.com/jwks").is_err());
        assert!(provider_url("ftp://id.example.com/jwks").is_err());
        assert!(provider_url("/jwks").is_err());
    }

    #[test]
    fn cache_control() {
        let v = |s: &str| max_age(Some(&HeaderValue::from_str(s).unwrap()));
        assert_eq!(v("public, max-age=600"), Some(Duration::from_secs(600)));
        assert_eq!(v("no-store"), Some(Duration::ZERO));
        assert_eq!(v("public"), None);
        assert_eq!(max_age(None), None);
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_urlencode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }
}

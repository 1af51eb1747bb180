//! A tower `Layer` that enforces the permission table in-process (feature `tower`), for axum,
//! hyper or tonic services. It decides with the same evaluator and answers with the same
//! statuses, headers and JSON bodies as `scopegate serve` (`runtime::answer`).
//!
//! Authentication is the service's: give the layer a function from the request's head to a
//! `Principal` (or a reason to answer 401). An allowed request reaches the inner service with an
//! [`Allowed`] extension naming the route and the principal.
//!
//! ```ignore
//! let shared = Arc::new(SharedEvaluator::open(Path::new("permissions.json"), Options::default())?);
//! let app = Router::new()
//!     .route("/orders/{id}", get(order))
//!     .layer(ScopeGateLayer::new(shared, |head: &http::request::Parts| bearer_principal(head)));
//! ```

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Request, Response};

use crate::answer::{self, Challenge};
use crate::evaluator::RouteNames;
use crate::ids::{DecisionId, DecisionIds, UnwrittenId};
use crate::{Principal, SharedEvaluator};

/// Put on allowed requests: the route the request matched and the decision's id. Putting it
/// on a request (and an extractor's clone of it) copies no string and touches one reference
/// count: the route's names are shared with the evaluator.
#[derive(Debug, Clone)]
pub struct Allowed {
    route: Arc<RouteNames>,
    decision: UnwrittenId,
}

impl Allowed {
    /// The route's method, as the table has it (`GET` for a `HEAD` its `GET` route answers).
    pub fn method(&self) -> &str {
        &self.route.method
    }

    /// The route's template, as the table has it.
    pub fn route(&self) -> &str {
        &self.route.path
    }

    /// The route's `operationId`.
    pub fn operation_id(&self) -> Option<&str> {
        self.route.operation_id.as_deref()
    }

    /// The decision's id, as a denial's `X-Scopegate-Decision-Id` header and the logs give it
    /// (the same id at every call; its digits are written when asked for, not per request).
    pub fn decision_id(&self) -> DecisionId {
        self.decision.id()
    }
}

/// The principal, or why the credential presented is refused (answered 401).
pub type Authentication = Result<Principal, String>;

/// Who sent a request, as the layer's [`Authenticate`] finds it in the request's head.
#[derive(Debug)]
pub enum Credentials<'r> {
    /// A principal: a token's scopes, a client, or no one.
    Principal(Principal),
    /// A verified token's space-delimited `scope` string, read where it stands in the request:
    /// its grant is built without allocating ([`Evaluator::grant_from_scope_string`]).
    ///
    /// [`Evaluator::grant_from_scope_string`]: crate::Evaluator::grant_from_scope_string
    ScopeString(&'r str),
}

/// How the layer learns who sent a request: the service's authentication. A function from
/// the request's head to an [`Authentication`] is one; implement the trait on a type of your
/// own to hand over a verified token's scope string without building a [`Principal`].
///
/// ```
/// use scopegate_runtime::tower::{Authenticate, Credentials};
///
/// /// Scopes a trusted proxy put in a header after verifying the token.
/// #[derive(Clone)]
/// struct VerifiedScopes;
///
/// impl Authenticate for VerifiedScopes {
///     fn authenticate<'r>(&self, head: &'r http::request::Parts) -> Result<Credentials<'r>, String> {
///         match head.headers.get("x-verified-scopes") {
///             None => Ok(Credentials::Principal(scopegate_runtime::Principal::Anonymous)),
///             Some(v) => v.to_str().map(Credentials::ScopeString).map_err(|_| "unreadable".into()),
///         }
///     }
/// }
/// ```
pub trait Authenticate: Clone {
    /// The request's credentials, or why they are refused (answered 401).
    fn authenticate<'r>(&self, head: &'r http::request::Parts) -> Result<Credentials<'r>, String>;
}

impl<F> Authenticate for F
where
    F: Fn(&http::request::Parts) -> Authentication + Clone,
{
    fn authenticate<'r>(&self, head: &'r http::request::Parts) -> Result<Credentials<'r>, String> {
        self(head).map(Credentials::Principal)
    }
}

/// The layer: wraps a service so that every request is decided first. Denied requests are
/// answered here (401, 403, 400 with the decision server's JSON bodies); allowed ones reach the
/// inner service with an [`Allowed`] extension.
///
/// ```
/// use std::sync::Arc;
/// use scopegate_runtime::tower::{Authentication, ScopeGateLayer};
/// use scopegate_runtime::{Evaluator, Options, Principal, Route, Table, SharedEvaluator};
///
/// let table = Table::with_routes("", vec![Route::new("GET", "/orders", &[&["orders.read"]])]);
/// let shared = Arc::new(SharedEvaluator::new(Evaluator::new(table, Options::default())));
/// // Authentication is the service's: here, a token already verified upstream.
/// let authenticate = |head: &http::request::Parts| -> Authentication {
///     match head.headers.get("x-verified-scopes").and_then(|v| v.to_str().ok()) {
///         Some(scopes) => Ok(Principal::from_scope_string(scopes)),
///         None => Ok(Principal::Anonymous),
///     }
/// };
/// let layer = ScopeGateLayer::new(shared, authenticate).realm("orders");
/// // With axum: `Router::new().route(...).layer(layer)`.
/// # let _ = layer;
/// ```
#[derive(Clone)]
pub struct ScopeGateLayer<A> {
    evaluator: Arc<SharedEvaluator>,
    authenticate: A,
    challenge: Challenge,
    realm: Arc<str>,
    ids: Arc<DecisionIds>,
}

impl<A: Authenticate> ScopeGateLayer<A> {
    /// A layer deciding with `evaluator` (its table can be reloaded underneath) for the
    /// principal `authenticate` finds in each request's head.
    pub fn new(evaluator: Arc<SharedEvaluator>, authenticate: A) -> ScopeGateLayer<A> {
        ScopeGateLayer {
            evaluator,
            authenticate,
            challenge: Challenge::Bearer,
            realm: Arc::from("scopegate"),
            ids: Arc::default(),
        }
    }

    /// Ask for basic credentials in a 401 (default: bearer).
    pub fn basic_challenge(mut self) -> Self {
        self.challenge = Challenge::Basic;
        self
    }

    /// The realm a 401's challenge names (default `scopegate`).
    pub fn realm(mut self, realm: &str) -> Self {
        self.realm = Arc::from(realm);
        self
    }
}

impl<A> ScopeGateLayer<A> {
    /// The route `head` is allowed to, or the answer that refuses it with its decision's id
    /// (written out only then). The evaluator is borrowed for this decision only: neither the
    /// service's authentication nor the inner service runs while a reload would have to wait.
    fn decide(
        &self,
        head: &http::request::Parts,
        credentials: Credentials<'_>,
        number: &UnwrittenId,
    ) -> Result<Arc<RouteNames>, (answer::Answer, DecisionId)> {
        let evaluator = self.evaluator.borrow();
        let (grant, scheme) = match credentials {
            Credentials::ScopeString(scope) => (
                Cow::Owned(evaluator.grant_from_scope_string(scope)),
                Challenge::Bearer,
            ),
            Credentials::Principal(principal) => {
                let scheme = match &principal {
                    Principal::Client(_) => Challenge::Basic,
                    Principal::Scopes(_) => Challenge::Bearer,
                    Principal::Anonymous => self.challenge,
                };
                (evaluator.grant_for(&principal), scheme)
            }
        };
        // The path the service's router reads, from the same `Uri` (an HTTP/2 request always
        // carries scheme and authority, so they are not refused here); a request without one
        // (`*`) is decided as a malformed path, never as `/`.
        let target = head.uri.path_and_query().map_or("\u{0}", |p| p.as_str());
        let decision = evaluator.evaluate(&grant, head.method.as_str(), target);
        match &decision {
            crate::Decision::Allow { route } => Ok(evaluator.route_names(route).clone()),
            _ => {
                let id = number.id();
                let answer =
                    answer::answer(&evaluator, &grant, &decision, scheme, &self.realm, &id);
                Err((answer, id))
            }
        }
    }
}

impl<S, A: Clone> tower_layer::Layer<S> for ScopeGateLayer<A> {
    type Service = ScopeGate<S, A>;

    fn layer(&self, inner: S) -> ScopeGate<S, A> {
        ScopeGate {
            inner,
            layer: ScopeGateLayer {
                evaluator: self.evaluator.clone(),
                authenticate: self.authenticate.clone(),
                challenge: self.challenge,
                realm: self.realm.clone(),
                ids: self.ids.clone(),
            },
        }
    }
}

/// The inner service wrapped by [`ScopeGateLayer`].
#[derive(Clone)]
pub struct ScopeGate<S, A> {
    inner: S,
    layer: ScopeGateLayer<A>,
}

pin_project_lite::pin_project! {
    /// What a [`ScopeGate`] returns: the inner service's future for an allowed request, or the
    /// answer it gave at once. Not boxed: no allocation per request.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProjection]
    enum State<F, B> {
        Inner { #[pin] future: F },
        Answered { response: Option<Response<B>> },
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Inner { future } => future.poll(cx),
            StateProjection::Answered { response } => Poll::Ready(Ok(response
                .take()
                .expect("a ScopeGate future polled after it completed"))),
        }
    }
}

impl<S, A, ReqBody, ResBody> tower_service::Service<Request<ReqBody>> for ScopeGate<S, A>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    A: Authenticate,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (mut head, body) = request.into_parts();
        let number = self.layer.ids.next_unwritten();
        let decided = match self.layer.authenticate.authenticate(&head) {
            Err(reason) => {
                let id = number.id();
                let answer = answer::invalid_credentials(
                    self.layer.challenge,
                    &self.layer.realm,
                    &reason,
                    &id,
                );
                Err((answer, id))
            }
            Ok(credentials) => self.layer.decide(&head, credentials, &number),
        };
        let (answer, id) = match decided {
            Err(refused) => refused,
            Ok(route) => {
                head.extensions.insert(Allowed {
                    route,
                    decision: number,
                });
                // The clone that was ready is the one to call (tower's usual dance).
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                let request = Request::from_parts(head, body);
                return ResponseFuture {
                    state: State::Inner {
                        future: inner.call(request),
                    },
                };
            }
        };
        let mut response = Response::new(ResBody::from(answer.body));
        *response.status_mut() =
            http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::FORBIDDEN);
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            HeaderName::from_static("x-scopegate-code"),
            HeaderValue::from_static(answer.code),
        );
        if let Ok(v) = HeaderValue::from_str(&id) {
            headers.insert(HeaderName::from_static("x-scopegate-decision-id"), v);
        }
        for (name, value) in answer.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), v);
            }
        }
        ResponseFuture {
            state: State::Answered {
                response: Some(response),
            },
        }
    }
}

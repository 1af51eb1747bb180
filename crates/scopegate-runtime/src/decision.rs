//! What a decision says: allowed (and the route), or denied and why.

use serde_json::json;

use crate::path::PathError;
use crate::table::Route;

/// Why a request is denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deny<'t> {
    /// Nothing in the table matches.
    NoRoute,
    /// The route needs an authenticated principal.
    Unauthenticated {
        /// The route the request matched.
        route: &'t Route,
    },
    /// The principal holds none of the route's scope sets in full (`route.any_of`, any one
    /// of which would have allowed it).
    MissingScopes {
        /// The route the request matched.
        route: &'t Route,
    },
    /// The path is malformed or ambiguous.
    InvalidPath(PathError),
    /// A client principal the access groups do not know.
    UnknownClient,
    /// A known client with no group and no default group.
    NoGroup,
    /// The client's group is inactive.
    InactiveGroup {
        /// The group's id.
        group: &'t str,
    },
}

impl Deny<'_> {
    /// Why, in words.
    pub fn message(&self) -> String {
        match self {
            Deny::NoRoute => "no route of the permission table matches".into(),
            Deny::Unauthenticated { .. } => "this route needs an authenticated principal".into(),
            Deny::MissingScopes { route } => format!(
                "the route needs one of these scope sets: {}",
                route
                    .any_of
                    .iter()
                    .map(|set| set.join(" + "))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            Deny::InvalidPath(e) => e.to_string(),
            Deny::UnknownClient => "the access groups know no such client".into(),
            Deny::NoGroup => "the client has no access group and there is no default group".into(),
            Deny::InactiveGroup { group } => {
                format!("the client's access group `{group}` is inactive")
            }
        }
    }
}

/// The answer to "may this principal call METHOD PATH?", borrowing from the evaluator's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'t> {
    /// Allowed: the route it matched.
    Allow {
        /// The route the request matched.
        route: &'t Route,
    },
    /// Denied, and why.
    Deny(Deny<'t>),
}

impl Decision<'_> {
    /// Whether the request is allowed.
    pub fn is_allow(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    /// The decision's stable code: `allow`, `no-route`, `unauthenticated`,
    /// `missing-scopes`, `invalid-path`, and for clients `unknown-client`, `no-group`,
    /// `inactive-group`. It is the `code` of every JSON form of a decision
    /// ([`Decision::to_json`]), the decision server's `X-Scopegate-Code` header and its log.
    pub fn code(&self) -> &'static str {
        match self {
            Decision::Allow { .. } => "allow",
            Decision::Deny(Deny::NoRoute) => "no-route",
            Decision::Deny(Deny::Unauthenticated { .. }) => "unauthenticated",
            Decision::Deny(Deny::MissingScopes { .. }) => "missing-scopes",
            Decision::Deny(Deny::InvalidPath(_)) => "invalid-path",
            Decision::Deny(Deny::UnknownClient) => "unknown-client",
            Decision::Deny(Deny::NoGroup) => "no-group",
            Decision::Deny(Deny::InactiveGroup { .. }) => "inactive-group",
        }
    }

    /// The same as [`Decision::code`], under the name `scopegate check` printed before 0.2.
    pub fn reason(&self) -> &'static str {
        self.code()
    }

    /// The decision as JSON, the one form the decision server's answers, the tower layer and
    /// `scopegate check --format json` all start from:
    ///
    /// - `decision`: `allow` or `deny`; `code`: [`Decision::code`];
    /// - `message`: for a denial, why in words;
    /// - `route`: the matched route's `method`, `path` and `operation_id`, when one matched;
    /// - `required`: a `missing-scopes` route's scope sets; `path_error`: an `invalid-path`'s
    ///   [`PathError::code`]; `group`: an `inactive-group`'s group.
    ///
    /// ```
    /// use scopegate_runtime::{Evaluator, Options, Principal, Route, Table};
    ///
    /// let table = Table::with_routes("", vec![Route::new("GET", "/orders", &[&["orders.read"]])]);
    /// let evaluator = Evaluator::new(table, Options::default());
    /// let anyone = evaluator.grant(&Principal::from_scope_string("uid"));
    /// let json = evaluator.evaluate(&anyone, "GET", "/orders").to_json();
    /// assert_eq!(json["code"], "missing-scopes");
    /// assert_eq!(json["required"], serde_json::json!([["orders.read"]]));
    /// assert_eq!(json["route"]["path"], "/orders");
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        let route = |route: &Route| json!({"method": route.method, "path": route.path, "operation_id": route.operation_id});
        let code = self.code();
        match self {
            Decision::Allow { route: r } => {
                json!({"decision": "allow", "code": code, "route": route(r)})
            }
            Decision::Deny(deny) => {
                let mut out = json!({"decision": "deny", "code": code, "message": deny.message()});
                match deny {
                    Deny::Unauthenticated { route: r } => out["route"] = route(r),
                    Deny::MissingScopes { route: r } => {
                        out["route"] = route(r);
                        out["required"] = json!(r.any_of);
                    }
                    Deny::InvalidPath(e) => out["path_error"] = json!(e.code()),
                    Deny::InactiveGroup { group } => out["group"] = json!(group),
                    Deny::NoRoute | Deny::UnknownClient | Deny::NoGroup => {}
                }
                out
            }
        }
    }

    /// The route the request matched, when it matched one (allowed, or denied for want of
    /// authentication or scopes).
    pub fn route(&self) -> Option<&Route> {
        match self {
            Decision::Allow { route }
            | Decision::Deny(Deny::Unauthenticated { route })
            | Decision::Deny(Deny::MissingScopes { route, .. }) => Some(route),
            _ => None,
        }
    }
}

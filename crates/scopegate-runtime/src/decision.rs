//! What a decision says: allowed (and the route), or denied and why.

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
    /// The principal holds none of the route's scope sets in full.
    MissingScopes {
        /// The route the request matched.
        route: &'t Route,
        /// Its scope sets, any one of which would have allowed it.
        any_of: &'t [Vec<String>],
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

    /// A stable name for the reason: `allow`, `no-route`, `unauthenticated`,
    /// `missing-scopes`, `invalid-path`, and for clients `unknown-client`, `no-group`,
    /// `inactive-group`.
    pub fn reason(&self) -> &'static str {
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

//! Table → decisions. Routes are compiled into a trie of path segments (the crate's router),
//! and every scope requirement into bitsets over the table's interned scopes ([`Grant`]), so
//! a decision parses the path on the stack, walks the trie and compares a few words: it
//! allocates nothing.

use std::collections::HashMap;

use crate::bits::{ScopeIndex, Words};
pub use crate::decision::{Decision, Deny};
use crate::groups::{ClientKind, Status, TokenScopes};
use crate::path::{self, RequestPath, Scratch, MAX_PATH_BYTES};
use crate::principal::{Principal, UID};
use crate::router::Router;
use crate::table::Table;

/// How request paths meet routes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Match request paths without the sources' base paths: for a service behind a proxy that
    /// strips the prefix. By default a path is matched with its base path in front, as a
    /// gateway sees it.
    pub strip_base_paths: bool,
}

/// What a principal holds, as a bitset over the table's scopes. Built once per token
/// principal; precomputed per access group when the table loads.
#[derive(Debug, Clone)]
pub struct Grant {
    bits: Words,
    authenticated: bool,
    refusal: Option<ClientRefusal>,
}

/// An authenticated token's grant being built, scope by scope (`uid` included); names the
/// table does not know grant nothing. Allocates nothing for tables of up to 512 scopes.
struct TokenGrant<'e> {
    evaluator: &'e Evaluator,
    bits: Words,
}

impl TokenGrant<'_> {
    #[inline]
    fn add(&mut self, name: &str) {
        if let Some(bit) = self.evaluator.scopes.get(name) {
            self.bits.set(bit);
        }
    }

    fn grant(self) -> Grant {
        Grant {
            bits: self.bits,
            authenticated: true,
            refusal: None,
        }
    }
}

/// Why a client principal is denied whatever it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientRefusal {
    UnknownClient,
    NoGroup,
    /// Index into the table's access groups.
    InactiveGroup(usize),
}

/// Client principals resolved to their groups' grants.
#[derive(Debug, Default)]
struct Clients {
    /// Per access group, its grant (an inactive group's carries the refusal).
    groups: Vec<Grant>,
    /// Client id → index into `groups`, or `NO_GROUP`.
    by_id: HashMap<String, usize>,
}

const NO_GROUP: usize = usize::MAX;

/// Decides requests against one permission table: build it once when the table loads (it
/// compiles the routes into a trie and the requirements into bitsets), then ask it per request
/// with a principal's [`Grant`]. A decision allocates nothing.
///
/// ```
/// use scopegate_runtime::{Evaluator, Options, Principal, Route, Table};
///
/// let table = Table::with_routes(
///     "/orders/v1",
///     vec![
///         Route::new("GET", "/orders/{id}", &[&["orders.read"]]),
///         Route::new("DELETE", "/orders/{id}", &[&["orders.write"]]),
///     ],
/// );
/// let evaluator = Evaluator::new(table, Options::default());
/// let reader = evaluator.grant(&Principal::from_scope_string("orders.read"));
/// assert!(evaluator.evaluate(&reader, "GET", "/orders/v1/orders/42").is_allow());
/// let denied = evaluator.evaluate(&reader, "DELETE", "/orders/v1/orders/42");
/// assert_eq!(denied.code(), "missing-scopes");
/// // Anything the table does not know is denied.
/// assert_eq!(evaluator.evaluate(&reader, "GET", "/admin").code(), "no-route");
/// ```
#[derive(Debug)]
pub struct Evaluator {
    table: Table,
    router: Router,
    /// Interned scope names.
    scopes: ScopeIndex,
    words: usize,
    /// Every route's scope sets as bitsets of `words` words each, end to end; a route with an
    /// odd number of sets has its last one twice, so that sets are tested two at a time (see
    /// `satisfied`).
    requirements: Vec<u64>,
    /// Per route, where its sets are in `requirements`.
    requirement_ranges: Vec<(usize, usize)>,
    clients: Clients,
    unknown_client: Grant,
    no_group: Grant,
    /// Per route, its names shared, for what an allowed request carries on
    /// ([`tower::Allowed`](crate::tower)) without copying a string per request.
    #[cfg(feature = "tower")]
    names: Vec<std::sync::Arc<RouteNames>>,
}

/// A route's method, template and `operationId`, shared whole: an allowed request carries one
/// reference count, not one per string (each is an atomic operation on the way in and out).
#[cfg(feature = "tower")]
#[derive(Debug)]
pub(crate) struct RouteNames {
    pub method: Box<str>,
    pub path: Box<str>,
    pub operation_id: Option<Box<str>>,
}

impl Evaluator {
    /// Compiles `table` for deciding. The table is kept (see [`table`](Self::table)).
    pub fn new(table: Table, options: Options) -> Evaluator {
        let mut scopes = ScopeIndex::default();
        scopes.insert(UID);
        for name in table
            .scopes
            .iter()
            .map(|s| &s.name)
            .chain(table.routes.iter().flat_map(|r| r.any_of.iter().flatten()))
        {
            scopes.insert(name);
        }
        let words = scopes.len().div_ceil(64);
        let mut requirements = Vec::new();
        let mut requirement_ranges = Vec::with_capacity(table.routes.len());
        for r in &table.routes {
            let from = requirements.len();
            requirements.resize(from + words * r.any_of.len(), 0u64);
            for (i, set) in r.any_of.iter().enumerate() {
                for scope in set {
                    let bit = scopes.get(scope).expect("interned above");
                    requirements[from + i * words + bit / 64] |= 1 << (bit % 64);
                }
            }
            if r.any_of.len() % 2 == 1 {
                // A set twice is still one of the sets: any one of them allows.
                requirements.extend_from_within(requirements.len() - words..);
            }
            requirement_ranges.push((from, requirements.len()));
        }
        let refused = |refusal| Grant {
            bits: Words::zeroed(words),
            authenticated: true,
            refusal: Some(refusal),
        };
        let router = Router::build(&table, options);
        #[cfg(feature = "tower")]
        let names = table
            .routes
            .iter()
            .map(|r| {
                std::sync::Arc::new(RouteNames {
                    method: r.method.as_str().into(),
                    path: r.path.as_str().into(),
                    operation_id: r.operation_id.as_deref().map(Into::into),
                })
            })
            .collect();
        let mut evaluator = Evaluator {
            #[cfg(feature = "tower")]
            names,
            table,
            router,
            scopes,
            words,
            requirements,
            requirement_ranges,
            clients: Clients::default(),
            unknown_client: refused(ClientRefusal::UnknownClient),
            no_group: refused(ClientRefusal::NoGroup),
        };
        evaluator.resolve_clients();
        evaluator
    }

    /// Precomputes every group's grant and every client's group, so that a client decision
    /// is a hash lookup and then the same bit test as a token's.
    fn resolve_clients(&mut self) {
        let Some(access) = &self.table.access_groups else {
            return;
        };
        let mut groups = Vec::with_capacity(access.groups.len());
        for (index, group) in access.groups.iter().enumerate() {
            let mut grant = self.grant(&Principal::Scopes(group.scopes.iter().cloned().collect()));
            if group.status == Status::Inactive {
                grant.refusal = Some(ClientRefusal::InactiveGroup(index));
            }
            groups.push(grant);
        }
        let by_id = access
            .clients
            .iter()
            .map(|c| {
                let index = c
                    .group
                    .as_ref()
                    .and_then(|g| access.groups.iter().position(|x| &x.id == g))
                    .unwrap_or(NO_GROUP);
                (c.id.clone(), index)
            })
            .collect();
        self.clients = Clients { groups, by_id };
    }

    /// The precomputed grant of a client principal (a till or an API client): its group's,
    /// or one that refuses every request when the client is unknown, has no group, or its
    /// group is inactive. Allocates nothing.
    pub fn client_grant(&self, id: &str) -> &Grant {
        match self.clients.by_id.get(id) {
            None => &self.unknown_client,
            Some(&NO_GROUP) => &self.no_group,
            Some(&index) => &self.clients.groups[index],
        }
    }

    /// The shared names of `route`, a route of this evaluator's table (as a [`Decision`] of
    /// this evaluator gives it).
    #[cfg(feature = "tower")]
    pub(crate) fn route_names(&self, route: &crate::table::Route) -> &std::sync::Arc<RouteNames> {
        // Its index from its address in the table's routes (the decision borrows from them).
        let start = self.table.routes.as_ptr() as usize;
        let index = (route as *const crate::table::Route as usize - start)
            / std::mem::size_of::<crate::table::Route>();
        debug_assert!(std::ptr::eq(&self.table.routes[index], route));
        &self.names[index]
    }

    /// The table it decides from.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// What `principal` holds, borrowing a client's precomputed grant instead of copying it:
    /// what a server or middleware calls once per request.
    pub fn grant_for(&self, principal: &Principal) -> std::borrow::Cow<'_, Grant> {
        match principal {
            Principal::Client(id) => std::borrow::Cow::Borrowed(self.client_grant(id)),
            other => std::borrow::Cow::Owned(self.grant(other)),
        }
    }

    /// What a token's principal holds when the token was issued to `client` (its `client_id`
    /// or `azp`): when the access groups know that client as an API client, its group decides,
    /// replacing the token's scopes or keeping only those the group grants too, as the groups
    /// file says for the client (an inactive group, or none, refuses as for any client). A
    /// client the groups do not know as an API client (a till's id included) keeps the token's
    /// own scopes.
    ///
    /// ```
    /// use scopegate_runtime::groups::{AccessGroups, ClientGroup, ClientKind, GroupGrant, Status,
    ///     TokenScopes, Via};
    /// use scopegate_runtime::{Evaluator, Options, Principal, Route, Table};
    ///
    /// let mut table = Table::with_routes("", vec![
    ///     Route::new("GET", "/orders", &[&["orders.read"]]),
    ///     Route::new("POST", "/orders", &[&["orders.write"]]),
    /// ]);
    /// let client = |id: &str, token_scopes| ClientGroup { id: id.into(), kind: ClientKind::ApiClient,
    ///     store: None, group: Some("readers".into()), via: Via::Client, token_scopes };
    /// table.access_groups = Some(AccessGroups {
    ///     default_group: None,
    ///     groups: vec![GroupGrant { id: "readers".into(), name: "Readers".into(),
    ///         status: Status::Active, builtin: false, scopes: vec!["orders.read".into()] }],
    ///     clients: vec![client("bi-export", TokenScopes::Replace),
    ///                   client("shop-sync", TokenScopes::Intersect)],
    /// });
    /// let evaluator = Evaluator::new(table, Options::default());
    /// let writer = Principal::from_scope_string("orders.write");
    /// // Replace: the group's read, not the token's write.
    /// let g = evaluator.token_grant(&writer, Some("bi-export"));
    /// assert!(evaluator.evaluate(&g, "GET", "/orders").is_allow());
    /// assert!(!evaluator.evaluate(&g, "POST", "/orders").is_allow());
    /// // Intersect: write is not in the group, read is not in the token.
    /// let g = evaluator.token_grant(&writer, Some("shop-sync"));
    /// assert!(!evaluator.evaluate(&g, "POST", "/orders").is_allow());
    /// assert!(!evaluator.evaluate(&g, "GET", "/orders").is_allow());
    /// // A client the groups do not know keeps its token's scopes.
    /// let g = evaluator.token_grant(&writer, Some("someone-else"));
    /// assert!(evaluator.evaluate(&g, "POST", "/orders").is_allow());
    /// ```
    pub fn token_grant(
        &self,
        principal: &Principal,
        client: Option<&str>,
    ) -> std::borrow::Cow<'_, Grant> {
        let known = client.and_then(|id| {
            self.table
                .access_groups
                .as_ref()?
                .client(id)
                .filter(|c| c.kind == ClientKind::ApiClient)
        });
        let Some(known) = known else {
            return self.grant_for(principal);
        };
        let group = self.client_grant(&known.id);
        if known.token_scopes == TokenScopes::Replace || group.refusal.is_some() {
            return std::borrow::Cow::Borrowed(group);
        }
        let mut both = self.grant(principal);
        for (mine, theirs) in both
            .bits
            .as_mut_slice()
            .iter_mut()
            .zip(group.bits.as_slice())
        {
            *mine &= theirs;
        }
        std::borrow::Cow::Owned(both)
    }

    /// The grant of a token's space-delimited `scope` string (RFC 6749 section 3.3), built
    /// without allocating for tables of up to 512 scopes: what a server or middleware calls per
    /// request instead of building a [`Principal`]. Equal to
    /// `grant(&Principal::from_scope_string(scope))`.
    ///
    /// ```
    /// use scopegate_runtime::{Evaluator, Options, Principal, Route, Table};
    ///
    /// let table = Table::with_routes("", vec![Route::new("GET", "/orders", &[&["orders.read"]])]);
    /// let evaluator = Evaluator::new(table, Options::default());
    /// let grant = evaluator.grant_from_scope_string("profile orders.read");
    /// assert!(evaluator.evaluate(&grant, "GET", "/orders").is_allow());
    /// ```
    pub fn grant_from_scope_string(&self, scope: &str) -> Grant {
        let mut token = self.token();
        let mut rest = scope;
        while !rest.is_empty() {
            let end = crate::words::find_byte(b' ', rest.as_bytes()).unwrap_or(rest.len());
            if end > 0 {
                token.add(&rest[..end]);
            }
            rest = rest.get(end + 1..).unwrap_or_default();
        }
        token.grant()
    }

    /// The grant of verified token claims (`scope`, `scp` or `scopes`, as
    /// [`Principal::from_claims`] reads them, with the same refusals), built without
    /// allocating for tables of up to 512 scopes.
    pub fn grant_from_claims(
        &self,
        claims: &serde_json::Value,
    ) -> Result<Grant, crate::principal::ClaimsError> {
        let mut token = self.token();
        crate::principal::each_claimed_scope(claims, |name| token.add(name))?;
        Ok(token.grant())
    }

    /// The grant of an authenticated token, to add its scopes to.
    fn token(&self) -> TokenGrant<'_> {
        let mut bits = Words::zeroed(self.words);
        bits.set(0); // uid
        TokenGrant {
            evaluator: self,
            bits,
        }
    }

    /// The bitset of what `principal` holds. For a client, a copy of `client_grant`.
    pub fn grant(&self, principal: &Principal) -> Grant {
        match principal {
            Principal::Client(id) => self.client_grant(id).clone(),
            Principal::Anonymous => Grant {
                bits: Words::zeroed(self.words),
                authenticated: false,
                refusal: None,
            },
            Principal::Scopes(held) => {
                let mut token = self.token();
                for name in held {
                    token.add(name);
                }
                token.grant()
            }
        }
    }

    /// The scopes a grant holds, by name (`uid` included when authenticated), sorted.
    pub fn granted_scopes(&self, grant: &Grant) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .scopes
            .iter()
            .filter(|&(_, bit)| grant.bits.get(bit))
            .map(|(name, _)| name)
            .collect();
        names.sort_unstable();
        names
    }

    /// Whether the holder of `grant` may call route `route` (an index into `table().routes`):
    /// the rule [`evaluate`](Self::evaluate) applies once a request has matched that route. A
    /// refused or unauthenticated grant is allowed nothing. The matrix, `groups show`, the
    /// preview of a groups change and inference decide with this too, so they cannot disagree
    /// with a decision in production.
    pub fn allows(&self, grant: &Grant, route: usize) -> bool {
        grant.refusal.is_none()
            && grant.authenticated
            && route < self.requirement_ranges.len()
            && self.satisfied(grant, route)
    }

    /// Whether `grant` holds every scope of one of route `index`'s scope sets.
    #[inline]
    fn satisfied(&self, grant: &Grant, index: usize) -> bool {
        let held = grant.bits.as_slice();
        let (from, to) = self.requirement_ranges[index];
        let sets = &self.requirements[from..to];
        // Up to 128 scopes (most APIs): a set is one or two words, tested without a loop, two
        // sets at a time: a route with one or two (most) takes one step whichever holds, so
        // the branch that ends the search does not depend on how many sets the route has.
        match *held {
            [have] => sets
                .chunks_exact(2)
                .any(|need| (need[0] & !have == 0) | (need[1] & !have == 0)),
            [h0, h1] => sets.chunks_exact(4).any(|need| {
                ((need[0] & !h0) | (need[1] & !h1) == 0) | ((need[2] & !h0) | (need[3] & !h1) == 0)
            }),
            _ => sets
                .chunks_exact(self.words)
                .any(|set| set.iter().zip(held).all(|(need, have)| need & !have == 0)),
        }
    }

    /// May the holder of `grant` call `method raw_path`?
    pub fn evaluate(&self, grant: &Grant, method: &str, raw_path: &str) -> Decision<'_> {
        // The decoding buffer is only made (and zeroed) for paths with percent-encoding.
        let mut scratch: Scratch;
        let segments = match path::check_plain(raw_path) {
            Ok(Some(segments)) => segments,
            Ok(None) => {
                scratch = [0; MAX_PATH_BYTES];
                match RequestPath::parse(raw_path, Some(&mut scratch)) {
                    Ok(p) => p.text(),
                    Err(e) => return Decision::Deny(Deny::InvalidPath(e)),
                }
            }
            Err(e) => return Decision::Deny(Deny::InvalidPath(e)),
        };
        // A refused client learns nothing about the routes.
        if let Some(refusal) = grant.refusal {
            return Decision::Deny(match refusal {
                ClientRefusal::UnknownClient => Deny::UnknownClient,
                ClientRefusal::NoGroup => Deny::NoGroup,
                ClientRefusal::InactiveGroup(i) => Deny::InactiveGroup {
                    group: self
                        .table
                        .access_groups
                        .as_ref()
                        .map_or("", |a| a.groups[i].id.as_str()),
                },
            });
        }
        // The first template in priority order that has the method (a concrete `GET
        // /gists/public` does not hide `DELETE /gists/{gist_id}`: routers pick by method
        // first); HEAD falls back to GET when no template has HEAD.
        let mut found = self.router.route(segments, self.router.method(method));
        if matches!(found, Ok(None)) && method == "HEAD" {
            found = self.router.route(segments, self.router.method("GET"));
        }
        let index = match found {
            Ok(Some(index)) => index,
            Ok(None) => return Decision::Deny(Deny::NoRoute),
            Err(e) => return Decision::Deny(Deny::InvalidPath(e)),
        };
        let route = &self.table.routes[index];
        if !grant.authenticated {
            return Decision::Deny(Deny::Unauthenticated { route });
        }
        if self.satisfied(grant, index) {
            Decision::Allow { route }
        } else {
            Decision::Deny(Deny::MissingScopes { route })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Route;

    fn table(routes: &[(&str, &str, &[&[&str]])], base: &str) -> Table {
        let routes = routes
            .iter()
            .map(|(m, p, any_of)| Route::new(m, p, any_of))
            .collect();
        Table::with_routes(base, routes)
    }

    #[test]
    fn allows_is_the_rule_evaluate_applies_to_the_route_it_matched() {
        let t = table(
            &[
                ("GET", "/me", &[&["uid"]]),
                ("GET", "/orders", &[&["orders.read"], &["admin.all"]]),
                ("POST", "/orders", &[&["orders.write", "customer.read"]]),
            ],
            "/api",
        );
        let e = Evaluator::new(t, Options::default());
        let requests = [
            ("GET", "/api/me"),
            ("GET", "/api/orders"),
            ("POST", "/api/orders"),
        ];
        for held in [
            &[][..],
            &["orders.read"],
            &["admin.all"],
            &["orders.write"],
            &["orders.write", "customer.read"],
        ] {
            let grant = e.grant(&Principal::with_scopes(held.iter().copied()));
            for (i, (method, path)) in requests.iter().enumerate() {
                assert_eq!(
                    e.allows(&grant, i),
                    e.evaluate(&grant, method, path).is_allow(),
                    "{held:?} {method} {path}"
                );
            }
        }
        // Nobody anonymous, nothing past the table's routes.
        let anonymous = e.grant(&Principal::Anonymous);
        assert!(!(0..3).any(|i| e.allows(&anonymous, i)));
        let all = e.grant(&Principal::with_scopes([
            "admin.all",
            "orders.write",
            "customer.read",
        ]));
        assert!(!e.allows(&all, 3));
    }

    #[test]
    fn concrete_segments_win_and_templates_backtrack() {
        let t = table(
            &[
                ("GET", "/a/{x}/c", &[&["a.read"]]),
                ("GET", "/a/b/{y}", &[&["b.read"]]),
                ("GET", "/a/b", &[&["uid"]]),
            ],
            "",
        );
        let e = Evaluator::new(t, Options::default());
        let g = e.grant(&Principal::with_scopes(["a.read", "b.read"]));
        let path_of = |p: &str| e.evaluate(&g, "GET", p).route().map(|r| r.path.clone());
        assert_eq!(path_of("/a/b/c").as_deref(), Some("/a/b/{y}"));
        assert_eq!(path_of("/a/z/c").as_deref(), Some("/a/{x}/c"));
        assert_eq!(path_of("/a/b").as_deref(), Some("/a/b"));
        assert_eq!(path_of("/a/b/"), None);
        assert_eq!(path_of("/a/z/d"), None);
    }

    #[test]
    fn mixed_segments_and_heads() {
        let t = table(
            &[
                ("GET", "/compare/{base}...{head}", &[&["r.read"]]),
                ("GET", "/f/{name}.json", &[&["r.read"]]),
            ],
            "/v1",
        );
        let e = Evaluator::new(t, Options::default());
        let g = e.grant(&Principal::with_scopes(["r.read"]));
        assert!(e.evaluate(&g, "GET", "/v1/compare/main...dev").is_allow());
        assert!(e.evaluate(&g, "HEAD", "/v1/compare/a...b").is_allow());
        assert!(!e.evaluate(&g, "GET", "/v1/compare/...dev").is_allow());
        assert!(!e.evaluate(&g, "GET", "/v1/compare/main...").is_allow());
        assert!(e.evaluate(&g, "GET", "/v1/f/x.json?download=1").is_allow());
        assert!(!e.evaluate(&g, "GET", "/v1/f/.json").is_allow());
        assert!(!e.evaluate(&g, "GET", "/f/x.json").is_allow());
        assert!(!e.evaluate(&g, "get", "/v1/f/x.json").is_allow());
        let stripped = Evaluator::new(
            e.table().clone(),
            Options {
                strip_base_paths: true,
            },
        );
        assert!(stripped
            .evaluate(
                &stripped.grant(&Principal::with_scopes(["r.read"])),
                "GET",
                "/f/x.json"
            )
            .is_allow());
    }

    /// Tables of one, two and more words of scopes (the first two are tested without a loop):
    /// a set of the first and the last scope needs both, in every size.
    #[test]
    fn scope_sets_of_every_width() {
        for count in [1, 2, 63, 64, 65, 127, 128, 129, 300, 600] {
            let names: Vec<String> = (0..count).map(|i| format!("app{i}.read")).collect();
            let (first, last) = (names[0].as_str(), names[count - 1].as_str());
            let middle = names[count / 2].as_str();
            let filler: Vec<&str> = names.iter().map(String::as_str).collect();
            // `/all` first: scopes take their bits in the order they are met.
            let t = table(
                &[
                    ("GET", "/all", &[&filler]),
                    ("GET", "/both", &[&[first, last]]),
                    ("GET", "/either", &[&[first], &[last]]),
                    // Sets are tested two at a time: an odd number, each alone.
                    ("GET", "/three", &[&[first], &[middle], &[last]]),
                    ("GET", "/one", &[&[last]]),
                ],
                "",
            );
            let e = Evaluator::new(t, Options::default());
            let allows = |held: &[&str], path: &str| {
                let grant = e.grant(&Principal::with_scopes(held.iter().copied()));
                e.evaluate(&grant, "GET", path).is_allow()
            };
            assert!(allows(&[first, last], "/both"), "{count}");
            assert_eq!(allows(&[last], "/both"), count == 1, "{count}");
            assert_eq!(allows(&[first], "/both"), count == 1, "{count}");
            assert!(allows(&[last], "/either"), "{count}");
            assert!(allows(&[first], "/either"), "{count}");
            assert!(!allows(&[], "/either"), "{count}");
            for held in [first, middle, last] {
                assert!(allows(&[held], "/three"), "{count} {held}");
            }
            assert!(!allows(&[], "/three"), "{count}");
            assert!(allows(&[last], "/one"), "{count}");
            assert_eq!(allows(&[first], "/one"), count == 1, "{count}");
            assert!(allows(&filler, "/all"), "{count}");
            assert!(!allows(&filler[1..], "/all"), "{count}");
        }
    }

    #[test]
    fn scopes_and_reasons() {
        let t = table(
            &[
                ("POST", "/o", &[&["o.write"], &["o.admin.write", "o.read"]]),
                ("GET", "/me", &[&["uid"]]),
            ],
            "",
        );
        let e = Evaluator::new(t, Options::default());
        let reason = |p: &Principal, m: &str, path: &str| e.evaluate(&e.grant(p), m, path).reason();
        assert_eq!(
            reason(&Principal::Anonymous, "GET", "/me"),
            "unauthenticated"
        );
        assert_eq!(
            reason(&Principal::from_scope_string(""), "GET", "/me"),
            "allow"
        );
        assert_eq!(
            reason(&Principal::with_scopes(["o.read"]), "POST", "/o"),
            "missing-scopes"
        );
        assert_eq!(
            reason(
                &Principal::with_scopes(["o.read", "o.admin.write"]),
                "POST",
                "/o"
            ),
            "allow"
        );
        assert_eq!(
            reason(&Principal::with_scopes(["o.write"]), "POST", "/o"),
            "allow"
        );
        assert_eq!(
            reason(&Principal::with_scopes(["o.write"]), "GET", "/o"),
            "no-route"
        );
        assert_eq!(
            reason(&Principal::with_scopes(["o.write"]), "POST", "/o/../o"),
            "invalid-path"
        );
        assert_eq!(reason(&Principal::Anonymous, "GET", "/nothing"), "no-route");
    }
}

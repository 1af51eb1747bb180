//! Table → decisions. Routes are compiled into a trie of path segments (concrete segments
//! tried before templated ones, with backtracking), and every scope requirement into bitsets
//! over the table's interned scopes, so a decision parses the path on the stack, walks the
//! trie and compares a few words: it allocates nothing.

use std::collections::HashMap;

use super::groups::Status;
use super::path::{PathError, RequestPath, Scratch, MAX_PATH_BYTES};
use super::principal::{Principal, UID};
use super::table::{Route, Table};
use super::template::{self, Part};

/// How request paths meet routes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Match request paths without the sources' base paths: for a service behind a proxy that
    /// strips the prefix. By default a path is matched with its base path in front, as a
    /// gateway sees it.
    pub strip_base_paths: bool,
}

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

/// What a principal holds, as a bitset over the table's scopes. Built once per token
/// principal; precomputed per access group when the table loads.
#[derive(Debug, Clone)]
pub struct Grant {
    bits: Vec<u64>,
    authenticated: bool,
    refusal: Option<Refusal>,
}

/// Why a client principal is denied whatever it asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
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

/// A segment of a route template in the trie: its text, or its shape when it has parameters
/// (parameter names do not change what it matches).
#[derive(Debug)]
struct Pattern {
    parts: Vec<PatternPart>,
    literal_len: usize,
    shape: String,
    /// Whether its literal parts hold ASCII letters (case can matter).
    has_letters: bool,
}

#[derive(Debug)]
enum PatternPart {
    Literal(String),
    Param,
}

#[derive(Debug, Default)]
struct Node {
    /// Concrete segments, sorted by length and then bytes for binary search (most
    /// comparisons end at the length).
    literals: Vec<(String, usize)>,
    /// Templated segments, most literal text first, then by shape.
    patterns: Vec<(Pattern, usize)>,
    /// Routes ending here, by method.
    methods: Vec<(String, usize)>,
    /// Routes whose last parameter spans the rest of the path from here (one or more
    /// non-empty segments), by method; tried after every one-segment child.
    tails: Vec<(String, usize)>,
}

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
/// assert_eq!(denied.reason(), "missing-scopes");
/// // Anything the table does not know is denied.
/// assert_eq!(evaluator.evaluate(&reader, "GET", "/admin").reason(), "no-route");
/// ```
#[derive(Debug)]
pub struct Evaluator {
    table: Table,
    nodes: Vec<Node>,
    /// Interned scope names.
    scopes: HashMap<String, usize>,
    words: usize,
    /// Per route, its scope sets as bitsets of `words` words each, flattened.
    requirements: Vec<Vec<u64>>,
    clients: Clients,
    unknown_client: Grant,
    no_group: Grant,
}

impl Evaluator {
    /// Compiles `table` for deciding. The table is kept (see [`table`](Self::table)).
    pub fn new(table: Table, options: Options) -> Evaluator {
        let mut scopes: HashMap<String, usize> = HashMap::new();
        scopes.insert(UID.to_string(), 0);
        for name in table
            .scopes
            .iter()
            .map(|s| &s.name)
            .chain(table.routes.iter().flat_map(|r| r.any_of.iter().flatten()))
        {
            let next = scopes.len();
            scopes.entry(name.clone()).or_insert(next);
        }
        let words = scopes.len().div_ceil(64);
        let requirements = table
            .routes
            .iter()
            .map(|r| {
                let mut bits = vec![0u64; words * r.any_of.len()];
                for (i, set) in r.any_of.iter().enumerate() {
                    for scope in set {
                        let bit = scopes[scope];
                        bits[i * words + bit / 64] |= 1 << (bit % 64);
                    }
                }
                bits
            })
            .collect();
        let refused = |refusal| Grant {
            bits: vec![0; words],
            authenticated: true,
            refusal: Some(refusal),
        };
        let mut evaluator = Evaluator {
            table,
            nodes: vec![Node::default()],
            scopes,
            words,
            requirements,
            clients: Clients::default(),
            unknown_client: refused(Refusal::UnknownClient),
            no_group: refused(Refusal::NoGroup),
        };
        evaluator.build_trie(options);
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
                grant.refusal = Some(Refusal::InactiveGroup(index));
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

    /// The table it decides from.
    pub fn table(&self) -> &Table {
        &self.table
    }

    fn build_trie(&mut self, options: Options) {
        for index in 0..self.table.routes.len() {
            let route = &self.table.routes[index];
            let bases: Vec<String> = if options.strip_base_paths {
                vec![String::new()]
            } else {
                route.base_paths(&self.table).to_vec()
            };
            let method = route.method.clone();
            let path = route.path.clone();
            let multi_segment = route.multi_segment.is_some();
            for base in bases {
                // A template the compiler would refuse matches nothing.
                let Ok(segments) = template::parse(&format!("{base}{path}")) else {
                    continue;
                };
                let mut node = 0;
                // A multi-segment parameter is the last segment: its route hangs off the node
                // before it.
                let walk = if multi_segment {
                    segments.len() - 1
                } else {
                    segments.len()
                };
                for segment in &segments[..walk] {
                    node = match segment.literal() {
                        Some(text) => self.literal_child(node, text),
                        None => self.pattern_child(node, &segment.parts),
                    };
                }
                // The first route for a method at a node wins; compile refuses real conflicts.
                let list = if multi_segment {
                    &mut self.nodes[node].tails
                } else {
                    &mut self.nodes[node].methods
                };
                if !list.iter().any(|(m, _)| *m == method) {
                    list.push((method.clone(), index));
                }
            }
        }
    }

    fn new_node(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    fn literal_child(&mut self, node: usize, text: &str) -> usize {
        match self.nodes[node]
            .literals
            .binary_search_by(|(l, _)| by_length(l, text))
        {
            Ok(i) => self.nodes[node].literals[i].1,
            Err(i) => {
                let child = self.new_node();
                self.nodes[node]
                    .literals
                    .insert(i, (text.to_string(), child));
                child
            }
        }
    }

    fn pattern_child(&mut self, node: usize, parts: &[Part]) -> usize {
        let pattern = Pattern::new(parts);
        let list = &self.nodes[node].patterns;
        if let Some((_, child)) = list.iter().find(|(p, _)| p.shape == pattern.shape) {
            return *child;
        }
        let at = list
            .iter()
            .position(|(p, _)| p.rank() > pattern.rank())
            .unwrap_or(list.len());
        let child = self.new_node();
        self.nodes[node].patterns.insert(at, (pattern, child));
        child
    }

    /// What `principal` holds, borrowing a client's precomputed grant instead of copying it:
    /// what a server or middleware calls once per request.
    pub fn grant_for(&self, principal: &Principal) -> std::borrow::Cow<'_, Grant> {
        match principal {
            Principal::Client(id) => std::borrow::Cow::Borrowed(self.client_grant(id)),
            other => std::borrow::Cow::Owned(self.grant(other)),
        }
    }

    /// The bitset of what `principal` holds. For a client, a copy of `client_grant`.
    pub fn grant(&self, principal: &Principal) -> Grant {
        let mut bits = vec![0u64; self.words];
        let authenticated = match principal {
            Principal::Client(id) => return self.client_grant(id).clone(),
            Principal::Anonymous => false,
            Principal::Scopes(held) => {
                for scope in held {
                    if let Some(&bit) = self.scopes.get(scope) {
                        bits[bit / 64] |= 1 << (bit % 64);
                    }
                }
                bits[0] |= 1; // uid
                true
            }
        };
        Grant {
            bits,
            authenticated,
            refusal: None,
        }
    }

    /// The scopes a grant holds, by name (`uid` included when authenticated), sorted.
    pub fn granted_scopes(&self, grant: &Grant) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .scopes
            .iter()
            .filter(|(_, &bit)| grant.bits[bit / 64] & (1 << (bit % 64)) != 0)
            .map(|(name, _)| name.as_str())
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
            && route < self.requirements.len()
            && self.satisfied(grant, route)
    }

    /// Whether `grant` holds every scope of one of route `index`'s scope sets.
    #[inline]
    fn satisfied(&self, grant: &Grant, index: usize) -> bool {
        self.requirements[index]
            .chunks_exact(self.words)
            .any(|set| {
                set.iter()
                    .zip(&grant.bits)
                    .all(|(need, have)| need & !have == 0)
            })
    }

    /// May the holder of `grant` call `method raw_path`?
    pub fn evaluate(&self, grant: &Grant, method: &str, raw_path: &str) -> Decision<'_> {
        // The decoding buffer is only made (and zeroed) for paths that need it.
        let mut scratch: Scratch;
        let parsed = if RequestPath::needs_scratch(raw_path) {
            scratch = [0; MAX_PATH_BYTES];
            RequestPath::parse(raw_path, Some(&mut scratch))
        } else {
            RequestPath::parse(raw_path, None)
        };
        let path = match parsed {
            Ok(p) => p,
            Err(e) => return Decision::Deny(Deny::InvalidPath(e)),
        };
        // A refused client learns nothing about the routes.
        if let Some(refusal) = grant.refusal {
            return Decision::Deny(match refusal {
                Refusal::UnknownClient => Deny::UnknownClient,
                Refusal::NoGroup => Deny::NoGroup,
                Refusal::InactiveGroup(i) => Deny::InactiveGroup {
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
        let mut found = self.find(0, &path, 0, method);
        if matches!(found, Ok(None)) && method == "HEAD" {
            found = self.find(0, &path, 0, "GET");
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
            Decision::Deny(Deny::MissingScopes {
                route,
                any_of: &route.any_of,
            })
        }
    }

    /// The route (its index) whose template matches the whole path and has `method`: concrete
    /// segments first, then templated ones in rank order, then a parameter that spans the rest,
    /// backtracking when a branch cannot match the rest. A segment that equals a concrete
    /// sibling, or matches a templated one, only when case is ignored is ambiguous.
    fn find(
        &self,
        node: usize,
        path: &RequestPath,
        depth: usize,
        method: &str,
    ) -> Result<Option<usize>, PathError> {
        let n = &self.nodes[node];
        if depth == path.len() {
            return Ok(n.methods.iter().find(|(m, _)| m == method).map(|(_, i)| *i));
        }
        let segment = path.segment(depth);
        match n.literals.binary_search_by(|(l, _)| by_length(l, segment)) {
            Ok(i) => {
                if let Some(found) = self.find(n.literals[i].1, path, depth + 1, method)? {
                    return Ok(Some(found));
                }
            }
            Err(_) => {
                let same_length = n.literals.partition_point(|(l, _)| l.len() < segment.len());
                if n.literals[same_length..]
                    .iter()
                    .take_while(|(l, _)| l.len() == segment.len())
                    .any(|(l, _)| l.eq_ignore_ascii_case(segment))
                {
                    return Err(PathError::Ambiguous);
                }
            }
        }
        for (pattern, child) in &n.patterns {
            if pattern.matches(segment) {
                if let Some(found) = self.find(*child, path, depth + 1, method)? {
                    return Ok(Some(found));
                }
            } else if pattern.matches_folded(segment) {
                return Err(PathError::Ambiguous);
            }
        }
        // A multi-segment parameter takes the rest: every remaining segment non-empty (no
        // trailing slash), each already checked by the path reader.
        if let Some((_, index)) = n.tails.iter().find(|(m, _)| m == method) {
            if (depth..path.len()).all(|i| !path.segment(i).is_empty()) {
                return Ok(Some(*index));
            }
        }
        Ok(None)
    }
}

fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

impl Pattern {
    fn new(parts: &[Part]) -> Pattern {
        let parts: Vec<PatternPart> = parts
            .iter()
            .map(|p| match p {
                Part::Literal(l) => PatternPart::Literal(l.clone()),
                Part::Param(_) => PatternPart::Param,
            })
            .collect();
        let literal_len = parts
            .iter()
            .map(|p| match p {
                PatternPart::Literal(l) => l.len(),
                PatternPart::Param => 0,
            })
            .sum();
        let shape: String = parts
            .iter()
            .map(|p| match p {
                PatternPart::Literal(l) => l.as_str(),
                PatternPart::Param => "{}",
            })
            .collect();
        let has_letters = shape.bytes().any(|b| b.is_ascii_alphabetic());
        Pattern {
            parts,
            literal_len,
            shape,
            has_letters,
        }
    }

    /// More literal text first; ties broken by shape so the order is total.
    fn rank(&self) -> (std::cmp::Reverse<usize>, &str) {
        (std::cmp::Reverse(self.literal_len), &self.shape)
    }

    /// Whether the segment can be split so that literals match and each parameter takes a
    /// non-empty part.
    fn matches(&self, segment: &str) -> bool {
        matches_parts(&self.parts, segment, false)
    }

    /// Whether the segment matches when ASCII case is ignored (`x.JSON` for `{id}.json`), which
    /// a case-insensitive backend reads as this template; asked only after `matches` said no.
    fn matches_folded(&self, segment: &str) -> bool {
        self.has_letters && matches_parts(&self.parts, segment, true)
    }
}

/// Whether `text` starts with `prefix`, ASCII case ignored when `fold`.
fn starts_with(text: &str, prefix: &str, fold: bool) -> bool {
    if !fold {
        return text.starts_with(prefix);
    }
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Whether the segment can be split so that literals match (ASCII case ignored when `fold`)
/// and each parameter takes a non-empty part.
fn matches_parts(parts: &[PatternPart], text: &str, fold: bool) -> bool {
    match parts {
        [] => text.is_empty(),
        [PatternPart::Literal(l), rest @ ..] => {
            starts_with(text, l, fold) && matches_parts(rest, &text[l.len()..], fold)
        }
        [PatternPart::Param] => !text.is_empty(),
        [PatternPart::Param, rest @ ..] => {
            // The next part is a literal (templates never put two parameters side by side):
            // try each place it occurs after at least one byte.
            let PatternPart::Literal(next) = &rest[0] else {
                return false;
            };
            text.char_indices()
                .skip(1)
                .filter(|(i, _)| starts_with(&text[*i..], next, fold))
                .any(|(i, _)| matches_parts(rest, &text[i..], fold))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

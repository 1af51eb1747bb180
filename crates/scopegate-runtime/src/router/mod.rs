//! Request path → route: the table's templates compiled into a trie of path segments.
//! Concrete segments are tried before templated ones, templated ones by how much literal text
//! they hold, with backtracking; a segment that matches only when ASCII case is ignored is
//! ambiguous (a case-insensitive backend would read it as that route), and refused.

use std::collections::BTreeMap;

use crate::evaluator::Options;
use crate::path::PathError;
use crate::table::Table;
use crate::template::{self, Part};
use crate::words::{self, first_segment, fold_ascii, head, last, same_middle};

mod pattern;

use pattern::Pattern;

/// The routes of a table as a trie, flattened: nodes hold ranges into shared arrays, and every
/// node's concrete children are found through one hash table keyed by the node and the
/// segment's case-folded text, so a segment costs one probe whatever the node's fan-out, and
/// the probe that finds an exact child also finds a sibling that equals it only when case is
/// ignored. Node 0 is the root.
///
/// Laid out for the few cache lines a request touches: a slot is eight bytes (the hash table
/// of a thousand routes fits the first-level cache), and the segment a concrete child is
/// reached by is kept in the child itself, which the walk reads next anyway; templated children
/// are eight bytes each, their patterns apart.
#[derive(Debug)]
pub(crate) struct Router {
    nodes: Vec<Node>,
    /// Every node's concrete children, by open addressing on (node, folded head, length): 32
    /// bits of that hash and the child, which holds the segment to compare (see `Node`). An
    /// empty slot has child 0 (the root is nobody's child). Its length is a power of two, at
    /// least twice the literals.
    slots: Vec<Slot>,
    /// The concrete segments' text, end to end (read only for segments longer than sixteen).
    text: Vec<u8>,
    /// Every node's templated children, most literal text first, then by shape.
    templated: Vec<Templated>,
    /// The patterns of templated children that are more than one whole parameter.
    patterns: Vec<Pattern>,
    /// Routes ending at a node, or spanning the rest of the path from it: (method, route).
    ends: Vec<(MethodId, u32)>,
    /// The methods the table's routes use, with their first eight bytes as a word; a
    /// request's method is looked up here once.
    methods: Vec<(String, u64)>,
}

/// A method's index in the router's list; `NO_METHOD` for one no route has.
pub(crate) type MethodId = u16;
pub(crate) const NO_METHOD: MethodId = MethodId::MAX;
/// `Templated::pattern` of a child that is one parameter and nothing else (any non-empty
/// segment).
const WHOLE: u32 = u32::MAX;

#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    tag: u32,
    child: u32,
}

#[derive(Debug, Default, Clone, Copy)]
struct Node {
    /// The concrete segment that leads here from `parent` (zero for the root and for templated
    /// children, which are never found through the slots): its first eight bytes,
    /// little-endian, zero padded; its last eight when longer than eight (else 0); its length
    /// and where its text starts in `text`.
    head: u64,
    last: u64,
    parent: u32,
    len: u32,
    start: u32,
    /// Its templated children in `templated`.
    templated: (u32, u32),
    /// Routes ending here are `ends[ends.0..ends.1]`; routes whose last parameter spans the
    /// rest of the path from here (one or more non-empty segments) are `ends[ends.1..ends.2]`,
    /// tried after every one-segment child.
    ends: (u32, u32, u32),
    /// Whether it has concrete children (most nodes under a parameter have none: no probe).
    literals: bool,
    /// Whether it has templated children or routes spanning the rest: branches to try when
    /// a concrete child leads nowhere.
    alternatives: bool,
    /// Its one child when that is all it has, a whole-segment parameter (`{owner}`), and no
    /// route spans the rest from it; else 0 (the root is nobody's child). The most common
    /// step of a walk then reads this node alone.
    parameter: u32,
}

/// A templated child: where it leads and its pattern (`WHOLE`, or an index in `patterns`).
#[derive(Debug, Clone, Copy)]
struct Templated {
    child: u32,
    pattern: u32,
}

/// The trie as it is built, before it is flattened.
#[derive(Default)]
struct Building {
    nodes: Vec<BuildingNode>,
    methods: Vec<String>,
}

#[derive(Default)]
struct BuildingNode {
    /// Concrete segment → the child it leads to.
    literals: BTreeMap<String, usize>,
    patterns: Vec<(Pattern, usize)>,
    methods: Vec<(MethodId, usize)>,
    tails: Vec<(MethodId, usize)>,
}

impl Building {
    fn new_node(&mut self) -> usize {
        self.nodes.push(BuildingNode::default());
        self.nodes.len() - 1
    }

    fn method(&mut self, method: &str) -> MethodId {
        match self.methods.iter().position(|m| m == method) {
            Some(i) => i as MethodId,
            None => {
                self.methods.push(method.to_string());
                (self.methods.len() - 1) as MethodId
            }
        }
    }

    fn literal_child(&mut self, node: usize, text: &str) -> usize {
        if let Some(&child) = self.nodes[node].literals.get(text) {
            return child;
        }
        let child = self.new_node();
        self.nodes[node].literals.insert(text.to_string(), child);
        child
    }

    fn pattern_child(&mut self, node: usize, parts: &[Part]) -> usize {
        let pattern = Pattern::new(parts);
        let list = &self.nodes[node].patterns;
        if let Some((_, child)) = list.iter().find(|(p, _)| p.shape() == pattern.shape()) {
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
}

impl Router {
    /// The trie of `table`'s routes (under their base paths unless `options` strips them).
    pub(crate) fn build(table: &Table, options: Options) -> Router {
        let mut building = Building::default();
        building.new_node();
        for index in 0..table.routes.len() {
            let route = &table.routes[index];
            let bases: Vec<String> = if options.strip_base_paths {
                vec![String::new()]
            } else {
                route.base_paths(table).to_vec()
            };
            let method = building.method(&route.method);
            let multi_segment = route.multi_segment.is_some();
            for base in bases {
                // A template the compiler would refuse matches nothing.
                let Ok(segments) = template::parse(&format!("{base}{}", route.path)) else {
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
                        Some(text) => building.literal_child(node, text),
                        None => building.pattern_child(node, &segment.parts),
                    };
                }
                // The first route for a method at a node wins; compile refuses real conflicts.
                let list = if multi_segment {
                    &mut building.nodes[node].tails
                } else {
                    &mut building.nodes[node].methods
                };
                if !list.iter().any(|(m, _)| *m == method) {
                    list.push((method, index));
                }
            }
        }
        Router::flatten(building)
    }

    fn flatten(building: Building) -> Router {
        let mut router = Router {
            nodes: vec![Node::default(); building.nodes.len()],
            slots: Vec::new(),
            text: Vec::new(),
            templated: Vec::new(),
            patterns: Vec::new(),
            ends: Vec::new(),
            methods: building
                .methods
                .into_iter()
                .map(|m| {
                    let word = head(m.as_bytes());
                    (m, word)
                })
                .collect(),
        };
        let count = |n: usize| u32::try_from(n).expect("a router of fewer than 2^32 entries");
        let mut literals = Vec::new();
        for (index, node) in building.nodes.into_iter().enumerate() {
            router.nodes[index].literals = !node.literals.is_empty();
            for (text, child) in node.literals {
                let bytes = text.as_bytes();
                let c = &mut router.nodes[child];
                (c.head, c.last) = (head(bytes), last(bytes));
                (c.parent, c.len) = (count(index), count(bytes.len()));
                c.start = count(router.text.len());
                router.text.extend_from_slice(bytes);
                literals.push((index, child));
            }
            let from = count(router.templated.len());
            for (pattern, child) in node.patterns {
                let pattern = if pattern.is_whole() {
                    WHOLE
                } else {
                    router.patterns.push(pattern);
                    count(router.patterns.len() - 1)
                };
                router.templated.push(Templated {
                    child: count(child),
                    pattern,
                });
            }
            let n = &mut router.nodes[index];
            n.templated = (from, count(router.templated.len()));
            if let [t] = &router.templated[from as usize..] {
                if t.pattern == WHOLE && !n.literals && node.tails.is_empty() {
                    n.parameter = t.child;
                }
            }
            let ends = &mut router.ends;
            let from = count(ends.len());
            ends.extend(node.methods.iter().map(|&(m, route)| (m, count(route))));
            let middle = count(ends.len());
            ends.extend(node.tails.iter().map(|&(m, route)| (m, count(route))));
            n.ends = (from, middle, count(ends.len()));
            n.alternatives = n.templated.0 < n.templated.1 || n.ends.1 < n.ends.2;
        }
        let size = (literals.len() * 2).next_power_of_two().max(8);
        router.slots = vec![Slot::default(); size];
        for (node, child) in literals {
            let c = &router.nodes[child];
            let tag = hash(count(node), fold_ascii(c.head), c.len as usize);
            let mut slot = tag as usize & (size - 1);
            while router.slots[slot].child != 0 {
                slot = (slot + 1) & (size - 1);
            }
            router.slots[slot] = Slot {
                tag,
                child: count(child),
            };
        }
        router
    }

    /// The id of `method` among the table's methods, `NO_METHOD` when no route has it.
    #[inline]
    pub(crate) fn method(&self, method: &str) -> MethodId {
        // Every common method fits in a word: compare words, not strings.
        let (len, word) = (method.len(), head(method.as_bytes()));
        self.methods
            .iter()
            .position(|(m, w)| m.len() == len && *w == word && (len <= 8 || m == method))
            .map_or(NO_METHOD, |i| i as MethodId)
    }

    /// The route (its index into the table's routes) for `method` on `path`, if any.
    #[inline]
    /// `segments` is a checked path's text without its leading `/` (see `path`).
    pub(crate) fn route(
        &self,
        segments: &str,
        method: MethodId,
    ) -> Result<Option<usize>, PathError> {
        self.find(0, Some(segments.as_bytes()), method)
            .map(|found| found.map(|i| i as usize))
    }

    /// The route (its index) whose template matches the whole path and has `method`: concrete
    /// segments first, then templated ones in rank order, then a parameter that spans the rest,
    /// backtracking when a branch cannot match the rest. A segment that equals a concrete
    /// sibling, or matches a templated one, only when case is ignored is ambiguous.
    ///
    /// `rest` is the rest of the path from this node's segment on (`None` past the last
    /// segment; `Some(b"")` is one empty segment, as a trailing slash leaves). Bytes, not a
    /// `str`: a segment ends at a `/`, so slicing there needs no check for a character's
    /// boundary, and templates match bytes alike (see `matches_parts`).
    fn find(
        &self,
        mut node: u32,
        mut rest: Option<&[u8]>,
        method: MethodId,
    ) -> Result<Option<u32>, PathError> {
        // Down the trie without recursing while a node leaves no other branch to try.
        loop {
            let n = &self.nodes[node as usize];
            let Some(text) = rest else {
                return Ok(self.end((n.ends.0, n.ends.1), method));
            };
            let (len, head) = first_segment(text);
            let (segment, next) = match text.split_at_checked(len) {
                Some((segment, [_, after @ ..])) => (segment, Some(after)),
                _ => (text, None),
            };
            if n.parameter != 0 {
                if segment.is_empty() {
                    return Ok(None);
                }
                (node, rest) = (n.parameter, next);
                continue;
            }
            let concrete = if n.literals {
                self.literal(node, segment, head)
            } else {
                Concrete::None
            };
            if let Concrete::Exact(child) = concrete {
                if !n.alternatives {
                    (node, rest) = (child, next);
                    continue;
                }
            }
            let templated = &self.templated[n.templated.0 as usize..n.templated.1 as usize];
            let tails = (n.ends.1, n.ends.2);
            match concrete {
                Concrete::Exact(child) => {
                    if let Some(found) = self.find(child, next, method)? {
                        return Ok(Some(found));
                    }
                }
                Concrete::Folded => return Err(PathError::Ambiguous),
                Concrete::None => {
                    // One templated child and nothing after it: its answer is the answer.
                    if let [t] = templated {
                        if tails.0 == tails.1 && self.matches(t, segment) {
                            (node, rest) = (t.child, next);
                            continue;
                        }
                    }
                }
            }
            for t in templated {
                if self.matches(t, segment) {
                    if let Some(found) = self.find(t.child, next, method)? {
                        return Ok(Some(found));
                    }
                } else if t.pattern != WHOLE
                    && self.patterns[t.pattern as usize].matches_folded(segment)
                {
                    return Err(PathError::Ambiguous);
                }
            }
            // A multi-segment parameter takes the rest: every remaining segment non-empty (the
            // path reader refused inner empty ones: no empty segment alone, no trailing slash),
            // each already checked by the path reader.
            if tails.0 < tails.1 {
                if let Some(index) = self.end(tails, method) {
                    if !text.is_empty() && text.last() != Some(&b'/') {
                        return Ok(Some(index));
                    }
                }
            }
            return Ok(None);
        }
    }

    /// Whether templated child `t` matches `segment` exactly.
    #[inline]
    fn matches(&self, t: &Templated, segment: &[u8]) -> bool {
        if t.pattern == WHOLE {
            !segment.is_empty()
        } else {
            self.patterns[t.pattern as usize].matches(segment)
        }
    }

    #[inline]
    fn end(&self, range: (u32, u32), method: MethodId) -> Option<u32> {
        self.ends[range.0 as usize..range.1 as usize]
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, route)| *route)
    }

    /// The concrete child of `node` that is `segment`, or whether one equals it only when ASCII
    /// case is ignored.
    #[inline]
    /// `head` is the segment's [`head`] word.
    fn literal(&self, node: u32, segment: &[u8], head: u64) -> Concrete {
        debug_assert_eq!(head, words::head(segment));
        let key = fold_ascii(head);
        let tag = hash(node, key, segment.len());
        let mask = self.slots.len() - 1;
        let mut slot = tag as usize & mask;
        let mut folded = false;
        loop {
            let s = self.slots[slot];
            if s.child == 0 {
                break;
            }
            slot = (slot + 1) & mask;
            if s.tag != tag {
                continue;
            }
            let c = &self.nodes[s.child as usize];
            if c.parent != node || c.len as usize != segment.len() {
                continue;
            }
            if segment.len() <= 8 {
                // The head is the whole segment: equal, or equal only when case is ignored.
                if c.head == head {
                    return Concrete::Exact(s.child);
                }
                folded |= fold_ascii(c.head) == key;
                continue;
            }
            // The words hold the first and the last eight bytes; only segments longer than
            // sixteen compare what lies between (and without a call for the short ones).
            let tail = last(segment);
            let text = &self.text[c.start as usize..c.start as usize + segment.len()];
            if c.head == head && c.last == tail && same_middle(text, segment) {
                return Concrete::Exact(s.child);
            }
            folded |= fold_ascii(c.head) == key
                && fold_ascii(c.last) == fold_ascii(tail)
                && (segment.len() <= 16 || text[8..].eq_ignore_ascii_case(&segment[8..]));
        }
        if folded {
            Concrete::Folded
        } else {
            Concrete::None
        }
    }
}

/// What a node's concrete children say of a segment.
enum Concrete {
    Exact(u32),
    /// Only a child that equals it when ASCII case is ignored.
    Folded,
    None,
}

/// The hash of (node, folded head, length) that a slot keeps: its low bits are the first slot
/// to probe.
#[inline]
fn hash(node: u32, key: u64, len: usize) -> u32 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let h = (key.wrapping_mul(K) ^ ((node as u64) << 16 | len as u64)).wrapping_mul(K);
    (h >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Route;

    fn router(paths: &[&str]) -> Router {
        let routes = paths
            .iter()
            .map(|p| Route::new("GET", p, &[&["s.read"]]))
            .collect();
        Router::build(&Table::with_routes("", routes), Options::default())
    }

    /// Segments of every length the words cover (up to 8, 9 to 16, longer): exact text finds
    /// its route, a case variant anywhere in it is ambiguous, other text matches nothing.
    #[test]
    fn concrete_segments_of_every_length() {
        let texts = [
            "",
            "a",
            "issues",
            "abcdefgh",
            "abcdefghi",
            "protection1234xy",
            "required_status_checks",
        ];
        let paths: Vec<String> = texts.iter().map(|t| format!("/x/{t}")).collect();
        let r = router(&paths.iter().map(String::as_str).collect::<Vec<_>>());
        let get = r.method("GET");
        for (i, text) in texts.iter().enumerate() {
            assert_eq!(r.route(&format!("x/{text}"), get), Ok(Some(i)), "{text}");
            for at in 0..text.len() {
                let mut variant = text.as_bytes().to_vec();
                variant[at] = variant[at].to_ascii_uppercase();
                if variant[at] == text.as_bytes()[at] {
                    continue;
                }
                let variant = String::from_utf8(variant).unwrap();
                assert_eq!(
                    r.route(&format!("x/{variant}"), get),
                    Err(PathError::Ambiguous),
                    "{variant}"
                );
            }
            if !text.is_empty() {
                let mut other = text.as_bytes().to_vec();
                let at = text.len() / 2;
                other[at] = if other[at] == b'z' { b'y' } else { b'z' };
                let other = String::from_utf8(other).unwrap();
                assert_eq!(r.route(&format!("x/{other}"), get), Ok(None), "{other}");
            }
        }
        assert_eq!(r.route("x/issues", r.method("POST")), Ok(None));
    }

    /// Templates with text beside a parameter match decoded segments byte by byte, multi-byte
    /// characters included: the literal is found after a whole character, never inside one.
    #[test]
    fn templated_segments_with_multi_byte_text() {
        let r = router(&["/files/{name}.json", "/é/{id}-ü"]);
        let get = r.method("GET");
        assert_eq!(r.route("files/é.json", get), Ok(Some(0)));
        assert_eq!(r.route("files/a.json.json", get), Ok(Some(0)));
        assert_eq!(r.route("files/€€.json", get), Ok(Some(0)));
        assert_eq!(r.route("files/é.JSON", get), Err(PathError::Ambiguous));
        assert_eq!(r.route("files/.json", get), Ok(None));
        assert_eq!(r.route("files/éjson", get), Ok(None));
        assert_eq!(r.route("é/ü-ü", get), Ok(Some(1)));
        assert_eq!(r.route("é/-ü", get), Ok(None));
        assert_eq!(r.route("é/x-Ü", get), Ok(None), "only ASCII case is folded");
    }

    /// Siblings that differ only in case are each found exactly, never called ambiguous.
    #[test]
    fn case_variant_siblings_are_each_exact() {
        let r = router(&[
            "/Issues",
            "/issues",
            "/required_status_Checks",
            "/required_status_checks",
        ]);
        let get = r.method("GET");
        assert_eq!(r.route("Issues", get), Ok(Some(0)));
        assert_eq!(r.route("issues", get), Ok(Some(1)));
        assert_eq!(r.route("required_status_Checks", get), Ok(Some(2)));
        assert_eq!(r.route("required_status_checks", get), Ok(Some(3)));
        assert_eq!(r.route("ISSUES", get), Err(PathError::Ambiguous));
    }

    /// A node whose one child is a whole-segment parameter is stepped through without a probe:
    /// any non-empty segment, never an empty one (a trailing slash), and the walk goes on below.
    #[test]
    fn a_lone_parameter_takes_any_non_empty_segment() {
        let r = router(&["/users/{id}", "/users/{id}/repos/{repo}", "/tree/{path}/x"]);
        let get = r.method("GET");
        assert_eq!(r.route("users/ab", get), Ok(Some(0)));
        assert_eq!(r.route("users/", get), Ok(None));
        assert_eq!(r.route("users/ab/repos/c", get), Ok(Some(1)));
        assert_eq!(r.route("users/ab/repos/", get), Ok(None));
        assert_eq!(r.route("users//repos/c", get), Ok(None));
        assert_eq!(r.route("tree/a/x", get), Ok(Some(2)));
        assert_eq!(r.route("tree//x", get), Ok(None));
        assert_eq!(r.route("tree/a", get), Ok(None));
    }
}

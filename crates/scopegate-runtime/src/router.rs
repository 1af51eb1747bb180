//! Request path → route: the table's templates compiled into a trie of path segments.
//! Concrete segments are tried before templated ones, templated ones by how much literal text
//! they hold, with backtracking; a segment that matches only when ASCII case is ignored is
//! ambiguous (a case-insensitive backend would read it as that route), and refused.

use crate::evaluator::Options;
use crate::path::{PathError, RequestPath};
use crate::table::Table;
use crate::template::{self, Part};

/// The routes of a table as a trie. Node 0 is the root.
#[derive(Debug)]
pub(crate) struct Router {
    nodes: Vec<Node>,
}

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

impl Router {
    /// The trie of `table`'s routes (under their base paths unless `options` strips them).
    pub(crate) fn build(table: &Table, options: Options) -> Router {
        let mut router = Router {
            nodes: vec![Node::default()],
        };
        for index in 0..table.routes.len() {
            let route = &table.routes[index];
            let bases: Vec<String> = if options.strip_base_paths {
                vec![String::new()]
            } else {
                route.base_paths(table).to_vec()
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
                        Some(text) => router.literal_child(node, text),
                        None => router.pattern_child(node, &segment.parts),
                    };
                }
                // The first route for a method at a node wins; compile refuses real conflicts.
                let list = if multi_segment {
                    &mut router.nodes[node].tails
                } else {
                    &mut router.nodes[node].methods
                };
                if !list.iter().any(|(m, _)| *m == method) {
                    list.push((method.clone(), index));
                }
            }
        }
        router
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

    /// The route (its index into the table's routes) for `method` on `path`, if any.
    pub(crate) fn route(
        &self,
        path: &RequestPath,
        method: &str,
    ) -> Result<Option<usize>, PathError> {
        self.find(0, path, 0, method)
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

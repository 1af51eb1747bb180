//! Routes that one request can reach in two ways. The evaluator always picks one (concrete
//! segments before templated ones, then templates by literal text), but when two *templated*
//! segments overlap in one position (`/w/{a}-{b}` and `/w/{a}.{b}` both match `/w/x-y.z`), or
//! two sources split a base path differently onto one full path (base `/a` + `/b/c` and base
//! `/a/b` + `/c`), the choice is the table's order, not something a reader of the documents, or
//! the router of the service behind the gate, would agree on. When such routes differ in what
//! they require, compile refuses them, naming both and a request that both match.

use super::template::{self, Part, Segment};

/// One route's full template (a base path in front), for comparing.
pub struct Full<'a> {
    pub method: &'a str,
    /// `METHOD /base/path` as written, and where, for the message.
    pub label: String,
    pub requirement: &'a [Vec<String>],
    pub segments: Vec<Segment>,
}

impl<'a> Full<'a> {
    pub fn new(
        method: &'a str,
        base: &str,
        path: &str,
        requirement: &'a [Vec<String>],
        place: String,
    ) -> Option<Full<'a>> {
        let full = format!("{base}{path}");
        let segments = template::parse(&full).ok()?;
        Some(Full {
            method,
            label: format!("`{method} {full}` ({place})"),
            requirement,
            segments,
        })
    }
}

/// A request path both routes match when they overlap in a way the evaluator's order does not
/// settle; `None` when they cannot both match one request, or when a concrete segment settles
/// which one wins (the evaluator and every router try concrete segments first).
pub fn ambiguous(a: &Full<'_>, b: &Full<'_>) -> Option<String> {
    if a.method != b.method || a.segments.len() != b.segments.len() {
        return None;
    }
    let mut witness = String::new();
    // Whether an earlier position already held two different templates that overlap.
    let mut diverged = false;
    for (x, y) in a.segments.iter().zip(&b.segments) {
        let piece = match (x.literal(), y.literal()) {
            (Some(l), Some(m)) if l == m => l.to_string(),
            (Some(_), Some(_)) => return None,
            (Some(l), None) | (None, Some(l)) => {
                let pattern = if x.literal().is_some() { y } else { x };
                if !diverged || !matches(&pattern.parts, l) {
                    return None;
                }
                l.to_string()
            }
            (None, None) => {
                let shape = template::shape_of(&x.parts);
                if shape == template::shape_of(&y.parts) {
                    shape.replace("{}", "x")
                } else {
                    diverged = true;
                    overlap(&x.parts, &y.parts)?
                }
            }
        };
        witness.push('/');
        witness.push_str(&piece);
    }
    Some(witness)
}

fn matches(parts: &[Part], text: &str) -> bool {
    overlap(parts, &[Part::Literal(text.to_string())]).is_some()
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Item {
    Char(char),
    Param,
}

/// A position in a pattern: the item index, and whether the parameter there has taken a
/// character yet.
type State = (usize, bool);

/// Positions in both patterns.
type Pair = (State, State);

fn items(parts: &[Part]) -> Vec<Item> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Part::Literal(l) => out.extend(l.chars().map(Item::Char)),
            Part::Param(_) => out.push(Item::Param),
        }
    }
    out
}

/// Reading `c`: a literal character must be `c`; a parameter takes any character (it has one
/// from then on).
fn step(items: &[Item], (at, _): State, c: char) -> Option<State> {
    match items.get(at)? {
        Item::Char(x) if *x == c => Some((at + 1, false)),
        Item::Char(_) => None,
        Item::Param => Some((at, true)),
    }
}

/// The moves that read nothing: a parameter that has a character may end.
fn skip(items: &[Item], (at, started): State) -> Option<State> {
    (started && items.get(at) == Some(&Item::Param)).then_some((at + 1, false))
}

/// The shortest segment both patterns match (each parameter one or more characters, none a
/// `/`), by breadth-first search over pairs of positions. Characters are drawn from the
/// patterns' literals and one character neither uses: any common string can be rewritten into
/// one over that alphabet, so `None` means no segment matches both.
pub fn overlap(a: &[Part], b: &[Part]) -> Option<String> {
    let (ia, ib) = (items(a), items(b));
    let mut alphabet: Vec<char> = Vec::new();
    let fresh = ['x', '0', 'q', '_']
        .into_iter()
        .find(|c| !ia.contains(&Item::Char(*c)) && !ib.contains(&Item::Char(*c)))
        .unwrap_or('x');
    alphabet.push(fresh);
    for item in ia.iter().chain(&ib) {
        if let Item::Char(c) = item {
            if !alphabet.contains(c) {
                alphabet.push(*c);
            }
        }
    }
    let start = ((0, false), (0, false));
    let mut parent: std::collections::HashMap<Pair, (Pair, Option<char>)> =
        std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    parent.insert(start, (start, None));
    while let Some(pair @ (sa, sb)) = queue.pop_front() {
        if sa == (ia.len(), false) && sb == (ib.len(), false) {
            let mut out = Vec::new();
            let mut at = pair;
            while at != start {
                let (prev, c) = parent[&at];
                out.extend(c);
                at = prev;
            }
            return Some(out.into_iter().rev().collect());
        }
        let mut next: Vec<(Pair, Option<char>)> = Vec::new();
        if let Some(na) = skip(&ia, sa) {
            next.push(((na, sb), None));
        }
        if let Some(nb) = skip(&ib, sb) {
            next.push(((sa, nb), None));
        }
        for &c in &alphabet {
            if let (Some(na), Some(nb)) = (step(&ia, sa, c), step(&ib, sb, c)) {
                next.push(((na, nb), Some(c)));
            }
        }
        // Epsilon moves go first so that the search stays breadth-first in characters read.
        for (state, c) in next {
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(state) {
                e.insert((pair, c));
                if c.is_none() {
                    queue.push_front(state);
                } else {
                    queue.push_back(state);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(segment: &str) -> Vec<Part> {
        template::parse(&format!("/{segment}")).unwrap()[0]
            .parts
            .clone()
    }

    fn full<'a>(method: &'a str, path: &str, req: &'a [Vec<String>]) -> Full<'a> {
        Full::new(method, "", path, req, "here".into()).unwrap()
    }

    #[test]
    fn overlapping_patterns_have_a_witness() {
        let w = overlap(&parts("{a}-{b}"), &parts("{a}.{b}")).unwrap();
        assert!(w.contains('-') && w.contains('.'), "{w}");
        assert_eq!(overlap(&parts("{a}.json"), &parts("{a}.xml")), None);
        assert!(overlap(&parts("{id}"), &parts("v{n}")).is_some());
        assert_eq!(overlap(&parts("a{x}"), &parts("b{x}")), None);
        assert!(overlap(&parts("{base}...{head}"), &parts("{x}.{y}")).is_some());
    }

    #[test]
    fn templated_overlaps_are_ambiguous_and_concrete_segments_settle() {
        let uid = [vec!["uid".to_string()]];
        let admin = [vec!["admin.write".to_string()]];
        let w = ambiguous(
            &full("GET", "/w/{a}-{b}", &uid),
            &full("GET", "/w/{a}.{b}", &admin),
        )
        .unwrap();
        assert!(w.starts_with("/w/"), "{w}");
        // Concrete beats templated: the evaluator's choice is the one every router makes.
        assert_eq!(
            ambiguous(
                &full("GET", "/gists/public", &uid),
                &full("GET", "/gists/{id}", &admin)
            ),
            None
        );
        assert_eq!(
            ambiguous(
                &full("GET", "/a/{x}/c", &uid),
                &full("GET", "/a/b/{y}", &admin)
            ),
            None
        );
        // Identical full paths from different splits.
        let a = Full::new("GET", "/a", "/b/c", &uid, "a.yaml".into()).unwrap();
        let b = Full::new("GET", "/a/b", "/c", &admin, "b.yaml".into()).unwrap();
        assert_eq!(ambiguous(&a, &b).as_deref(), Some("/a/b/c"));
        assert_eq!(
            ambiguous(
                &full("GET", "/w/{a}.json", &uid),
                &full("GET", "/w/{a}.xml", &admin)
            ),
            None
        );
    }
}

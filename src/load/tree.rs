//! A positioned document tree: every node knows its byte span in the file it was read from.
//!
//! Nodes live in one arena per tree and are addressed by [`NodeId`]. Object members and array
//! items are stored contiguously, and all decoded strings share one buffer, so a tree is a
//! handful of allocations however large the document. A YAML alias is a second reference to
//! the anchored node (the tree is then a DAG), never a copy; see `yaml.rs` for the bound on
//! how far aliases may expand.

use super::pointer;
use super::source::Span;

pub type NodeId = u32;

/// Limits that keep hostile input from exhausting the stack or memory.
pub mod limits {
    /// Deepest nesting of objects and arrays accepted. Real descriptions stay below 64.
    pub const MAX_DEPTH: usize = 256;
    /// Nodes that YAML aliases may add when expanded (a "billion laughs" document needs 10^9).
    pub const MAX_ALIAS_EXPANSION: u64 = 1_000_000;
    /// Largest file read, in bytes. Byte offsets are 32-bit.
    pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StrRef {
    start: u32,
    len: u32,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(StrRef),
    String(StrRef),
    Object {
        first: u32,
        len: u32,
    },
    Array {
        first: u32,
        len: u32,
    },
    /// A JSON subtree that was scanned and validated but not built, because the security
    /// model never reads it (schemas, examples, responses). Its span is kept so that a `$ref`
    /// into it can be built on demand.
    Unbuilt,
}

#[derive(Clone, Copy, Debug)]
struct Node {
    value: Value,
    span: Span,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Member {
    key: StrRef,
    key_span: Span,
    value: NodeId,
}

/// What kind of value a node holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Object,
    Array,
    Unbuilt,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::Unbuilt => "unparsed value",
        }
    }
}

#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    members: Vec<Member>,
    items: Vec<NodeId>,
    strings: String,
    root: NodeId,
    /// Some member's key is [`IGNORE_KEY`].
    has_ignore_key: bool,
}

/// The key of scopegate's suppression directive (`x-scopegate-ignore`), which a tree notes
/// while it is built, so that documents without one are not walked for them.
pub const IGNORE_KEY: &str = "x-scopegate-ignore";

impl Tree {
    /// Whether some member's key is [`IGNORE_KEY`] (as the key reads, escapes decoded).
    pub fn has_ignore_key(&self) -> bool {
        self.has_ignore_key
    }

    pub fn root(&self) -> NodeRef<'_> {
        self.node(self.root)
    }

    pub fn node(&self, id: NodeId) -> NodeRef<'_> {
        NodeRef { tree: self, id }
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn str(&self, s: StrRef) -> &str {
        &self.strings[s.start as usize..(s.start + s.len) as usize]
    }

    /// Follows an RFC 6901 pointer (without the leading `#`) from the root.
    pub fn lookup(&self, pointer: &str) -> Lookup<'_> {
        self.lookup_from(self.root(), pointer)
    }

    /// Follows `pointer` from `start`.
    pub fn lookup_from<'t>(&'t self, start: NodeRef<'t>, pointer: &str) -> Lookup<'t> {
        let mut node = start;
        for (consumed, token) in pointer::tokens(pointer).enumerate() {
            let Ok(token) = token else {
                return Lookup::Missing;
            };
            let next = match node.kind() {
                Kind::Object => node.get(&token),
                Kind::Array => token.parse::<usize>().ok().and_then(|i| node.item(i)),
                Kind::Unbuilt => return Lookup::InUnbuilt { node, consumed },
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return Lookup::Missing,
            }
        }
        Lookup::Found(node)
    }
}

/// The result of following a pointer.
pub enum Lookup<'t> {
    Found(NodeRef<'t>),
    /// The pointer leads into a subtree that was not built: `node` is that subtree, reached
    /// after `consumed` reference tokens. Build it and follow the rest.
    InUnbuilt {
        node: NodeRef<'t>,
        consumed: usize,
    },
    Missing,
}

/// A node and the tree it lives in.
#[derive(Clone, Copy)]
pub struct NodeRef<'t> {
    tree: &'t Tree,
    id: NodeId,
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeRef({}, {:?})", self.id, self.kind())
    }
}

impl<'t> NodeRef<'t> {
    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn tree(&self) -> &'t Tree {
        self.tree
    }

    fn raw(&self) -> &'t Node {
        &self.tree.nodes[self.id as usize]
    }

    pub fn span(&self) -> Span {
        self.raw().span
    }

    pub fn kind(&self) -> Kind {
        match self.raw().value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Object { .. } => Kind::Object,
            Value::Array { .. } => Kind::Array,
            Value::Unbuilt => Kind::Unbuilt,
        }
    }

    pub fn as_str(&self) -> Option<&'t str> {
        match self.raw().value {
            Value::String(s) => Some(self.tree.str(s)),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.raw().value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The text of a scalar: a string's value, a number's literal, `true`, `false` or `null`.
    pub fn scalar_text(&self) -> Option<&'t str> {
        match self.raw().value {
            Value::String(s) | Value::Number(s) => Some(self.tree.str(s)),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            Value::Null => Some("null"),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        self.kind() == Kind::Object
    }

    /// The members of an object, in document order; empty for anything else.
    pub fn members(&self) -> impl ExactSizeIterator<Item = Entry<'t>> + 't {
        let (first, len) = match self.raw().value {
            Value::Object { first, len } => (first as usize, len as usize),
            _ => (0, 0),
        };
        let tree = self.tree;
        tree.members[first..first + len]
            .iter()
            .map(move |m| m.entry(tree))
    }

    /// The items of an array; empty for anything else.
    pub fn items(&self) -> impl ExactSizeIterator<Item = NodeRef<'t>> + 't {
        let (first, len) = match self.raw().value {
            Value::Array { first, len } => (first as usize, len as usize),
            _ => (0, 0),
        };
        let tree = self.tree;
        tree.items[first..first + len]
            .iter()
            .map(move |&id| tree.node(id))
    }

    pub fn item(&self, index: usize) -> Option<NodeRef<'t>> {
        self.items().nth(index)
    }

    pub fn entry(&self, key: &str) -> Option<Entry<'t>> {
        let Value::Object { first, len } = self.raw().value else {
            return None;
        };
        let tree = self.tree;
        // Lengths first, then bytes: no text is sliced for the members that differ.
        let text = tree.strings.as_bytes();
        tree.members[first as usize..(first + len) as usize]
            .iter()
            .find(|m| {
                let start = m.key.start as usize;
                m.key.len as usize == key.len() && &text[start..start + key.len()] == key.as_bytes()
            })
            .map(|m| m.entry(tree))
    }

    pub fn get(&self, key: &str) -> Option<NodeRef<'t>> {
        self.entry(key).map(|e| e.value)
    }

    pub fn get_str(&self, key: &str) -> Option<&'t str> {
        self.get(key).and_then(|n| n.as_str())
    }
}

impl Member {
    fn entry(self, tree: &Tree) -> Entry<'_> {
        Entry {
            key: tree.str(self.key),
            key_span: self.key_span,
            value: tree.node(self.value),
        }
    }
}

/// One member of an object.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'t> {
    pub key: &'t str,
    pub key_span: Span,
    pub value: NodeRef<'t>,
}

/// Why building a tree stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    pub message: String,
    pub span: Span,
    /// A second place the message refers to, such as the first of two duplicate keys.
    pub related: Option<Span>,
}

impl BuildError {
    pub fn new(message: impl Into<String>, span: Span) -> BuildError {
        BuildError {
            message: message.into(),
            span,
            related: None,
        }
    }
}

struct Open {
    is_object: bool,
    start: u32,
    /// Where this container's children start in the scratch stacks.
    scratch_from: usize,
    pending_key: Option<(StrRef, Span)>,
}

/// Builds a [`Tree`] from a stream of parse events; shared by the JSON and YAML readers.
/// Children are collected on scratch stacks and copied contiguously when their container
/// closes, so containers get their ids after their children.
pub(crate) struct TreeBuilder {
    tree: Tree,
    open: Vec<Open>,
    scratch_members: Vec<Member>,
    scratch_items: Vec<NodeId>,
    /// Expanded node count per node, kept only when aliases are in play.
    expanded: Option<Vec<u64>>,
    alias_expansion: u64,
    done: bool,
}

impl TreeBuilder {
    pub fn new(size_hint: usize) -> TreeBuilder {
        let mut tree = Tree::default();
        tree.nodes.reserve(size_hint / 16);
        tree.strings.reserve(size_hint / 4);
        TreeBuilder {
            tree,
            open: Vec::new(),
            scratch_members: Vec::new(),
            scratch_items: Vec::new(),
            expanded: None,
            alias_expansion: 0,
            done: false,
        }
    }

    /// Tracks expanded sizes so that [`TreeBuilder::alias`] can bound alias expansion.
    pub fn track_expansion(&mut self) {
        self.expanded = Some(Vec::new());
    }

    fn intern(&mut self, text: &str) -> StrRef {
        let start = self.tree.strings.len() as u32;
        self.tree.strings.push_str(text);
        StrRef {
            start,
            len: text.len() as u32,
        }
    }

    pub fn begin(&mut self, is_object: bool, start: usize) -> Result<(), BuildError> {
        if self.open.len() >= limits::MAX_DEPTH {
            return Err(BuildError::new(
                format!("nesting deeper than {} levels", limits::MAX_DEPTH),
                Span::empty(start),
            ));
        }
        self.open.push(Open {
            is_object,
            start: start as u32,
            scratch_from: if is_object {
                self.scratch_members.len()
            } else {
                self.scratch_items.len()
            },
            pending_key: None,
        });
        Ok(())
    }

    /// Sets the key for the next value of the innermost object.
    pub fn key(&mut self, key: &str, span: Span) {
        self.tree.has_ignore_key |= key == IGNORE_KEY;
        let key = self.intern(key);
        if let Some(open) = self.open.last_mut() {
            open.pending_key = Some((key, span));
        }
    }

    /// Marks the next value of the innermost object as a YAML merge (`<<`): a mapping, or a
    /// list of mappings, whose members the object takes when it closes, unless it has them.
    pub fn merge_key(&mut self, span: Span) {
        if let Some(open) = self.open.last_mut() {
            open.pending_key = Some((MERGE, span));
        }
    }

    /// A string node that belongs to no container (an anchored YAML key, which an alias may
    /// repeat as a value).
    pub fn detached_string(&mut self, text: &str, span: Span) -> NodeId {
        let s = self.intern(text);
        self.add(Value::String(s), span)
    }

    /// The text of a scalar node already built.
    pub fn scalar_text(&self, id: NodeId) -> Option<&str> {
        self.tree.node(id).scalar_text()
    }

    pub fn null(&mut self, span: Span) -> Result<NodeId, BuildError> {
        self.push(Value::Null, span)
    }

    pub fn bool(&mut self, value: bool, span: Span) -> Result<NodeId, BuildError> {
        self.push(Value::Bool(value), span)
    }

    pub fn number(&mut self, text: &str, span: Span) -> Result<NodeId, BuildError> {
        let s = self.intern(text);
        self.push(Value::Number(s), span)
    }

    pub fn string(&mut self, text: &str, span: Span) -> Result<NodeId, BuildError> {
        let s = self.intern(text);
        self.push(Value::String(s), span)
    }

    pub fn unbuilt(&mut self, span: Span) -> Result<NodeId, BuildError> {
        self.push(Value::Unbuilt, span)
    }

    /// Closes the innermost container, which ends at byte `end`.
    pub fn end(&mut self, end: usize) -> Result<NodeId, BuildError> {
        let open = self.open.pop().expect("end() without begin()");
        let span = Span::new(open.start as usize, end);
        let value = if open.is_object {
            let first = self.tree.members.len() as u32;
            let children = &self.scratch_members[open.scratch_from..];
            if children.iter().any(|m| m.key == MERGE) {
                let merged = merge(&self.tree, children)?;
                self.tree.members.extend_from_slice(&merged);
            } else {
                check_duplicates(&self.tree, children)?;
                self.tree.members.extend_from_slice(children);
            }
            self.scratch_members.truncate(open.scratch_from);
            Value::Object {
                first,
                len: self.tree.members.len() as u32 - first,
            }
        } else {
            let first = self.tree.items.len() as u32;
            self.tree
                .items
                .extend_from_slice(&self.scratch_items[open.scratch_from..]);
            self.scratch_items.truncate(open.scratch_from);
            Value::Array {
                first,
                len: self.tree.items.len() as u32 - first,
            }
        };
        self.push(value, span)
    }

    /// Attaches an already built node a second time (a YAML alias).
    pub fn alias(&mut self, target: NodeId, span: Span) -> Result<(), BuildError> {
        let added = self.expanded.as_ref().map_or(1, |e| e[target as usize]);
        self.alias_expansion = self.alias_expansion.saturating_add(added);
        if self.alias_expansion > limits::MAX_ALIAS_EXPANSION {
            return Err(BuildError::new(
                format!(
                    "aliases expand to more than {} nodes (an alias-expansion bomb?)",
                    limits::MAX_ALIAS_EXPANSION
                ),
                span,
            ));
        }
        self.attach(target, span)
    }

    fn push(&mut self, value: Value, span: Span) -> Result<NodeId, BuildError> {
        let id = self.add(value, span);
        self.attach(id, span)?;
        Ok(id)
    }

    /// Adds a node to the arena without attaching it anywhere.
    fn add(&mut self, value: Value, span: Span) -> NodeId {
        let id = self.tree.nodes.len() as NodeId;
        self.tree.nodes.push(Node { value, span });
        if let Some(expanded) = &mut self.expanded {
            let own = match value {
                Value::Object { first, len } => self.tree.members
                    [first as usize..(first + len) as usize]
                    .iter()
                    .map(|m| expanded[m.value as usize])
                    .fold(1u64, u64::saturating_add),
                Value::Array { first, len } => self.tree.items
                    [first as usize..(first + len) as usize]
                    .iter()
                    .map(|&i| expanded[i as usize])
                    .fold(1u64, u64::saturating_add),
                _ => 1,
            };
            expanded.push(own);
        }
        id
    }

    fn attach(&mut self, id: NodeId, span: Span) -> Result<(), BuildError> {
        match self.open.last_mut() {
            None => {
                if self.done {
                    return Err(BuildError::new("more than one top-level value", span));
                }
                self.tree.root = id;
                self.done = true;
            }
            Some(open) if open.is_object => {
                let (key, key_span) = open.pending_key.take().expect("object value without a key");
                self.scratch_members.push(Member {
                    key,
                    key_span,
                    value: id,
                });
            }
            Some(_) => self.scratch_items.push(id),
        }
        Ok(())
    }

    pub fn finish(self) -> Option<Tree> {
        (self.done && self.open.is_empty()).then_some(self.tree)
    }
}

/// The key of a YAML merge member until its object closes.
const MERGE: StrRef = StrRef {
    start: u32::MAX,
    len: 0,
};

/// Applies YAML merge keys as YAML 1.1's merge type (and PyYAML, js-yaml, SnakeYAML, go-yaml)
/// do: an object's own keys win over merged ones, and of several merged mappings the first
/// that has a key wins. Merged members keep their key's span in the mapping they come from,
/// so a finding on one points at the text that wrote it.
fn merge(tree: &Tree, children: &[Member]) -> Result<Vec<Member>, BuildError> {
    let own: Vec<Member> = children
        .iter()
        .copied()
        .filter(|m| m.key != MERGE)
        .collect();
    check_duplicates(tree, &own)?;
    let mut taken: std::collections::HashSet<&str> = own.iter().map(|m| tree.str(m.key)).collect();
    let mut out = Vec::with_capacity(children.len());
    for member in children {
        if member.key != MERGE {
            out.push(*member);
            continue;
        }
        let value = tree.node(member.value);
        let sources: Vec<NodeRef<'_>> = match value.kind() {
            Kind::Object => vec![value],
            Kind::Array if value.items().all(|i| i.is_object()) => value.items().collect(),
            kind => {
                return Err(BuildError::new(
                    format!(
                        "a merge key `<<` takes a mapping or a list of mappings, not {}",
                        if kind == Kind::Array {
                            "a list holding other values"
                        } else {
                            kind.name()
                        }
                    ),
                    member.key_span,
                ))
            }
        };
        for source in sources {
            let (first, len) = match tree.nodes[source.id as usize].value {
                Value::Object { first, len } => (first as usize, len as usize),
                _ => (0, 0),
            };
            for m in &tree.members[first..first + len] {
                if taken.insert(tree.str(m.key)) {
                    out.push(*m);
                }
            }
        }
    }
    Ok(out)
}

fn check_duplicates(tree: &Tree, members: &[Member]) -> Result<(), BuildError> {
    let duplicate = |a: &Member, b: &Member| BuildError {
        related: Some(a.key_span),
        ..BuildError::new(format!("duplicate key `{}`", tree.str(b.key)), b.key_span)
    };
    if members.len() <= 16 {
        for (i, later) in members.iter().enumerate() {
            if let Some(first) = members[..i]
                .iter()
                .find(|m| tree.str(m.key) == tree.str(later.key))
            {
                return Err(duplicate(first, later));
            }
        }
        return Ok(());
    }
    let mut sorted: Vec<&Member> = members.iter().collect();
    sorted.sort_by(|a, b| {
        tree.str(a.key)
            .cmp(tree.str(b.key))
            .then(a.key_span.start.cmp(&b.key_span.start))
    });
    let mut found: Option<(&Member, &Member)> = None;
    for pair in sorted.windows(2) {
        if tree.str(pair[0].key) == tree.str(pair[1].key)
            && found.is_none_or(|(_, later)| pair[1].key_span.start < later.key_span.start)
        {
            found = Some((pair[0], pair[1]));
        }
    }
    match found {
        Some((first, later)) => Err(duplicate(first, later)),
        None => Ok(()),
    }
}

//! `$ref` resolution across the files of one description.
//!
//! A [`Workspace`] starts from the root document and reads referenced files when a reference
//! first names them. Whatever a reference leads to stays a node of the file it is written in,
//! so positions and pointers always point into that file. Remote references (`http:`,
//! `https:`, `//host`, any URI scheme) are reported, never fetched. Chains of references are
//! followed with cycle detection.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::tree::{Kind, Lookup, NodeId, NodeRef};
use super::{json, parse, pointer, read_source, Document, LoadError, Pointer, Span};

/// A node in some file of the description, with the pointer that names it in that file.
#[derive(Clone, Debug)]
pub struct Target {
    pub doc: Arc<Document>,
    pub node: NodeId,
    pub pointer: Pointer,
}

impl Target {
    pub fn new(doc: &Arc<Document>, node: NodeId, pointer: Pointer) -> Target {
        Target {
            doc: doc.clone(),
            node,
            pointer,
        }
    }

    pub fn node(&self) -> NodeRef<'_> {
        self.doc.tree.node(self.node)
    }

    /// A member of this object, with its pointer.
    pub fn child(&self, key: &str) -> Option<Target> {
        let child = self.node().get(key)?;
        Some(Target::new(&self.doc, child.id(), self.pointer.join(key)))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefErrorKind {
    /// A reference to another host; not fetched.
    Remote,
    /// The file or the node it names does not exist, or cannot be read.
    Unresolved,
    /// The chain of references comes back to itself.
    Cycle,
}

/// A reference that could not be followed, located at its `$ref` value.
#[derive(Clone, Debug)]
pub struct RefError {
    pub kind: RefErrorKind,
    pub message: String,
    /// The document and pointer of the `$ref` member, and the span of its value.
    pub doc: Arc<Document>,
    pub pointer: Pointer,
    pub span: Span,
}

/// The longest chain of references followed before giving up.
const MAX_CHAIN: usize = 64;

pub struct Workspace {
    /// The document linting started from (also in `files`).
    root: Arc<Document>,
    /// Whole files by path (the root document included); failures are kept too, so that a
    /// broken file is read once.
    files: HashMap<PathBuf, Result<Arc<Document>, LoadError>>,
    /// Subtrees built on demand from unbuilt JSON nodes, by file and node.
    fragments: HashMap<(PathBuf, NodeId), Arc<Document>>,
    /// References followed so far, by the address of the document they are written in (held
    /// here, so that no other document takes its address) and their text: a description names
    /// one parameter from hundreds of operations, and finding it again scanned its siblings
    /// each time (1,500 instructions a reference on the corpus).
    resolved: foldhash::HashMap<usize, (Arc<Document>, foldhash::HashMap<String, Target>)>,
}

impl Workspace {
    pub fn new(root: &Arc<Document>) -> Workspace {
        let mut files = HashMap::new();
        files.insert(root.source.path.clone(), Ok(root.clone()));
        Workspace {
            root: root.clone(),
            files,
            fragments: HashMap::new(),
            resolved: foldhash::HashMap::default(),
        }
    }

    /// Files read so far, the root included.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The whole files read so far, in no order (subtrees built on demand are not listed).
    pub fn documents(&self) -> impl Iterator<Item = &Arc<Document>> {
        self.files.values().filter_map(|f| f.as_ref().ok())
    }

    /// When `at` is a `{"$ref": ...}` object, follows the chain of references to the node it
    /// names; otherwise returns `at` itself.
    pub fn follow(&mut self, at: Target) -> Result<Target, RefError> {
        // Most targets are not references: asked first, before the chain's record is made (a
        // kilobyte written on every call was a third of following). The `$ref`'s value is
        // kept by id, so that each hop looks its key up once.
        let Some(mut reference_at) = at.node().entry("$ref").map(|e| e.value.id()) else {
            return Ok(at);
        };
        let mut current = at;
        // The nodes the chain has passed, by document and node: a cycle comes back to one.
        let mut seen = [(std::ptr::null::<Document>(), 0); MAX_CHAIN];
        let mut hops = 0;
        loop {
            let value = current.doc.tree.node(reference_at);
            let fail = |kind, message: String| RefError {
                kind,
                message,
                doc: current.doc.clone(),
                pointer: current.pointer.join("$ref"),
                span: value.span(),
            };
            let Some(reference) = value.as_str() else {
                return Err(fail(
                    RefErrorKind::Unresolved,
                    format!("`$ref` must be a string, not {}", value.kind().name()),
                ));
            };
            if hops >= MAX_CHAIN {
                return Err(fail(
                    RefErrorKind::Cycle,
                    format!("more than {MAX_CHAIN} references in a chain"),
                ));
            }
            seen[hops] = (Arc::as_ptr(&current.doc), current.node);
            hops += 1;
            let written_in = Arc::as_ptr(&current.doc) as usize;
            let known = self
                .resolved
                .get(&written_in)
                .and_then(|(_, r)| r.get(reference));
            let next = match known {
                Some(target) => target.clone(),
                None => {
                    let target = self
                        .resolve(&current.doc, reference)
                        .map_err(|(kind, message)| fail(kind, message))?;
                    self.resolved
                        .entry(written_in)
                        .or_insert_with(|| (current.doc.clone(), foldhash::HashMap::default()))
                        .1
                        .insert(reference.to_string(), target.clone());
                    target
                }
            };
            if seen[..hops].contains(&(Arc::as_ptr(&next.doc), next.node)) {
                return Err(fail(
                    RefErrorKind::Cycle,
                    format!("reference cycle: `{reference}` leads back to itself"),
                ));
            }
            current = next;
            match current.node().entry("$ref") {
                Some(entry) => reference_at = entry.value.id(),
                None => return Ok(current),
            }
        }
    }

    /// Resolves one reference written in `from`.
    fn resolve(
        &mut self,
        from: &Arc<Document>,
        reference: &str,
    ) -> Result<Target, (RefErrorKind, String)> {
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        if is_remote(file_part) {
            return Err((
                RefErrorKind::Remote,
                format!("remote reference `{reference}` is not fetched, so what it names cannot be checked: keep that part in a local file and refer to it by a relative path"),
            ));
        }
        let unresolved = |m: String| (RefErrorKind::Unresolved, m);
        let pointer = percent_decode(fragment)
            .ok_or_else(|| unresolved(format!("`{reference}`: invalid percent-encoding")))?;
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(unresolved(format!(
                "`{reference}`: only JSON pointer fragments (`#/...`) are supported"
            )));
        }
        let doc = if file_part.is_empty() && Arc::ptr_eq(&from.source, &self.root.source) {
            // Most references stay in the root document: no lookup by path.
            Ok(self.root.clone())
        } else if file_part.is_empty() {
            self.file(&from.source.path.clone())
        } else {
            let relative = percent_decode(file_part)
                .ok_or_else(|| unresolved(format!("`{reference}`: invalid percent-encoding")))?;
            let path = normalize(&base_dir(&from.source.path).join(relative));
            self.file(&path)
        }
        .map_err(|e| unresolved(format!("`{reference}`: {}", e.message)))?;
        self.find(&doc, &pointer).ok_or_else(|| {
            unresolved(format!(
                "`{reference}` names nothing in {}",
                doc.source.path.display()
            ))
        })
    }

    /// Follows `pointer` in `doc`, building unbuilt subtrees on the way.
    fn find(&mut self, doc: &Arc<Document>, pointer: &str) -> Option<Target> {
        let (node, consumed) = match doc.tree.lookup(pointer) {
            Lookup::Found(node) if node.kind() != Kind::Unbuilt => {
                return Some(Target::new(doc, node.id(), Pointer::from_escaped(pointer)))
            }
            // The reference names an unbuilt subtree itself: build all of it.
            Lookup::Found(node) => (node, pointer::tokens(pointer).count()),
            Lookup::Missing => return None,
            Lookup::InUnbuilt { node, consumed } => (node, consumed),
        };
        let key = (doc.source.path.clone(), node.id());
        let fragment = match self.fragments.get(&key) {
            Some(f) => f.clone(),
            None => {
                let span = node.span();
                let text = &doc.source.text[span.start as usize..span.end as usize];
                let tree = json::parse(text, span.start as usize, None).ok()?;
                let fragment = Arc::new(Document {
                    source: doc.source.clone(),
                    tree,
                    syntax: doc.syntax,
                });
                self.fragments.insert(key, fragment.clone());
                fragment
            }
        };
        let rest: String = pointer
            .split('/')
            .skip(consumed + 1)
            .flat_map(|t| ["/", t])
            .collect();
        match fragment.tree.lookup(&rest) {
            Lookup::Found(n) => Some(Target::new(
                &fragment,
                n.id(),
                Pointer::from_escaped(pointer),
            )),
            _ => None,
        }
    }

    fn file(&mut self, path: &Path) -> Result<Arc<Document>, LoadError> {
        if let Some(known) = self.files.get(path) {
            return known.clone();
        }
        // The skip policy describes a root document's layout; a referenced file can hold a
        // parameter, a path item or a scheme anywhere, so it is built whole.
        let loaded = read_source(path).and_then(|s| parse(&s, None).map(Arc::new));
        self.files.insert(path.to_path_buf(), loaded.clone());
        loaded
    }
}

/// `http://…`, `https://…`, `//host/…` and any other `scheme:` are remote. A Windows drive
/// letter (`C:`) is not a scheme.
fn is_remote(file_part: &str) -> bool {
    if file_part.starts_with("//") {
        return true;
    }
    match file_part.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

fn base_dir(path: &Path) -> PathBuf {
    if path == Path::new("-") {
        return PathBuf::from(".");
    }
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Removes `.` and folds `..` without touching the file system, so that one file reached by
/// two spellings is read once.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::SourceFile;

    fn workspace(
        text: &str,
        skip: Option<crate::load::json::SkipPolicy>,
    ) -> (Arc<Document>, Workspace) {
        let doc = Arc::new(parse(&SourceFile::new("chains.json", text.to_string()), skip).unwrap());
        let workspace = Workspace::new(&doc);
        (doc, workspace)
    }

    fn follow(
        doc: &Arc<Document>,
        workspace: &mut Workspace,
        pointer: &str,
    ) -> Result<Target, RefError> {
        let node = match doc.tree.lookup(pointer) {
            Lookup::Found(node) => node.id(),
            _ => panic!("{pointer}"),
        };
        workspace.follow(Target::new(doc, node, Pointer::from_escaped(pointer)))
    }

    /// Chains of references: one that ends at a value, ones that come back to themselves
    /// (directly or after two hops), one longer than the limit.
    #[test]
    fn chains_end_at_a_value_a_cycle_or_the_limit() {
        let mut text = String::from(
            r##"{"value": {"type": "string"},
            "one": {"$ref": "#/two"}, "two": {"$ref": "#/three"}, "three": {"$ref": "#/value"},
            "self": {"$ref": "#/self"},
            "ping": {"$ref": "#/pong"}, "pong": {"$ref": "#/ping"},"##,
        );
        for i in 0..=MAX_CHAIN {
            text.push_str(&format!(r##""l{i}": {{"$ref": "#/l{}"}},"##, i + 1));
        }
        text.push_str(&format!(r#""l{}": true}}"#, MAX_CHAIN + 1));
        let (doc, mut workspace) = workspace(&text, None);
        let found = follow(&doc, &mut workspace, "/one").unwrap();
        assert_eq!(found.pointer.as_str(), "/value");
        for key in ["/self", "/ping", "/pong"] {
            let e = follow(&doc, &mut workspace, key).unwrap_err();
            assert_eq!(e.kind, RefErrorKind::Cycle, "{key}");
            assert!(
                e.message.contains("leads back to itself"),
                "{key}: {}",
                e.message
            );
        }
        let e = follow(&doc, &mut workspace, "/l0").unwrap_err();
        assert_eq!(e.kind, RefErrorKind::Cycle);
        assert!(
            e.message.contains("more than 64 references"),
            "{}",
            e.message
        );
        let found = follow(&doc, &mut workspace, "/l2").unwrap();
        assert_eq!(found.pointer.as_str(), format!("/l{}", MAX_CHAIN + 1));
    }

    /// One reference text written in two files names a node in each (followed references are
    /// remembered by the document they are written in, not by their text alone), and again
    /// when asked a second time.
    #[test]
    fn a_reference_resolves_in_the_file_it_is_written_in() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root.json");
        std::fs::write(
            &root,
            r##"{"a": {"$ref": "#/x"}, "b": {"$ref": "other.json#/y"}, "x": 1}"##,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("other.json"),
            r##"{"y": {"$ref": "#/x"}, "x": 2}"##,
        )
        .unwrap();
        let text = std::fs::read_to_string(&root).unwrap();
        let doc = Arc::new(parse(&SourceFile::new(&root, text), None).unwrap());
        let mut workspace = Workspace::new(&doc);
        for _ in 0..2 {
            for (from, value) in [("/a", "1"), ("/b", "2")] {
                let found = follow(&doc, &mut workspace, from).unwrap();
                assert_eq!(found.pointer.as_str(), "/x", "{from}");
                assert_eq!(found.node().scalar_text(), Some(value), "{from}");
            }
        }
    }

    /// A cycle through subtrees the loader left unbuilt (schemas), which following builds.
    #[test]
    fn a_cycle_through_unbuilt_subtrees_is_found() {
        let text = r##"{"openapi": "3.1.0", "paths": {"/a": {"$ref": "#/components/schemas/a"}},
            "components": {"schemas": {"a": {"$ref": "#/components/schemas/b"},
                                       "b": {"$ref": "#/components/schemas/a"}}}}"##;
        let (doc, mut workspace) = workspace(text, Some(crate::load::openapi_skip));
        assert!(matches!(
            doc.tree.lookup("/components/schemas/a"),
            Lookup::InUnbuilt { .. }
        ));
        let e = follow(&doc, &mut workspace, "/paths/~1a").unwrap_err();
        assert_eq!(e.kind, RefErrorKind::Cycle, "{}", e.message);
    }

    #[test]
    fn remote_references_are_recognised() {
        for r in ["http://x/y.yaml", "https://x", "//host/a.yaml", "urn:x:y"] {
            assert!(is_remote(r), "{r}");
        }
        for r in [
            "",
            "a.yaml",
            "../b/c.json",
            "C:/x.yaml",
            "dir/with:colon.yaml",
        ] {
            assert!(!is_remote(r), "{r}");
        }
    }

    #[test]
    fn paths_are_normalized_lexically() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.yaml")),
            PathBuf::from("a/c.yaml")
        );
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
    }

    #[test]
    fn fragments_are_percent_decoded() {
        assert_eq!(
            percent_decode("/paths/~1a~1%7Bid%7D").as_deref(),
            Some("/paths/~1a~1{id}")
        );
        assert_eq!(percent_decode("%zz"), None);
    }
}

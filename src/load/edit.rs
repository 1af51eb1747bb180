//! Format-preserving edits of a block-style YAML file: set, insert or remove one entry and
//! leave every other byte (comments, key order, quoting, blank lines) as it was.
//!
//! Each edit parses the current text with scopegate's positioned loader, finds the entry by its
//! key path, and splices text at byte offsets: a scalar is replaced in place; a new entry is
//! inserted after the last entry of its mapping, at that mapping's indentation; a removed entry
//! takes its whole lines (and the comment lines directly above it) with it. Files edited this
//! way (the access groups file) are reviewed in git, so an edit shows as the few lines it
//! changed.

use std::path::Path;

use crate::load::{self, tree::Entry, Kind, NodeRef, SourceFile, Span};

/// A value to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Scalar(String),
    /// A block sequence of scalars (`[]` when empty).
    List(Vec<String>),
    /// A flow sequence of scalars on one line: `[a, b]`.
    Inline(Vec<String>),
    /// A block mapping, in this order.
    Map(Vec<(String, Value)>),
}

impl Value {
    pub fn scalar(s: impl Into<String>) -> Value {
        Value::Scalar(s.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError(pub String);

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse(text: &str) -> Result<load::Document, EditError> {
    let source = SourceFile::new(Path::new("(edited text)"), text.to_string());
    load::parse(&source, None)
        .map_err(|e| EditError(format!("the file does not parse: {}", e.message)))
}

/// The entry at `path` under the root, and the mapping that holds it.
fn find<'t>(root: NodeRef<'t>, path: &[&str]) -> Option<(NodeRef<'t>, Entry<'t>)> {
    let (last, parents) = path.split_last()?;
    let mut node = root;
    for key in parents {
        node = node.get(key)?;
    }
    let entry = node.entry(last)?;
    Some((node, entry))
}

/// Sets `path` to `value`: replaces a scalar in place, rewrites an entry whose value is a
/// collection, or inserts the entry (and any missing parents) at the end of its mapping.
///
/// The result is read back: when the value is not found where it was written (YAML this editor
/// does not lay out, such as explicit `? key` entries), the edit is refused rather than written.
pub fn set(text: &str, path: &[&str], value: &Value) -> Result<String, EditError> {
    let out = set_unchecked(text, path, value)?;
    let document = parse(&out).map_err(|_| unsafe_edit(path))?;
    match lookup(document.tree.root(), path) {
        Some(node) if holds(node, value) => Ok(out),
        _ => Err(unsafe_edit(path)),
    }
}

/// Sets many paths in one pass: one parse, the splices applied from the end of the text, one
/// read-back. The same as calling `set` for each in turn (which re-reads the file every time:
/// quadratic on a file of thousands of stores), as long as no two edits touch the same text;
/// when they do, they are applied one by one.
pub fn set_many(text: &str, edits: &[(Vec<&str>, Value)]) -> Result<String, EditError> {
    let document = parse(text)?;
    let root = document.tree.root();
    let mut splices: Vec<(usize, Splice)> = Vec::with_capacity(edits.len());
    for (i, (path, value)) in edits.iter().enumerate() {
        splices.push((i, plan(text, root, path, value)?));
    }
    // From the end backwards; of two insertions at one place, the later edit goes in first so
    // that the earlier one ends up above it.
    splices.sort_by(|(i, (a, _)), (j, (b, _))| (b.start, j).cmp(&(a.start, i)));
    let overlapping = splices.windows(2).any(|w| w[1].1 .0.end > w[0].1 .0.start);
    if overlapping {
        let mut out = text.to_string();
        for (path, value) in edits {
            out = set(&out, path, value)?;
        }
        return Ok(out);
    }
    let mut out = text.to_string();
    for (_, (range, with)) in &splices {
        out.replace_range(range.clone(), with);
    }
    let Some((first, _)) = edits.first() else {
        return Ok(out);
    };
    let document = parse(&out).map_err(|_| unsafe_edit(first))?;
    for (path, value) in edits {
        match lookup(document.tree.root(), path) {
            Some(node) if holds(node, value) => {}
            _ => return Err(unsafe_edit(path)),
        }
    }
    Ok(out)
}

fn unsafe_edit(path: &[&str]) -> EditError {
    EditError(format!(
        "cannot edit `{}` in this file's layout safely (write it in plain block style, or edit it by hand)",
        path.join(".")
    ))
}

fn lookup<'t>(root: NodeRef<'t>, path: &[&str]) -> Option<NodeRef<'t>> {
    path.iter().try_fold(root, |node, key| node.get(key))
}

/// Whether `node` reads back as `value`.
fn holds(node: NodeRef<'_>, value: &Value) -> bool {
    match value {
        Value::Scalar(s) => node.as_str() == Some(s.as_str()),
        Value::List(items) | Value::Inline(items) => {
            node.kind() == Kind::Array
                && node.items().len() == items.len()
                && node
                    .items()
                    .zip(items)
                    .all(|(n, i)| n.as_str() == Some(i.as_str()))
        }
        Value::Map(entries) if entries.is_empty() => {
            node.kind() == Kind::Object && node.members().len() == 0
        }
        Value::Map(entries) => entries
            .iter()
            .all(|(k, v)| node.get(k).is_some_and(|n| holds(n, v))),
    }
}

fn set_unchecked(text: &str, path: &[&str], value: &Value) -> Result<String, EditError> {
    let document = parse(text)?;
    let (range, with) = plan(text, document.tree.root(), path, value)?;
    Ok(splice(text, range, &with))
}

/// Text to put in place of a byte range.
type Splice = (std::ops::Range<usize>, String);

/// How to set `path` to `value` in `text` (parsed as `root`), as one splice.
fn plan(text: &str, root: NodeRef<'_>, path: &[&str], value: &Value) -> Result<Splice, EditError> {
    if path.is_empty() {
        return Err(EditError("nothing to set: the key path is empty".into()));
    }
    if let Some((parent, entry)) = find(root, path) {
        if let (Value::Scalar(s), true) = (value, is_scalar(entry.value)) {
            let span = entry.value.span();
            if span.is_empty() {
                // `key:` with nothing after it: write after the colon.
                return Ok((value_slot(text, entry), format!(" {}", render_scalar(s))));
            }
            return Ok((range(span), render_scalar(s)));
        }
        // A list written in flow style (`tills: [a, b]`) stays in flow style.
        if let (Value::List(items) | Value::Inline(items), Kind::Array) =
            (value, entry.value.kind())
        {
            let start = entry.value.span().start as usize;
            if text[start..].starts_with('[') {
                let end = content_end(text, entry.value);
                return Ok((start..end, render_inline(items)));
            }
        }
        check_block(text, parent)?;
        let lines = entry_lines(text, entry, false);
        let indent = column(text, entry.key_span.start as usize);
        let step = indent_step(text, root);
        let rendered = render_entry(path[path.len() - 1], value, indent, step);
        return Ok((lines, rendered));
    }
    // Insert under the deepest existing ancestor.
    let mut depth = path.len() - 1;
    let mut node = root;
    let mut nodes = vec![root];
    for (i, key) in path[..path.len() - 1].iter().enumerate() {
        match node.get(key) {
            Some(child) => {
                node = child;
                nodes.push(child);
            }
            None => {
                depth = i;
                break;
            }
        }
    }
    let parent = nodes[depth];
    let mut nested = value.clone();
    for key in path[depth + 1..].iter().rev() {
        nested = Value::Map(vec![(key.to_string(), nested)]);
    }
    let key = path[depth];
    let step = indent_step(text, root);
    match parent.kind() {
        Kind::Object if parent.members().len() > 0 => {
            append_to(text, parent, &[(key.to_string(), nested)], step)
        }
        // `key:` with nothing (null) or `{}`: give the parent's own entry a mapping value.
        Kind::Null | Kind::Object if depth > 0 => plan(
            text,
            root,
            &path[..depth],
            &Value::Map(vec![(key.to_string(), nested)]),
        ),
        Kind::Null | Kind::Object => {
            // An empty document.
            let mut out = String::new();
            if !text.is_empty() && !text.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&render_entry(key, &nested, 0, step));
            Ok((text.len()..text.len(), out))
        }
        other => Err(EditError(format!(
            "`{}` is a {}, not a mapping",
            path[..depth].join("."),
            other.name()
        ))),
    }
}

/// Inserts entries after the last entry of the non-empty block mapping `parent`, at its
/// indentation.
fn append_to(
    text: &str,
    parent: NodeRef<'_>,
    entries: &[(String, Value)],
    step: usize,
) -> Result<Splice, EditError> {
    check_block(text, parent)?;
    let first = parent.members().next().expect("non-empty");
    let indent = column(text, first.key_span.start as usize);
    let at = line_end(text, content_end(text, parent).saturating_sub(1));
    let mut rendered = String::new();
    if at == text.len() && !text.ends_with('\n') && !text.is_empty() {
        rendered.push('\n');
    }
    for (key, value) in entries {
        rendered.push_str(&render_entry(key, value, indent, step));
    }
    Ok((at..at, rendered))
}

/// Adds new entries at the end of the mapping at `path` (created when missing) in one edit:
/// how a bulk import adds hundreds of stores without re-reading the file for each. Refused
/// when a key is there already. Read back like `set`.
pub fn append(text: &str, path: &[&str], entries: &[(String, Value)]) -> Result<String, EditError> {
    if entries.is_empty() {
        return Ok(text.to_string());
    }
    let document = parse(text)?;
    let root = document.tree.root();
    let mapping = lookup(root, path);
    if let Some(existing) = mapping.and_then(|m| entries.iter().find(|(k, _)| m.get(k).is_some())) {
        return Err(EditError(format!(
            "`{}` is there already",
            path.iter()
                .copied()
                .chain([existing.0.as_str()])
                .collect::<Vec<_>>()
                .join(".")
        )));
    }
    let out = match mapping {
        Some(m) if m.kind() == Kind::Object && m.members().len() > 0 => {
            let (range, with) = append_to(text, m, entries, indent_step(text, root))?;
            splice(text, range, &with)
        }
        _ => set_unchecked(text, path, &Value::Map(entries.to_vec()))?,
    };
    let document = parse(&out).map_err(|_| unsafe_edit(path))?;
    let root = document.tree.root();
    for (key, value) in entries {
        let mut at: Vec<&str> = path.to_vec();
        at.push(key);
        match lookup(root, &at) {
            Some(node) if holds(node, value) => {}
            _ => return Err(unsafe_edit(&at)),
        }
    }
    Ok(out)
}

/// Renames the key at `path` to `new_key` in place; its value, comments and position stay.
pub fn rename(text: &str, path: &[&str], new_key: &str) -> Result<String, EditError> {
    let document = parse(text)?;
    let Some((parent, entry)) = find(document.tree.root(), path) else {
        return Err(EditError(format!("there is no `{}`", path.join("."))));
    };
    if parent.get(new_key).is_some() {
        return Err(EditError(format!("`{new_key}` is there already")));
    }
    check_block(text, parent)?;
    let out = splice(text, range(entry.key_span), &render_scalar(new_key));
    let mut renamed: Vec<&str> = path.to_vec();
    *renamed.last_mut().expect("found") = new_key;
    let document = parse(&out).map_err(|_| unsafe_edit(path))?;
    let root = document.tree.root();
    if lookup(root, path).is_some() || lookup(root, &renamed).is_none() {
        return Err(unsafe_edit(path));
    }
    Ok(out)
}

/// Removes the entry at `path` with its lines, and the comment lines directly above it at
/// its indentation. Missing is not an error: the result is the same. Read back like `set`.
pub fn remove(text: &str, path: &[&str]) -> Result<String, EditError> {
    remove_many(text, &[path.to_vec()])
}

/// Removes many entries in one pass, like `remove` for each (one parse, one read-back).
pub fn remove_many(text: &str, paths: &[Vec<&str>]) -> Result<String, EditError> {
    let document = parse(text)?;
    let mut ranges = Vec::with_capacity(paths.len());
    for path in paths {
        if let Some((parent, entry)) = find(document.tree.root(), path) {
            check_block(text, parent)?;
            ranges.push(entry_lines(text, entry, true));
        }
    }
    ranges.sort_by_key(|r| std::cmp::Reverse(r.start));
    ranges.dedup();
    if ranges.windows(2).any(|w| w[1].end > w[0].start) {
        // Nested or touching entries: one at a time.
        let mut out = text.to_string();
        for path in paths {
            out = remove(&out, path)?;
        }
        return Ok(out);
    }
    let mut out = text.to_string();
    for range in ranges {
        out.replace_range(range, "");
    }
    let document = parse(&out).map_err(|_| unsafe_edit(paths.first().map_or(&[][..], |p| p)))?;
    for path in paths {
        if lookup(document.tree.root(), path).is_some() {
            return Err(unsafe_edit(path));
        }
    }
    Ok(out)
}

/// Where a node's text ends. A block collection's span runs on to the next token (comments
/// and blank lines included), so its end is its last descendant's; a flow collection's ends at
/// its closing bracket.
fn content_end(text: &str, node: NodeRef<'_>) -> usize {
    let span = node.span();
    let flow = text[span.start as usize..].starts_with(['{', '[']);
    match node.kind() {
        Kind::Object | Kind::Array if flow => (span.end as usize + 1).min(text.len()),
        Kind::Object => node
            .members()
            .map(|e| content_end(text, e.value).max(e.key_span.end as usize))
            .max()
            .unwrap_or(span.start as usize),
        Kind::Array => node
            .items()
            .map(|i| content_end(text, i))
            .max()
            .unwrap_or(span.start as usize),
        // `key:` with nothing: an empty span that may sit at the next token.
        Kind::Null if span.is_empty() => 0,
        _ => span.end as usize,
    }
}

fn is_scalar(node: NodeRef<'_>) -> bool {
    !matches!(node.kind(), Kind::Object | Kind::Array)
}

fn range(span: Span) -> std::ops::Range<usize> {
    span.start as usize..span.end as usize
}

fn splice(text: &str, range: std::ops::Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..range.start]);
    out.push_str(with);
    out.push_str(&text[range.end..]);
    out
}

/// Where the value of `key:` goes when it has none: right after the colon.
fn value_slot(text: &str, entry: Entry<'_>) -> std::ops::Range<usize> {
    let after_key = entry.key_span.end as usize;
    let colon = text[after_key..]
        .find(':')
        .map_or(after_key, |i| after_key + i + 1);
    colon..colon
}

// Line searches work on bytes: `at` may sit inside a multi-byte character (one before a span's
// end), and a newline is always a character boundary.
fn line_start(text: &str, at: usize) -> usize {
    text.as_bytes()[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

/// The offset just past the newline ending the line that holds `at`.
fn line_end(text: &str, at: usize) -> usize {
    text.as_bytes()[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| at + i + 1)
}

fn column(text: &str, at: usize) -> usize {
    at - line_start(text, at)
}

/// The lines an entry occupies; with `comments`, also the comment lines right above it at
/// its indentation (they describe it).
fn entry_lines(text: &str, entry: Entry<'_>, comments: bool) -> std::ops::Range<usize> {
    let key = entry.key_span.start as usize;
    let mut start = line_start(text, key);
    let end = line_end(
        text,
        content_end(text, entry.value)
            .max(entry.key_span.end as usize)
            .saturating_sub(1),
    );
    if comments {
        let indent = &text[start..key];
        while start > 0 {
            let previous = line_start(text, start - 1);
            let line = &text[previous..start - 1];
            if line.starts_with(indent) && line[indent.len()..].starts_with('#') {
                start = previous;
            } else {
                break;
            }
        }
    }
    start..end
}

/// Edits go into block mappings only: a flow mapping (`{a: 1}`) is the author's to edit.
fn check_block(text: &str, mapping: NodeRef<'_>) -> Result<(), EditError> {
    if text[mapping.span().start as usize..].starts_with('{') {
        let at = SourceFile::new(Path::new("(edited text)"), text.to_string())
            .position(mapping.span().start as usize);
        return Err(EditError(format!(
            "the mapping at line {} is written in flow style (`{{...}}`); write it in block style to edit it with scopegate",
            at.line
        )));
    }
    Ok(())
}

/// The file's indentation step: how much deeper the first nested block mapping sits than
/// its parent. 2 when nothing tells.
fn indent_step(text: &str, root: NodeRef<'_>) -> usize {
    for entry in root.members() {
        if let Some(child) = entry.value.members().next() {
            let outer = column(text, entry.key_span.start as usize);
            let inner = column(text, child.key_span.start as usize);
            if inner > outer
                && line_start(text, child.key_span.start as usize)
                    != line_start(text, entry.key_span.start as usize)
            {
                return inner - outer;
            }
        }
    }
    2
}

fn render_entry(key: &str, value: &Value, indent: usize, step: usize) -> String {
    let pad = " ".repeat(indent);
    let key = render_scalar(key);
    match value {
        Value::Scalar(s) => format!("{pad}{key}: {}\n", render_scalar(s)),
        Value::List(items) if items.is_empty() => format!("{pad}{key}: []\n"),
        Value::List(items) => {
            let inner = " ".repeat(indent + step);
            let mut out = format!("{pad}{key}:\n");
            for item in items {
                out.push_str(&format!("{inner}- {}\n", render_scalar(item)));
            }
            out
        }
        Value::Inline(items) => format!("{pad}{key}: {}\n", render_inline(items)),
        Value::Map(entries) if entries.is_empty() => format!("{pad}{key}: {{}}\n"),
        Value::Map(entries) => {
            let mut out = format!("{pad}{key}:\n");
            for (k, v) in entries {
                out.push_str(&render_entry(k, v, indent + step, step));
            }
            out
        }
    }
}

/// A flow sequence of scalars: `[a, b]`. Inside brackets `,`, `[`, `]`, `{`, `}` end a plain
/// scalar, so an item holding one is quoted.
fn render_inline(items: &[String]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|i| {
            if i.contains([',', '[', ']', '{', '}']) {
                serde_json::to_string(i).expect("a string serializes")
            } else {
                render_scalar(i)
            }
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// A scalar as YAML: plain when it reads back as the same string in YAML 1.2 and 1.1 alike,
/// double-quoted (JSON escapes) otherwise.
pub fn render_scalar(s: &str) -> String {
    let safe_char = |c: char| c.is_alphanumeric() || " ._-/@+()',:".contains(c);
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    );
    let bytes = s.as_bytes();
    let date_like = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-';
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic() || c.is_ascii_digit() && date_like)
        && s.chars().all(safe_char)
        && !s.contains(": ")
        && !s.ends_with([':', ' '])
        && !reserved;
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# The brand's groups.
version: 1
groups:
  # Tills at the counter.
  pos-lite:
    name: POS lite   # short
    status: active
    scopes: [loyalty.read]
  wechat:
    name: \"WeChat\"
    status: active

# Stores below.
stores:
  s1:
    group: pos-lite
clients:
";

    #[test]
    fn a_scalar_is_replaced_in_place_keeping_the_comment() {
        let out = set(
            FILE,
            &["groups", "pos-lite", "name"],
            &Value::scalar("POS basic"),
        )
        .unwrap();
        assert_eq!(
            out,
            FILE.replace("name: POS lite   # short", "name: POS basic   # short")
        );
        let out = set(
            FILE,
            &["groups", "wechat", "status"],
            &Value::scalar("inactive"),
        )
        .unwrap();
        assert_eq!(
            out,
            FILE.replace(
                "    name: \"WeChat\"\n    status: active",
                "    name: \"WeChat\"\n    status: inactive"
            )
        );
    }

    #[test]
    fn a_quoted_scalar_is_replaced_with_its_quotes() {
        let out = set(
            FILE,
            &["groups", "wechat", "name"],
            &Value::scalar("WeChat mini"),
        )
        .unwrap();
        assert!(
            out.contains("    name: WeChat mini\n    status: active\n\n"),
            "{out}"
        );
    }

    #[test]
    fn a_new_entry_goes_after_the_last_one_at_its_indentation() {
        let out = set(
            FILE,
            &["groups", "wechat", "description"],
            &Value::scalar("Orders: mini program"),
        )
        .unwrap();
        assert_eq!(
            out,
            FILE.replace(
                "    name: \"WeChat\"\n    status: active\n",
                "    name: \"WeChat\"\n    status: active\n    description: \"Orders: mini program\"\n"
            )
        );
    }

    #[test]
    fn missing_parents_are_created() {
        let out = set(
            FILE,
            &["groups", "wechat", "permissions", "data", "customer"],
            &Value::scalar("read"),
        )
        .unwrap();
        assert!(out.contains("    status: active\n    permissions:\n      data:\n        customer: read\n\n# Stores"), "{out}");
    }

    #[test]
    fn an_empty_mapping_gets_its_first_entry() {
        let out = set(
            FILE,
            &["clients", "bridge", "group"],
            &Value::scalar("wechat"),
        )
        .unwrap();
        assert!(
            out.ends_with("clients:\n  bridge:\n    group: wechat\n"),
            "{out}"
        );
    }

    #[test]
    fn a_flow_list_stays_a_flow_list_and_a_block_list_a_block_list() {
        let list = Value::List(vec!["loyalty.read".into(), "customer.write".into()]);
        let out = set(FILE, &["groups", "pos-lite", "scopes"], &list).unwrap();
        assert!(
            out.contains(
                "    status: active\n    scopes: [loyalty.read, customer.write]\n  wechat:"
            ),
            "{out}"
        );
        let block = FILE.replace(
            "    scopes: [loyalty.read]\n",
            "    scopes:\n      - loyalty.read\n",
        );
        let out = set(&block, &["groups", "pos-lite", "scopes"], &list).unwrap();
        assert!(out.contains("    status: active\n    scopes:\n      - loyalty.read\n      - customer.write\n  wechat:"), "{out}");
    }

    #[test]
    fn many_edits_in_one_pass_equal_the_edits_one_by_one() {
        let edits = vec![
            (vec!["stores", "s1", "group"], Value::scalar("wechat")),
            (vec!["groups", "wechat", "name"], Value::scalar("WeChat 2")),
            (
                vec!["clients", "bridge", "group"],
                Value::scalar("pos-lite"),
            ),
            (
                vec!["groups", "pos-lite", "status"],
                Value::scalar("inactive"),
            ),
        ];
        let mut one_by_one = FILE.to_string();
        for (path, value) in &edits {
            one_by_one = set(&one_by_one, path, value).unwrap();
        }
        assert_eq!(set_many(FILE, &edits).unwrap(), one_by_one);
        let removals = vec![vec!["groups", "pos-lite"], vec!["stores", "s1"]];
        let mut one_by_one = FILE.to_string();
        for path in &removals {
            one_by_one = remove(&one_by_one, path).unwrap();
        }
        assert_eq!(remove_many(FILE, &removals).unwrap(), one_by_one);
    }

    #[test]
    fn removal_takes_the_lines_and_the_comment_above() {
        let out = remove(FILE, &["groups", "pos-lite"]).unwrap();
        assert!(
            out.starts_with("# The brand's groups.\nversion: 1\ngroups:\n  wechat:\n"),
            "{out}"
        );
        let out = remove(FILE, &["stores", "s1"]).unwrap();
        assert!(
            out.contains("# Stores below.\nstores:\nclients:\n"),
            "{out}"
        );
        assert_eq!(remove(FILE, &["stores", "nope"]).unwrap(), FILE);
        let text = "a:\n  x:\n  y:\n    k: v\nb: 1\n";
        assert_eq!(
            remove(text, &["a", "x"]).unwrap(),
            "a:\n  y:\n    k: v\nb: 1\n"
        );
        assert_eq!(
            set(text, &["a", "x"], &Value::scalar("1")).unwrap(),
            "a:\n  x: \"1\"\n  y:\n    k: v\nb: 1\n"
        );
    }

    #[test]
    fn flow_mappings_are_refused() {
        let text = "groups: {a: {name: A}}\n";
        let e = set(
            text,
            &["groups", "b"],
            &Value::Map(vec![("name".into(), Value::scalar("B"))]),
        )
        .unwrap_err();
        assert!(e.0.contains("flow style"), "{e}");
    }

    #[test]
    fn layouts_the_editor_cannot_follow_are_refused_not_mangled() {
        // An explicit `? key` entry: the inserted block would not land under `groups`.
        let text = " ? a.]\n";
        let e = set(text, &["groups", "g1", "name"], &Value::scalar("x")).unwrap_err();
        assert!(e.0.contains("cannot edit `groups.g1.name`"), "{e}");
        // An empty key, and a value ending in a multi-byte character: no panic.
        assert!(set("k: a.\u{a1}\n", &["k2"], &Value::scalar("x"))
            .unwrap()
            .ends_with("\u{a1}\nk2: x\n"));
        let _ = set(": \n", &["groups", "g1", "name"], &Value::scalar("x"));
        let _ = remove(": \n", &[""]);
    }

    #[test]
    fn scalars_read_back_as_strings() {
        for s in [
            "abc",
            "POS lite",
            "2026-11-23T10:00:00Z",
            "true",
            "1.5",
            "a: b",
            "x # y",
            "",
            "-x",
            "null",
            "it's",
        ] {
            let text = set("k: v\n", &["k"], &Value::scalar(s)).unwrap();
            let doc = parse(&text).unwrap();
            assert_eq!(
                doc.tree.root().get_str("k"),
                Some(s),
                "{s:?} written as {text:?}"
            );
        }
    }
}

//! `x-scopegate-ignore` on any node silences the named rules (or `"*"`, all of them) for
//! findings at or below that node, in the file it is written in.

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::load::{Kind, Pointer, Workspace};

pub const KEY: &str = "x-scopegate-ignore";

struct Directive {
    path: std::path::PathBuf,
    pointer: Pointer,
    /// `None` means every rule.
    rules: Option<Vec<String>>,
}

impl Directive {
    fn covers(&self, d: &Diagnostic) -> bool {
        let Some(source) = &d.source else {
            return false;
        };
        let Some(pointer) = &d.pointer else {
            return false;
        };
        let (own, at) = (self.pointer.as_str(), pointer.as_str());
        source.path == self.path
            && (at == own || (at.starts_with(own) && at.as_bytes()[own.len()] == b'/'))
            && self
                .rules
                .as_ref()
                .is_none_or(|rules| rules.iter().any(|r| r == d.rule))
    }
}

pub fn apply(workspace: &Workspace, diagnostics: &mut Vec<Diagnostic>) {
    let directives = collect(workspace);
    if !directives.is_empty() {
        diagnostics.retain(|d| !directives.iter().any(|x| x.covers(d)));
    }
}

fn collect(workspace: &Workspace) -> Vec<Directive> {
    let mut out = Vec::new();
    for doc in workspace.documents() {
        // Most files have none: skip the walk.
        if memchr::memmem::find(doc.source.text.as_bytes(), KEY.as_bytes()).is_none() {
            continue;
        }
        let mut seen = HashSet::new();
        let mut stack = vec![(doc.tree.root(), Pointer::root())];
        while let Some((node, pointer)) = stack.pop() {
            if !seen.insert(node.id()) {
                continue;
            }
            match node.kind() {
                Kind::Object => {
                    for entry in node.members() {
                        if entry.key == KEY {
                            out.push(Directive {
                                path: doc.source.path.clone(),
                                pointer: pointer.clone(),
                                rules: rules_of(entry.value),
                            });
                        } else if matches!(entry.value.kind(), Kind::Object | Kind::Array) {
                            stack.push((entry.value, pointer.join(entry.key)));
                        }
                    }
                }
                Kind::Array => {
                    for (i, item) in node.items().enumerate() {
                        stack.push((item, pointer.join(i)));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The rule ids a directive names; `None` for `"*"`. Anything but strings names nothing.
fn rules_of(value: crate::load::NodeRef<'_>) -> Option<Vec<String>> {
    let names: Vec<&str> = match value.kind() {
        Kind::String => value.as_str().into_iter().collect(),
        Kind::Array => value.items().filter_map(|n| n.as_str()).collect(),
        _ => Vec::new(),
    };
    if names.contains(&"*") {
        return None;
    }
    Some(names.into_iter().map(str::to_string).collect())
}

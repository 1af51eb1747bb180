//! `x-scopegate-ignore` on any node silences the named rules (or `"*"`, all of them) for
//! findings at or below that node, in the file it is written in.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity, INVALID_DOCUMENT};
use crate::load::tree::IGNORE_KEY;
use crate::load::{Kind, NodeRef, Pointer, Workspace};
use crate::model::Location;
use crate::{rules, suggest};

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

/// The directives of a workspace's documents, and the mistakes found in them. Read before the
/// rules run, so that the documents' trees can be dropped first (for a large document they are
/// the largest part of its memory, and nothing after the model reads them).
pub struct Suppressions {
    directives: Vec<Directive>,
    mistakes: Vec<(String, Location)>,
}

impl Suppressions {
    /// The directives of every document the workspace read.
    pub fn collect(workspace: &Workspace) -> Suppressions {
        let mut mistakes = Vec::new();
        let directives = collect(workspace, &mut mistakes);
        Suppressions {
            directives,
            mistakes,
        }
    }

    /// Removes the findings a directive covers. A directive that names an unknown rule, or
    /// something other than rule ids, silences nothing and is reported (an `invalid-document`
    /// finding with `severity`, unless that rule is off), so that a typo cannot look like a
    /// working suppression.
    pub fn apply(self, diagnostics: &mut Vec<Diagnostic>, invalid: Option<Severity>) {
        let directives = self.directives;
        if !directives.is_empty() {
            diagnostics.retain(|d| !directives.iter().any(|x| x.covers(d)));
        }
        if let Some(severity) = invalid {
            diagnostics.extend(
                self.mistakes
                    .into_iter()
                    .map(|(message, at)| Diagnostic::at(INVALID_DOCUMENT, severity, message, &at)),
            );
        }
    }
}

fn collect(workspace: &Workspace, mistakes: &mut Vec<(String, Location)>) -> Vec<Directive> {
    let mut out = Vec::new();
    for doc in workspace.documents() {
        // Most documents hold none, and their walk is skipped: the tree noted the key while
        // it was built.
        if !doc.tree.has_ignore_key() {
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
                        if entry.key == IGNORE_KEY {
                            let at = |pointer: Pointer, node: NodeRef<'_>| Location {
                                file: doc.source.clone(),
                                pointer,
                                span: node.span(),
                            };
                            let own = pointer.join(IGNORE_KEY);
                            let rules = rules_of(entry.value, &own, &mut |message, p, node| {
                                mistakes.push((message, at(p, node)))
                            });
                            out.push(Directive {
                                path: doc.source.path.clone(),
                                pointer: pointer.clone(),
                                rules,
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

/// The rule ids a directive names; `None` for `"*"`. Anything but known rule ids is passed
/// to `mistake` with its pointer and node.
fn rules_of<'t>(
    value: NodeRef<'t>,
    pointer: &Pointer,
    mistake: &mut dyn FnMut(String, Pointer, NodeRef<'t>),
) -> Option<Vec<String>> {
    let named: Vec<(Pointer, NodeRef<'t>)> = match value.kind() {
        Kind::String => vec![(pointer.clone(), value)],
        Kind::Array => value
            .items()
            .enumerate()
            .map(|(i, n)| (pointer.join(i), n))
            .collect(),
        kind => {
            mistake(
                format!(
                    "`{IGNORE_KEY}` takes a rule id, a list of rule ids or \"*\", not {}",
                    kind.name()
                ),
                pointer.clone(),
                value,
            );
            Vec::new()
        }
    };
    let mut names = Vec::new();
    for (at, node) in named {
        let Some(name) = node.as_str() else {
            mistake(
                format!(
                    "`{IGNORE_KEY}` lists rule ids, and this is {}, not a string",
                    node.kind().name()
                ),
                at,
                node,
            );
            continue;
        };
        if name == "*" {
            return None;
        }
        if rules::find(name).is_none() {
            let ids = rules::ALL.iter().map(|r| r.id);
            mistake(
                format!(
                    "`{IGNORE_KEY}` names `{name}`, which is not a rule, so it silences nothing{}",
                    suggest::did_you_mean(name, ids)
                ),
                at,
                node,
            );
            continue;
        }
        names.push(name.to_string());
    }
    Some(names)
}

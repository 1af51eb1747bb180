//! The consistency rules across the two layers, beyond each file's own shape.

use std::collections::BTreeMap;

use super::model::GroupsFile;
use crate::diagnostic::Diagnostic;

impl GroupsFile {
    /// The consistency rules, beyond each file's own shape: built-in ids are not redefined,
    /// references point at groups that exist, client ids are unique across tills and API
    /// clients, and an application has one kind.
    pub fn consistency(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let brand = &self.brand;
        if let Some(platform) = &self.platform {
            for g in &brand.groups {
                if let Some(b) = platform.groups.iter().find(|b| b.id == g.id) {
                    let at = platform.source.position(b.span.start as usize);
                    problems.push(brand.problem(
                        g.span,
                        format!(
                            "group `{}` is built in ({}:{}:{}); a brand cannot redefine or edit it",
                            g.id,
                            platform.source.path.display(),
                            at.line,
                            at.column
                        ),
                    ));
                }
            }
            for (app, kind) in &brand.applications {
                if let Some((_, other)) = platform
                    .applications
                    .iter()
                    .find(|(a, k)| a.value == app.value && k != kind)
                {
                    problems.push(brand.problem(
                        app.span,
                        format!(
                            "application `{}` is a {} API here but a {} API in the platform layer",
                            app.value,
                            kind.name(),
                            other.name()
                        ),
                    ));
                }
            }
        }
        let exists = |id: &str| self.group(id).is_some();
        if let Some(d) = &brand.default_group {
            if !exists(&d.value) {
                problems.push(brand.problem(
                    d.span,
                    format!("the default group `{}` does not exist", d.value),
                ));
            }
        }
        for s in &brand.stores {
            if let Some(g) = &s.group {
                if !exists(&g.value) {
                    problems.push(brand.problem(
                        g.span,
                        format!(
                            "store `{}` is assigned to group `{}`, which does not exist",
                            s.id, g.value
                        ),
                    ));
                }
            }
        }
        for c in &brand.clients {
            if let Some(g) = &c.group {
                if !exists(&g.value) {
                    problems.push(brand.problem(
                        g.span,
                        format!(
                            "client `{}` is assigned to group `{}`, which does not exist",
                            c.id, g.value
                        ),
                    ));
                }
            }
        }
        let mut principals: BTreeMap<&str, String> = BTreeMap::new();
        for s in &brand.stores {
            for t in &s.tills {
                let what = format!("a till of store `{}`", s.id);
                if let Some(first) = principals.insert(&t.value, what.clone()) {
                    problems.push(brand.problem(
                        t.span,
                        format!(
                            "`{}` is {what} and also {first}; client ids must be unique",
                            t.value
                        ),
                    ));
                }
            }
        }
        for c in &brand.clients {
            if let Some(first) = principals.insert(&c.id, "an API client".into()) {
                problems.push(brand.problem(
                    c.span,
                    format!(
                        "`{}` is an API client and also {first}; client ids must be unique",
                        c.id
                    ),
                ));
            }
        }
        problems
    }
}

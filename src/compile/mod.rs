//! model → permission table. Each document is loaded, modelled and linted; a document with
//! lint errors is refused unless `allow_errors`, and then its offending operations are left
//! out. Every remaining operation becomes one route whose requirement is the operation's
//! effective security as OR-of-AND scope sets, in a canonical form, so that two tables with
//! the same meaning are the same bytes.

mod overlap;

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint;
use crate::load::walk::Input;
use crate::model::scope::{Access, Scope, UID};
use crate::model::{Location, Model, Operation};
use crate::rules::Settings;
use crate::runtime::table::{self, AccessType, Route, ScopeInfo, Source, Table};
use crate::runtime::template;

#[derive(Clone, Copy, Debug, Default)]
pub struct CompileOptions {
    /// Compile documents with lint errors, leaving their offending operations out.
    pub allow_errors: bool,
}

/// A compiled table and what was left out of it.
#[derive(Debug)]
pub struct Compiled {
    pub table: Table,
    /// Operations left out under `allow_errors`, as `file: METHOD path (rule: message)`.
    pub excluded: Vec<String>,
    /// Lint errors that were allowed.
    pub allowed_errors: Vec<Diagnostic>,
}

#[derive(Debug)]
pub enum CompileError {
    /// Documents with lint errors (and `allow_errors` not given), or that could not be read.
    Lint(Vec<Diagnostic>),
    /// Routes that cannot stand together, or templates that cannot be matched; each message
    /// names the places.
    Conflicts(Vec<String>),
}

/// One document's contribution.
struct Part {
    source: Source,
    scopes: Vec<ScopeInfo>,
    routes: Vec<(Route, Location)>,
}

pub fn compile(
    inputs: &[Input],
    settings: &Settings,
    options: CompileOptions,
) -> Result<Compiled, CompileError> {
    let mut blocking = Vec::new();
    let mut allowed = Vec::new();
    let mut excluded = Vec::new();
    let mut conflicts = Vec::new();
    let mut parts = Vec::new();
    for input in inputs {
        let (model, mut diagnostics) = match lint::model_file(input, settings) {
            Ok(m) => m,
            Err(d) => {
                blocking.extend(d);
                continue;
            }
        };
        diagnostics.retain(|d| d.severity == Severity::Error);
        if !diagnostics.is_empty() && !options.allow_errors {
            blocking.extend(diagnostics);
            continue;
        }
        let mut part = Part {
            source: source_of(&model),
            scopes: scopes_of(&model, settings),
            routes: Vec::new(),
        };
        for op in &model.operations {
            let errors: Vec<&Diagnostic> = diagnostics
                .iter()
                .filter(|d| {
                    d.operation
                        .as_ref()
                        .is_some_and(|o| o.method == op.method && o.path == op.path)
                })
                .collect();
            if let Some(first) = errors.first() {
                excluded.push(format!(
                    "{}: {} {} ({}: {})",
                    model.file, op.method, op.path, first.rule, first.message
                ));
                continue;
            }
            if let Err(e) = template::parse(&op.path) {
                conflicts.push(format!("{}: {e}", place(&op.at)));
                continue;
            }
            let Some(any_of) = requirement(&model, op) else {
                excluded.push(format!(
                    "{}: {} {} (no scope requirement)",
                    model.file, op.method, op.path
                ));
                continue;
            };
            let multi_segment = match multi_segment(op) {
                Ok(m) => m,
                Err(e) => {
                    conflicts.push(e);
                    continue;
                }
            };
            let base_paths =
                (op.base_paths != part.source.base_paths).then(|| op.base_paths.clone());
            let route = Route {
                method: op.method.clone(),
                path: op.path.clone(),
                operation_id: op.operation_id.clone(),
                source: 0,
                base_paths,
                any_of,
                multi_segment,
            };
            part.routes.push((route, op.at.clone()));
        }
        allowed.extend(diagnostics);
        conflicts.extend(same_shape_in_one_document(&part));
        parts.push(part);
    }
    if !blocking.is_empty() {
        lint::sort(&mut blocking);
        return Err(CompileError::Lint(blocking));
    }
    let table = assemble(parts, &mut conflicts);
    if !conflicts.is_empty() {
        return Err(CompileError::Conflicts(conflicts));
    }
    Ok(Compiled {
        table,
        excluded,
        allowed_errors: allowed,
    })
}

fn place(at: &Location) -> String {
    let p = at.file.position(at.span.start as usize);
    format!(
        "{}:{}:{} ({})",
        at.file.display_path(),
        p.line,
        p.column,
        at.pointer
    )
}

fn source_of(model: &Model) -> Source {
    Source {
        file: model.file.clone(),
        sha256: hex(&Sha256::digest(model.root.file.text.as_bytes())),
        title: model.info.title.clone(),
        version: model.info.version.clone(),
        base_paths: model.base_paths.clone(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn scopes_of(model: &Model, settings: &Settings) -> Vec<ScopeInfo> {
    let mut out = Vec::new();
    for scheme in model.security_schemes.iter().filter(|s| s.is_oauth2()) {
        for scope in &scheme.scopes {
            let Some(Scope::Api {
                application,
                resource,
                access,
            }) = settings.grammar.parse(&scope.name)
            else {
                continue;
            };
            out.push(ScopeInfo {
                name: scope.name.clone(),
                application: application.to_string(),
                resource: resource.map(str::to_string),
                access: match access {
                    Access::Read => AccessType::Read,
                    Access::Write => AccessType::Write,
                },
                description: scope.description.clone(),
            });
        }
    }
    out
}

/// The operation's effective security as canonical OR-of-AND scope sets: each set sorted and
/// without `uid` next to other scopes (every principal holds it), sets that contain another
/// set dropped (that alternative never decides), and the sets sorted. `None` when some
/// alternative needs no scope, or there is no security at all. Only the lists of the model's
/// oauth2 schemes hold scopes: a 3.1 role list, or the list of an undefined scheme, grants
/// nothing, so an alternative with nothing else needs no scope and the operation is left out.
pub fn requirement(model: &Model, op: &Operation) -> Option<Vec<Vec<String>>> {
    let list = op.security.list.as_ref()?;
    let oauth2 = |name: &str| {
        model
            .security_schemes
            .iter()
            .any(|s| s.name == name && s.is_oauth2())
    };
    let mut sets: Vec<BTreeSet<String>> = Vec::new();
    for req in &list.requirements {
        let mut set: BTreeSet<String> = req
            .schemes
            .iter()
            .filter(|s| oauth2(&s.scheme))
            .flat_map(|s| s.scopes.iter().map(|x| x.value.clone()))
            .collect();
        if set.is_empty() {
            return None;
        }
        if set.len() > 1 {
            set.remove(UID);
        }
        sets.push(set);
    }
    if sets.is_empty() {
        return None;
    }
    sets.sort();
    sets.dedup();
    let minimal: Vec<Vec<String>> = sets
        .iter()
        .filter(|s| !sets.iter().any(|o| o != *s && o.is_subset(s)))
        .map(|s| s.iter().cloned().collect())
        .collect();
    Some(minimal)
}

/// Two templates of one document that differ only in parameter names.
fn same_shape_in_one_document(part: &Part) -> Vec<String> {
    let mut seen: BTreeMap<(String, String), &(Route, Location)> = BTreeMap::new();
    let mut out = Vec::new();
    for entry in &part.routes {
        let key = (entry.0.method.clone(), template::shape(&entry.0.path));
        match seen.get(&key) {
            Some(first) if first.0.path != entry.0.path => out.push(format!(
                "`{}` and `{}` differ only in parameter names, so no request can tell them apart: {} and {}",
                first.0.path,
                entry.0.path,
                place(&first.1),
                place(&entry.1)
            )),
            Some(_) => {}
            None => {
                seen.insert(key, entry);
            }
        }
    }
    out
}

/// The path parameter marked `x-scopegate-multi-segment: true`, if any. It must be the
/// template's last segment, whole (`/contents/{path}`), so that where it ends is never a guess.
fn multi_segment(op: &Operation) -> Result<Option<String>, String> {
    let marked: Vec<_> = op
        .parameters
        .iter()
        .filter(|p| p.multi_segment && p.location == "path")
        .collect();
    let Some(param) = marked.first() else {
        return Ok(None);
    };
    let last = op.path.rsplit('/').next().unwrap_or("");
    if marked.len() > 1 || last != format!("{{{}}}", param.name) {
        return Err(format!(
            "{}: `{}` of `{} {}` may span segments only as the template's whole last segment, \
             and one parameter per template",
            place(&param.at),
            param.name,
            op.method,
            op.path
        ));
    }
    Ok(Some(param.name.clone()))
}

/// Routes with different requirements that one request reaches in two ways the evaluator's
/// order would settle arbitrarily (see `overlap`): each pair named with its places and a
/// request both match.
fn ambiguities<'a>(
    kept: impl Iterator<Item = &'a (Route, Location)>,
    sources: &[Source],
) -> Vec<String> {
    let mut fulls: BTreeMap<(&str, usize), Vec<(usize, overlap::Full<'a>)>> = BTreeMap::new();
    for (i, (route, at)) in kept.enumerate() {
        let bases = route
            .base_paths
            .as_deref()
            .or_else(|| sources.get(route.source).map(|s| s.base_paths.as_slice()))
            .unwrap_or(&[]);
        for base in bases {
            if let Some(full) =
                overlap::Full::new(&route.method, base, &route.path, &route.any_of, place(at))
            {
                fulls
                    .entry((&route.method, full.segments.len()))
                    .or_default()
                    .push((i, full));
            }
        }
    }
    let mut out = Vec::new();
    for group in fulls.values() {
        for (n, (i, a)) in group.iter().enumerate() {
            for (j, b) in &group[n + 1..] {
                if i == j || a.requirement == b.requirement {
                    continue;
                }
                if let Some(path) = overlap::ambiguous(a, b) {
                    out.push(format!(
                        "{} and {} both match `{} {path}`, with different requirements ({:?} and {:?}); \
                         which one decides would depend on the table's order",
                        a.label, b.label, a.method, a.requirement, b.requirement
                    ));
                }
            }
        }
    }
    out
}

/// Merges the documents into one sorted table with its digest.
fn assemble(parts: Vec<Part>, conflicts: &mut Vec<String>) -> Table {
    let mut parts = parts;
    parts.sort_by(|a, b| a.source.file.cmp(&b.source.file));
    let mut sources = Vec::new();
    let mut scopes: BTreeMap<String, ScopeInfo> = BTreeMap::new();
    // By method and shape: the route kept, where it is written, and its base paths.
    let mut routes: BTreeMap<(String, String), Vec<(Route, Location)>> = BTreeMap::new();
    for (index, part) in parts.into_iter().enumerate() {
        for scope in part.scopes {
            scopes.entry(scope.name.clone()).or_insert(scope);
        }
        for (mut route, at) in part.routes {
            route.source = index;
            let key = (route.method.clone(), template::shape(&route.path));
            let same = routes.entry(key).or_default();
            let bases = |r: &Route, s: &[Source], own: &Source| -> Vec<String> {
                r.base_paths
                    .clone()
                    .unwrap_or_else(|| s.get(r.source).unwrap_or(own).base_paths.clone())
            };
            let mine = bases(&route, &sources, &part.source);
            let overlapping = same.iter().find(|(other, _)| {
                bases(other, &sources, &part.source)
                    .iter()
                    .any(|b| mine.contains(b))
            });
            match overlapping {
                Some((other, other_at)) if other.source != index => {
                    if other.any_of != route.any_of {
                        conflicts.push(format!(
                            "`{} {}` is defined by two sources with different requirements: {} requires {:?}, {} requires {:?}",
                            other.method,
                            other.path,
                            place(other_at),
                            other.any_of,
                            place(&at),
                            route.any_of
                        ));
                    }
                    // The same route with the same requirement: keep the first.
                }
                _ => same.push((route, at)),
            }
        }
        sources.push(part.source);
    }
    conflicts.extend(ambiguities(routes.values().flatten(), &sources));
    let mut routes: Vec<Route> = routes.into_values().flatten().map(|(r, _)| r).collect();
    routes.sort_by(|a, b| (&a.path, &a.method, a.source).cmp(&(&b.path, &b.method, b.source)));
    let mut table = Table {
        format: table::FORMAT.to_string(),
        format_version: table::FORMAT_VERSION,
        generator: format!("scopegate {}", crate::VERSION),
        digest: String::new(),
        sources,
        scopes: scopes.into_values().collect(),
        routes,
        access_groups: None,
    };
    table.digest = digest(&table);
    table
}

/// `sha256:` over the compact JSON of the format, sources, scopes, routes and access groups
/// (when present): the table's meaning, not the tool that wrote it.
pub fn digest(table: &Table) -> String {
    let mut content = serde_json::json!({
        "format": table.format,
        "format_version": table.format_version,
        "sources": table.sources,
        "scopes": table.scopes,
        "routes": table.routes,
    });
    if let Some(groups) = &table.access_groups {
        content["access_groups"] = serde_json::json!(groups);
    }
    format!(
        "sha256:{}",
        hex(&Sha256::digest(content.to_string().as_bytes()))
    )
}

/// The table as written to disk: pretty JSON with a final newline.
pub fn to_json(table: &Table) -> String {
    serde_json::to_string_pretty(table).expect("a table serializes") + "\n"
}

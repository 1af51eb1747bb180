//! Reading a layer: every shape mistake is collected with its place, not only the first.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, INVALID_GROUPS};
use crate::load::{self, Kind, NodeRef, SourceFile, Span};
use crate::runtime::groups::{Status, TokenScopes};

use super::model::*;

/// Reads one layer from text (for edits, which check their result before writing it).
pub fn parse_layer(path: &Path, text: String, platform: bool) -> Result<Layer, Vec<Diagnostic>> {
    let source = SourceFile::new(path, text);
    read_layer(source, platform)
}

/// Reading one file: every shape mistake is collected, not only the first.
struct Reader {
    layer: Layer,
    problems: Vec<Diagnostic>,
}

pub(super) fn read_layer(
    source: Arc<SourceFile>,
    platform: bool,
) -> Result<Layer, Vec<Diagnostic>> {
    let document = load::parse(&source, None).map_err(|e| {
        let span = e.span.unwrap_or(Span::empty(0));
        vec![Diagnostic::in_source(
            INVALID_GROUPS,
            Severity::Error,
            e.message,
            &source,
            span,
        )]
    })?;
    let mut reader = Reader {
        layer: Layer {
            source: source.clone(),
            platform,
            platform_file: None,
            table_file: None,
            applications: Vec::new(),
            default_group: None,
            groups: Vec::new(),
            stores: Vec::new(),
            clients: Vec::new(),
        },
        problems: Vec::new(),
    };
    reader.read(document.tree.root());
    if reader.problems.is_empty() {
        Ok(reader.layer)
    } else {
        Err(reader.problems)
    }
}

impl Reader {
    fn fail(&mut self, span: Span, message: impl Into<String>) {
        let p = self.layer.problem(span, message);
        self.problems.push(p);
    }

    /// The members of a mapping; `null` (a key with nothing under it) is an empty one.
    fn mapping<'t>(&mut self, node: NodeRef<'t>, what: &str) -> Vec<load::tree::Entry<'t>> {
        match node.kind() {
            Kind::Object => node.members().collect(),
            Kind::Null => Vec::new(),
            other => {
                self.fail(
                    node.span(),
                    format!("{what} must be a mapping, not a {}", other.name()),
                );
                Vec::new()
            }
        }
    }

    fn string(&mut self, node: NodeRef<'_>, what: &str) -> Option<String> {
        match node.kind() {
            Kind::String | Kind::Number | Kind::Bool => node.scalar_text().map(str::to_string),
            other => {
                self.fail(
                    node.span(),
                    format!("{what} must be a string, not a {}", other.name()),
                );
                None
            }
        }
    }

    /// `data` or `config`, as a key under `applications` or `permissions`.
    fn api_kind(&mut self, entry: &load::tree::Entry<'_>) -> Option<ApiKind> {
        let kind = ApiKind::parse(entry.key);
        if kind.is_none() {
            self.fail(
                entry.key_span,
                format!(
                    "unknown API kind `{}`; expected `data` or `config`",
                    entry.key
                ),
            );
        }
        kind
    }

    /// A string with its place.
    fn located(&mut self, node: NodeRef<'_>, what: &str) -> Option<Spanned<String>> {
        self.string(node, what).map(|value| Spanned {
            value,
            span: node.span(),
        })
    }

    fn strings(&mut self, node: NodeRef<'_>, what: &str) -> Vec<Spanned<String>> {
        match node.kind() {
            Kind::Array => node.items().filter_map(|i| self.located(i, what)).collect(),
            Kind::Null => Vec::new(),
            other => {
                self.fail(
                    node.span(),
                    format!("{what} must be a list, not a {}", other.name()),
                );
                Vec::new()
            }
        }
    }

    fn unknown(&mut self, entry: &load::tree::Entry<'_>, allowed: &[&str], within: &str) {
        self.fail(
            entry.key_span,
            format!(
                "unknown key `{}` in {within}; expected one of: {}",
                entry.key,
                allowed.join(", ")
            ),
        );
    }

    fn read(&mut self, root: NodeRef<'_>) {
        if root.kind() != Kind::Object {
            self.fail(root.span(), "a groups file must be a mapping");
            return;
        }
        const BRAND: [&str; 9] = [
            "version",
            "layer",
            "platform",
            "table",
            "applications",
            "default-group",
            "groups",
            "stores",
            "clients",
        ];
        const PLATFORM: [&str; 4] = ["version", "layer", "applications", "groups"];
        let allowed: &[&str] = if self.layer.platform {
            &PLATFORM
        } else {
            &BRAND
        };
        match root.get("version") {
            None => self.fail(Span::empty(root.span().start as usize), "`version: 1` is missing"),
            Some(v) if v.scalar_text() == Some("1") => {}
            Some(v) => self.fail(
                v.span(),
                format!("groups file version `{}` is not supported (this build reads version {VERSION})", v.scalar_text().unwrap_or("?")),
            ),
        }
        let layer = root.get_str("layer").unwrap_or("brand");
        match (layer, self.layer.platform) {
            ("platform", true) | ("brand", false) => {}
            ("platform", false) => self.fail(
                root.entry("layer").expect("present").value.span(),
                "this is a platform layer; name it from the brand's file with `platform:`",
            ),
            ("brand", true) => self.fail(
                root.entry("layer").map_or(root.span(), |e| e.value.span()),
                "the file named by `platform:` must say `layer: platform`",
            ),
            (other, _) => self.fail(
                root.entry("layer").expect("present").value.span(),
                format!("unknown layer `{other}`; expected `brand` or `platform`"),
            ),
        }
        for entry in root.members() {
            let value = entry.value;
            match entry.key {
                "version" | "layer" => {}
                key if !allowed.contains(&key) => {
                    if BRAND.contains(&key) {
                        self.fail(
                            entry.key_span,
                            format!("`{key}` belongs in the brand's file, not the platform layer"),
                        );
                    } else {
                        self.unknown(&entry, allowed, "a groups file");
                    }
                }
                "platform" => {
                    if let Some(p) = self.string(value, "`platform`") {
                        let dir = self.layer.source.path.parent().unwrap_or(Path::new(""));
                        self.layer.platform_file = Some(Spanned {
                            value: dir.join(p),
                            span: value.span(),
                        });
                    }
                }
                "table" => {
                    if let Some(t) = self.string(value, "`table`") {
                        let dir = self.layer.source.path.parent().unwrap_or(Path::new(""));
                        self.layer.table_file = Some(Spanned {
                            value: dir.join(t),
                            span: value.span(),
                        });
                    }
                }
                "applications" => {
                    for kind_entry in self.mapping(value, "`applications`") {
                        let Some(kind) = self.api_kind(&kind_entry) else {
                            continue;
                        };
                        for app in self.strings(kind_entry.value, "an application id") {
                            self.layer.applications.push((app, kind));
                        }
                    }
                }
                "default-group" => {
                    self.layer.default_group = self.located(value, "`default-group`")
                }
                "groups" => {
                    for g in self.mapping(value, "`groups`") {
                        if let Some(group) = self.group(&g) {
                            self.layer.groups.push(group);
                        }
                    }
                }
                "stores" => {
                    for s in self.mapping(value, "`stores`") {
                        let store = self.store(&s);
                        self.layer.stores.push(store);
                    }
                }
                "clients" => {
                    for c in self.mapping(value, "`clients`") {
                        let client = self.client(&c);
                        self.layer.clients.push(client);
                    }
                }
                _ => unreachable!("every allowed key is matched"),
            }
        }
    }

    fn group(&mut self, entry: &load::tree::Entry<'_>) -> Option<Group> {
        const KEYS: [&str; 9] = [
            "name",
            "description",
            "status",
            "created-at",
            "created-by",
            "updated-at",
            "updated-by",
            "permissions",
            "scopes",
        ];
        let mut group = Group {
            id: entry.key.to_string(),
            span: entry.key_span,
            name: String::new(),
            description: None,
            status: Status::Active,
            created_at: None,
            created_by: None,
            updated_at: None,
            updated_by: None,
            permissions: Vec::new(),
            scopes: Vec::new(),
            builtin: self.layer.platform,
        };
        let within = format!("group `{}`", entry.key);
        if !valid_id(entry.key) {
            self.fail(
                entry.key_span,
                format!("`{}` is not a valid group id: use lower case letters, digits, `-` and `_` (at most 64)", entry.key),
            );
        }
        let mut named = false;
        for e in self.mapping(entry.value, &within) {
            let v = e.value;
            match e.key {
                "name" => {
                    if let Some(n) = self.string(v, "`name`") {
                        group.name = n;
                        named = true;
                    }
                }
                "description" => group.description = self.string(v, "`description`"),
                "status" => match v.scalar_text() {
                    Some("active") => group.status = Status::Active,
                    Some("inactive") => group.status = Status::Inactive,
                    _ => self.fail(v.span(), "`status` must be `active` or `inactive`"),
                },
                "created-at" => group.created_at = self.string(v, "`created-at`"),
                "created-by" => group.created_by = self.string(v, "`created-by`"),
                "updated-at" => group.updated_at = self.string(v, "`updated-at`"),
                "updated-by" => group.updated_by = self.string(v, "`updated-by`"),
                "permissions" => {
                    for kind_entry in self.mapping(v, "`permissions`") {
                        let Some(kind) = self.api_kind(&kind_entry) else {
                            continue;
                        };
                        for p in self.mapping(kind_entry.value, "a permission kind") {
                            match p.value.scalar_text().and_then(Level::parse) {
                                Some(level) => group.permissions.push(Permission {
                                    kind,
                                    resource: p.key.to_string(),
                                    level,
                                    span: p.key_span,
                                }),
                                None => self.fail(
                                    p.value.span(),
                                    format!(
                                        "the permission on `{}` must be one of: {}",
                                        p.key,
                                        Level::NAMES.join(", ")
                                    ),
                                ),
                            }
                        }
                    }
                }
                "scopes" => group.scopes = self.strings(v, "a scope"),
                _ => self.unknown(&e, &KEYS, &within),
            }
        }
        if !named {
            self.fail(
                entry.key_span,
                format!("group `{}` has no `name`", entry.key),
            );
        }
        Some(group)
    }

    fn store(&mut self, entry: &load::tree::Entry<'_>) -> Store {
        let mut store = Store {
            id: entry.key.to_string(),
            span: entry.key_span,
            name: None,
            group: None,
            tills: Vec::new(),
            stamps: Stamps::default(),
        };
        let within = format!("store `{}`", entry.key);
        for e in self.mapping(entry.value, &within) {
            match e.key {
                "name" => store.name = self.string(e.value, "`name`"),
                "group" => store.group = self.located(e.value, "`group`"),
                "tills" => store.tills = self.strings(e.value, "a till id"),
                key if STAMP_KEYS.contains(&key) => self.stamp(&e, &mut store.stamps),
                _ => self.unknown(
                    &e,
                    &[&["name", "group", "tills"][..], &STAMP_KEYS].concat(),
                    &within,
                ),
            }
        }
        store
    }

    fn client(&mut self, entry: &load::tree::Entry<'_>) -> Client {
        let mut client = Client {
            id: entry.key.to_string(),
            span: entry.key_span,
            name: None,
            group: None,
            token_scopes: None,
            stamps: Stamps::default(),
        };
        let within = format!("client `{}`", entry.key);
        for e in self.mapping(entry.value, &within) {
            match e.key {
                "name" => client.name = self.string(e.value, "`name`"),
                "group" => client.group = self.located(e.value, "`group`"),
                "token-scopes" => {
                    client.token_scopes = self.located(e.value, "`token-scopes`").and_then(|v| {
                        match v.value.as_str() {
                            "replace" => Some(TokenScopes::Replace),
                            "intersect" => Some(TokenScopes::Intersect),
                            other => {
                                self.fail(
                                    v.span,
                                    format!(
                                        "{within}: `token-scopes` is `replace` or `intersect`, not `{other}`"
                                    ),
                                );
                                None
                            }
                        }
                        .map(|value| Spanned {
                            value,
                            span: v.span,
                        })
                    })
                }
                key if STAMP_KEYS.contains(&key) => self.stamp(&e, &mut client.stamps),
                _ => self.unknown(
                    &e,
                    &[&["name", "group", "token-scopes"][..], &STAMP_KEYS].concat(),
                    &within,
                ),
            }
        }
        client
    }

    fn stamp(&mut self, e: &load::tree::Entry<'_>, stamps: &mut Stamps) {
        let what = format!("`{}`", e.key);
        let value = self.string(e.value, &what);
        match e.key {
            "created-at" => stamps.created_at = value,
            "created-by" => stamps.created_by = value,
            "updated-at" => stamps.updated_at = value,
            _ => stamps.updated_by = value,
        }
    }
}

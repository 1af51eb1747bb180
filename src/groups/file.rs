//! The groups file: its format, read with scopegate's positioned loader so that every mistake
//! is reported with its file, line and column.
//!
//! ```yaml
//! version: 1
//! platform: platform-groups.yaml   # the built-in groups, owned by the platform (relative path)
//! table: permissions.json          # what changes are checked against without --table
//! applications:                    # which application ids are data APIs and config APIs
//!   data: [sales-order, loyalty]
//!   config: [store]
//! default-group: pos               # for stores and API clients without a group
//! groups:
//!   wechat:
//!     name: WeChat integration
//!     description: Orders and points from the mini program
//!     status: active               # active | inactive
//!     created-at: 2026-11-23T10:00:00Z
//!     created-by: alice
//!     updated-at: 2026-11-23T10:00:00Z
//!     updated-by: alice
//!     permissions:                 # per API kind and resource: none | read | write | read-write
//!       data:
//!         loyalty: read-write
//!     scopes: [sales-order.read]   # scopes by name, besides the permissions
//! stores:
//!   store-001:
//!     name: Berlin Mitte
//!     group: wechat                # its tills inherit it
//!     tills: [till-001-1, till-001-2]
//! clients:                         # OAuth API clients
//!   wechat-bridge:
//!     group: wechat
//! ```
//!
//! The platform layer has the same shape with `layer: platform` and only `version`,
//! `applications` and `groups`; its groups are the built-in ones.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::load::{self, Kind, NodeRef, SourceFile, Span};
use crate::runtime::groups::{Status, Via};

/// The only groups file version this build reads.
pub const VERSION: u32 = 1;

/// A mistake in a groups file, at its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Problems, one per line.
pub fn describe(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A value with the file and span it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiKind {
    Data,
    Config,
}

impl ApiKind {
    pub fn name(self) -> &'static str {
        match self {
            ApiKind::Data => "data",
            ApiKind::Config => "config",
        }
    }

    fn parse(s: &str) -> Option<ApiKind> {
        match s {
            "data" => Some(ApiKind::Data),
            "config" => Some(ApiKind::Config),
            _ => None,
        }
    }
}

/// `none`, `read`, `write` or `read-write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    None,
    Read,
    Write,
    ReadWrite,
}

impl Level {
    pub const NAMES: [&'static str; 4] = ["none", "read", "write", "read-write"];

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "none" => Some(Level::None),
            "read" => Some(Level::Read),
            "write" => Some(Level::Write),
            "read-write" => Some(Level::ReadWrite),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        Level::NAMES[self as usize]
    }

    pub fn reads(self) -> bool {
        matches!(self, Level::Read | Level::ReadWrite)
    }

    pub fn writes(self) -> bool {
        matches!(self, Level::Write | Level::ReadWrite)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub kind: ApiKind,
    pub resource: String,
    pub level: Level,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    /// The key's span.
    pub span: Span,
    pub name: String,
    pub description: Option<String>,
    pub status: Status,
    pub created_at: Option<String>,
    pub created_by: Option<String>,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    pub permissions: Vec<Permission>,
    pub scopes: Vec<At<String>>,
    /// From the platform layer.
    pub builtin: bool,
}

#[derive(Debug, Clone)]
pub struct Store {
    pub id: String,
    pub span: Span,
    pub name: Option<String>,
    pub group: Option<At<String>>,
    pub tills: Vec<At<String>>,
    pub stamps: Stamps,
}

/// Who created and last changed a store or client, and when (set by `scopegate groups`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamps {
    pub created_at: Option<String>,
    pub created_by: Option<String>,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

/// The keys of [`Stamps`].
const STAMP_KEYS: [&str; 4] = ["created-at", "created-by", "updated-at", "updated-by"];

#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub span: Span,
    pub name: Option<String>,
    pub group: Option<At<String>>,
    pub stamps: Stamps,
}

/// One file: the brand's, or the platform's.
#[derive(Debug, Clone)]
pub struct Layer {
    pub source: Arc<SourceFile>,
    pub platform: bool,
    /// The platform file named by a brand file, resolved against the brand file's directory.
    pub platform_file: Option<At<PathBuf>>,
    /// The permission table that changes are checked against when no `--table` is given
    /// (`table:`, relative to the brand file).
    pub table_file: Option<At<PathBuf>>,
    pub applications: Vec<(At<String>, ApiKind)>,
    pub default_group: Option<At<String>>,
    pub groups: Vec<Group>,
    pub stores: Vec<Store>,
    pub clients: Vec<Client>,
}

/// The brand's file with the platform layer it names.
#[derive(Debug, Clone)]
pub struct GroupsFile {
    pub brand: Layer,
    pub platform: Option<Layer>,
}

impl Layer {
    pub fn problem(&self, span: Span, message: impl Into<String>) -> Problem {
        let p = self.source.position(span.start as usize);
        Problem {
            file: self.source.path.clone(),
            line: p.line,
            column: p.column,
            message: message.into(),
        }
    }
}

impl GroupsFile {
    /// Every group, built-in ones first, then the brand's, each in file order.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.platform
            .iter()
            .flat_map(|p| p.groups.iter())
            .chain(self.brand.groups.iter())
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups().find(|g| g.id == id)
    }

    /// Application id → kind, from both layers.
    pub fn application_kinds(&self) -> BTreeMap<&str, ApiKind> {
        self.platform
            .iter()
            .chain(std::iter::once(&self.brand))
            .flat_map(|l| l.applications.iter())
            .map(|(app, kind)| (app.value.as_str(), *kind))
            .collect()
    }

    /// Stores assigned to `group` explicitly, and stores that fall to it as the default.
    pub fn stores_of(&self, group: &str) -> (Vec<&Store>, Vec<&Store>) {
        self.members(&self.brand.stores, |s| s.group.as_ref(), group)
    }

    /// API clients assigned to `group` explicitly, and those that fall to it as the default.
    pub fn clients_of(&self, group: &str) -> (Vec<&Client>, Vec<&Client>) {
        self.members(&self.brand.clients, |c| c.group.as_ref(), group)
    }

    /// The group of a store or API client: its own (`via`), else the default group.
    pub fn effective_group<'a>(
        &'a self,
        own: Option<&'a At<String>>,
        via: Via,
    ) -> (Option<&'a str>, Via) {
        match (own, &self.brand.default_group) {
            (Some(g), _) => (Some(g.value.as_str()), via),
            (None, Some(d)) => (Some(d.value.as_str()), Via::Default),
            (None, None) => (None, Via::None),
        }
    }

    /// A known till's or API client's group, as `effective_group` gives it.
    pub fn client_group(&self, id: &str) -> Option<(Option<&str>, Via)> {
        if let Some(c) = self.brand.clients.iter().find(|c| c.id == id) {
            return Some(self.effective_group(c.group.as_ref(), Via::Client));
        }
        self.brand
            .stores
            .iter()
            .find(|s| s.tills.iter().any(|t| t.value == id))
            .map(|s| self.effective_group(s.group.as_ref(), Via::Store))
    }

    fn members<'a, T>(
        &self,
        all: &'a [T],
        group_of: impl Fn(&T) -> Option<&At<String>>,
        group: &str,
    ) -> (Vec<&'a T>, Vec<&'a T>) {
        let is_default = self
            .brand
            .default_group
            .as_ref()
            .is_some_and(|d| d.value == group);
        let assigned = all
            .iter()
            .filter(|m| group_of(m).is_some_and(|g| g.value == group))
            .collect();
        let by_default = all
            .iter()
            .filter(|m| is_default && group_of(m).is_none())
            .collect();
        (assigned, by_default)
    }

    /// The consistency rules, beyond each file's own shape: built-in ids are not redefined,
    /// references point at groups that exist, client ids are unique across tills and API
    /// clients, and an application has one kind.
    pub fn consistency(&self) -> Vec<Problem> {
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

/// Reads the brand file at `path` and the platform file it names.
pub fn load(path: &Path) -> Result<GroupsFile, Vec<Problem>> {
    with_platform(load_layer(path, false)?)
}

/// A brand layer (read from disk or from elsewhere, such as a git revision) with the platform
/// file it names, read from disk.
pub fn with_platform(brand: Layer) -> Result<GroupsFile, Vec<Problem>> {
    let platform = match &brand.platform_file {
        None => None,
        Some(file) => {
            if !file.value.is_file() {
                return Err(vec![brand.problem(
                    file.span,
                    format!("the platform layer {} cannot be read", file.value.display()),
                )]);
            }
            Some(load_layer(&file.value, true)?)
        }
    };
    Ok(GroupsFile { brand, platform })
}

/// Reads one layer from text (for edits, which check their result before writing it).
pub fn parse_layer(path: &Path, text: String, platform: bool) -> Result<Layer, Vec<Problem>> {
    let source = SourceFile::new(path, text);
    read_layer(source, platform)
}

fn load_layer(path: &Path, platform: bool) -> Result<Layer, Vec<Problem>> {
    let source = load::read_source(path).map_err(|e| {
        let at = match (&e.source, e.span) {
            (Some(source), Some(span)) => Some(source.position(span.start as usize)),
            _ => None,
        };
        vec![Problem {
            file: path.to_path_buf(),
            line: at.map_or(1, |p| p.line),
            column: at.map_or(1, |p| p.column),
            message: e.message,
        }]
    })?;
    read_layer(source, platform)
}

/// Reading one file: every shape mistake is collected, not only the first.
struct Reader {
    layer: Layer,
    problems: Vec<Problem>,
}

fn read_layer(source: Arc<SourceFile>, platform: bool) -> Result<Layer, Vec<Problem>> {
    let document = load::parse(&source, None).map_err(|e| {
        let at = e.span.map(|s| source.position(s.start as usize));
        vec![Problem {
            file: source.path.clone(),
            line: at.map_or(1, |p| p.line),
            column: at.map_or(1, |p| p.column),
            message: e.message,
        }]
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
    fn located(&mut self, node: NodeRef<'_>, what: &str) -> Option<At<String>> {
        self.string(node, what).map(|value| At {
            value,
            span: node.span(),
        })
    }

    fn strings(&mut self, node: NodeRef<'_>, what: &str) -> Vec<At<String>> {
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
                        self.layer.platform_file = Some(At {
                            value: dir.join(p),
                            span: value.span(),
                        });
                    }
                }
                "table" => {
                    if let Some(t) = self.string(value, "`table`") {
                        let dir = self.layer.source.path.parent().unwrap_or(Path::new(""));
                        self.layer.table_file = Some(At {
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
        if !super::manage::valid_id(entry.key) {
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
                    &[
                        "name",
                        "group",
                        "tills",
                        "created-at",
                        "created-by",
                        "updated-at",
                        "updated-by",
                    ],
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
            stamps: Stamps::default(),
        };
        let within = format!("client `{}`", entry.key);
        for e in self.mapping(entry.value, &within) {
            match e.key {
                "name" => client.name = self.string(e.value, "`name`"),
                "group" => client.group = self.located(e.value, "`group`"),
                key if STAMP_KEYS.contains(&key) => self.stamp(&e, &mut client.stamps),
                _ => self.unknown(
                    &e,
                    &[
                        "name",
                        "group",
                        "created-at",
                        "created-by",
                        "updated-at",
                        "updated-by",
                    ],
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

//! The groups file's types: layers, groups, stores, tills, clients, each with where it was read.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, INVALID_GROUPS};
use crate::load::{SourceFile, Span};
use crate::runtime::groups::{Status, TokenScopes, Via};

/// The only groups file version this build reads.
pub const VERSION: u32 = 1;

/// Problems, one per line.
pub fn list_problems(problems: &[Diagnostic]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A value and the span it was read from in its layer's file (the [`Layer`] holds the file;
/// the model's `Located` carries a whole location, file and pointer too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
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

    pub(super) fn parse(s: &str) -> Option<ApiKind> {
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
    pub scopes: Vec<Spanned<String>>,
    /// From the platform layer.
    pub builtin: bool,
}

#[derive(Debug, Clone)]
pub struct Store {
    pub id: String,
    pub span: Span,
    pub name: Option<String>,
    pub group: Option<Spanned<String>>,
    pub tills: Vec<Spanned<String>>,
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
pub(super) const STAMP_KEYS: [&str; 4] = ["created-at", "created-by", "updated-at", "updated-by"];

#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub span: Span,
    pub name: Option<String>,
    pub group: Option<Spanned<String>>,
    /// `token-scopes`: what the group does to the scopes of the client's own tokens.
    pub token_scopes: Option<Spanned<TokenScopes>>,
    pub stamps: Stamps,
}

/// One file: the brand's, or the platform's.
#[derive(Debug, Clone)]
pub struct Layer {
    pub source: Arc<SourceFile>,
    pub platform: bool,
    /// The platform file named by a brand file, resolved against the brand file's directory.
    pub platform_file: Option<Spanned<PathBuf>>,
    /// The permission table that changes are checked against when no `--table` is given
    /// (`table:`, relative to the brand file).
    pub table_file: Option<Spanned<PathBuf>>,
    pub applications: Vec<(Spanned<String>, ApiKind)>,
    pub default_group: Option<Spanned<String>>,
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
    /// A mistake in this layer's file (`invalid-groups`), at `span`.
    pub fn problem(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::in_source(INVALID_GROUPS, Severity::Error, message, &self.source, span)
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
        own: Option<&'a Spanned<String>>,
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
        group_of: impl Fn(&T) -> Option<&Spanned<String>>,
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
}

/// Till ids are basic-auth user names: 1 to 256 visible ASCII characters without `:` (which
/// ends the user name in a basic-auth header).
pub fn valid_till(id: &str) -> bool {
    !id.is_empty() && id.len() <= 256 && id.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// Group, store and client ids: lower case letters, digits, `-` and `_`, starting with a letter
/// or digit, so that they are safe in YAML keys, URLs and log lines.
pub fn valid_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && id.len() <= 64
}

//! Access groups as the runtime sees them: each group's scopes already resolved against the
//! table, and each client (a store's till, or an OAuth API client) already resolved to its
//! group. `scopegate compile --groups` embeds this in the table as `access_groups`; the CLI
//! builds it from a groups file for `check --groups` and `serve --groups`.
//!
//! The groups file itself (layers, permissions per resource, stores and tills, editing) is the
//! `groups` module's business; the runtime only needs what is below, so it stays free of the
//! YAML parser.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{TableError, TableErrorKind};

/// The access groups resolved against a table (`compile --groups` embeds them as the table's
/// `access_groups`): each group's scopes, and each known client's group, so that a service
/// decides for basic-auth tills and API clients from the table alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessGroups {
    /// The brand's default group, for stores and clients with none of their own.
    pub default_group: Option<String>,
    /// Sorted by id.
    pub groups: Vec<GroupGrant>,
    /// Every known client principal, sorted by id.
    pub clients: Vec<ClientGroup>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
/// Whether a group grants anything: an inactive group's clients are denied
/// (`inactive-group`).
pub enum Status {
    /// Grants its scopes.
    Active,
    /// Grants nothing.
    Inactive,
}

impl Status {
    /// As the groups file and the table write it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
        }
    }
}

/// A group and the scopes it grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupGrant {
    /// The group's id, as the groups file names it.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Active or inactive.
    pub status: Status,
    /// From the platform layer: not editable by a brand.
    pub builtin: bool,
    /// Sorted; `uid` is implied for every authenticated principal and not listed.
    pub scopes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
/// What kind of client principal: a till or an API client.
pub enum ClientKind {
    /// A store's till, authenticated with basic auth; it inherits its store's group.
    Till,
    /// An OAuth API client whose token carries no useful scopes.
    ApiClient,
}

/// How a client came by its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// Its store's group (tills).
    Store,
    /// Assigned to the client itself (API clients).
    Client,
    /// The brand's default group.
    Default,
    /// No group and no default: every request is denied.
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// A known client principal and the group it gets.
pub struct ClientGroup {
    /// The till id (basic-auth user name) or OAuth client id.
    pub id: String,
    /// A till or an API client.
    pub kind: ClientKind,
    /// The till's store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// `None` only with `via: none`.
    pub group: Option<String>,
    /// Where its group comes from: its store, its own assignment, the default, or nowhere.
    pub via: Via,
    /// For an API client that presents tokens with scopes of their own: whether its group
    /// replaces them (the default) or only what both grant is granted.
    #[serde(default, skip_serializing_if = "TokenScopes::is_replace")]
    pub token_scopes: TokenScopes,
}

/// What an API client's group does to the scopes of the client's own tokens.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum TokenScopes {
    /// The group's scopes are granted, whatever the token says.
    #[default]
    Replace,
    /// Only scopes both the token and the group grant are granted.
    Intersect,
}

impl TokenScopes {
    /// As the groups file and the table write it.
    pub fn name(self) -> &'static str {
        match self {
            TokenScopes::Replace => "replace",
            TokenScopes::Intersect => "intersect",
        }
    }

    fn is_replace(&self) -> bool {
        *self == TokenScopes::Replace
    }
}

impl AccessGroups {
    /// Refuses what the evaluator could not resolve: duplicate ids, a client in a group that
    /// does not exist, a default that does not exist.
    pub fn check(&self) -> Result<(), TableError> {
        let fail = |m: String| {
            Err(TableError::new(
                TableErrorKind::Invalid,
                format!("invalid access groups: {m}"),
            ))
        };
        let mut ids = BTreeSet::new();
        for g in &self.groups {
            if !ids.insert(g.id.as_str()) {
                return fail(format!("group `{}` appears twice", g.id));
            }
        }
        if let Some(d) = &self.default_group {
            if !ids.contains(d.as_str()) {
                return fail(format!("the default group `{d}` does not exist"));
            }
        }
        let mut clients = BTreeSet::new();
        for c in &self.clients {
            if !clients.insert(c.id.as_str()) {
                return fail(format!("client `{}` appears twice", c.id));
            }
            match (&c.group, c.via) {
                (None, Via::None) => {}
                (None, _) | (Some(_), Via::None) => {
                    return fail(format!("client `{}`: `group` and `via` disagree", c.id))
                }
                (Some(g), _) if !ids.contains(g.as_str()) => {
                    return fail(format!(
                        "client `{}` is in group `{g}`, which does not exist",
                        c.id
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The group with this id.
    pub fn group(&self, id: &str) -> Option<&GroupGrant> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The client (till or API client) with this id.
    pub fn client(&self, id: &str) -> Option<&ClientGroup> {
        self.clients.iter().find(|c| c.id == id)
    }
}

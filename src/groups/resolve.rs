//! Groups file + permission table → what each group grants, and each client's group.
//!
//! A permission `(kind, resource, level)` grants every scope of the table whose application is
//! of that kind, whose resource is that resource (a resource-specific scope's resource-id, or
//! the application id for a standard scope), and whose access the level covers. Scopes a group
//! lists by name are granted as they are.

use std::collections::{BTreeMap, BTreeSet};

use crate::runtime::groups::{
    AccessGroups, ClientGroup, ClientKind, GroupGrant, Status, TokenScopes, Via,
};
use crate::runtime::table::{AccessType, ScopeInfo, Table};
use crate::runtime::{Evaluator, Grant, Options, Principal};

use super::file::{ApiKind, Group, GroupsFile, Permission};
use crate::diagnostic::Diagnostic;

/// The resource a scope belongs to: its resource-id, or its application id when standard.
pub fn resource_of(scope: &ScopeInfo) -> &str {
    scope.resource.as_deref().unwrap_or(&scope.application)
}

/// Whether `permission` grants `scope`, given the applications' kinds.
pub fn grants(permission: &Permission, scope: &ScopeInfo, kinds: &BTreeMap<&str, ApiKind>) -> bool {
    kinds.get(scope.application.as_str()) == Some(&permission.kind)
        && resource_of(scope) == permission.resource
        && match scope.access {
            AccessType::Read => permission.level.reads(),
            AccessType::Write => permission.level.writes(),
        }
}

/// The scopes `group` grants against `table`, sorted (`uid` not included).
pub fn group_scopes(file: &GroupsFile, group: &Group, table: &Table) -> BTreeSet<String> {
    let kinds = file.application_kinds();
    let mut scopes: BTreeSet<String> = table
        .scopes
        .iter()
        .filter(|s| group.permissions.iter().any(|p| grants(p, s, &kinds)))
        .map(|s| s.name.clone())
        .collect();
    scopes.extend(group.scopes.iter().map(|s| s.value.clone()));
    scopes.remove(crate::runtime::principal::UID);
    scopes
}

/// The runtime form: refused while the files are inconsistent (a missing group, a redefined
/// built-in, a duplicate client id).
pub fn resolve(file: &GroupsFile, table: &Table) -> Result<AccessGroups, Vec<Diagnostic>> {
    let problems = file.consistency();
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut groups: Vec<GroupGrant> = file
        .groups()
        .map(|g| GroupGrant {
            id: g.id.clone(),
            name: g.name.clone(),
            status: g.status,
            builtin: g.builtin,
            scopes: group_scopes(file, g, table).into_iter().collect(),
        })
        .collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    let default = file.brand.default_group.as_ref().map(|d| d.value.clone());
    let pick = |own, via| {
        let (group, via) = file.effective_group(own, via);
        (group.map(str::to_string), via)
    };
    let mut clients = Vec::new();
    for store in &file.brand.stores {
        for till in &store.tills {
            let (group, via) = pick(store.group.as_ref(), Via::Store);
            clients.push(ClientGroup {
                id: till.value.clone(),
                kind: ClientKind::Till,
                store: Some(store.id.clone()),
                group,
                via,
                token_scopes: TokenScopes::Replace,
            });
        }
    }
    for client in &file.brand.clients {
        let (group, via) = pick(client.group.as_ref(), Via::Client);
        clients.push(ClientGroup {
            id: client.id.clone(),
            kind: ClientKind::ApiClient,
            store: None,
            group,
            via,
            token_scopes: client
                .token_scopes
                .as_ref()
                .map_or(TokenScopes::Replace, |t| t.value),
        });
    }
    clients.sort_by(|a, b| a.id.cmp(&b.id));
    let access = AccessGroups {
        default_group: default,
        groups,
        clients,
    };
    access.check().map_err(|e| {
        vec![file
            .brand
            .problem(crate::load::Span::empty(0), e.to_string())]
    })?;
    Ok(access)
}

/// Loads the groups file at `path` (and its platform layer) and resolves it against `table`;
/// the error is every problem, at its place.
pub fn from_file(path: &std::path::Path, table: &Table) -> Result<AccessGroups, Vec<Diagnostic>> {
    resolve(&super::load(path)?, table)
}

/// What holding scopes allows, decided by the evaluator's own rule
/// ([`Evaluator::allows`]): the matrix, `show`, the preview of a change and inference ask this,
/// so they cannot disagree with a decision in production.
pub struct Decider {
    evaluator: Evaluator,
}

impl Decider {
    pub fn new(table: &Table) -> Decider {
        Decider {
            evaluator: Evaluator::new(table.clone(), Options::default()),
        }
    }

    /// An authenticated principal holding `scopes` (and `uid`).
    pub fn grant(&self, scopes: &BTreeSet<String>) -> Grant {
        self.evaluator.grant(&Principal::Scopes(scopes.clone()))
    }

    /// Whether `grant` may call the table's route `route` (an index into its routes).
    pub fn allows(&self, grant: &Grant, route: usize) -> bool {
        self.evaluator.allows(grant, route)
    }

    /// The indices of the routes that holding `scopes` allows, in table order.
    pub fn routes(&self, scopes: &BTreeSet<String>) -> Vec<usize> {
        let grant = self.grant(scopes);
        (0..self.evaluator.table().routes.len())
            .filter(|&i| self.evaluator.allows(&grant, i))
            .collect()
    }

    /// The routes the holders of `group` (its stores' tills, its clients) may call: its
    /// scopes' routes while it is active, none when it is inactive.
    pub fn holder_routes(&self, file: &GroupsFile, group: &Group) -> Vec<usize> {
        if group.status != Status::Active {
            return Vec::new();
        }
        self.routes(&group_scopes(file, group, self.evaluator.table()))
    }

    /// A route as people read it: `METHOD /base/path`, the path as a gateway sees it.
    pub fn label(&self, route: usize) -> String {
        let table = self.evaluator.table();
        let r = &table.routes[route];
        format!("{} {}", r.method, r.gateway_path(table))
    }
}

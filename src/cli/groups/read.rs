//! The reading commands of `scopegate groups` that print groups: `list`, `search` and `show`.

use std::path::Path;

use serde_json::json;

use scopegate::groups::{file, matrix, resolve, GroupsFile};
use scopegate::runtime::groups::Status;

use super::super::exit;
use super::{load_table, Format, StatusFilter};

pub(super) fn list(file: &GroupsFile, status: StatusFilter, format: Format) -> i32 {
    list_where(
        file,
        &|g| match status {
            StatusFilter::All => true,
            StatusFilter::Active => g.status == Status::Active,
            StatusFilter::Inactive => g.status == Status::Inactive,
        },
        format,
    );
    exit::OK
}

/// Prints the groups `keep` selects, as a table with a header or as JSON; returns how many.
pub(super) fn list_where(
    file: &GroupsFile,
    keep: &dyn Fn(&file::Group) -> bool,
    format: Format,
) -> usize {
    let rows: Vec<_> = file
        .groups()
        .filter(|g| keep(g))
        .map(|g| {
            let (stores, default_stores) = file.stores_of(&g.id);
            let (clients, default_clients) = file.clients_of(&g.id);
            let is_default = file
                .brand
                .default_group
                .as_ref()
                .is_some_and(|d| d.value == g.id);
            (
                g,
                stores.len(),
                default_stores.len(),
                clients.len() + default_clients.len(),
                is_default,
            )
        })
        .collect();
    if format == Format::Json {
        let out: Vec<_> = rows
            .iter()
            .map(|(g, stores, default_stores, clients, is_default)| {
                json!({"id": g.id, "name": g.name, "status": g.status.name(),
                       "builtin": g.builtin, "default": is_default, "stores": stores,
                       "stores_by_default": default_stores, "clients": clients})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        return rows.len();
    }
    if rows.is_empty() {
        return 0;
    }
    // Display width, not characters: a wide (CJK) name takes two columns a character.
    let id_w = rows
        .iter()
        .map(|r| matrix::columns(&r.0.id))
        .max()
        .unwrap_or(2)
        .max(2);
    let name_w = rows
        .iter()
        .map(|r| matrix::columns(&r.0.name))
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{}  {}  {:8}  {:8}  {:>6}  {:>7}",
        matrix::pad("id", id_w),
        matrix::pad("name", name_w),
        "status",
        "kind",
        "stores",
        "clients"
    );
    for (g, stores, default_stores, clients, is_default) in &rows {
        let kind = if g.builtin { "built-in" } else { "custom" };
        let stores = if *default_stores > 0 {
            format!("{stores}+{default_stores}")
        } else {
            stores.to_string()
        };
        println!(
            "{}  {}  {:8}  {:8}  {:>6}  {:>7}{}",
            matrix::pad(&g.id, id_w),
            matrix::pad(&g.name, name_w),
            g.status.name(),
            kind,
            stores,
            clients,
            if *is_default { "  (default)" } else { "" }
        );
    }
    if rows.iter().any(|r| r.2 > 0) {
        println!("(N+M stores: N assigned, M without a group of their own that get the default)");
    }
    rows.len()
}

pub(super) fn show(
    file: &GroupsFile,
    id: &str,
    table: Option<&Path>,
    format: Format,
) -> Result<i32, String> {
    let Some(g) = file.group(id) else {
        eprintln!(
            "scopegate: there is no group `{id}`{}",
            scopegate::suggest::did_you_mean(id, file.groups().map(|g| g.id.as_str()))
        );
        return Ok(exit::FINDINGS);
    };
    let (stores, default_stores) = file.stores_of(id);
    let (clients, default_clients) = file.clients_of(id);
    let store_ids = |v: &[&file::Store]| v.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    let client_ids = |v: &[&file::Client]| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    let granted = match table {
        Some(path) => {
            let table = load_table(path)?;
            let scopes = resolve::group_scopes(file, g, &table);
            let decider = resolve::Decider::new(&table);
            let routes: Vec<String> = decider
                .routes(&scopes)
                .into_iter()
                .map(|i| decider.label(i))
                .collect();
            Some((scopes, routes, table.routes.len()))
        }
        None => None,
    };
    if format == Format::Json {
        let mut out = json!({
            "id": g.id, "name": g.name, "description": g.description,
            "status": g.status.name(), "builtin": g.builtin,
            "created_at": g.created_at, "created_by": g.created_by,
            "updated_at": g.updated_at, "updated_by": g.updated_by,
            "permissions": g.permissions.iter().map(|p| json!({
                "kind": p.kind.name(), "resource": p.resource, "level": p.level.name()
            })).collect::<Vec<_>>(),
            "scopes": g.scopes.iter().map(|s| &s.value).collect::<Vec<_>>(),
            "stores": store_ids(&stores), "stores_by_default": store_ids(&default_stores),
            "clients": client_ids(&clients), "clients_by_default": client_ids(&default_clients),
        });
        if let Some((scopes, routes, _)) = &granted {
            out["grants"] = json!(scopes);
            out["routes"] = json!(routes);
        }
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        return Ok(exit::OK);
    }
    println!("id:          {}", g.id);
    println!("name:        {}", g.name);
    if let Some(d) = &g.description {
        println!("description: {d}");
    }
    println!("status:      {}", g.status.name());
    println!(
        "kind:        {}",
        if g.builtin {
            "built-in (platform layer)"
        } else {
            "custom"
        }
    );
    if let (Some(at), Some(by)) = (&g.created_at, &g.created_by) {
        println!("created:     {at} by {by}");
    }
    if let (Some(at), Some(by)) = (&g.updated_at, &g.updated_by) {
        println!("updated:     {at} by {by}");
    }
    println!("permissions:");
    for p in &g.permissions {
        println!("  {}:{} = {}", p.kind.name(), p.resource, p.level.name());
    }
    if !g.scopes.is_empty() {
        println!(
            "scopes:      {}",
            g.scopes
                .iter()
                .map(|s| s.value.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let ids = |v: Vec<&str>| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(" ")
        }
    };
    println!(
        "stores:      {}",
        ids(stores.iter().map(|s| s.id.as_str()).collect())
    );
    if !default_stores.is_empty() {
        println!(
            "  by default: {}",
            ids(default_stores.iter().map(|s| s.id.as_str()).collect())
        );
    }
    println!(
        "clients:     {}",
        ids(clients.iter().map(|c| c.id.as_str()).collect())
    );
    if !default_clients.is_empty() {
        println!(
            "  by default: {}",
            ids(default_clients.iter().map(|c| c.id.as_str()).collect())
        );
    }
    if let Some((scopes, routes, total)) = granted {
        println!(
            "grants:      {}",
            ids(scopes.iter().map(String::as_str).collect())
        );
        println!("routes:      {} of {total} allowed", routes.len());
    }
    Ok(exit::OK)
}

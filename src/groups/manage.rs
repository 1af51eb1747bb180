//! What `scopegate groups` changes in the brand's file, and what it refuses.
//!
//! Every action checks the rules of SPEC section 8 against the loaded files first and refuses
//! with a message that says why and what to do instead; then it edits the text (see `edit`),
//! so comments, key order and formatting stay as they were. The caller writes the result only
//! after it has been read back and found consistent.

pub use super::file::{valid_id, valid_till};
use super::file::{ApiKind, GroupsFile, Level};
pub use super::holders::{HolderAction, NewStore};
use crate::load::edit::{self, Value};
use crate::runtime::groups::Status;

/// Who makes the change and when, for `created-*` and `updated-*`.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// A change to a group's permissions or scopes.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Set (or, with `Level::None` and `remove`, drop) a permission.
    pub permissions: Vec<(ApiKind, String, Level)>,
    pub remove_permissions: Vec<(ApiKind, String)>,
    pub add_scopes: Vec<String>,
    pub remove_scopes: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Action {
    Create {
        id: String,
        name: String,
        description: Option<String>,
        changes: Changes,
    },
    Edit {
        id: String,
        changes: Changes,
    },
    Activate(String),
    Deactivate(String),
    Delete(String),
    /// Stores into one group, in one edit (the same for 1 store or 500).
    AssignStores {
        group: String,
        stores: Vec<String>,
    },
    UnassignStores(Vec<String>),
    AssignClient {
        group: String,
        client: String,
    },
    UnassignClient(String),
    SetDefault(String),
    /// Stores, tills and API clients: see [`holders`](super::holders).
    Holder(HolderAction),
}

/// The edited text, and notes for the user (what else the change affects).
#[derive(Debug)]
pub struct Applied {
    pub text: String,
    pub notes: Vec<String>,
}

/// Why an action was refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<edit::EditError> for Refusal {
    fn from(e: edit::EditError) -> Refusal {
        Refusal(e.0)
    }
}

pub(super) fn list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.collect();
    let shown: Vec<String> = ids.iter().take(5).map(|i| format!("`{i}`")).collect();
    if ids.len() > 5 {
        format!("{} and {} more", shown.join(", "), ids.len() - 5)
    } else {
        shown.join(", ")
    }
}

/// Applies `action` to `text`, the brand file that `file` was loaded from.
pub fn apply(
    file: &GroupsFile,
    text: &str,
    action: &Action,
    stamp: &Stamp,
) -> Result<Applied, Refusal> {
    let mut notes = Vec::new();
    let editable = |id: &str| -> Result<(), Refusal> {
        match file.group(id) {
            None => Err(Refusal(format!("there is no group `{id}`"))),
            Some(g) if g.builtin => Err(Refusal(format!(
                "group `{id}` is built in (platform layer); a brand cannot edit, deactivate or delete it"
            ))),
            Some(_) => Ok(()),
        }
    };
    let assignable = |id: &str| assignable(file, id);
    let stamp_group = |text: &str, id: &str| stamp_updated(text, "groups", id, stamp);
    let text = match action {
        Action::Create {
            id,
            name,
            description,
            changes,
        } => {
            if !valid_id(id) {
                return Err(Refusal(format!(
                    "`{id}` is not a valid group id: use lower case letters, digits, `-` and `_` (at most 64)"
                )));
            }
            if let Some(g) = file.group(id) {
                return Err(Refusal(format!(
                    "group `{id}` exists already{}",
                    if g.builtin { " (built in)" } else { "" }
                )));
            }
            if name.trim().is_empty() {
                return Err(Refusal("a group needs a name".into()));
            }
            let mut entries = vec![("name".to_string(), Value::scalar(name))];
            if let Some(d) = description {
                entries.push(("description".into(), Value::scalar(d)));
            }
            entries.push(("status".into(), Value::scalar("active")));
            entries.extend(stamp_entries(stamp));
            let text = edit::set(text, &["groups", id], &Value::Map(entries))?;
            change_group(&text, id, changes, &[])?
        }
        Action::Edit { id, changes } => {
            editable(id)?;
            let group = file.group(id).expect("checked");
            let current: Vec<String> = group.scopes.iter().map(|s| s.value.clone()).collect();
            let mut text = text.to_string();
            if let Some(name) = &changes.name {
                if name.trim().is_empty() {
                    return Err(Refusal("a group needs a name".into()));
                }
                text = edit::set(&text, &["groups", id, "name"], &Value::scalar(name))?;
            }
            if let Some(d) = &changes.description {
                text = edit::set(&text, &["groups", id, "description"], &Value::scalar(d))?;
            }
            let text = change_group(&text, id, changes, &current)?;
            stamp_group(&text, id)?
        }
        Action::Activate(id) | Action::Deactivate(id) => {
            editable(id)?;
            let group = file.group(id).expect("checked");
            let want = if matches!(action, Action::Activate(_)) {
                Status::Active
            } else {
                Status::Inactive
            };
            if group.status == want {
                return Err(Refusal(format!(
                    "group `{id}` is {} already; nothing changed",
                    want.name()
                )));
            }
            if want == Status::Inactive {
                let (stores, _) = file.stores_of(id);
                if !stores.is_empty() {
                    return Err(Refusal(format!(
                        "group `{id}` still has {} store(s): {}; unassign them first (`scopegate groups unassign --store ID`)",
                        stores.len(),
                        list(stores.iter().map(|s| s.id.as_str()))
                    )));
                }
                if is_default(file, id) {
                    return Err(Refusal(format!(
                        "group `{id}` is the default group; set another default first (`scopegate groups default ID`)"
                    )));
                }
                let (clients, _) = file.clients_of(id);
                if !clients.is_empty() {
                    notes.push(format!(
                        "{} API client(s) in `{id}` will be denied (inactive-group): {}",
                        clients.len(),
                        list(clients.iter().map(|c| c.id.as_str()))
                    ));
                }
            }
            let text = edit::set(text, &["groups", id, "status"], &Value::scalar(want.name()))?;
            stamp_group(&text, id)?
        }
        Action::Delete(id) => {
            editable(id)?;
            if is_default(file, id) {
                return Err(Refusal(format!(
                    "group `{id}` is the default group and cannot be deleted; set another default first"
                )));
            }
            let (stores, _) = file.stores_of(id);
            let (clients, _) = file.clients_of(id);
            if !stores.is_empty() || !clients.is_empty() {
                return Err(Refusal(format!(
                    "group `{id}` is still assigned to {} store(s) and {} API client(s); unassign them first",
                    stores.len(),
                    clients.len()
                )));
            }
            edit::remove(text, &["groups", id])?
        }
        Action::AssignStores { group, stores } => {
            assignable(group)?;
            let mut edits = Vec::with_capacity(stores.len());
            for (i, store) in stores.iter().enumerate() {
                let Some(s) = file.brand.stores.iter().find(|s| s.id == *store) else {
                    return Err(Refusal(format!(
                        "there is no store `{store}`{}; add it first (`scopegate groups store add {store}`)",
                        crate::suggest::did_you_mean(store, file.brand.stores.iter().map(|s| s.id.as_str()))
                    )));
                };
                if stores[..i].contains(store) {
                    continue;
                }
                if s.group.as_ref().is_some_and(|g| g.value == *group) {
                    return Err(Refusal(format!(
                        "store `{store}` is in `{group}` already; nothing changed"
                    )));
                }
                notes.push(format!(
                    "{} till(s) of `{store}` now get `{group}`",
                    s.tills.len()
                ));
                edits.push((
                    vec!["stores", store.as_str(), "group"],
                    Value::scalar(group),
                ));
            }
            edit::set_many(text, &edits)?
        }
        Action::UnassignStores(stores) => {
            let mut paths = Vec::with_capacity(stores.len());
            for (i, store) in stores.iter().enumerate() {
                let Some(s) = file.brand.stores.iter().find(|s| s.id == *store) else {
                    return Err(Refusal(format!("there is no store `{store}`")));
                };
                if stores[..i].contains(store) {
                    continue;
                }
                if s.group.is_none() {
                    return Err(Refusal(format!(
                        "store `{store}` has no group of its own; nothing changed"
                    )));
                }
                notes.push(fallback(file, &format!("the tills of `{store}`")));
                paths.push(vec!["stores", store.as_str(), "group"]);
            }
            edit::remove_many(text, &paths)?
        }
        Action::AssignClient { group, client } => {
            assignable(group)?;
            if !valid_id(client) {
                return Err(Refusal(format!(
                    "`{client}` is not a valid client id: use lower case letters, digits, `-` and `_`"
                )));
            }
            if let Some(s) = file
                .brand
                .stores
                .iter()
                .find(|s| s.tills.iter().any(|t| t.value == *client))
            {
                return Err(Refusal(format!(
                    "`{client}` is a till of store `{}`; tills take their store's group (assign the store)",
                    s.id
                )));
            }
            match file.brand.clients.iter().find(|c| c.id == *client) {
                Some(c) if c.group.as_ref().is_some_and(|g| g.value == *group) => {
                    return Err(Refusal(format!(
                        "client `{client}` is in `{group}` already; nothing changed"
                    )));
                }
                Some(_) => {}
                None => notes.push(format!("added API client `{client}`")),
            }
            edit::set(text, &["clients", client, "group"], &Value::scalar(group))?
        }
        Action::UnassignClient(client) => {
            let Some(c) = file.brand.clients.iter().find(|c| c.id == *client) else {
                return Err(Refusal(format!("there is no API client `{client}`")));
            };
            if c.group.is_none() {
                return Err(Refusal(format!(
                    "client `{client}` has no group of its own; nothing changed"
                )));
            }
            notes.push(fallback(file, &format!("`{client}`")));
            edit::remove(text, &["clients", client, "group"])?
        }
        Action::Holder(action) => super::holders::apply(file, text, action, stamp, &mut notes)?,
        Action::SetDefault(id) => {
            assignable(id)?;
            if is_default(file, id) {
                return Err(Refusal(format!(
                    "`{id}` is the default group already; nothing changed"
                )));
            }
            edit::set(text, &["default-group"], &Value::scalar(id))?
        }
    };
    Ok(Applied { text, notes })
}

/// `created-at`, `created-by`, `updated-at` and `updated-by` for something new.
pub(super) fn stamp_entries(stamp: &Stamp) -> Vec<(String, Value)> {
    vec![
        ("created-at".into(), Value::scalar(&stamp.at)),
        ("created-by".into(), Value::scalar(&stamp.by)),
        ("updated-at".into(), Value::scalar(&stamp.at)),
        ("updated-by".into(), Value::scalar(&stamp.by)),
    ]
}

/// Sets `updated-at` and `updated-by` of the group, store or client `id` under `section`.
pub(super) fn stamp_updated(
    text: &str,
    section: &str,
    id: &str,
    stamp: &Stamp,
) -> Result<String, Refusal> {
    Ok(edit::set_many(
        text,
        &[
            (vec![section, id, "updated-at"], Value::scalar(&stamp.at)),
            (vec![section, id, "updated-by"], Value::scalar(&stamp.by)),
        ],
    )?)
}

/// A group stores and clients may be given: one that exists and is active.
pub(super) fn assignable(file: &GroupsFile, id: &str) -> Result<(), Refusal> {
    match file.group(id) {
        None => Err(Refusal(format!("there is no group `{id}`"))),
        Some(g) if g.status == Status::Inactive => Err(Refusal(format!(
            "group `{id}` is inactive; activate it first (`scopegate groups activate {id}`)"
        ))),
        Some(_) => Ok(()),
    }
}

fn is_default(file: &GroupsFile, id: &str) -> bool {
    file.brand
        .default_group
        .as_ref()
        .is_some_and(|d| d.value == id)
}

pub(super) fn fallback(file: &GroupsFile, who: &str) -> String {
    match &file.brand.default_group {
        Some(d) => format!("{who} now get the default group `{}`", d.value),
        None => {
            format!("{who} now have no group and no default: every request is denied (no-group)")
        }
    }
}

/// Permissions and scopes of one group.
fn change_group(
    text: &str,
    id: &str,
    changes: &Changes,
    current: &[String],
) -> Result<String, Refusal> {
    let mut text = text.to_string();
    for (kind, resource, level) in &changes.permissions {
        text = edit::set(
            &text,
            &["groups", id, "permissions", kind.name(), resource],
            &Value::scalar(level.name()),
        )?;
    }
    for (kind, resource) in &changes.remove_permissions {
        text = edit::remove(&text, &["groups", id, "permissions", kind.name(), resource])?;
    }
    if !changes.add_scopes.is_empty() || !changes.remove_scopes.is_empty() {
        let mut scopes: Vec<String> = current.to_vec();
        for s in &changes.add_scopes {
            if !scopes.contains(s) {
                scopes.push(s.clone());
            }
        }
        for s in &changes.remove_scopes {
            if !scopes.contains(s) {
                return Err(Refusal(format!("group `{id}` does not list scope `{s}`")));
            }
        }
        scopes.retain(|s| !changes.remove_scopes.contains(s));
        text = if scopes.is_empty() {
            edit::remove(&text, &["groups", id, "scopes"])?
        } else {
            edit::set(&text, &["groups", id, "scopes"], &Value::List(scopes))?
        };
    }
    Ok(text)
}

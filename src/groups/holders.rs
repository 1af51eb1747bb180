//! Stores, tills and API clients: what `scopegate groups store|till|client` changes in the
//! brand's file, and what it refuses.
//!
//! Like the group actions in [`manage`](super::manage), each action checks the files first and
//! refuses with a message that says what to do instead, then edits the text in place (see
//! [`edit`](super::edit)). Every store or client an action touches is stamped `updated-at` and
//! `updated-by`; a new one `created-at` and `created-by` too.

use super::file::{GroupsFile, Store};
use super::manage::{
    assignable, fallback, list, stamp_entries, stamp_updated, valid_id, valid_till, Refusal, Stamp,
};
use crate::load::edit::{self, Value};
use crate::runtime::groups::TokenScopes;

/// A store to add, with its tills.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewStore {
    pub id: String,
    pub name: Option<String>,
    /// None: the brand's default group.
    pub group: Option<String>,
    pub tills: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum HolderAction {
    /// New stores, in this order, in one edit (a bulk import adds hundreds at once).
    AddStores(Vec<NewStore>),
    /// A store's id, display name, or both.
    RenameStore {
        id: String,
        new_id: Option<String>,
        name: Option<String>,
    },
    /// Refused while the store has tills, unless they go with it.
    RemoveStore {
        id: String,
        with_tills: bool,
    },
    AddTill {
        till: String,
        store: String,
    },
    /// To another store: the till gets that store's group.
    MoveTill {
        till: String,
        store: String,
    },
    RemoveTill(String),
    AddClient {
        id: String,
        name: Option<String>,
        group: Option<String>,
        /// What the group does to the scopes of the client's own tokens (`None`: replace).
        token_scopes: Option<TokenScopes>,
    },
    RemoveClient(String),
}

/// Applies one action to `text`, the brand file `file` was read from.
pub(super) fn apply(
    file: &GroupsFile,
    text: &str,
    action: &HolderAction,
    stamp: &Stamp,
    notes: &mut Vec<String>,
) -> Result<String, Refusal> {
    let store = |id: &str| -> Result<&Store, Refusal> {
        file.brand
            .stores
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Refusal(format!("there is no store `{id}`")))
    };
    let stamped = |text: String, section: &str, id: &str| stamp_updated(&text, section, id, stamp);
    Ok(match action {
        HolderAction::AddStores(stores) => {
            let inline = tills_inline(file);
            let mut entries = Vec::with_capacity(stores.len());
            let mut new_tills: Vec<&str> = Vec::new();
            for new in stores {
                addable_store(file, &new.id)?;
                if stores.iter().filter(|s| s.id == new.id).count() > 1 {
                    return Err(Refusal(format!("store `{}` is given twice", new.id)));
                }
                if let Some(group) = &new.group {
                    assignable(file, group)?;
                }
                for till in &new.tills {
                    addable_till(file, till)?;
                    if new_tills.contains(&till.as_str()) {
                        return Err(Refusal(format!("till `{till}` is given twice")));
                    }
                    new_tills.push(till);
                }
                entries.push((new.id.clone(), store_entry(new, inline, stamp)));
            }
            if stores.len() == 1 {
                let new = &stores[0];
                notes.push(format!(
                    "added store `{}` with {} till(s){}",
                    new.id,
                    new.tills.len(),
                    group_note(file, new.group.as_deref())
                ));
            } else {
                notes.push(format!(
                    "added {} store(s) with {} till(s)",
                    stores.len(),
                    new_tills.len()
                ));
            }
            edit::append(text, &["stores"], &entries)?
        }
        HolderAction::RenameStore { id, new_id, name } => {
            let s = store(id)?;
            let same_name = name.is_none() || *name == s.name;
            if same_name && new_id.as_ref().is_none_or(|n| n == id) {
                return Err(Refusal(format!("store `{id}`: nothing to change")));
            }
            let mut text = text.to_string();
            if let Some(name) = name {
                if name.trim().is_empty() {
                    return Err(Refusal("a store's name cannot be empty".into()));
                }
                text = edit::set(&text, &["stores", id, "name"], &Value::scalar(name))?;
            }
            let mut current = id.as_str();
            if let Some(new_id) = new_id {
                if new_id != id {
                    addable_store(file, new_id)?;
                    text = edit::rename(&text, &["stores", id], new_id)?;
                    notes.push(format!("store `{id}` is now `{new_id}`"));
                    current = new_id;
                }
            }
            stamped(text, "stores", current)?
        }
        HolderAction::RemoveStore { id, with_tills } => {
            let s = store(id)?;
            let tills: Vec<&str> = s.tills.iter().map(|t| t.value.as_str()).collect();
            if !tills.is_empty() && !with_tills {
                return Err(Refusal(format!(
                    "store `{id}` has {} till(s): {}; move them first (`scopegate groups till move TILL --store OTHER`) or remove them with the store (`--with-tills`)",
                    tills.len(),
                    list(tills.iter().copied())
                )));
            }
            notes.push(if tills.is_empty() {
                format!("removed store `{id}`")
            } else {
                format!(
                    "removed store `{id}` and its {} till(s): {}",
                    tills.len(),
                    list(tills.iter().copied())
                )
            });
            edit::remove(text, &["stores", id])?
        }
        HolderAction::AddTill { till, store: to } => {
            let s = store(to)?;
            addable_till(file, till)?;
            let mut tills = till_ids(s);
            tills.push(till.clone());
            notes.push(format!(
                "added till `{till}` to `{to}`{}",
                group_note(file, s.group.as_ref().map(|g| g.value.as_str()))
            ));
            let text = edit::set(text, &["stores", to, "tills"], &tills_value(file, tills))?;
            stamped(text, "stores", to)?
        }
        HolderAction::MoveTill { till, store: to } => {
            let target = store(to)?;
            let Some(from) = store_of(file, till) else {
                return Err(Refusal(format!("there is no till `{till}`")));
            };
            if from.id == *to {
                return Err(Refusal(format!(
                    "till `{till}` is in `{to}` already; nothing changed"
                )));
            }
            let mut rest = till_ids(from);
            rest.retain(|t| t != till);
            let mut joined = till_ids(target);
            joined.push(till.clone());
            notes.push(format!(
                "till `{till}` moved from `{}` to `{to}`{}",
                from.id,
                group_note(file, target.group.as_ref().map(|g| g.value.as_str()))
            ));
            let text = edit::set(
                text,
                &["stores", &from.id, "tills"],
                &tills_value(file, rest),
            )?;
            let text = stamped(text, "stores", &from.id)?;
            let text = edit::set(&text, &["stores", to, "tills"], &tills_value(file, joined))?;
            stamped(text, "stores", to)?
        }
        HolderAction::RemoveTill(till) => {
            let Some(from) = store_of(file, till) else {
                return Err(Refusal(format!("there is no till `{till}`")));
            };
            let mut rest = till_ids(from);
            rest.retain(|t| t != till);
            notes.push(format!("removed till `{till}` from `{}`", from.id));
            let text = edit::set(
                text,
                &["stores", &from.id, "tills"],
                &tills_value(file, rest),
            )?;
            stamped(text, "stores", &from.id)?
        }
        HolderAction::AddClient {
            id,
            name,
            group,
            token_scopes,
        } => {
            if !valid_id(id) {
                return Err(Refusal(format!(
                    "`{id}` is not a valid client id: use lower case letters, digits, `-` and `_` (at most 64)"
                )));
            }
            if file.brand.clients.iter().any(|c| c.id == *id) {
                return Err(Refusal(format!(
                    "API client `{id}` exists already; change its group with `scopegate groups assign GROUP --client {id}`"
                )));
            }
            if let Some(s) = store_of(file, id) {
                return Err(Refusal(format!("`{id}` is a till of store `{}`", s.id)));
            }
            if let Some(group) = group {
                assignable(file, group)?;
            }
            let mut entries = Vec::new();
            if let Some(name) = name {
                entries.push(("name".to_string(), Value::scalar(name)));
            }
            if let Some(group) = group {
                entries.push(("group".to_string(), Value::scalar(group)));
            }
            if let Some(mode) = token_scopes {
                entries.push(("token-scopes".to_string(), Value::scalar(mode.name())));
            }
            entries.extend(stamp_entries(stamp));
            notes.push(format!(
                "added API client `{id}`{}",
                group_note(file, group.as_deref())
            ));
            edit::append(text, &["clients"], &[(id.clone(), Value::Map(entries))])?
        }
        HolderAction::RemoveClient(id) => {
            if !file.brand.clients.iter().any(|c| c.id == *id) {
                return Err(Refusal(match store_of(file, id) {
                    Some(s) => format!(
                        "`{id}` is a till of store `{}`, not an API client (`scopegate groups till remove {id}`)",
                        s.id
                    ),
                    None => format!("there is no API client `{id}`"),
                }));
            }
            notes.push(format!(
                "removed API client `{id}`: it is denied from now on (unknown-client)"
            ));
            edit::remove(text, &["clients", id])?
        }
    })
}

fn addable_store(file: &GroupsFile, id: &str) -> Result<(), Refusal> {
    if !valid_id(id) {
        return Err(Refusal(format!(
            "`{id}` is not a valid store id: use lower case letters, digits, `-` and `_` (at most 64)"
        )));
    }
    if file.brand.stores.iter().any(|s| s.id == id) {
        return Err(Refusal(format!("store `{id}` exists already")));
    }
    Ok(())
}

fn addable_till(file: &GroupsFile, till: &str) -> Result<(), Refusal> {
    if !valid_till(till) {
        return Err(Refusal(format!(
            "`{till}` is not a valid till id: 1 to 256 visible ASCII characters, without `:` or spaces (it is the basic-auth user name)"
        )));
    }
    if let Some(s) = store_of(file, till) {
        return Err(Refusal(format!(
            "till `{till}` exists already, in store `{}`",
            s.id
        )));
    }
    if file.brand.clients.iter().any(|c| c.id == till) {
        return Err(Refusal(format!(
            "`{till}` is an API client; till and client ids are unique across the file"
        )));
    }
    Ok(())
}

/// The store that has `till`.
pub fn store_of<'a>(file: &'a GroupsFile, till: &str) -> Option<&'a Store> {
    file.brand
        .stores
        .iter()
        .find(|s| s.tills.iter().any(|t| t.value == till))
}

fn till_ids(store: &Store) -> Vec<String> {
    store.tills.iter().map(|t| t.value.clone()).collect()
}

/// Tills are written the way the file writes them: `[a, b]` when its stores do (or it has
/// none yet, as in the documented format), a block list otherwise.
fn tills_inline(file: &GroupsFile) -> bool {
    let text = file.brand.source.text.as_str();
    let Some(first) = file.brand.stores.iter().find_map(|s| s.tills.first()) else {
        return true;
    };
    let before = text[..first.span.start as usize].trim_end();
    !before.ends_with('-')
}

fn tills_value(file: &GroupsFile, tills: Vec<String>) -> Value {
    if tills_inline(file) {
        Value::Inline(tills)
    } else {
        Value::List(tills)
    }
}

fn store_entry(new: &NewStore, inline: bool, stamp: &Stamp) -> Value {
    let mut entries = Vec::new();
    if let Some(name) = &new.name {
        entries.push(("name".to_string(), Value::scalar(name)));
    }
    if let Some(group) = &new.group {
        entries.push(("group".to_string(), Value::scalar(group)));
    }
    let tills = new.tills.clone();
    entries.push((
        "tills".to_string(),
        if inline {
            Value::Inline(tills)
        } else {
            Value::List(tills)
        },
    ));
    entries.extend(stamp_entries(stamp));
    Value::Map(entries)
}

/// `; its tills get `pos``, or what the default means for them.
fn group_note(file: &GroupsFile, group: Option<&str>) -> String {
    match group {
        Some(g) => format!(" (group `{g}`)"),
        None => format!(" ({})", fallback(file, "they")),
    }
}

//! What a change to the groups files moves: for every store (with its tills) and API client,
//! the routes of a permission table it may call before and after, and the difference.
//!
//! A store's or client's routes are those its effective group (its own, else the brand's
//! default) satisfies; an inactive group, or none, grants nothing. The decision per route is
//! [`resolve::satisfies`], the rule the matrix and `show` use.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::runtime::groups::{Status, Via};
use crate::runtime::table::Table;

use super::file::GroupsFile;
use super::resolve;

/// Who holds rights through the groups file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// A store, with how many tills it has (they inherit its group).
    Store { id: String, tills: usize },
    /// An OAuth API client.
    Client { id: String },
}

/// One holder whose routes change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub holder: Holder,
    /// Routes it may call after the change and not before, as `METHOD /base/path`.
    pub gains: Vec<String>,
    /// Routes it may call before the change and not after.
    pub loses: Vec<String>,
}

impl Moved {
    /// Whether tills lose rights: a change a non-interactive run writes only with `--yes`.
    pub fn takes_from_tills(&self) -> bool {
        matches!(self.holder, Holder::Store { tills, .. } if tills > 0) && !self.loses.is_empty()
    }
}

/// The holders whose routes differ between `before` and `after`, stores first, by id.
pub fn moves(before: &GroupsFile, after: &GroupsFile, table: &Table) -> Vec<Moved> {
    let old = routes_by_holder(before, table);
    let new = routes_by_holder(after, table);
    let none = BTreeSet::new();
    let keys: BTreeSet<&Key> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let (was, is) = (old.get(key), new.get(key));
            let a = was.map_or(&none, |(_, r)| r);
            let b = is.map_or(&none, |(_, r)| r);
            let names = |set: std::collections::btree_set::Difference<'_, usize>| -> Vec<String> {
                set.map(|&i| {
                    let route = &table.routes[i];
                    format!("{} {}", route.method, route.gateway_path(table))
                })
                .collect()
            };
            let (gains, loses) = (names(b.difference(a)), names(a.difference(b)));
            // A store is shown as it is after the change (its till count may have changed).
            let holder = is.or(was).map(|(h, _)| h.clone())?;
            (!gains.is_empty() || !loses.is_empty()).then_some(Moved {
                holder,
                gains,
                loses,
            })
        })
        .collect()
}

/// Stores before clients, then by id: the same store before and after a change, whatever its
/// tills.
type Key = (u8, String);

/// The routes each store and API client may call, by holder. Each group's routes are worked
/// out once, however many stores hold it.
fn routes_by_holder(file: &GroupsFile, table: &Table) -> BTreeMap<Key, (Holder, BTreeSet<usize>)> {
    let mut by_group: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    let mut routes_of = |own, via| -> BTreeSet<usize> {
        let (group, _) = file.effective_group(own, via);
        let Some(group) = group
            .and_then(|id| file.group(id))
            .filter(|g| g.status == Status::Active)
        else {
            return BTreeSet::new();
        };
        by_group
            .entry(group.id.as_str())
            .or_insert_with(|| {
                let scopes = resolve::group_scopes(file, group, table);
                table
                    .routes
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| resolve::satisfies(&r.any_of, &scopes))
                    .map(|(i, _)| i)
                    .collect()
            })
            .clone()
    };
    let mut out = BTreeMap::new();
    for store in &file.brand.stores {
        let holder = Holder::Store {
            id: store.id.clone(),
            tills: store.tills.len(),
        };
        let routes = routes_of(store.group.as_ref(), Via::Store);
        out.insert((0, store.id.clone()), (holder, routes));
    }
    for client in &file.brand.clients {
        let holder = Holder::Client {
            id: client.id.clone(),
        };
        let routes = routes_of(client.group.as_ref(), Via::Client);
        out.insert((1, client.id.clone()), (holder, routes));
    }
    out
}

/// The moves as text for a terminal or a log: one block per holder, `+` gained, `-` lost.
pub fn render(moved: &[Moved], table_name: &str) -> String {
    if moved.is_empty() {
        return format!("This change moves no rights (checked against {table_name}).\n");
    }
    let mut out = format!("This change moves rights (checked against {table_name}):\n");
    for m in moved {
        out += &format!(
            "  {}: gains {} route(s), loses {}\n",
            who(&m.holder, false),
            m.gains.len(),
            m.loses.len()
        );
        for r in &m.gains {
            out += &format!("    + {r}\n");
        }
        for r in &m.loses {
            out += &format!("    - {r}\n");
        }
    }
    out
}

/// The moves as markdown, for a pull-request comment: a table of holders, then each holder's
/// routes in a collapsed section.
pub fn render_markdown(moved: &[Moved], table_name: &str) -> String {
    let mut out = String::from("### Access groups: what this change moves\n\n");
    out += &format!("Checked against `{table_name}`.\n\n");
    if moved.is_empty() {
        out += "No store, till or API client gains or loses a route.\n";
        return out;
    }
    out += "| who | gains | loses |\n|---|---:|---:|\n";
    for m in moved {
        out += &format!(
            "| {} | {} | {} |\n",
            who(&m.holder, true),
            m.gains.len(),
            m.loses.len()
        );
    }
    for m in moved {
        out += &format!(
            "\n<details><summary>{}</summary>\n\n",
            who(&m.holder, false)
        );
        for r in &m.gains {
            out += &format!("- gains `{r}`\n");
        }
        for r in &m.loses {
            out += &format!("- loses `{r}`\n");
        }
        out += "\n</details>\n";
    }
    out
}

/// The moves as JSON: one object per holder with its kind, id, till count, gains and losses.
pub fn to_json(moved: &[Moved]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = moved
        .iter()
        .map(|m| {
            let (kind, id, tills) = match &m.holder {
                Holder::Store { id, tills } => ("store", id, Some(*tills)),
                Holder::Client { id } => ("client", id, None),
            };
            serde_json::json!({
                "kind": kind, "id": id, "tills": tills,
                "gains": m.gains, "loses": m.loses,
            })
        })
        .collect();
    serde_json::Value::Array(items)
}

fn who(holder: &Holder, code: bool) -> String {
    let quote = |s: &str| {
        if code {
            format!("`{s}`")
        } else {
            s.to_string()
        }
    };
    match holder {
        Holder::Store { id, tills } => format!("store {} ({tills} till(s))", quote(id)),
        Holder::Client { id } => format!("API client {}", quote(id)),
    }
}

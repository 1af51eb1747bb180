//! What a change to the groups files moves: for every store (with its tills), till and API
//! client, the routes of a permission table it may call before and after, and the difference.
//!
//! A store's or client's routes are those its effective group (its own, else the brand's
//! default) allows; an inactive group, or none, grants nothing. The decision per route is
//! the evaluator's own (through [`resolve::Decider`]), as in the matrix and `show`. A till has its store's routes,
//! so a till is shown on its own only when it joins, leaves or changes store while the store
//! stays.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::runtime::groups::Via;
use crate::runtime::table::Table;

use super::file::GroupsFile;
use super::resolve;

/// Who holds rights through the groups file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// A store, with how many tills it has (they inherit its group).
    Store { id: String, tills: usize },
    /// A till that joins, leaves or changes store; `store` is where it is after the change
    /// (before, when it leaves).
    Till { id: String, store: String },
    /// An OAuth API client.
    Client { id: String },
}

impl Holder {
    fn kind(&self) -> &'static str {
        match self {
            Holder::Store { .. } => "store",
            Holder::Till { .. } => "till",
            Holder::Client { .. } => "client",
        }
    }

    fn id(&self) -> &str {
        match self {
            Holder::Store { id, .. } | Holder::Till { id, .. } | Holder::Client { id } => id,
        }
    }
}

/// Whether the holder is new, gone, or there before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Presence {
    Kept,
    Added,
    Removed,
}

impl Presence {
    pub fn name(self) -> &'static str {
        match self {
            Presence::Kept => "kept",
            Presence::Added => "added",
            Presence::Removed => "removed",
        }
    }
}

/// One holder whose routes change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub holder: Holder,
    pub presence: Presence,
    /// Routes it may call after the change and not before, as `METHOD /base/path`.
    pub gains: Vec<String>,
    /// Routes it may call before the change and not after.
    pub loses: Vec<String>,
}

impl Moved {
    /// Whether tills that stay lose rights: a change a non-interactive run writes only with
    /// `--yes`. A till or store that is removed loses everything, and that is what its
    /// command says.
    pub fn takes_from_tills(&self) -> bool {
        let tills = match self.holder {
            Holder::Store { tills, .. } => tills > 0,
            Holder::Till { .. } => true,
            Holder::Client { .. } => false,
        };
        tills && self.presence == Presence::Kept && !self.loses.is_empty()
    }
}

type Routes = BTreeSet<usize>;

/// The holders whose routes differ between `before` and `after`: stores, then tills, then
/// clients, each by id.
pub fn moves(before: &GroupsFile, after: &GroupsFile, table: &Table) -> Vec<Moved> {
    let decider = resolve::Decider::new(table);
    let old = routes_by_holder(before, &decider);
    let new = routes_by_holder(after, &decider);
    let none = Routes::new();
    let names = |set: &mut dyn Iterator<Item = &usize>| -> Vec<String> {
        set.map(|&i| decider.label(i)).collect()
    };
    let mut out = Vec::new();
    let mut push = |holder: Holder, presence: Presence, was: &Routes, is: &Routes| {
        let gains = names(&mut is.difference(was));
        let loses = names(&mut was.difference(is));
        if !gains.is_empty() || !loses.is_empty() {
            out.push(Moved {
                holder,
                presence,
                gains,
                loses,
            });
        }
    };
    let keys: BTreeSet<&Key> = old.keys().chain(new.keys()).collect();
    for key in keys {
        let (was, is) = (old.get(key), new.get(key));
        let presence = match (was, is) {
            (Some(_), Some(_)) => Presence::Kept,
            (None, _) => Presence::Added,
            (_, None) => Presence::Removed,
        };
        // A store is shown as it is after the change (its till count may have changed).
        let Some(holder) = is.or(was).map(|(h, _)| h.clone()) else {
            continue;
        };
        push(
            holder,
            presence,
            was.map_or(&none, |(_, r)| r),
            is.map_or(&none, |(_, r)| r),
        );
    }
    // Tills whose store changed, that joined a store that was there, or left one that stays.
    let store_routes = |map: &BTreeMap<Key, (Holder, Routes)>, store: &str| {
        map.get(&(0, store.to_string())).map(|(_, r)| r.clone())
    };
    let (tills_before, tills_after) = (tills(before), tills(after));
    let all: BTreeSet<&str> = tills_before
        .keys()
        .chain(tills_after.keys())
        .copied()
        .collect();
    for till in all {
        let (from, to) = (tills_before.get(till), tills_after.get(till));
        let (presence, store, was, is) = match (from, to) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(a), Some(b)) => (
                Presence::Kept,
                *b,
                store_routes(&old, a).unwrap_or_default(),
                store_routes(&new, b).unwrap_or_default(),
            ),
            (None, Some(b)) => match store_routes(&old, b) {
                // A new store brings its tills with it.
                None => continue,
                Some(_) => (
                    Presence::Added,
                    *b,
                    Routes::new(),
                    store_routes(&new, b).unwrap_or_default(),
                ),
            },
            (Some(a), None) => match store_routes(&new, a) {
                None => continue,
                Some(_) => (
                    Presence::Removed,
                    *a,
                    store_routes(&old, a).unwrap_or_default(),
                    Routes::new(),
                ),
            },
            (None, None) => continue,
        };
        let holder = Holder::Till {
            id: till.to_string(),
            store: store.to_string(),
        };
        push(holder, presence, &was, &is);
    }
    out.sort_by_key(|m| (order(&m.holder), m.holder.id().to_string()));
    out
}

fn order(holder: &Holder) -> u8 {
    match holder {
        Holder::Store { .. } => 0,
        Holder::Till { .. } => 1,
        Holder::Client { .. } => 2,
    }
}

/// Till id → its store's id.
fn tills(file: &GroupsFile) -> HashMap<&str, &str> {
    file.brand
        .stores
        .iter()
        .flat_map(|s| {
            s.tills
                .iter()
                .map(move |t| (t.value.as_str(), s.id.as_str()))
        })
        .collect()
}

/// Stores before clients, then by id: the same store before and after a change, whatever its
/// tills.
type Key = (u8, String);

/// The routes each store and API client may call, by holder. Each group's routes are worked
/// out once, however many stores hold it.
fn routes_by_holder(
    file: &GroupsFile,
    decider: &resolve::Decider,
) -> BTreeMap<Key, (Holder, BTreeSet<usize>)> {
    let mut by_group: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    let mut routes_of = |own, via| -> BTreeSet<usize> {
        let (group, _) = file.effective_group(own, via);
        let Some(group) = group.and_then(|id| file.group(id)) else {
            return BTreeSet::new();
        };
        by_group
            .entry(group.id.as_str())
            .or_insert_with(|| decider.holder_routes(file, group).into_iter().collect())
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

/// Holders that move alike: the same kind, presence, gains and losses. An import of 200 stores
/// into one group is one block, not 200.
struct Alike<'a> {
    members: Vec<&'a Moved>,
}

impl Alike<'_> {
    fn first(&self) -> &Moved {
        self.members[0]
    }

    /// `store berlin-mitte (2 till(s))`, or `20 new stores (60 till(s))`.
    fn label(&self, code: bool) -> String {
        if let [one] = self.members.as_slice() {
            return who(one, code);
        }
        let first = self.first();
        let n = self.members.len();
        let presence = match first.presence {
            Presence::Kept => "",
            Presence::Added => "new ",
            Presence::Removed => "removed ",
        };
        match first.holder {
            Holder::Store { .. } => {
                let tills: usize = self
                    .members
                    .iter()
                    .map(|m| match m.holder {
                        Holder::Store { tills, .. } => tills,
                        _ => 0,
                    })
                    .sum();
                format!("{n} {presence}stores ({tills} till(s))")
            }
            Holder::Till { .. } => format!("{n} {presence}tills"),
            Holder::Client { .. } => format!("{n} {presence}API clients"),
        }
    }

    /// The members' ids, the first `limit` of them.
    fn ids(&self, limit: usize, code: bool) -> String {
        let quote = |s: &str| {
            if code {
                format!("`{s}`")
            } else {
                s.to_string()
            }
        };
        let shown: Vec<String> = self
            .members
            .iter()
            .take(limit)
            .map(|m| quote(m.holder.id()))
            .collect();
        let more = self.members.len().saturating_sub(limit);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    }
}

fn alike(moved: &[Moved]) -> Vec<Alike<'_>> {
    let mut out: Vec<Alike<'_>> = Vec::new();
    for m in moved {
        let same = |a: &Alike<'_>| {
            let f = a.first();
            f.holder.kind() == m.holder.kind()
                && f.presence == m.presence
                && f.gains == m.gains
                && f.loses == m.loses
        };
        match out.iter_mut().find(|a| same(a)) {
            Some(a) => a.members.push(m),
            None => out.push(Alike { members: vec![m] }),
        }
    }
    out
}

/// How many ids a block of alike holders names before "and N more".
const IDS_SHOWN: usize = 12;

/// The moves as text for a terminal or a log: a block per holder (or per holders that move
/// alike), `+` gained, `-` lost.
pub fn render(moved: &[Moved], table_name: &str) -> String {
    if moved.is_empty() {
        return format!("This change moves no rights (checked against {table_name}).\n");
    }
    let mut out = format!("This change moves rights (checked against {table_name}):\n");
    for block in alike(moved) {
        let first = block.first();
        out += &format!(
            "  {}: gains {} route(s), loses {}\n",
            block.label(false),
            first.gains.len(),
            first.loses.len()
        );
        if block.members.len() > 1 {
            out += &format!("    ({})\n", block.ids(IDS_SHOWN, false));
        }
        for r in &first.gains {
            out += &format!("    + {r}\n");
        }
        for r in &first.loses {
            out += &format!("    - {r}\n");
        }
    }
    out
}

/// The moves as markdown, for a pull-request comment: a table of holders, then each block's
/// routes in a collapsed section.
pub fn render_markdown(moved: &[Moved], table_name: &str) -> String {
    let mut out = String::from("### Access groups: what this change moves\n\n");
    out += &format!("Checked against `{table_name}`.\n\n");
    if moved.is_empty() {
        out += "No store, till or API client gains or loses a route.\n";
        return out;
    }
    let blocks = alike(moved);
    out += "| who | gains | loses |\n|---|---:|---:|\n";
    for block in &blocks {
        let first = block.first();
        out += &format!(
            "| {} | {} | {} |\n",
            block.label(true),
            first.gains.len(),
            first.loses.len()
        );
    }
    for block in &blocks {
        let first = block.first();
        out += &format!("\n<details><summary>{}</summary>\n\n", block.label(false));
        if block.members.len() > 1 {
            out += &format!("{}\n\n", block.ids(usize::MAX, true));
        }
        for r in &first.gains {
            out += &format!("- gains `{r}`\n");
        }
        for r in &first.loses {
            out += &format!("- loses `{r}`\n");
        }
        out += "\n</details>\n";
    }
    out
}

/// The moves as JSON: one object per holder with its kind, id, presence, till count (stores),
/// store (tills), gains and losses.
pub fn to_json(moved: &[Moved]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = moved
        .iter()
        .map(|m| {
            let mut item = serde_json::json!({
                "kind": m.holder.kind(), "id": m.holder.id(),
                "presence": m.presence.name(),
                "gains": m.gains, "loses": m.loses,
            });
            match &m.holder {
                Holder::Store { tills, .. } => item["tills"] = (*tills).into(),
                Holder::Till { store, .. } => item["store"] = store.as_str().into(),
                Holder::Client { .. } => {}
            }
            item
        })
        .collect();
    serde_json::Value::Array(items)
}

fn who(m: &Moved, code: bool) -> String {
    let quote = |s: &str| {
        if code {
            format!("`{s}`")
        } else {
            s.to_string()
        }
    };
    let new = match m.presence {
        Presence::Kept => "",
        Presence::Added => "new, ",
        Presence::Removed => "removed, ",
    };
    match &m.holder {
        Holder::Store { id, tills } => format!("store {} ({new}{tills} till(s))", quote(id)),
        Holder::Till { id, store } => match m.presence {
            Presence::Kept => format!("till {} (now in {})", quote(id), quote(store)),
            Presence::Added => format!("till {} (new, in {})", quote(id), quote(store)),
            Presence::Removed => format!("till {} (removed from {})", quote(id), quote(store)),
        },
        Holder::Client { id } => match m.presence {
            Presence::Kept => format!("API client {}", quote(id)),
            _ => format!("API client {} ({})", quote(id), m.presence.name()),
        },
    }
}

//! Stores and tills as CSV: how a brand onboards hundreds of stores at once, and takes them
//! out again for a spreadsheet.
//!
//! One row per till, with a header naming the columns (any order; `store` is required):
//!
//! ```csv
//! store,name,group,till
//! berlin-mitte,Berlin Mitte,pos,bm-till-1
//! berlin-mitte,Berlin Mitte,pos,bm-till-2
//! paris-opera,Paris Opéra,,
//! ```
//!
//! - `store`: the store id; `name`: its display name; `group`: its access group (empty: the
//!   brand's default); `till`: one till id (empty: a row for a store without tills).
//! - An empty cell says nothing: it never conflicts with a value elsewhere, and never clears
//!   one.
//! - An import adds stores and tills and never removes any. A store that exists keeps its name
//!   and group unless `update` is asked; then the non-empty cells set them.
//! - The whole file is checked before anything is written, and every bad row is reported with
//!   its line; one bad row and nothing is imported.
//! - A cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
//!   carriage return) is exported behind a `'`, as OWASP advises against CSV injection; import
//!   takes that `'` off again, so an export reads back unchanged.

use std::collections::HashMap;

use super::file::GroupsFile;
use super::holders::{store_of, HolderAction, NewStore};
use super::manage::{valid_id, valid_till, Action};

/// The columns, in the order `export` writes them.
pub const COLUMNS: [&str; 4] = ["store", "name", "group", "till"];

/// A bad row (or header), at its line; shown as `LINE: message` after the file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

/// What an import does.
#[derive(Debug, Default)]
pub struct Import {
    /// The actions, for a [`transaction`](super::transaction).
    pub actions: Vec<Action>,
    pub new_stores: usize,
    pub new_tills: usize,
    /// Existing stores whose name or group the import sets (with `update`).
    pub updated_stores: usize,
    /// Rows that change nothing (the store and till are there as the row says).
    pub unchanged_rows: usize,
}

/// One store as the rows give it.
struct Listed {
    name: Option<(String, u64)>,
    group: Option<(String, u64)>,
    tills: Vec<String>,
}

/// Reads `csv` against the brand file and works out the actions that import it, or every bad
/// row. With `update`, a listed store that exists takes the name and group of its rows.
pub fn import(file: &GroupsFile, csv: &str, update: bool) -> Result<Import, Vec<BadRow>> {
    let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let mut reader = ::csv::ReaderBuilder::new()
        .trim(::csv::Trim::All)
        .from_reader(csv.as_bytes());
    let mut bad = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![BadRow {
                line: 1,
                message: format!("cannot read the header: {e}"),
            }])
        }
    };
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, name) in headers.iter().enumerate() {
        if !COLUMNS.contains(&name) {
            bad.push(BadRow {
                line: 1,
                message: format!(
                    "unknown column `{name}`; the columns are {}{}",
                    COLUMNS.join(", "),
                    crate::suggest::did_you_mean(name, COLUMNS)
                ),
            });
        } else if index.insert(name, i).is_some() {
            bad.push(BadRow {
                line: 1,
                message: format!("column `{name}` is given twice"),
            });
        }
    }
    if !index.contains_key("store") {
        bad.push(BadRow {
            line: 1,
            message: format!(
                "the header has no `store` column (the first line names the columns: {})",
                COLUMNS.join(",")
            ),
        });
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    let groups: Vec<&str> = file.groups().map(|g| g.id.as_str()).collect();
    let mut order: Vec<String> = Vec::new();
    let mut listed: HashMap<String, Listed> = HashMap::new();
    let mut till_lines: HashMap<String, u64> = HashMap::new();
    let mut unchanged = 0;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                bad.push(BadRow {
                    line,
                    message: format!("not a CSV row: {}", e.kind_message()),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |column: &str| -> Option<String> {
            index
                .get(column)
                .and_then(|&i| record.get(i))
                .map(unguard)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut fail = |message: String| bad.push(BadRow { line, message });
        let Some(store) = cell("store") else {
            fail("the `store` cell is empty".into());
            continue;
        };
        if !valid_id(&store) {
            fail(format!(
                "`{store}` is not a valid store id: lower case letters, digits, `-` and `_` (at most 64)"
            ));
            continue;
        }
        let name = cell("name");
        let group = cell("group");
        if let Some(g) = &group {
            match file.group(g) {
                None => fail(format!(
                    "there is no group `{g}`{}",
                    crate::suggest::did_you_mean(g, groups.iter().copied())
                )),
                Some(found) if found.status == crate::runtime::groups::Status::Inactive => {
                    fail(format!("group `{g}` is inactive"))
                }
                Some(_) => {}
            }
        }
        let till = cell("till");
        let existing = file.brand.stores.iter().find(|s| s.id == store);
        let entry = listed.entry(store.clone()).or_insert_with(|| {
            order.push(store.clone());
            Listed {
                name: None,
                group: None,
                tills: Vec::new(),
            }
        });
        for (what, value, seen) in [
            ("name", &name, &mut entry.name),
            ("group", &group, &mut entry.group),
        ] {
            let Some(value) = value else { continue };
            match seen {
                Some((other, at)) if other != value => bad.push(BadRow {
                    line,
                    message: format!(
                        "store `{store}` has {what} `{other}` on line {at}, and `{value}` here"
                    ),
                }),
                Some(_) => {}
                None => *seen = Some((value.clone(), line)),
            }
        }
        if let (Some(existing), false) = (existing, update) {
            let differs = |what: &str, value: &Option<String>, now: Option<&str>| {
                value
                    .as_deref()
                    .filter(|v| Some(*v) != now)
                    .map(|v| {
                        format!(
                            "store `{store}` exists with {what} {}; this row says `{v}` (pass --update to change it)",
                            now.map_or("(none)".to_string(), |n| format!("`{n}`"))
                        )
                    })
            };
            let now_group = existing.group.as_ref().map(|g| g.value.as_str());
            for message in [
                differs("name", &name, existing.name.as_deref()),
                differs("group", &group, now_group),
            ]
            .into_iter()
            .flatten()
            {
                bad.push(BadRow { line, message });
            }
        }
        let Some(till) = till else {
            if existing.is_some() {
                unchanged += 1;
            }
            continue;
        };
        if !valid_till(&till) {
            bad.push(BadRow {
                line,
                message: format!(
                    "`{till}` is not a valid till id: 1 to 256 visible ASCII characters, without `:` or spaces"
                ),
            });
            continue;
        }
        if let Some(first) = till_lines.insert(till.clone(), line) {
            bad.push(BadRow {
                line,
                message: format!("till `{till}` is on line {first} already"),
            });
            continue;
        }
        if file.brand.clients.iter().any(|c| c.id == till) {
            bad.push(BadRow {
                line,
                message: format!("`{till}` is an API client; till and client ids are unique"),
            });
            continue;
        }
        match store_of(file, &till) {
            Some(s) if s.id == store => unchanged += 1,
            Some(s) => bad.push(BadRow {
                line,
                message: format!(
                    "till `{till}` is in store `{}` already (move it with `scopegate groups till move {till} --store {store}`)",
                    s.id
                ),
            }),
            None => listed.get_mut(&store).expect("listed").tills.push(till),
        }
    }
    if !bad.is_empty() {
        bad.sort_by_key(|b| b.line);
        return Err(bad);
    }
    let mut out = Import {
        unchanged_rows: unchanged,
        ..Import::default()
    };
    let mut new_stores = Vec::new();
    for id in order {
        let l = listed.remove(&id).expect("listed");
        out.new_tills += l.tills.len();
        let Some(existing) = file.brand.stores.iter().find(|s| s.id == id) else {
            new_stores.push(NewStore {
                id,
                name: l.name.map(|(n, _)| n),
                group: l.group.map(|(g, _)| g),
                tills: l.tills,
            });
            continue;
        };
        let mut updated = false;
        if let Some((name, _)) = l.name.filter(|(n, _)| Some(n) != existing.name.as_ref()) {
            out.actions.push(Action::Holder(HolderAction::RenameStore {
                id: id.clone(),
                new_id: None,
                name: Some(name),
            }));
            updated = true;
        }
        let now = existing.group.as_ref().map(|g| &g.value);
        if let Some((group, _)) = l.group.filter(|(g, _)| Some(g) != now) {
            out.actions.push(Action::AssignStores {
                group,
                stores: vec![id.clone()],
            });
            updated = true;
        }
        out.updated_stores += usize::from(updated);
        for till in l.tills {
            out.actions.push(Action::Holder(HolderAction::AddTill {
                till,
                store: id.clone(),
            }));
        }
    }
    out.new_stores = new_stores.len();
    if !new_stores.is_empty() {
        out.actions
            .insert(0, Action::Holder(HolderAction::AddStores(new_stores)));
    }
    Ok(out)
}

/// Every store and till of the brand file as CSV, in file order: one row per till, one row
/// with an empty till for a store without tills. [`import`] reads it back as no change.
pub fn export(file: &GroupsFile) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).expect("in memory");
    for store in &file.brand.stores {
        let name = store.name.as_deref().unwrap_or("");
        let group = store.group.as_ref().map_or("", |g| g.value.as_str());
        let name = guard(name);
        if store.tills.is_empty() {
            writer
                .write_record([store.id.as_str(), &name, group, ""])
                .expect("in memory");
        }
        for till in &store.tills {
            writer
                .write_record([store.id.as_str(), &name, group, &guard(&till.value)])
                .expect("in memory");
        }
    }
    String::from_utf8(writer.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}

/// What a spreadsheet would take for the start of a formula.
fn formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell as exported: behind a `'` when a spreadsheet would run it.
fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell as imported: without the `'` that `guard` put before a formula-like cell.
fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => cell,
    }
}

/// The message of a CSV error, without the position (the report gives the line).
trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for ::csv::Error {
    fn kind_message(&self) -> String {
        match self.kind() {
            ::csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} field(s) where the header has {expected_len}"),
            ::csv::ErrorKind::Utf8 { .. } => "not UTF-8".into(),
            _ => self.to_string(),
        }
    }
}

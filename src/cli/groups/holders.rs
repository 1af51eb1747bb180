//! `scopegate groups store|till|client ...`: stores with their tills, till credentials, and
//! OAuth API clients, by command (SPEC section 8). Edits go through the same transaction as
//! the group commands: checked, shown with what they move (`--table`), then written.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;

use scopegate::groups::file::{Stamps, Store};
use scopegate::groups::holders::{HolderAction, NewStore};
use scopegate::groups::manage::Action;
use scopegate::groups::{matrix, resolve, roster, GroupsFile};
use scopegate::runtime::groups::{TokenScopes, Via};

use super::super::exit;
use super::change::{change, By, Outcome, Preview};
use super::{load_table, passwords, Format};

/// The till credentials file for basic auth (`id:$argon2id$...` lines), as `serve
/// --credentials` reads it.
#[derive(Args, Debug, Default)]
pub struct CredentialsFile {
    #[arg(long, value_name = "FILE", env = "SCOPEGATE_CREDENTIALS", value_parser = passwords::credentials_file)]
    credentials: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Add a store, with its tills and group (without one it gets the default group).
    Add {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        group: Option<String>,
        /// A till id. Repeatable.
        #[arg(long = "till", value_name = "TILL")]
        tills: Vec<String>,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Change a store's id (`--to`) or display name (`--name`).
    Rename {
        id: String,
        #[arg(long, value_name = "NEW_ID")]
        to: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        by: By,
    },
    /// Remove a store; refused while it has tills, unless `--with-tills`.
    Remove {
        id: String,
        /// Remove its tills with it (and, with --credentials, their passwords).
        #[arg(long)]
        with_tills: bool,
        #[command(flatten)]
        credentials: CredentialsFile,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Stores with their group and number of tills.
    List {
        /// Only stores that get this group (their own, or by default).
        #[arg(long)]
        group: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// One store: name, group, tills, who changed it; with --table, its routes.
    Show {
        id: String,
        #[arg(long, value_name = "FILE", env = "SCOPEGATE_TABLE")]
        table: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Add stores and tills from CSV (columns store,name,group,till; one row per till), all
    /// or nothing: every bad row is reported with its line.
    Import {
        csv: PathBuf,
        /// Set the name and group of listed stores that exist (default: a difference is a bad
        /// row).
        #[arg(long)]
        update: bool,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Every store and till as CSV, in the columns `import` reads.
    Export {
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TillCommand {
    /// Add a till to a store; `--password` sets its basic-auth password too.
    Add {
        till: String,
        #[arg(long)]
        store: String,
        /// Read a password (from a terminal without echo, else one line of stdin) and write
        /// its argon2id hash to --credentials.
        #[arg(long, requires = "credentials")]
        password: bool,
        #[command(flatten)]
        credentials: CredentialsFile,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Move a till to another store: it gets that store's group.
    Move {
        till: String,
        #[arg(long)]
        store: String,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Remove a till (and, with --credentials, its password).
    Remove {
        till: String,
        #[command(flatten)]
        credentials: CredentialsFile,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Tills with their store and group; with --credentials, whether each has a password.
    List {
        /// Only the tills of this store.
        #[arg(long)]
        store: Option<String>,
        #[command(flatten)]
        credentials: CredentialsFile,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Set or replace a till's password (read without echo on a terminal).
    Password {
        till: String,
        #[command(flatten)]
        credentials: CredentialsFile,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum TokenScopesArg {
    Replace,
    Intersect,
}

#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Register an OAuth API client, with its group (without one it gets the default group).
    Add {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        group: Option<String>,
        /// When the client's tokens carry scopes of their own: `replace` (the default) grants
        /// the group's scopes, `intersect` only what both the token and the group grant.
        #[arg(long, value_enum, value_name = "HOW")]
        token_scopes: Option<TokenScopesArg>,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Remove an API client: it is denied from then on (unknown-client).
    Remove {
        id: String,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// API clients with their group.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn holder(action: HolderAction) -> Vec<Action> {
    vec![Action::Holder(action)]
}

pub fn store(path: &Path, file: &GroupsFile, command: StoreCommand) -> Result<i32, String> {
    match command {
        StoreCommand::Add {
            id,
            name,
            group,
            tills,
            by,
            preview,
        } => {
            let new = NewStore {
                id,
                name,
                group,
                tills,
            };
            let actions = holder(HolderAction::AddStores(vec![new]));
            change(path, file, &actions, &by, &preview).map(|o| o.code())
        }
        StoreCommand::Rename { id, to, name, by } => {
            if to.is_none() && name.is_none() {
                return Err("nothing to change: give --to NEW_ID or --name NAME".into());
            }
            let actions = holder(HolderAction::RenameStore {
                id,
                new_id: to,
                name,
            });
            change(path, file, &actions, &by, &Preview::default()).map(|o| o.code())
        }
        StoreCommand::Remove {
            id,
            with_tills,
            credentials,
            by,
            preview,
        } => {
            let tills: Vec<String> = file
                .brand
                .stores
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.tills.iter().map(|t| t.value.clone()).collect())
                .unwrap_or_default();
            let actions = holder(HolderAction::RemoveStore { id, with_tills });
            let outcome = change(path, file, &actions, &by, &preview)?;
            forget_passwords(&outcome, &credentials, &tills)
        }
        StoreCommand::List { group, format } => Ok(list_stores(file, group.as_deref(), format)),
        StoreCommand::Show { id, table, format } => show_store(file, &id, table.as_deref(), format),
        StoreCommand::Import {
            csv,
            update,
            by,
            preview,
        } => {
            // A million rows of stores and tills fit in far less; anything bigger is a mistake.
            const MAX_CSV: u64 = 64 << 20;
            let size = std::fs::metadata(&csv)
                .map_err(|e| format!("{}: {e}", csv.display()))?
                .len();
            if size > MAX_CSV {
                eprintln!(
                    "scopegate: {}: {size} bytes; an import reads at most {MAX_CSV} (split it)",
                    csv.display()
                );
                return Ok(exit::FINDINGS);
            }
            let text = std::fs::read(&csv).map_err(|e| format!("{}: {e}", csv.display()))?;
            let Ok(text) = String::from_utf8(text) else {
                eprintln!(
                    "scopegate: {}: not UTF-8 (save the CSV as UTF-8)",
                    csv.display()
                );
                return Ok(exit::FINDINGS);
            };
            let import = match roster::import(file, &text, update) {
                Ok(import) => import,
                Err(bad) => {
                    for row in &bad {
                        eprintln!("{}:{row}", csv.display());
                    }
                    eprintln!(
                        "scopegate: refused: {} bad row(s) in {}; nothing imported, {} unchanged",
                        bad.len(),
                        csv.display(),
                        path.display()
                    );
                    return Ok(exit::FINDINGS);
                }
            };
            eprintln!(
                "scopegate: {}: {} new store(s), {} new till(s), {} store(s) updated, {} row(s) already there",
                csv.display(),
                import.new_stores,
                import.new_tills,
                import.updated_stores,
                import.unchanged_rows
            );
            if import.actions.is_empty() {
                eprintln!("scopegate: nothing to import; {} unchanged", path.display());
                return Ok(exit::OK);
            }
            change(path, file, &import.actions, &by, &preview).map(|o| o.code())
        }
        StoreCommand::Export { output } => {
            let csv = roster::export(file);
            match output {
                Some(out) => {
                    std::fs::write(&out, csv).map_err(|e| format!("{}: {e}", out.display()))?;
                    eprintln!(
                        "scopegate: wrote {} store(s) to {}",
                        file.brand.stores.len(),
                        out.display()
                    );
                }
                None => print!("{csv}"),
            }
            Ok(exit::OK)
        }
    }
}

pub fn till(path: &Path, file: &GroupsFile, command: TillCommand) -> Result<i32, String> {
    match command {
        TillCommand::Add {
            till,
            store,
            password,
            credentials,
            by,
            preview,
        } => {
            // The password first: a till is not added when its password cannot be read.
            let hash = if password && !preview.dry_run {
                let password = passwords::read_password(&till)?;
                Some(passwords::hash_password(&password)?)
            } else {
                None
            };
            let actions = holder(HolderAction::AddTill {
                till: till.clone(),
                store,
            });
            let outcome = change(path, file, &actions, &by, &preview)?;
            match (&outcome, hash, &credentials.credentials) {
                (Outcome::Written, Some(hash), Some(creds)) => {
                    set_passwords(creds, &[(&till, Some(&hash))])?;
                    eprintln!(
                        "scopegate: set the password of {till} in {}",
                        creds.display()
                    );
                    Ok(exit::OK)
                }
                _ => Ok(outcome.code()),
            }
        }
        TillCommand::Move {
            till,
            store,
            by,
            preview,
        } => {
            let actions = holder(HolderAction::MoveTill { till, store });
            change(path, file, &actions, &by, &preview).map(|o| o.code())
        }
        TillCommand::Remove {
            till,
            credentials,
            by,
            preview,
        } => {
            let actions = holder(HolderAction::RemoveTill(till.clone()));
            let outcome = change(path, file, &actions, &by, &preview)?;
            forget_passwords(&outcome, &credentials, &[till])
        }
        TillCommand::List {
            store,
            credentials,
            format,
        } => list_tills(
            file,
            store.as_deref(),
            credentials.credentials.as_deref(),
            format,
        ),
        TillCommand::Password { till, credentials } => {
            let Some(creds) = credentials.credentials else {
                return Err(
                    "give the credentials file with --credentials FILE (or $SCOPEGATE_CREDENTIALS)"
                        .into(),
                );
            };
            if scopegate::groups::holders::store_of(file, &till).is_none() {
                eprintln!(
                    "scopegate: refused: there is no till `{till}` in {}; add it first (`scopegate groups till add {till} --store STORE --password`)",
                    file.brand.source.path.display()
                );
                return Ok(exit::FINDINGS);
            }
            let password = passwords::read_password(&till)?;
            let hash = passwords::hash_password(&password)?;
            let replaced = set_passwords(&creds, &[(&till, Some(&hash))])?;
            eprintln!(
                "scopegate: {} {till} in {}",
                if replaced > 0 {
                    "replaced the password of"
                } else {
                    "set the password of"
                },
                creds.display()
            );
            Ok(exit::OK)
        }
    }
}

pub fn client(path: &Path, file: &GroupsFile, command: ClientCommand) -> Result<i32, String> {
    match command {
        ClientCommand::Add {
            id,
            name,
            group,
            token_scopes,
            by,
            preview,
        } => {
            let actions = holder(HolderAction::AddClient {
                id,
                name,
                group,
                token_scopes: token_scopes.map(|t| match t {
                    TokenScopesArg::Replace => TokenScopes::Replace,
                    TokenScopesArg::Intersect => TokenScopes::Intersect,
                }),
            });
            change(path, file, &actions, &by, &preview).map(|o| o.code())
        }
        ClientCommand::Remove { id, by, preview } => {
            let actions = holder(HolderAction::RemoveClient(id));
            change(path, file, &actions, &by, &preview).map(|o| o.code())
        }
        ClientCommand::List { format } => Ok(list_clients(file, format)),
    }
}

fn set_passwords(creds: &Path, changes: &[(&str, Option<&str>)]) -> Result<usize, String> {
    passwords::update_file(creds, changes).map_err(|e| {
        format!(
            "{}: {e} (the groups file is updated; set the password again with `scopegate groups till password`)",
            creds.display()
        )
    })
}

/// After tills are removed from the groups file, their passwords go too (when the
/// credentials file is given).
fn forget_passwords(
    outcome: &Outcome,
    credentials: &CredentialsFile,
    tills: &[String],
) -> Result<i32, String> {
    if let (Outcome::Written, Some(creds), false) =
        (outcome, &credentials.credentials, tills.is_empty())
    {
        let changes: Vec<(&str, Option<&str>)> = tills.iter().map(|t| (t.as_str(), None)).collect();
        let removed = passwords::update_file(creds, &changes).map_err(|e| {
            format!(
                "{}: {e} (the tills are gone from the groups file, so they are denied either way)",
                creds.display()
            )
        })?;
        eprintln!(
            "scopegate: removed {removed} password(s) from {}",
            creds.display()
        );
    }
    Ok(outcome.code())
}

/// A store's group as the runtime sees it: `pos`, `pos (default)`, or `-`.
fn group_of<'a>(file: &'a GroupsFile, store: &'a Store) -> (Option<&'a str>, Via) {
    file.effective_group(store.group.as_ref(), Via::Store)
}

fn group_label(group: Option<&str>, via: Via) -> String {
    match (group, via) {
        (Some(g), Via::Default) => format!("{g} (default)"),
        (Some(g), _) => g.to_string(),
        (None, _) => "-".to_string(),
    }
}

fn stamps_json(s: &Stamps) -> serde_json::Value {
    json!({"created_at": s.created_at, "created_by": s.created_by,
           "updated_at": s.updated_at, "updated_by": s.updated_by})
}

fn list_stores(file: &GroupsFile, group: Option<&str>, format: Format) -> i32 {
    let stores: Vec<(&Store, Option<&str>, Via)> = file
        .brand
        .stores
        .iter()
        .map(|s| {
            let (g, via) = group_of(file, s);
            (s, g, via)
        })
        .filter(|(_, g, _)| group.is_none() || *g == group)
        .collect();
    if format == Format::Json {
        let out: Vec<_> = stores
            .iter()
            .map(|(s, g, via)| {
                json!({"id": s.id, "name": s.name, "group": g,
                       "by_default": *via == Via::Default,
                       "tills": s.tills.iter().map(|t| &t.value).collect::<Vec<_>>()})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        return exit::OK;
    }
    let rows: Vec<[String; 4]> = stores
        .iter()
        .map(|(s, g, via)| {
            [
                s.id.clone(),
                s.name.clone().unwrap_or_default(),
                group_label(*g, *via),
                s.tills.len().to_string(),
            ]
        })
        .collect();
    print_table(&["store", "name", "group", "tills"], &rows);
    let tills: usize = stores.iter().map(|(s, ..)| s.tills.len()).sum();
    eprintln!("scopegate: {} store(s), {tills} till(s)", stores.len());
    exit::OK
}

/// A table with a header, columns measured in display width; a last column of numbers is
/// right-aligned.
fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let numbers = rows.iter().all(|r| r[N - 1].parse::<u64>().is_ok());
    let widths: Vec<usize> = (0..N)
        .map(|i| {
            rows.iter()
                .map(|r| matrix::columns(&r[i]))
                .chain([matrix::columns(header[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N && numbers {
                let pad = widths[i].saturating_sub(matrix::columns(cell));
                out += &format!("{}{cell}", " ".repeat(pad));
            } else {
                out += &format!("{}  ", matrix::pad(cell, widths[i]));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn show_store(
    file: &GroupsFile,
    id: &str,
    table: Option<&Path>,
    format: Format,
) -> Result<i32, String> {
    let Some(store) = file.brand.stores.iter().find(|s| s.id == id) else {
        eprintln!(
            "scopegate: there is no store `{id}`{}",
            scopegate::suggest::did_you_mean(id, file.brand.stores.iter().map(|s| s.id.as_str()))
        );
        return Ok(exit::FINDINGS);
    };
    let (group, via) = group_of(file, store);
    let routes = match super::table_path(file, table.map(Path::to_path_buf)) {
        Some(path) => {
            let table = load_table(&path)?;
            let decider = resolve::Decider::new(&table);
            let allowed: Vec<String> = group
                .and_then(|g| file.group(g))
                .map_or_else(Vec::new, |g| decider.holder_routes(file, g))
                .into_iter()
                .map(|i| decider.label(i))
                .collect();
            Some((allowed, table.routes.len()))
        }
        None => None,
    };
    let tills: Vec<&str> = store.tills.iter().map(|t| t.value.as_str()).collect();
    if format == Format::Json {
        let mut out = json!({"id": store.id, "name": store.name, "group": group,
            "by_default": via == Via::Default, "tills": tills,
            "stamps": stamps_json(&store.stamps)});
        if let Some((allowed, _)) = &routes {
            out["routes"] = json!(allowed);
        }
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        return Ok(exit::OK);
    }
    println!("store:   {}", store.id);
    if let Some(name) = &store.name {
        println!("name:    {name}");
    }
    println!("group:   {}", group_label(group, via));
    println!(
        "tills:   {}",
        if tills.is_empty() {
            "-".to_string()
        } else {
            tills.join(" ")
        }
    );
    let s = &store.stamps;
    if let (Some(at), Some(by)) = (&s.created_at, &s.created_by) {
        println!("created: {at} by {by}");
    }
    if let (Some(at), Some(by)) = (&s.updated_at, &s.updated_by) {
        println!("updated: {at} by {by}");
    }
    if let Some((allowed, total)) = routes {
        println!("routes:  {} of {total} allowed", allowed.len());
        for r in allowed {
            println!("  {r}");
        }
    }
    Ok(exit::OK)
}

fn list_tills(
    file: &GroupsFile,
    store: Option<&str>,
    credentials: Option<&Path>,
    format: Format,
) -> Result<i32, String> {
    if let Some(id) = store {
        if !file.brand.stores.iter().any(|s| s.id == id) {
            eprintln!("scopegate: there is no store `{id}`");
            return Ok(exit::FINDINGS);
        }
    }
    let creds = credentials.map(passwords::Credentials::load).transpose()?;
    // Till, its store, the store's group and where it comes from, and whether it has a
    // password (when the credentials file is given).
    type Row<'a> = (&'a str, &'a Store, Option<&'a str>, Via, Option<bool>);
    let rows: Vec<Row<'_>> = file
        .brand
        .stores
        .iter()
        .filter(|s| store.is_none_or(|id| s.id == id))
        .flat_map(|s| {
            let (group, via) = group_of(file, s);
            let creds = creds.as_ref();
            s.tills.iter().map(move |t| {
                (
                    t.value.as_str(),
                    s,
                    group,
                    via,
                    creds.map(|c| c.knows(&t.value)),
                )
            })
        })
        .collect();
    if format == Format::Json {
        let out: Vec<_> = rows
            .iter()
            .map(|(till, s, group, via, password)| {
                json!({"id": till, "store": s.id, "group": group,
                       "by_default": *via == Via::Default, "password": password})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        return Ok(exit::OK);
    }
    let table: Vec<[String; 4]> = rows
        .iter()
        .map(|(till, s, group, via, password)| {
            [
                till.to_string(),
                s.id.clone(),
                group_label(*group, *via),
                match password {
                    Some(true) => "set".into(),
                    Some(false) => "missing".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    print_table(&["till", "store", "group", "password"], &table);
    let missing = rows.iter().filter(|r| r.4 == Some(false)).count();
    if missing > 0 {
        eprintln!("scopegate: {missing} till(s) without a password cannot log in");
    }
    Ok(exit::OK)
}

fn list_clients(file: &GroupsFile, format: Format) -> i32 {
    let clients: Vec<_> = file
        .brand
        .clients
        .iter()
        .map(|c| {
            let (g, via) = file.effective_group(c.group.as_ref(), Via::Client);
            (c, g, via)
        })
        .collect();
    if format == Format::Json {
        let out: Vec<_> = clients
            .iter()
            .map(|(c, g, via)| {
                json!({"id": c.id, "name": c.name, "group": g,
                       "by_default": *via == Via::Default,
                       "token_scopes": c.token_scopes.as_ref().map_or(TokenScopes::Replace, |t| t.value).name(),
                       "stamps": stamps_json(&c.stamps)})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        return exit::OK;
    }
    let rows: Vec<[String; 3]> = clients
        .iter()
        .map(|(c, g, via)| {
            [
                c.id.clone(),
                c.name.clone().unwrap_or_default(),
                match c.token_scopes.as_ref().map(|t| t.value) {
                    // Only what both the group and the client's token grant.
                    Some(TokenScopes::Intersect) => format!("{} ∩ token", group_label(*g, *via)),
                    _ => group_label(*g, *via),
                },
            ]
        })
        .collect();
    print_table(&["client", "name", "group"], &rows);
    exit::OK
}

//! `scopegate groups ...`: manage and validate access groups (SPEC section 8).
//!
//! Reading commands print; editing commands refuse what the rules forbid (exit 1, the file
//! untouched), otherwise edit the brand's file in place keeping its comments and order, stamp
//! `updated-at`/`updated-by`, read the result back, and write it atomically.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::json;

use scopegate::groups::file::{ApiKind, Level};
use scopegate::groups::manage::{Action, Changes};
use scopegate::groups::{self, file, infer, matrix, moves, validate, GroupsFile};
use scopegate::runtime::table::Table;

use super::exit;
use super::lint::ColorChoice;

mod change;
mod holders;
mod passwords;
mod read;

use change::{change, By, Preview};
use read::{list, list_where, show};

#[derive(Args, Debug)]
pub struct GroupsArgs {
    /// The brand's groups file (it names the platform layer with `platform:`).
    #[arg(
        long,
        short,
        global = true,
        env = "SCOPEGATE_GROUPS",
        default_value = "groups.yaml"
    )]
    file: PathBuf,
    #[command(subcommand)]
    command: GroupsCommand,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum StatusFilter {
    Active,
    Inactive,
    All,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// `groups validate`'s formats: its own text and JSON list, and the lint report's machine
/// formats for CI (findings are diagnostics like lint's).
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ValidateFormat {
    /// file:line:col: severity: message
    Text,
    /// a JSON array of findings (file, line, column, severity, rule, message)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// JUnit XML
    Junit,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Args, Debug, Default)]
pub struct Edits {
    /// Set a permission, `KIND:RESOURCE=LEVEL` (kind data or config; level none, read, write or
    /// read-write), such as `data:loyalty=read-write`. Repeatable.
    #[arg(long = "permission", value_name = "KIND:RESOURCE=LEVEL")]
    permissions: Vec<String>,
    /// Add a scope by name. Repeatable.
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum GroupsCommand {
    /// List groups with their allocated stores and clients.
    List {
        #[arg(long, value_enum, default_value = "all")]
        status: StatusFilter,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Find groups whose id, name or description contains TEXT (case-insensitive).
    Search {
        text: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Show one group: permissions, scopes, stores and clients; with --table, what it grants.
    Show {
        id: String,
        #[arg(long, value_name = "FILE", env = "SCOPEGATE_TABLE")]
        table: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Create a custom group (active).
    Create {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        edits: Edits,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Change a custom group's name, description, permissions or scopes.
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        edits: Edits,
        /// Drop a permission, `KIND:RESOURCE`. Repeatable.
        #[arg(long = "remove-permission", value_name = "KIND:RESOURCE")]
        remove_permissions: Vec<String>,
        /// Drop a scope listed by name. Repeatable.
        #[arg(long = "remove-scope", value_name = "SCOPE")]
        remove_scopes: Vec<String>,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Activate a custom group.
    Activate {
        id: String,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Deactivate a custom group (refused while stores are assigned to it).
    Deactivate {
        id: String,
        #[command(flatten)]
        by: By,
        #[command(flatten)]
        preview: Preview,
    },
    /// Delete a custom group (refused while assigned or the default).
    Delete { id: String },
    /// Assign stores or API clients to a group.
    #[command(group(ArgGroup::new("who").required(true).multiple(true).args(["stores", "clients"])))]
    Assign {
        group: String,
        #[arg(long = "store", value_name = "STORE")]
        stores: Vec<String>,
        #[arg(long = "client", value_name = "CLIENT")]
        clients: Vec<String>,
        #[command(flatten)]
        preview: Preview,
    },
    /// Remove stores' or API clients' own group (they fall back to the default group).
    #[command(group(ArgGroup::new("who").required(true).multiple(true).args(["stores", "clients"])))]
    Unassign {
        #[arg(long = "store", value_name = "STORE")]
        stores: Vec<String>,
        #[arg(long = "client", value_name = "CLIENT")]
        clients: Vec<String>,
        #[command(flatten)]
        preview: Preview,
    },
    /// Set the brand's default group.
    Default {
        id: String,
        #[command(flatten)]
        preview: Preview,
    },
    /// Check the groups against a permission table: exit 1 on errors.
    Validate {
        #[arg(long, value_name = "FILE", env = "SCOPEGATE_TABLE")]
        table: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: ValidateFormat,
    },
    /// Group × route: allowed or denied.
    Matrix {
        #[arg(long, value_name = "FILE", env = "SCOPEGATE_TABLE")]
        table: Option<PathBuf>,
        /// Write a self-contained HTML page here instead of printing a table.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Colours for the marks (green allowed, red denied): auto (on a terminal, unless
        /// NO_COLOR is set), always or never.
        #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
        color: ColorChoice,
        /// Print the matrix as JSON (routes by API, with the groups that may call each).
        #[arg(long, value_enum, default_value = "text", conflicts_with = "html")]
        format: Format,
    },
    /// What a change to the groups file moves: the routes each store (with its tills) and API
    /// client gains and loses between OLD and NEW, checked against a permission table.
    Diff {
        /// The groups file before: a path, or `REV:PATH` for a git revision (`main:groups.yaml`).
        old: String,
        /// The groups file after: a path or `REV:PATH` (default: --file, as it is now).
        new: Option<String>,
        #[arg(long, value_name = "FILE", env = "SCOPEGATE_TABLE")]
        table: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        /// Exit 1 when anyone gains a route (a change that widens rights needs a look).
        #[arg(long)]
        fail_on_gain: bool,
    },
    /// Stores and their tills: add, rename, remove, list, show; import and export as CSV.
    Store {
        #[command(subcommand)]
        command: holders::StoreCommand,
    },
    /// Tills: add (with a password), move to another store, remove, set a password.
    Till {
        #[command(subcommand)]
        command: holders::TillCommand,
    },
    /// OAuth API clients: register with a group, remove, list.
    Client {
        #[command(subcommand)]
        command: holders::ClientCommand,
    },
    /// Propose a group per client from access logs (combined format or JSON lines).
    Infer {
        #[arg(long, value_name = "FILE", env = "SCOPEGATE_TABLE")]
        table: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        log: PathBuf,
        /// Log paths lack the base paths (logged behind a prefix-stripping proxy).
        #[arg(long)]
        strip_base_paths: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

pub fn run(args: GroupsArgs) -> i32 {
    match execute(&args.file, args.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("scopegate: {message}");
            exit::USAGE
        }
    }
}

fn load(path: &Path) -> Result<GroupsFile, String> {
    groups::load(path).map_err(|problems| file::list_problems(&problems))
}

/// A groups file as it is on disk, or as a git revision has it (`REV:PATH`). The platform
/// layer it names is read from disk either way.
fn load_version(spec: &str) -> Result<GroupsFile, String> {
    let path = Path::new(spec);
    if path.exists() {
        return load(path);
    }
    let Some((rev, file_path)) = spec.split_once(':') else {
        return Err(format!(
            "{spec}: no such file (a git revision is written REV:PATH)"
        ));
    };
    let out = std::process::Command::new("git")
        .args(["show", &format!("{rev}:./{file_path}")])
        .output()
        .map_err(|e| format!("{spec}: cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{spec}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|_| format!("{spec}: not UTF-8"))?;
    let brand = file::parse_layer(Path::new(file_path), text, false)
        .map_err(|p| file::list_problems(&p))?;
    file::with_platform(brand).map_err(|p| file::list_problems(&p))
}

fn load_table(path: &Path) -> Result<Table, String> {
    Table::read(path).map_err(|e| e.to_string())
}

/// The table a command checks against: `--table` (or `$SCOPEGATE_TABLE`), else the one the
/// groups file names with `table:`.
fn table_path(file: &GroupsFile, given: Option<PathBuf>) -> Option<PathBuf> {
    given.or_else(|| file.brand.table_file.as_ref().map(|t| t.value.clone()))
}

/// The table a command needs, with its path.
fn required_table(file: &GroupsFile, given: Option<PathBuf>) -> Result<(PathBuf, Table), String> {
    let path = table_path(file, given).ok_or(
        "this needs a permission table: give --table FILE, or name it in the groups file with `table: FILE`",
    )?;
    let table = load_table(&path)?;
    Ok((path, table))
}

fn execute(path: &Path, command: GroupsCommand) -> Result<i32, String> {
    let file = load(path)?;
    // Editing commands refuse to make things worse; the others say what is wrong and go on
    // (`validate` reports it as errors).
    if !matches!(command, GroupsCommand::Validate { .. }) {
        for problem in file.consistency() {
            eprintln!("warning: {problem}");
        }
    }
    match command {
        GroupsCommand::List { status, format } => Ok(list(&file, status, format)),
        GroupsCommand::Search { text, format } => {
            let needle = text.to_lowercase();
            let matches = |g: &file::Group| {
                [Some(&g.id), Some(&g.name), g.description.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|s| s.to_lowercase().contains(&needle))
            };
            let found = list_where(&file, &matches, format);
            Ok(if found == 0 { exit::FINDINGS } else { exit::OK })
        }
        GroupsCommand::Show { id, table, format } => {
            show(&file, &id, table_path(&file, table).as_deref(), format)
        }
        GroupsCommand::Create {
            id,
            name,
            description,
            edits,
            by,
            preview,
        } => {
            let changes = changes(&edits, &[], &[])?;
            let action = Action::Create {
                id,
                name,
                description,
                changes,
            };
            edit(path, &file, &[action], &by, &preview)
        }
        GroupsCommand::Edit {
            id,
            name,
            description,
            edits,
            remove_permissions,
            remove_scopes,
            by,
            preview,
        } => {
            let mut c = changes(&edits, &remove_permissions, &remove_scopes)?;
            c.name = name;
            c.description = description;
            if c.name.is_none()
                && c.description.is_none()
                && c.permissions.is_empty()
                && c.remove_permissions.is_empty()
                && c.add_scopes.is_empty()
                && c.remove_scopes.is_empty()
            {
                return Err("nothing to change: give --name, --description, --permission, --scope, --remove-permission or --remove-scope".into());
            }
            edit(
                path,
                &file,
                &[Action::Edit { id, changes: c }],
                &by,
                &preview,
            )
        }
        GroupsCommand::Activate { id, by, preview } => {
            edit(path, &file, &[Action::Activate(id)], &by, &preview)
        }
        GroupsCommand::Deactivate { id, by, preview } => {
            edit(path, &file, &[Action::Deactivate(id)], &by, &preview)
        }
        GroupsCommand::Delete { id } => edit(
            path,
            &file,
            &[Action::Delete(id)],
            &By::NOBODY,
            &Preview::default(),
        ),
        GroupsCommand::Assign {
            group,
            stores,
            clients,
            preview,
        } => {
            let mut actions = Vec::new();
            if !stores.is_empty() {
                actions.push(Action::AssignStores {
                    group: group.clone(),
                    stores,
                });
            }
            actions.extend(clients.into_iter().map(|client| Action::AssignClient {
                group: group.clone(),
                client,
            }));
            edit(path, &file, &actions, &By::NOBODY, &preview)
        }
        GroupsCommand::Unassign {
            stores,
            clients,
            preview,
        } => {
            let mut actions = Vec::new();
            if !stores.is_empty() {
                actions.push(Action::UnassignStores(stores));
            }
            actions.extend(clients.into_iter().map(Action::UnassignClient));
            edit(path, &file, &actions, &By::NOBODY, &preview)
        }
        GroupsCommand::Default { id, preview } => edit(
            path,
            &file,
            &[Action::SetDefault(id)],
            &By::NOBODY,
            &preview,
        ),
        GroupsCommand::Validate { table, format } => {
            let (_, table) = required_table(&file, table)?;
            let mut findings = validate::validate(&file, &table);
            scopegate::diagnostic::locate(&mut findings);
            print!("{}", validation_report(findings.clone(), format));
            let errors = findings
                .iter()
                .filter(|f| f.severity == validate::Severity::Error)
                .count();
            eprintln!(
                "scopegate: {errors} error(s), {} warning(s) in {} group(s)",
                findings.len() - errors,
                file.groups().count()
            );
            Ok(if errors > 0 { exit::FINDINGS } else { exit::OK })
        }
        GroupsCommand::Matrix {
            table,
            html,
            color,
            format,
        } => {
            let (table_path, table) = required_table(&file, table)?;
            let written = std::fs::metadata(&table_path)
                .and_then(|m| m.modified())
                .ok()
                .map(|t| humantime::format_rfc3339_seconds(t).to_string());
            let drawn = matrix::Drawn {
                table: table_path.display().to_string(),
                digest: table.digest.clone(),
                generator: table.generator.clone(),
                written,
            };
            let m = matrix::build(&file, &table, drawn);
            match html {
                Some(out) => {
                    let title = format!("scopegate access groups: {}", path.display());
                    std::fs::write(&out, matrix::render_html(&m, &title))
                        .map_err(|e| format!("{}: {e}", out.display()))?;
                    eprintln!(
                        "scopegate: wrote {} ({} routes × {} groups)",
                        out.display(),
                        m.routes(),
                        m.columns.len()
                    );
                }
                None if format == Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&matrix::to_json(&m)).expect("json")
                ),
                None => {
                    let color = color.enabled(std::io::stdout().is_terminal());
                    print!("{}", matrix::render_text(&m, color));
                }
            }
            Ok(exit::OK)
        }
        GroupsCommand::Diff {
            old,
            new,
            table,
            format,
            fail_on_gain,
        } => {
            let (table_path, table) = required_table(&file, table)?;
            let table_name = table_path.display().to_string();
            let before = load_version(&old)?;
            let after = match &new {
                Some(spec) => load_version(spec)?,
                None => file,
            };
            let moved = moves::moves(&before, &after, &table);
            match format {
                DiffFormat::Text => print!("{}", moves::render(&moved, &table_name)),
                DiffFormat::Markdown => print!("{}", moves::render_markdown(&moved, &table_name)),
                DiffFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&moves::to_json(&moved)).expect("json")
                ),
            }
            let widens = moved.iter().any(|m| !m.gains.is_empty());
            Ok(if fail_on_gain && widens {
                exit::FINDINGS
            } else {
                exit::OK
            })
        }
        GroupsCommand::Store { command } => holders::store(path, &file, command),
        GroupsCommand::Till { command } => holders::till(path, &file, command),
        GroupsCommand::Client { command } => holders::client(path, &file, command),
        GroupsCommand::Infer {
            table,
            log,
            strip_base_paths,
            format,
        } => {
            let (_, table) = required_table(&file, table)?;
            let text = std::fs::read(&log).map_err(|e| format!("{}: {e}", log.display()))?;
            let text = String::from_utf8_lossy(&text);
            let report = infer::infer(&file, &table, &text, strip_base_paths);
            match format {
                Format::Text => print!("{}", infer::render_text(&report)),
                Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&report).expect("json"))
                }
            }
            Ok(exit::OK)
        }
    }
}

/// A change that writes the groups file, as an exit code.
fn edit(
    path: &Path,
    file: &GroupsFile,
    actions: &[Action],
    by: &By,
    preview: &Preview,
) -> Result<i32, String> {
    change(path, file, actions, by, preview).map(|o| o.code())
}

fn parse_permission(s: &str) -> Result<(ApiKind, String, Level), String> {
    let bad =
        || format!("`{s}`: a permission is KIND:RESOURCE=LEVEL, such as data:loyalty=read-write");
    let (kind_resource, level) = s.split_once('=').ok_or_else(bad)?;
    let (kind, resource) = parse_kind_resource(kind_resource).map_err(|_| bad())?;
    let level = Level::parse(level).ok_or_else(|| {
        format!(
            "`{level}` is not a level: use one of {}",
            Level::NAMES.join(", ")
        )
    })?;
    Ok((kind, resource, level))
}

fn parse_kind_resource(s: &str) -> Result<(ApiKind, String), String> {
    let (kind, resource) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}`: expected KIND:RESOURCE, such as data:loyalty"))?;
    let kind = match kind {
        "data" => ApiKind::Data,
        "config" => ApiKind::Config,
        other => return Err(format!("`{other}` is not an API kind: use data or config")),
    };
    if resource.is_empty() {
        return Err(format!("`{s}`: the resource is empty"));
    }
    Ok((kind, resource.to_string()))
}

fn changes(
    edits: &Edits,
    remove_permissions: &[String],
    remove_scopes: &[String],
) -> Result<Changes, String> {
    Ok(Changes {
        permissions: edits
            .permissions
            .iter()
            .map(|p| parse_permission(p))
            .collect::<Result<_, _>>()?,
        remove_permissions: remove_permissions
            .iter()
            .map(|p| parse_kind_resource(p))
            .collect::<Result<_, _>>()?,
        add_scopes: edits.scopes.clone(),
        remove_scopes: remove_scopes.to_vec(),
        ..Changes::default()
    })
}

/// `groups validate`'s findings in `format`.
fn validation_report(
    findings: Vec<scopegate::diagnostic::Diagnostic>,
    format: ValidateFormat,
) -> String {
    use scopegate::report::formats;
    let outcome = || scopegate::lint::Outcome {
        diagnostics: findings.clone(),
        ..Default::default()
    };
    match format {
        ValidateFormat::Text => findings
            .iter()
            .map(|f| match f.position() {
                Some(p) => format!(
                    "{}:{}:{}: {}: {}\n",
                    f.path,
                    p.line,
                    p.column,
                    f.severity.name(),
                    f.message
                ),
                None => format!("{}: {}: {}\n", f.path, f.severity.name(), f.message),
            })
            .collect(),
        ValidateFormat::Json => {
            let out: Vec<_> = findings
                .iter()
                .map(|f| {
                    let p = f.position();
                    json!({"file": f.path, "line": p.map(|p| p.line), "column": p.map(|p| p.column),
                           "severity": f.severity.name(), "rule": f.rule, "message": f.message})
                })
                .collect();
            serde_json::to_string_pretty(&out).expect("json") + "\n"
        }
        ValidateFormat::Sarif => formats::sarif(&outcome()),
        ValidateFormat::Github => formats::github(&outcome()),
        ValidateFormat::Junit => formats::junit(&outcome()),
    }
}

//! `scopegate check --table T [--groups G] (--scopes "..." | --client ID | --anonymous)
//! METHOD PATH`: one decision.

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};
use serde_json::json;

use scopegate::groups;
use scopegate::runtime::groups::Via;
use scopegate::runtime::{Decision, Deny, Evaluator, Options, Principal, Table};

use super::exit;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("principal").required(true).args(["scopes", "client", "anonymous"])))]
pub struct CheckArgs {
    /// The permission table from `scopegate compile`.
    #[arg(long, value_name = "FILE")]
    table: PathBuf,
    /// The token's scopes, space- or comma-separated (`""` is authenticated with no scopes:
    /// only uid).
    #[arg(long)]
    scopes: Option<String>,
    /// A client (a store's till or an OAuth API client) resolved through access groups: those
    /// of --groups, or those compiled into the table with `compile --groups`.
    #[arg(long, value_name = "ID")]
    client: Option<String>,
    /// The brand's access groups file.
    #[arg(long, value_name = "FILE")]
    groups: Option<PathBuf>,
    /// No credentials at all.
    #[arg(long)]
    anonymous: bool,
    /// Match paths without base paths (a service behind a prefix-stripping proxy).
    #[arg(long)]
    strip_base_paths: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// The request method, such as GET.
    method: String,
    /// The request path as sent (`/orders/42?x=1`).
    path: String,
}

pub fn run(args: CheckArgs) -> i32 {
    let options = Options {
        strip_base_paths: args.strip_base_paths,
    };
    let evaluator = match load(&args, options) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("scopegate: {e}");
            return exit::USAGE;
        }
    };
    if args.method.bytes().any(|b| b.is_ascii_lowercase()) {
        eprintln!(
            "scopegate: `{}` is not a method: methods are case-sensitive (RFC 9110); did you mean `{}`?",
            args.method,
            args.method.to_ascii_uppercase()
        );
        return exit::USAGE;
    }
    let principal = match (&args.scopes, &args.client) {
        // Space- or comma-separated.
        (Some(s), _) => Principal::from_scope_string(&s.replace(',', " ")),
        (None, Some(c)) => Principal::client(c),
        (None, None) => Principal::Anonymous,
    };
    if args.client.is_some() && evaluator.table().access_groups.is_none() {
        eprintln!("scopegate: --client needs access groups: pass --groups, or compile the table with --groups");
        return exit::USAGE;
    }
    let grant = evaluator.grant(&principal);
    let decision = evaluator.evaluate(&grant, &args.method, &args.path);
    let granted: Vec<&str> = match &principal {
        Principal::Anonymous => Vec::new(),
        _ => evaluator.granted_scopes(&grant),
    };
    // A path that matches only without its base path: the service is likely behind a
    // prefix-stripping proxy.
    let hint = match (&decision, args.strip_base_paths) {
        (Decision::Deny(Deny::NoRoute), false) => load(
            &args,
            Options {
                strip_base_paths: true,
            },
        )
        .ok()
        .and_then(|stripped| {
            let g = stripped.grant(&principal);
            let d = stripped.evaluate(&g, &args.method, &args.path);
            d.route().map(|r| {
                format!(
                    "the path matches `{} {}` without its base path; behind a proxy that strips \
                         the prefix, pass --strip-base-paths",
                    r.method, r.path
                )
            })
        }),
        _ => None,
    };
    let client = args.client.as_deref().and_then(|c| {
        let groups = evaluator.table().access_groups.as_ref()?;
        groups.client(c)
    });
    match args.format {
        CheckFormat::Json => {
            let mut out = decision.to_json();
            // `reason` is the name this output gave the code before 0.2; kept for scripts.
            out["reason"] = json!(decision.code());
            if let Some(r) = decision.route() {
                out["route"]["any_of"] = json!(r.any_of);
                out["route"]["source"] =
                    json!(evaluator.table().sources.get(r.source).map(|s| &s.file));
            }
            out["granted"] = json!(granted);
            if let Some(c) = client {
                out["client"] = json!(c);
            }
            if let Some(h) = &hint {
                out["hint"] = json!(h);
            }
            println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        }
        CheckFormat::Text => {
            if let Some(c) = client {
                let group = c.group.as_deref().unwrap_or("none");
                let via = match c.via {
                    Via::Store => format!(" (from store `{}`)", c.store.as_deref().unwrap_or("?")),
                    Via::Client => String::new(),
                    Via::Default => " (the default group)".into(),
                    Via::None => " (no group and no default)".into(),
                };
                println!("client {}: group {group}{via}", c.id);
            }
            println!("{}", describe(&decision, &granted));
            if let Some(h) = &hint {
                println!("hint: {h}");
            }
        }
    }
    if decision.is_allow() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}

fn describe(decision: &Decision<'_>, granted: &[&str]) -> String {
    let route = |r: &scopegate::runtime::Route| {
        let id = r
            .operation_id
            .as_deref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default();
        format!("{} {}{id}", r.method, r.path)
    };
    let sets = |any_of: &[Vec<String>]| {
        any_of
            .iter()
            .map(|s| s.join(" + "))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    match decision {
        Decision::Allow { route: r } => format!("allow: {} requires {}", route(r), sets(&r.any_of)),
        Decision::Deny(Deny::NoRoute) => "deny (no-route): no route in the table matches".into(),
        Decision::Deny(Deny::Unauthenticated { route: r }) => {
            format!(
                "deny (unauthenticated): {} requires an authenticated principal",
                route(r)
            )
        }
        Decision::Deny(Deny::MissingScopes { route: r }) => format!(
            "deny (missing-scopes): {} requires {}; granted: {}",
            route(r),
            sets(&r.any_of),
            granted.join(" ")
        ),
        Decision::Deny(Deny::InvalidPath(e)) => format!("deny (invalid-path): {e}"),
        Decision::Deny(Deny::UnknownClient) => {
            "deny (unknown-client): the access groups know no such till or API client".into()
        }
        Decision::Deny(Deny::NoGroup) => {
            "deny (no-group): the client has no group and the brand no default group".into()
        }
        Decision::Deny(Deny::InactiveGroup { group }) => {
            format!("deny (inactive-group): the client's group `{group}` is inactive")
        }
    }
}

/// The table, with the groups of --groups resolved into it when given.
fn load(args: &CheckArgs, options: Options) -> Result<Evaluator, String> {
    let mut table = Table::read(&args.table).map_err(|e| e.to_string())?;
    if let Some(g) = &args.groups {
        table.access_groups = Some(
            groups::resolve::from_file(g, &table).map_err(|p| groups::file::list_problems(&p))?,
        );
    }
    Ok(Evaluator::new(table, options))
}

//! `scopegate check --table T (--scopes "..." | --anonymous) METHOD PATH`: one decision.

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};
use serde_json::json;

use scopegate::runtime::{reload, Decision, Deny, Options, Principal};

use super::exit;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("principal").required(true).args(["scopes", "anonymous"])))]
pub struct CheckArgs {
    /// The permission table from `scopegate compile`.
    #[arg(long, value_name = "FILE")]
    table: PathBuf,
    /// The token's scopes, space-delimited (`""` is authenticated with no scopes: only uid).
    #[arg(long)]
    scopes: Option<String>,
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
    let evaluator = match reload::load(&args.table, options) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("scopegate: {e}");
            return exit::USAGE;
        }
    };
    let principal = match &args.scopes {
        Some(s) => Principal::from_scope_string(s),
        None => Principal::Anonymous,
    };
    let decision = evaluator.evaluate(&evaluator.grant(&principal), &args.method, &args.path);
    let granted: Vec<&str> = match &principal {
        Principal::Anonymous => Vec::new(),
        Principal::Scopes(s) => s.iter().map(String::as_str).collect(),
    };
    match args.format {
        CheckFormat::Json => {
            let route = decision.route().map(|r| {
                json!({"method": r.method, "path": r.path, "operation_id": r.operation_id, "any_of": r.any_of,
                       "source": evaluator.table().sources.get(r.source).map(|s| &s.file)})
            });
            let mut out = json!({
                "decision": if decision.is_allow() { "allow" } else { "deny" },
                "reason": decision.reason(),
                "route": route,
                "granted": granted,
            });
            if let Decision::Deny(Deny::InvalidPath(e)) = &decision {
                out["path_error"] = json!({"code": e.code(), "message": e.to_string()});
            }
            println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        }
        CheckFormat::Text => println!("{}", describe(&decision, &granted)),
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
        Decision::Deny(Deny::MissingScopes { route: r, any_of }) => format!(
            "deny (missing-scopes): {} requires {}; granted: {}",
            route(r),
            sets(any_of),
            granted.join(" ")
        ),
        Decision::Deny(Deny::InvalidPath(e)) => format!("deny (invalid-path): {e}"),
    }
}

//! `scopegate compile [PATH...] -o permissions.json`.

use std::path::PathBuf;

use clap::Args;

use scopegate::compile::{self, CompileError, CompileOptions};
use scopegate::load::walk;
use scopegate::report;

use super::{exit, lint::load_config};

#[derive(Args, Debug)]
pub struct CompileArgs {
    /// OpenAPI files and directories to compile into one table.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Where to write the table (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Compile despite lint errors, leaving the offending operations out (listed on stderr).
    #[arg(long)]
    allow_errors: bool,
    /// Configuration file (default: the nearest scopegate.yaml up from the working directory).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Resolve this access groups file against the table and embed it (`access_groups`), so
    /// that the runtime decides client principals from the table alone.
    #[arg(long, value_name = "FILE")]
    groups: Option<PathBuf>,
}

pub fn run(args: CompileArgs) -> i32 {
    let config = match load_config(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("scopegate: {e}");
            return exit::USAGE;
        }
    };
    let inputs = match walk::discover(&args.paths, &config.ignore, &config.root) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("scopegate: {e}");
            return exit::USAGE;
        }
    };
    let options = CompileOptions {
        allow_errors: args.allow_errors,
    };
    let compiled = match compile::compile(&inputs, &config.settings, options) {
        Ok(c) => c,
        Err(CompileError::Lint(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{}", report::render_plain(d));
            }
            eprintln!(
                "scopegate: not compiled: {} error(s); fix them, or pass --allow-errors to leave the offending operations out",
                diagnostics.len()
            );
            return exit::FINDINGS;
        }
        Err(CompileError::Conflicts(conflicts)) => {
            for c in &conflicts {
                eprintln!("error: {c}");
            }
            eprintln!("scopegate: not compiled: {} conflict(s)", conflicts.len());
            return exit::FINDINGS;
        }
    };
    for d in &compiled.allowed_errors {
        eprintln!("{} (allowed)", report::render_plain(d));
    }
    for op in &compiled.excluded {
        eprintln!("left out: {op}");
    }
    let mut table = compiled.table;
    if let Some(path) = &args.groups {
        match scopegate::groups::resolve::from_file(path, &table) {
            Ok(groups) => table.access_groups = Some(groups),
            Err(e) => {
                eprintln!("{}", scopegate::groups::file::list_problems(&e));
                eprintln!("scopegate: not compiled: the access groups do not resolve");
                return exit::FINDINGS;
            }
        }
        table.digest = compile::digest(&table);
    }
    let json = compile::to_json(&table);
    let written = if args.output.as_os_str() == "-" {
        print!("{json}");
        Ok(())
    } else {
        std::fs::write(&args.output, json)
    };
    if let Err(e) = written {
        eprintln!("scopegate: {}: {e}", args.output.display());
        return exit::USAGE;
    }
    if let Some(g) = &table.access_groups {
        eprintln!(
            "scopegate: {} access group(s), {} client(s)",
            g.groups.len(),
            g.clients.len()
        );
    }
    eprintln!(
        "scopegate: {} route(s), {} scope(s) from {} source(s){}",
        table.routes.len(),
        table.scopes.len(),
        table.sources.len(),
        if compiled.excluded.is_empty() {
            String::new()
        } else {
            format!("; {} operation(s) left out", compiled.excluded.len())
        }
    );
    exit::OK
}

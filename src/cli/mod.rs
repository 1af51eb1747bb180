//! Subcommands, each in its own module; `run` returns the process exit code.

mod check;
mod compile;
mod groups;
mod inspect;
mod lint;
mod rules;
#[cfg(feature = "serve")]
mod serve;
mod version;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use scopegate::diagnostic::Diagnostic;
use scopegate::report;

/// Exit codes shared by every subcommand.
pub mod exit {
    /// Nothing at or above the failing severity.
    pub const OK: i32 = 0;
    /// Findings (or a deny, for `check`).
    pub const FINDINGS: i32 = 1;
    /// Usage, configuration or I/O errors.
    pub const USAGE: i32 = 2;
}

#[derive(Parser)]
#[command(
    name = "scopegate",
    version = version::LONG,
    about = "OpenAPI OAuth2 scope linter, compiler and evaluator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint OpenAPI files and directories against the guideline (default: .).
    Lint(lint::LintArgs),
    /// Compile descriptions into a permission table (refused on lint errors unless
    /// --allow-errors).
    Compile(compile::CompileArgs),
    /// Decide one request against a permission table: exit 0 allow, 1 deny, 2 usage.
    Check(check::CheckArgs),
    /// Manage and validate access groups: list, search, show, create, edit, activate,
    /// deactivate, delete, assign, unassign, default, validate, matrix, infer.
    Groups(groups::GroupsArgs),
    /// The decision server for nginx auth_request and Envoy ext_authz.
    #[cfg(feature = "serve")]
    Serve(Box<serve::ServeArgs>),
    /// Till credentials for the decision server's basic auth.
    #[cfg(feature = "serve")]
    Credentials(serve::CredentialsArgs),
    /// List the rules, or print one rule's documentation.
    Rules {
        /// A rule id, such as `operation-scoped`.
        id: Option<String>,
    },
    /// Print the security model of one description as JSON: schemes, the top-level list, and
    /// what each operation requires and where that comes from.
    Inspect {
        /// An OpenAPI or Swagger file (`.yaml`, `.yml`, `.json`), or `-` for stdin.
        file: PathBuf,
    },
    /// Print a shell completion script: `scopegate completions bash > /etc/bash_completion.d/scopegate`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `scopegate man > scopegate.1 && man ./scopegate.1`.
    Man,
}

/// How diagnostics on stderr are drawn.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DiagnosticStyle {
    Pretty,
    Plain,
}

pub fn run() -> i32 {
    #[cfg(not(feature = "serve"))]
    if let Some(code) = server_command_in_lint_build() {
        return code;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
        }
    };
    #[cfg(feature = "serve")]
    let serving = matches!(cli.command, Command::Serve(_));
    #[cfg(not(feature = "serve"))]
    let serving = false;
    if !serving {
        quiet_on_closed_pipe();
    }
    match cli.command {
        Command::Lint(args) => lint::run(args),
        Command::Compile(args) => compile::run(args),
        Command::Check(args) => check::run(args),
        Command::Groups(args) => groups::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(*args),
        #[cfg(feature = "serve")]
        Command::Credentials(args) => serve::credentials(args),
        Command::Rules { id } => rules::run(id.as_deref()),
        Command::Inspect { file } => inspect::run(&file),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "scopegate", &mut std::io::stdout());
            exit::OK
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => {
                    use std::io::Write;
                    let _ = std::io::stdout().write_all(&out);
                    exit::OK
                }
                Err(e) => {
                    eprintln!("scopegate: man page: {e}");
                    exit::USAGE
                }
            }
        }
    }
}

/// The lint-only build (the pre-commit hook's, the Action's, the wheel's) has no decision
/// server: `serve` and `credentials` get a pointer to the full build instead of clap's
/// "unrecognized subcommand".
#[cfg(not(feature = "serve"))]
fn server_command_in_lint_build() -> Option<i32> {
    let command = std::env::args_os().nth(1)?;
    let command = command.to_str()?;
    if command != "serve" && command != "credentials" {
        return None;
    }
    eprintln!(
        "scopegate: `{command}` is not in this build of scopegate {}, the lint-only build \
         (lint, rules, inspect, compile, check, groups).\n\
         The decision server is in the full build: the release archive \
         scopegate-v{}-<target>, the container image, or `cargo install scopegate`.",
        version::LONG,
        env!("CARGO_PKG_VERSION"),
    );
    Some(exit::USAGE)
}

/// A command whose reader goes away (`| head`) ends at once and quietly, killed by SIGPIPE like
/// any Unix filter, instead of panicking in `println!`. Not for `serve`, which must outlive a
/// closed decision-log pipe (its writes fail and are counted instead).
fn quiet_on_closed_pipe() {
    // SAFETY: called once at start, before any thread is spawned; restoring a signal's default
    // disposition has no other effect on the program's state.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Prints a diagnostic on stderr: a snippet on a terminal, a plain line otherwise.
pub fn eprint_diagnostic(d: &Diagnostic) {
    let stderr = std::io::stderr();
    if stderr.is_terminal() {
        eprint!("{}", report::render_pretty(d, true));
    } else {
        eprintln!("{}", report::render_plain(d));
    }
}

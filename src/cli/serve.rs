//! `scopegate serve`: the decision server, and `scopegate credentials add`: a till's password.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use scopegate::runtime::answer::Challenge;
use scopegate::runtime::Options;
use scopegate::serve::auth::{self, Authenticator, JwtConfig, JwtVerifier};
use scopegate::serve::state::{Files, State};
use scopegate::serve::{self, Config};

use super::exit;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ChallengeArg {
    Bearer,
    Basic,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The permission table from `scopegate compile`.
    #[arg(long, value_name = "FILE")]
    table: PathBuf,
    /// The brand's access groups file (for client principals: tills and API clients).
    #[arg(long, value_name = "FILE")]
    groups: Option<PathBuf>,
    /// Till credentials for HTTP basic auth (`id:$argon2id$...` lines; see `credentials add`).
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Where decisions are asked for.
    #[arg(long, default_value = "127.0.0.1:8181")]
    listen: SocketAddr,
    /// Where /healthz, /readyz and /metrics are served (never on the decision port, where every
    /// path is a decision).
    #[arg(long, default_value = "127.0.0.1:8182")]
    admin_listen: SocketAddr,
    /// Header with the original method (nginx auth_request).
    #[arg(long, default_value = "X-Original-Method")]
    method_header: String,
    /// Header with the original request URI (nginx auth_request). Without it, the request's
    /// own method and path are decided (Envoy ext_authz).
    #[arg(long, default_value = "X-Original-URI")]
    uri_header: String,
    /// Envoy ext_authz `path_prefix`: removed from the check request's path.
    #[arg(long, default_value = "")]
    path_prefix: String,
    /// Trust this header for already-verified JWT claims (JSON or base64url JSON), set by the
    /// gateway. Only behind a gateway that strips it from client requests.
    #[arg(long, value_name = "HEADER")]
    trusted_claims_header: Option<String>,
    /// Trust this header for a client id (a till or an API client), set by the gateway.
    #[arg(long, value_name = "HEADER")]
    trusted_client_header: Option<String>,
    /// HS256 secret (a file of at least 32 bytes). Repeatable.
    #[arg(long, value_name = "FILE")]
    jwt_hs256_secret: Vec<PathBuf>,
    /// RS256 or ES256 public key (PEM). Repeatable.
    #[arg(long, value_name = "FILE")]
    jwt_public_key: Vec<PathBuf>,
    /// A JWKS file (keys chosen by `kid`). Repeatable.
    #[arg(long, value_name = "FILE")]
    jwt_jwks: Vec<PathBuf>,
    /// Accepted `iss` values (repeatable; default: any).
    #[arg(long, value_name = "ISSUER")]
    jwt_issuer: Vec<String>,
    /// Accepted `aud` values (repeatable; default: not checked).
    #[arg(long, value_name = "AUDIENCE")]
    jwt_audience: Vec<String>,
    /// Clock skew allowed for `exp` and `nbf`, in seconds.
    #[arg(long, default_value_t = 30)]
    jwt_leeway: u64,
    /// What a 401 for a request without credentials asks for.
    #[arg(long, value_enum, default_value = "bearer")]
    challenge: ChallengeArg,
    #[arg(long, default_value = "scopegate")]
    realm: String,
    /// Match paths without base paths (a service behind a prefix-stripping proxy).
    #[arg(long)]
    strip_base_paths: bool,
    /// Decision log: JSON lines to `-` (stdout), a file (appended), or `off`.
    #[arg(long, default_value = "-", value_name = "FILE")]
    decision_log: String,
    /// How often files are checked for changes, in milliseconds (SIGHUP reloads at once).
    #[arg(long, default_value_t = 1000)]
    poll_ms: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(args: ServeArgs) -> i32 {
    match serve(args) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("scopegate: {e}");
            exit::USAGE
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let jwt_config = JwtConfig {
        hs256_secret_files: args.jwt_hs256_secret.clone(),
        public_key_files: args.jwt_public_key.clone(),
        jwks_files: args.jwt_jwks.clone(),
        issuers: args.jwt_issuer.clone(),
        audiences: args.jwt_audience.clone(),
        leeway_seconds: args.jwt_leeway,
    };
    let jwt = if jwt_config.is_empty() {
        None
    } else {
        Some(JwtVerifier::load(&jwt_config)?)
    };
    let authenticator = Authenticator {
        trusted_claims_header: args
            .trusted_claims_header
            .as_ref()
            .map(|h| h.to_ascii_lowercase()),
        trusted_client_header: args
            .trusted_client_header
            .as_ref()
            .map(|h| h.to_ascii_lowercase()),
        jwt,
        basic: args.credentials.is_some(),
        challenge: match args.challenge {
            ChallengeArg::Bearer => Challenge::Bearer,
            ChallengeArg::Basic => Challenge::Basic,
        },
    };
    let decision_log: Option<Box<dyn std::io::Write + Send>> = match args.decision_log.as_str() {
        "off" => None,
        "-" => Some(Box::new(std::io::LineWriter::new(std::io::stdout()))),
        path => Some(Box::new(std::io::LineWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("{path}: {e}"))?,
        ))),
    };
    let state = State::new(Files {
        table: args.table,
        groups: args.groups,
        credentials: args.credentials,
        options: Options {
            strip_base_paths: args.strip_base_paths,
        },
    });
    let config = Config {
        listen: args.listen,
        admin_listen: args.admin_listen,
        method_header: args.method_header,
        uri_header: args.uri_header,
        path_prefix: args.path_prefix,
        realm: args.realm,
        decision_log,
        poll: Duration::from_millis(args.poll_ms.max(50)),
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime.enable_all().build().map_err(|e| e.to_string())?;
    runtime
        .block_on(serve::run(config, state, authenticator))
        .map_err(|e| e.to_string())
}

#[derive(Args, Debug)]
pub struct CredentialsArgs {
    #[command(subcommand)]
    command: CredentialsCommand,
}

#[derive(Subcommand, Debug)]
enum CredentialsCommand {
    /// Add or replace a till's password (argon2id). The password is read from stdin, never from
    /// the command line.
    Add {
        /// The credentials file (created if missing).
        #[arg(long, short)]
        file: PathBuf,
        /// The till id (the basic-auth user name).
        till: String,
    },
}

pub fn credentials(args: CredentialsArgs) -> i32 {
    let CredentialsCommand::Add { file, till } = args.command;
    if till.is_empty() || till.contains([':', '\n', ' ']) {
        eprintln!("scopegate: a till id cannot be empty or hold `:`, spaces or newlines");
        return exit::USAGE;
    }
    if std::io::stdin().is_terminal() {
        eprintln!("password for {till} (then Enter):");
    }
    let mut password = String::new();
    if std::io::stdin().lock().read_line(&mut password).is_err() {
        eprintln!("scopegate: could not read the password from stdin");
        return exit::USAGE;
    }
    let password = password.trim_end_matches(['\n', '\r']);
    if password.len() < 8 {
        eprintln!("scopegate: a password needs at least 8 characters");
        return exit::USAGE;
    }
    let hash = match auth::hash_password(password) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("scopegate: {e}");
            return exit::USAGE;
        }
    };
    let existing = std::fs::read_to_string(&file).unwrap_or_default();
    let mut lines: Vec<String> = existing
        .lines()
        .filter(|l| l.split_once(':').map(|(id, _)| id) != Some(till.as_str()))
        .map(str::to_string)
        .collect();
    let replaced = lines.len() < existing.lines().count();
    lines.push(format!("{till}:{hash}"));
    let tmp = file.with_extension("scopegate-tmp");
    if let Err(e) =
        std::fs::write(&tmp, lines.join("\n") + "\n").and_then(|()| std::fs::rename(&tmp, &file))
    {
        eprintln!("scopegate: {}: {e}", file.display());
        return exit::USAGE;
    }
    eprintln!(
        "scopegate: {} {till} in {}",
        if replaced {
            "replaced the password of"
        } else {
            "added"
        },
        file.display()
    );
    exit::OK
}

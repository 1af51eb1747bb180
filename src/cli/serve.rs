//! `scopegate serve`: the decision server, and `scopegate credentials add`: a till's password.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use scopegate::runtime::answer::Challenge;
use scopegate::runtime::Options;
use scopegate::serve::auth::Authenticator;
use scopegate::serve::credentials;
use scopegate::serve::gateway::{Mode, Trust};
use scopegate::serve::introspect::{IntrospectionConfig, Introspector};
use scopegate::serve::jwt::{JwtConfig, JwtVerifier};
use scopegate::serve::logins::LoginLimits;
use scopegate::serve::provider::{Provider, ProviderConfig};
use scopegate::serve::state::{Files, State};
use scopegate::serve::{self, Config, Limits};
use sha2::Digest;

use super::exit;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ChallengeArg {
    Bearer,
    Basic,
}

/// Where the original request is read from.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum GatewayArg {
    /// nginx `auth_request`: method and URI from `--method-header` and `--uri-header` only.
    Nginx,
    /// Envoy `ext_authz` HTTP service: method and path from the check request's line only.
    EnvoyHttp,
    /// Traefik `forwardAuth` and Caddy `forward_auth`: method and URI from
    /// `X-Forwarded-Method` and `X-Forwarded-Uri` only (never `X-Original-*`).
    ForwardAuth,
    /// Envoy and Istio gRPC ext_authz (`envoy.service.auth.v3.Authorization/Check`) on
    /// --listen: method and path from the check message's request fields.
    EnvoyGrpc,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The permission table from `scopegate compile`.
    #[arg(long, value_name = "FILE")]
    table: PathBuf,
    /// The brand's access groups file (for client principals: tills and API clients); the
    /// platform layer it names is watched too.
    #[arg(long, value_name = "FILE")]
    groups: Option<PathBuf>,
    /// Till credentials for HTTP basic auth (`id:$argon2id$...` lines; see `credentials add`).
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// The gateway in front: where the original method and path are read (one place each).
    #[arg(long, value_enum)]
    gateway: GatewayArg,
    /// Where decisions are asked for.
    #[arg(long, default_value = "127.0.0.1:8181")]
    listen: SocketAddr,
    /// Where /healthz, /readyz and /metrics are served (never on the decision port, where every
    /// path is a decision).
    #[arg(long, default_value = "127.0.0.1:8182")]
    admin_listen: SocketAddr,
    /// `--gateway nginx`: the header with the original method.
    #[arg(long, default_value = "X-Original-Method")]
    method_header: String,
    /// `--gateway nginx`: the header with the original request URI (`$request_uri`).
    #[arg(long, default_value = "X-Original-URI")]
    uri_header: String,
    /// `--gateway envoy-http`: Envoy's `path_prefix`, removed from the check request's path.
    #[arg(long, default_value = "")]
    path_prefix: String,
    /// Trust this header for already-verified JWT claims (JSON or base64url JSON), set by the
    /// gateway. The gateway must remove client copies; see --trusted-peer.
    #[arg(long, value_name = "HEADER")]
    trusted_claims_header: Option<String>,
    /// Trust this header for a client id (a till or an API client), set by the gateway.
    #[arg(long, value_name = "HEADER")]
    trusted_client_header: Option<String>,
    /// Peers whose trusted headers are believed (CIDR or address; repeatable). Default:
    /// loopback, or any peer when --gateway-secret-file is given.
    #[arg(long, value_name = "CIDR")]
    trusted_peer: Vec<String>,
    /// A secret the gateway adds to every check request (in --gateway-secret-header); trusted
    /// headers are believed only with it. At least 32 bytes.
    #[arg(long, value_name = "FILE")]
    gateway_secret_file: Option<PathBuf>,
    #[arg(
        long,
        default_value = "X-Scopegate-Gateway-Secret",
        value_name = "HEADER"
    )]
    gateway_secret_header: String,
    /// The header holding the client's address (nginx: `X-Real-IP $remote_addr`), believed only
    /// from the gateway; failed logins are limited per address.
    #[arg(long, value_name = "HEADER")]
    client_address_header: Option<String>,
    /// HS256 secret (a file of at least 32 bytes). Repeatable.
    #[arg(long, value_name = "FILE")]
    jwt_hs256_secret: Vec<PathBuf>,
    /// RS256 or ES256 public key (PEM). Repeatable.
    #[arg(long, value_name = "FILE")]
    jwt_public_key: Vec<PathBuf>,
    /// A JWKS file (keys chosen by `kid`). Repeatable.
    #[arg(long, value_name = "FILE")]
    jwt_jwks: Vec<PathBuf>,
    /// The identity provider's issuer: its keys are found by OpenID discovery
    /// (`ISSUER/.well-known/openid-configuration`, whose `issuer` must be exactly this), fetched
    /// over HTTPS and kept fresh; it is also the accepted `iss` unless --jwt-issuer says.
    #[arg(long, value_name = "URL")]
    oidc_issuer: Option<String>,
    /// The identity provider's JWKS URL, without discovery (HTTPS; http only to loopback).
    #[arg(long, value_name = "URL")]
    jwks_url: Option<String>,
    /// Seconds between two refetches of the provider's keys for a token with an unknown `kid`.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    jwks_refetch_interval: u64,
    /// The least seconds a fetched key set is kept (the provider's Cache-Control max-age is
    /// followed above it, up to a day; five minutes without one).
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    jwks_min_refresh: u64,
    /// The claim a token's OAuth client is read from (repeatable, first present wins; default
    /// `client_id`, then `azp`). A client the groups file lists under `clients` gets its
    /// group's grant (see `token-scopes` there).
    #[arg(long, value_name = "CLAIM")]
    token_client_claim: Vec<String>,
    /// Opaque (non-JWT) bearer tokens are introspected here (RFC 7662; HTTPS, http only to
    /// loopback). Without it, --introspection-client-id with --oidc-issuer uses the endpoint
    /// discovery finds.
    #[arg(long, value_name = "URL")]
    introspection_url: Option<String>,
    /// This server's client id at the introspection endpoint (HTTP basic auth).
    #[arg(long, value_name = "ID")]
    introspection_client_id: Option<String>,
    /// A file holding this server's client secret at the introspection endpoint.
    #[arg(long, value_name = "FILE")]
    introspection_client_secret_file: Option<PathBuf>,
    /// The longest an active answer is remembered (also bounded by the token's `exp`): a
    /// revoked opaque token keeps working this long at most.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    introspection_max_age: u64,
    /// The introspection cache's budget, in MiB.
    #[arg(long, default_value_t = 16, value_name = "MIB")]
    introspection_cache_mib: u64,
    /// Introspections in flight at once; a token that finds no room in time is a 503.
    #[arg(long, default_value_t = 32, value_name = "N")]
    introspection_concurrency: usize,
    /// Seconds one exchange with the identity provider may take.
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    provider_timeout: u64,
    /// Accepted `iss` values (repeatable). Required with JWT keys, unless --jwt-any-issuer.
    #[arg(long, value_name = "ISSUER")]
    jwt_issuer: Vec<String>,
    /// Accepted `aud` values (repeatable). Required with JWT keys, unless --jwt-any-audience.
    #[arg(long, value_name = "AUDIENCE")]
    jwt_audience: Vec<String>,
    /// Accept tokens from any issuer the keys verify.
    #[arg(long)]
    jwt_any_issuer: bool,
    /// Accept tokens for any audience (an ID token issued to another client opens routes).
    #[arg(long)]
    jwt_any_audience: bool,
    /// Require this header `typ` (e.g. `at+jwt`, RFC 9068 access tokens).
    #[arg(long, value_name = "TYP")]
    jwt_typ: Option<String>,
    /// Clock skew allowed for `exp` and `nbf`, in seconds.
    #[arg(long, default_value_t = 30)]
    jwt_leeway: u64,
    /// The verified-token cache's budget, in MiB.
    #[arg(long, default_value_t = 16, value_name = "MIB")]
    token_cache_mib: u64,
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
    /// Seconds a request's headers may take to arrive.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    header_read_timeout: u64,
    /// Seconds a connection may stay without traffic.
    #[arg(long, default_value_t = 75, value_name = "SECONDS")]
    idle_timeout: u64,
    /// Open connections on the decision listener at most.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Password verifications running at once (default: half the cores, at least one).
    #[arg(long)]
    login_workers: Option<usize>,
    /// Logins that may wait for a verification; beyond, 503 with Retry-After.
    #[arg(long, default_value_t = 8)]
    login_queue: usize,
    /// Failed logins per till per minute before its logins are refused (429).
    #[arg(long, default_value_t = 10)]
    max_failed_logins_per_user: u32,
    /// Failed logins per client address per minute before its logins are refused (429).
    #[arg(long, default_value_t = 30)]
    max_failed_logins_per_address: u32,
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

fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().to_canonical().is_loopback()
}

/// The trust rule for gateway headers, or why serve must not start.
fn trust(args: &ServeArgs, trusted_headers: bool) -> Result<Trust, String> {
    let mut peers = Vec::new();
    for p in &args.trusted_peer {
        let net = p
            .parse::<ipnet::IpNet>()
            .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| format!("--trusted-peer {p}: not an address or CIDR"))?;
        peers.push(net);
    }
    let secret = match &args.gateway_secret_file {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let secret = bytes.trim_ascii();
            if secret.len() < 32 {
                return Err(format!(
                    "{}: a gateway secret needs at least 32 bytes",
                    path.display()
                ));
            }
            Some((
                args.gateway_secret_header.to_ascii_lowercase(),
                sha2::Sha256::digest(secret).into(),
            ))
        }
    };
    if args.gateway == GatewayArg::ForwardAuth && secret.is_none() {
        // Traefik and Caddy pass every client header to the check except the X-Forwarded-*
        // ones they set: from the gateway's own address, a client's copy of a trusted header
        // would be believed. Only a secret the gateway adds tells its headers apart.
        let client_copies = args
            .trusted_claims_header
            .iter()
            .chain(&args.trusted_client_header)
            .chain(
                args.client_address_header
                    .iter()
                    .filter(|h| !h.eq_ignore_ascii_case("x-forwarded-for")),
            )
            .next();
        if let Some(header) = client_copies {
            return Err(format!(
                "--gateway forward-auth: Traefik and Caddy pass a client's `{header}` through                  to the check; a trusted header needs --gateway-secret-file (the gateway adds                  the secret, see docs/serve.md), and the client's address is read from                  X-Forwarded-For, which both gateways set themselves"
            ));
        }
    }
    if trusted_headers && !is_loopback(&args.listen) && peers.is_empty() && secret.is_none() {
        return Err(format!(
            "trusted headers on a non-loopback listener ({}) need --trusted-peer (the gateway's \
             addresses) or --gateway-secret-file: otherwise anyone who reaches the port can \
             claim any identity",
            args.listen
        ));
    }
    Ok(match (peers.is_empty(), secret) {
        (true, None) => Trust::loopback(),
        (true, Some(secret)) => Trust {
            peers: Trust::any_peer(),
            secret: Some(secret),
        },
        (false, secret) => Trust { peers, secret },
    })
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let provider = if args.oidc_issuer.is_some() || args.jwks_url.is_some() {
        Some(Provider::new(ProviderConfig {
            issuer: args.oidc_issuer.clone(),
            jwks_url: args.jwks_url.clone(),
            refetch_interval: Duration::from_secs(args.jwks_refetch_interval),
            min_refresh: Duration::from_secs(args.jwks_min_refresh.max(1)),
            timeout: Duration::from_secs(args.provider_timeout.max(1)),
        })?)
    } else {
        None
    };
    let mut issuers = args.jwt_issuer.clone();
    if issuers.is_empty() {
        issuers.extend(args.oidc_issuer.clone());
    }
    let introspector = match &args.introspection_client_id {
        None if args.introspection_url.is_some() => {
            return Err("--introspection-url needs --introspection-client-id and \
                        --introspection-client-secret-file"
                .into())
        }
        None => None,
        Some(id) => {
            let path = args
                .introspection_client_secret_file
                .as_ref()
                .ok_or("--introspection-client-id needs --introspection-client-secret-file")?;
            let secret =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Some(Arc::new(Introspector::new(
                IntrospectionConfig {
                    url: args.introspection_url.clone(),
                    client_id: id.clone(),
                    client_secret: secret.trim().to_string(),
                    max_age: Duration::from_secs(args.introspection_max_age),
                    cache_bytes: args.introspection_cache_mib.max(1) << 20,
                    concurrency: args.introspection_concurrency,
                    timeout: Duration::from_secs(args.provider_timeout.max(1)),
                    issuers: issuers.clone(),
                    audiences: args.jwt_audience.clone(),
                    client_claims: args.token_client_claim.clone(),
                },
                provider.clone(),
            )?))
        }
    };
    let jwt_config = JwtConfig {
        hs256_secret_files: args.jwt_hs256_secret.clone(),
        public_key_files: args.jwt_public_key.clone(),
        jwks_files: args.jwt_jwks.clone(),
        provider: provider.clone(),
        issuers,
        audiences: args.jwt_audience.clone(),
        typ: args.jwt_typ.clone(),
        leeway_seconds: args.jwt_leeway,
        cache_bytes: args.token_cache_mib.max(1) << 20,
        client_claims: args.token_client_claim.clone(),
        introspection: introspector.is_some(),
    };
    let jwt = if jwt_config.is_empty() {
        None
    } else {
        if jwt_config.issuers.is_empty() && !args.jwt_any_issuer {
            return Err(
                "JWT keys without --jwt-issuer accept tokens from any issuer those keys \
                        sign for; name the issuer, or pass --jwt-any-issuer"
                    .into(),
            );
        }
        if jwt_config.audiences.is_empty() && !args.jwt_any_audience {
            return Err(
                "JWT keys without --jwt-audience accept tokens issued to any client \
                        (an ID token for another application opens routes); name this API's \
                        audience, or pass --jwt-any-audience"
                    .into(),
            );
        }
        // Refuse bad key files now rather than at the first reload.
        JwtVerifier::load(&jwt_config)?;
        Some(jwt_config)
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
        basic: args.credentials.is_some(),
        challenge: match args.challenge {
            ChallengeArg::Bearer => Challenge::Bearer,
            ChallengeArg::Basic => Challenge::Basic,
        },
        leeway_seconds: args.jwt_leeway,
    };
    let trusted_headers =
        authenticator.trusted_headers().next().is_some() || args.client_address_header.is_some();
    let trust = trust(&args, trusted_headers)?;
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
    let mode = match args.gateway {
        GatewayArg::Nginx => Mode::Nginx {
            method_header: args.method_header.to_ascii_lowercase(),
            uri_header: args.uri_header.to_ascii_lowercase(),
        },
        GatewayArg::EnvoyHttp => Mode::EnvoyHttp {
            path_prefix: args.path_prefix.clone(),
        },
        GatewayArg::ForwardAuth => Mode::ForwardAuth,
        GatewayArg::EnvoyGrpc => Mode::EnvoyGrpc,
    };
    let defaults = LoginLimits::default();
    let config = Config {
        provider,
        introspector,
        listen: args.listen,
        admin_listen: args.admin_listen,
        mode,
        trust,
        client_address_header: args
            .client_address_header
            .as_ref()
            .map(|h| h.to_ascii_lowercase()),
        realm: args.realm,
        decision_log,
        poll: Duration::from_millis(args.poll_ms.max(50)),
        limits: Limits {
            header_read_timeout: Duration::from_secs(args.header_read_timeout.max(1)),
            idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
            max_connections: args.max_connections.max(1),
        },
        logins: LoginLimits {
            workers: args.login_workers.unwrap_or(defaults.workers),
            queue: args.login_queue,
            per_user: args.max_failed_logins_per_user,
            per_address: args.max_failed_logins_per_address,
        },
    };
    let state = State::new(Files {
        table: args.table,
        groups: args.groups,
        credentials: args.credentials,
        jwt,
        options: Options {
            strip_base_paths: args.strip_base_paths,
        },
    });
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
    let hash = match read_password(&till).and_then(|p| credentials::hash_password(&p)) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("scopegate: {e}");
            return exit::USAGE;
        }
    };
    match credentials::update_file(&file, &[(&till, Some(&hash))]) {
        Ok(replaced) => {
            eprintln!(
                "scopegate: {} {till} in {}",
                if replaced > 0 {
                    "replaced the password of"
                } else {
                    "added"
                },
                file.display()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("scopegate: {}: {e}", file.display());
            exit::USAGE
        }
    }
}

/// A till's new password: from a terminal, without echo; from a pipe, one line. At least 8
/// characters; the till id must be a basic-auth user name.
pub fn read_password(till: &str) -> Result<String, String> {
    if !scopegate::serve::identity::header_safe(till) || till.contains(':') {
        return Err("a till id is 1 to 256 visible ASCII characters, without `:` or spaces".into());
    }
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("password for {till}: "))
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    };
    let password = password.map_err(|e| format!("could not read the password: {e}"))?;
    let password = password.trim_end_matches(['\n', '\r']);
    if password.len() < 8 {
        return Err("a password needs at least 8 characters".into());
    }
    Ok(password.to_string())
}

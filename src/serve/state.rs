//! What the server decides with, and how it is replaced: the table (with the groups and their
//! platform layer resolved into it), the till credentials and the JWT keys, reloaded on SIGHUP
//! and when a file's *content* changes (a SHA-256 per file: a same-size rewrite within one
//! second is a change too). A new version is built completely before it is swapped in; a file
//! that fails to load leaves the previous version in force and says why. A new JWT verifier is
//! built only when a key file changed, and it starts with an empty token cache. Until a first
//! table loads, every decision is 503.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use sha2::{Digest, Sha256};

use crate::runtime::{Evaluator, Options, Table};

use super::credentials::Credentials;
use super::jwt::{JwtConfig, JwtVerifier};
use super::metrics::PolicyLabels;

pub struct Files {
    pub table: PathBuf,
    pub groups: Option<PathBuf>,
    pub credentials: Option<PathBuf>,
    pub jwt: Option<JwtConfig>,
    pub options: Options,
}

/// The versions in force.
#[derive(Default, Clone)]
pub struct Current {
    pub evaluator: Option<Arc<Evaluator>>,
    pub credentials: Option<Arc<Credentials>>,
    pub jwt: Option<Arc<JwtVerifier>>,
}

/// A file's content digest; `None` when it cannot be read.
type Seen = Vec<(PathBuf, Option<[u8; 32]>)>;

pub struct State {
    pub files: Files,
    current: RwLock<Current>,
    /// Every file of the last load attempt, with its digest then.
    seen: Mutex<Seen>,
    /// The key files' digests behind the verifier in force.
    keys: Mutex<Option<Seen>>,
    /// The platform layer the brand's groups file named at the last load.
    platform: Mutex<Option<PathBuf>>,
}

fn digest(path: &PathBuf) -> Option<[u8; 32]> {
    std::fs::read(path).ok().map(|b| Sha256::digest(b).into())
}

fn digests<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> Seen {
    paths.map(|p| (p.clone(), digest(p))).collect()
}

/// What `reload` did.
pub struct Loaded {
    pub summary: String,
    /// The JWT keys changed (and the token cache was emptied).
    pub keys_changed: bool,
    /// What is in force now, for `scopegate_policy_info`.
    pub policy: PolicyLabels,
}

impl State {
    pub fn new(files: Files) -> State {
        State {
            files,
            current: RwLock::new(Current::default()),
            seen: Mutex::new(Vec::new()),
            keys: Mutex::new(None),
            platform: Mutex::new(None),
        }
    }

    /// The versions in force now; hold them for one request.
    pub fn current(&self) -> Current {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn evaluator(&self) -> Option<Arc<Evaluator>> {
        self.current().evaluator
    }

    fn watched(&self) -> Vec<PathBuf> {
        let files = &self.files;
        let mut paths = vec![files.table.clone()];
        paths.extend(files.groups.iter().cloned());
        if let Ok(platform) = self.platform.lock() {
            paths.extend(platform.iter().cloned());
        }
        paths.extend(files.credentials.iter().cloned());
        paths.extend(files.jwt.iter().flat_map(|j| j.files().cloned()));
        paths
    }

    /// Whether a file's content changed since the last load attempt.
    pub fn changed(&self) -> bool {
        let now = digests(self.watched().iter());
        self.seen.lock().map(|seen| *seen != now).unwrap_or(true)
    }

    /// Loads every file and swaps the new versions in; on error nothing changes.
    pub fn reload(&self) -> Result<Loaded, String> {
        // Digests first: a file rewritten while it loads is seen as changed at the next poll.
        let before = digests(self.watched().iter());
        if let Ok(mut seen) = self.seen.lock() {
            *seen = before;
        }
        let files = &self.files;
        let mut table = Table::read(&files.table).map_err(|e| e.to_string())?;
        if let Some(path) = &files.groups {
            let file =
                crate::groups::load(path).map_err(|p| crate::groups::file::list_problems(&p))?;
            let platform = file.brand.platform_file.as_ref().map(|f| f.value.clone());
            let moved = match self.platform.lock() {
                Ok(mut watched) if *watched != platform => {
                    *watched = platform;
                    true
                }
                _ => false,
            };
            if moved {
                // Watch the platform layer from now on, as it was at this load.
                let now = digests(self.watched().iter());
                if let Ok(mut seen) = self.seen.lock() {
                    *seen = now;
                }
            }
            table.access_groups = Some(
                crate::groups::resolve::resolve(&file, &table)
                    .map_err(|p| crate::groups::file::list_problems(&p))?,
            );
        }
        let credentials = match &files.credentials {
            Some(path) => Some(Arc::new(Credentials::load(path)?)),
            None => None,
        };
        let previous = self.current();
        let (jwt, keys_changed) = match &files.jwt {
            None => (None, false),
            Some(config) => {
                let keys = digests(config.files());
                let unchanged = self
                    .keys
                    .lock()
                    .map(|k| k.as_ref() == Some(&keys))
                    .unwrap_or(false);
                match (&previous.jwt, unchanged) {
                    (Some(jwt), true) => (Some(jwt.clone()), false),
                    _ => {
                        let jwt = Arc::new(JwtVerifier::load(config)?);
                        if let Ok(mut k) = self.keys.lock() {
                            *k = Some(keys);
                        }
                        (Some(jwt), previous.jwt.is_some())
                    }
                }
            }
        };
        let summary = format!(
            "{} route(s), {} group(s), {} client(s), {} till credential(s){}",
            table.routes.len(),
            table.access_groups.as_ref().map_or(0, |g| g.groups.len()),
            table.access_groups.as_ref().map_or(0, |g| g.clients.len()),
            credentials.as_ref().map_or(0, |c| c.len()),
            if keys_changed {
                ", new JWT keys (token cache emptied)"
            } else {
                ""
            }
        );
        // The groups files' digests as recorded for this load (the platform layer's too, once the
        // groups file named it): a file rewritten since is reloaded at the next poll, and
        // labelled then.
        let sha256_of = |path: Option<&PathBuf>| -> String {
            let seen = self.seen.lock();
            path.zip(seen.as_deref().ok())
                .and_then(|(path, seen)| seen.iter().find(|(watched, _)| watched == path))
                .and_then(|(_, digest)| *digest)
                .map(|digest| digest.iter().map(|b| format!("{b:02x}")).collect())
                .unwrap_or_default()
        };
        let platform = self.platform.lock().ok().and_then(|p| p.clone());
        let policy = PolicyLabels {
            table_digest: table.digest.clone(),
            groups_sha256: sha256_of(files.groups.as_ref()),
            platform_sha256: sha256_of(platform.as_ref()),
        };
        let evaluator = Arc::new(Evaluator::new(table, files.options));
        let mut current = match self.current.write() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        *current = Current {
            evaluator: Some(evaluator),
            credentials,
            jwt,
        };
        Ok(Loaded {
            summary,
            keys_changed,
            policy,
        })
    }
}

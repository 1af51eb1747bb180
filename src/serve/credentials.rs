//! Till credentials: `id:$argon2id$...` lines (`#` comments allowed).
//!
//! What the file may hold is fixed at load, with a clear error for anything else:
//! - argon2id (version 19) only, at or above the floor of OWASP's password storage guidance
//!   (`m=19456` KiB, `t=2`, `p=1`) and at or below a ceiling that bounds one login's memory
//!   (`m=262144` KiB, 256 MiB; `t=10`; `p=16`);
//! - one cost for the whole file: every hash uses the parameters of the first, and an unknown
//!   user costs exactly one verification under those parameters, so timing does not tell known
//!   users from unknown ones.
//!
//! Verifying argon2 costs tens of milliseconds by design; it runs in the bounded pool of
//! `logins`, never on a request thread. A successful check is remembered for a few minutes,
//! keyed by a salted digest of user and password (a wrong password never enters the cache).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// The floor and ceiling of accepted argon2id parameters (memory in KiB).
pub const MIN_MEMORY_KIB: u32 = 19_456;
pub const MAX_MEMORY_KIB: u32 = 262_144;
pub const MIN_PASSES: u32 = 2;
pub const MAX_PASSES: u32 = 10;
pub const MAX_LANES: u32 = 16;

const CACHE_FOR: Duration = Duration::from_secs(300);
/// Successful logins remembered at most (32-byte digest and an instant each: about 5 MB).
const CACHE_ENTRIES: usize = 100_000;

pub struct Credentials {
    hashes: HashMap<String, String>,
    /// The file's one cost, which unknown users pay too.
    params: Params,
    dummy: String,
    cache: Mutex<HashMap<[u8; 32], Instant>>,
    salt: [u8; 16],
}

fn argon2(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The parameters of an accepted hash, or why it is refused.
fn accepted(hash: &PasswordHash<'_>) -> Result<Params, String> {
    if hash.algorithm.as_str() != "argon2id" {
        return Err(format!(
            "only argon2id hashes are accepted, not `{}`",
            hash.algorithm
        ));
    }
    if hash.version.is_some_and(|v| v != 0x13) {
        return Err("only argon2 version 19 (v=19) is accepted".into());
    }
    let params = Params::try_from(hash).map_err(|e| format!("bad argon2 parameters: {e}"))?;
    let (m, t, p) = (params.m_cost(), params.t_cost(), params.p_cost());
    if m < MIN_MEMORY_KIB || t < MIN_PASSES || p < 1 {
        return Err(format!(
            "argon2id parameters m={m},t={t},p={p} are below the floor m={MIN_MEMORY_KIB},t={MIN_PASSES},p=1; \
             set the password again with `scopegate credentials add`"
        ));
    }
    if m > MAX_MEMORY_KIB || t > MAX_PASSES || p > MAX_LANES {
        return Err(format!(
            "argon2id parameters m={m},t={t},p={p} exceed the ceiling m={MAX_MEMORY_KIB},t={MAX_PASSES},p={MAX_LANES}, \
             which bounds what one login may cost"
        ));
    }
    Ok(params)
}

fn same(a: &Params, b: &Params) -> bool {
    (a.m_cost(), a.t_cost(), a.p_cost()) == (b.m_cost(), b.t_cost(), b.p_cost())
}

impl Credentials {
    pub fn load(path: &Path) -> Result<Credentials, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Credentials::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Credentials, String> {
        let mut hashes = HashMap::new();
        let mut cost: Option<(Params, usize)> = None;
        for (n, line) in text.lines().enumerate() {
            let at = |message: String| format!("{}:{}: {message}", path.display(), n + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, hash) = line
                .split_once(':')
                .ok_or_else(|| at("expected `id:$argon2id$...`".into()))?;
            let parsed = PasswordHash::new(hash).map_err(|e| at(format!("not a PHC hash: {e}")))?;
            let params = accepted(&parsed).map_err(at)?;
            match &cost {
                None => cost = Some((params, n + 1)),
                Some((first, first_line)) if !same(first, &params) => {
                    return Err(at(format!(
                        "argon2id parameters m={},t={},p={} differ from line {first_line}'s m={},t={},p={}; \
                         one file has one cost, so that timing does not tell users apart",
                        params.m_cost(),
                        params.t_cost(),
                        params.p_cost(),
                        first.m_cost(),
                        first.t_cost(),
                        first.p_cost()
                    )))
                }
                Some(_) => {}
            }
            if hashes.insert(id.to_string(), hash.to_string()).is_some() {
                return Err(at(format!("`{id}` appears twice")));
            }
        }
        let params = cost.map_or_else(Params::default, |(p, _)| p);
        let dummy = hash_with(&params, "not a password")?;
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
        Ok(Credentials {
            hashes,
            params,
            dummy,
            cache: Mutex::new(HashMap::new()),
            salt,
        })
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether `user` has a password in the file.
    pub fn knows(&self, user: &str) -> bool {
        self.hashes.contains_key(user)
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    fn digest(&self, user: &str, password: &str) -> [u8; 32] {
        Sha256::new()
            .chain_update(self.salt)
            .chain_update((user.len() as u64).to_le_bytes())
            .chain_update(user.as_bytes())
            .chain_update(password.as_bytes())
            .finalize()
            .into()
    }

    /// Whether this user logged in with this password a few minutes ago (cheap).
    pub fn remembered(&self, user: &str, password: &str) -> bool {
        let digest = self.digest(user, password);
        let now = Instant::now();
        self.cache.lock().is_ok_and(|cache| {
            cache
                .get(&digest)
                .is_some_and(|at| now.duration_since(*at) < CACHE_FOR)
        })
    }

    /// The full argon2 verification (tens of milliseconds: call it from the login pool). An
    /// unknown user costs one verification against a hash with the file's parameters.
    pub fn verify(&self, user: &str, password: &str) -> bool {
        let hasher = argon2(self.params.clone());
        let known = self.hashes.get(user);
        let hash = known.unwrap_or(&self.dummy);
        let ok = PasswordHash::new(hash)
            .map(|parsed| hasher.verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
            && known.is_some();
        if ok {
            let now = Instant::now();
            if let Ok(mut cache) = self.cache.lock() {
                if cache.len() >= CACHE_ENTRIES {
                    cache.retain(|_, at| now.duration_since(*at) < CACHE_FOR);
                    if cache.len() >= CACHE_ENTRIES {
                        cache.clear();
                    }
                }
                cache.insert(self.digest(user, password), now);
            }
        }
        ok
    }
}

fn hash_with(params: &Params, password: &str) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    argon2(params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// An argon2id hash in PHC format at the floor's cost (19 MiB, 2 passes, 1 lane: the argon2
/// crate's defaults).
pub fn hash_password(password: &str) -> Result<String, String> {
    hash_with(&Params::default(), password)
}

/// Sets (`Some(hash)`) or removes (`None`) the lines of tills in the credentials file at
/// `path`, keeping every other line and comment in place; a new till's line goes at the end.
/// The file is written atomically and readable by its owner only (0600): it holds password
/// hashes. A missing file is created. Returns how many lines were there before for these
/// tills (replaced or removed).
pub fn update_file(path: &Path, changes: &[(&str, Option<&str>)]) -> std::io::Result<usize> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let till_of = |line: &str| line.trim().split_once(':').map(|(id, _)| id.to_string());
    let mut found = 0;
    let mut lines: Vec<String> = Vec::new();
    for line in existing.lines() {
        match till_of(line).and_then(|id| changes.iter().find(|(t, _)| *t == id)) {
            Some(_) => found += 1,
            None => lines.push(line.to_string()),
        }
    }
    for (till, hash) in changes {
        if let Some(hash) = hash {
            lines.push(format!("{till}:{hash}"));
        }
    }
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    write_private(path, &text)?;
    Ok(found)
}

/// Writes `text` to `path` atomically (a sibling file, then a rename), mode 0600.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("scopegate-tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    out.write_all(text.as_bytes())?;
    out.sync_all()?;
    std::fs::rename(&tmp, path)
}

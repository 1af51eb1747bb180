//! Basic-auth logins without starving decisions: password hashing in a bounded pool off the
//! request threads, and failed logins limited per user and per client address.
//!
//! - The pool runs at most `workers` verifications at once on blocking threads, and admits at
//!   most `workers + queue` logins at a time; the next one is answered at once with 503 and
//!   `Retry-After` instead of waiting (the caller retries; decisions keep their threads).
//! - Each failed login counts against its user and against its address in a one-minute window.
//!   Past the limit, logins for that user or from that address are refused with 429 and
//!   `Retry-After` *before* anything is checked, a remembered success included: a refused guess
//!   must not be distinguishable from a right one. The tables are bounded; when one is full of
//!   live entries, new keys are refused too (fail closed under a flood of names).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::credentials::Credentials;

const WINDOW: Duration = Duration::from_secs(60);
/// Keys remembered per table (user names and addresses): 16-byte digests, about 5 MB.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Verifications running at once (each holds the file's argon2 memory, 19 MiB by default).
    pub workers: usize,
    /// Logins that may wait for a worker.
    pub queue: usize,
    /// Failed logins per user per minute.
    pub per_user: u32,
    /// Failed logins per client address per minute.
    pub per_address: u32,
}

impl Default for LoginLimits {
    fn default() -> LoginLimits {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        LoginLimits {
            workers: (cores / 2).max(1),
            queue: 8,
            per_user: 10,
            per_address: 30,
        }
    }
}

/// Why a login did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Unknown user or wrong password (the same answer for both).
    Wrong,
    /// Too many failed logins for this user or address: retry after this many seconds.
    Limited(u64),
    /// The hashing pool is full: retry after this many seconds.
    Busy(u64),
}

/// Failures in the current window, per key.
struct Window {
    failures: HashMap<[u8; 16], (Instant, u32)>,
    limit: u32,
}

impl Window {
    fn new(limit: u32) -> Window {
        Window {
            failures: HashMap::new(),
            limit,
        }
    }

    /// Seconds to wait when `key` is over its limit.
    fn blocked(&mut self, key: &[u8; 16], now: Instant) -> Option<u64> {
        match self.failures.get(key) {
            Some((start, count)) if now.duration_since(*start) < WINDOW => (*count >= self.limit)
                .then(|| (WINDOW - now.duration_since(*start)).as_secs().max(1)),
            Some(_) => {
                self.failures.remove(key);
                None
            }
            None if self.failures.len() >= MAX_KEYS => {
                self.failures
                    .retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
                (self.failures.len() >= MAX_KEYS).then_some(WINDOW.as_secs())
            }
            None => None,
        }
    }

    fn fail(&mut self, key: [u8; 16], now: Instant) {
        if self.failures.len() >= MAX_KEYS && !self.failures.contains_key(&key) {
            return;
        }
        let entry = self.failures.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

fn key(kind: u8, value: &[u8]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update([kind])
        .chain_update(value)
        .finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&digest[..16]);
    k
}

pub struct Logins {
    admission: Arc<Semaphore>,
    running: Arc<Semaphore>,
    users: Mutex<Window>,
    addresses: Mutex<Window>,
}

impl Logins {
    pub fn new(limits: LoginLimits) -> Logins {
        let workers = limits.workers.max(1);
        Logins {
            admission: Arc::new(Semaphore::new(workers + limits.queue)),
            running: Arc::new(Semaphore::new(workers)),
            users: Mutex::new(Window::new(limits.per_user.max(1))),
            addresses: Mutex::new(Window::new(limits.per_address.max(1))),
        }
    }

    fn blocked(&self, user: &[u8; 16], address: &[u8; 16]) -> Option<u64> {
        let now = Instant::now();
        let by_user = self.users.lock().ok()?.blocked(user, now);
        let by_address = self.addresses.lock().ok()?.blocked(address, now);
        by_user.max(by_address)
    }

    /// Checks `user`'s `password` from `address`.
    pub async fn check(
        &self,
        credentials: Arc<Credentials>,
        user: &str,
        password: &str,
        address: IpAddr,
    ) -> Result<(), LoginRefusal> {
        let user_key = key(b'u', user.as_bytes());
        let address_key = key(b'a', address.to_string().as_bytes());
        if let Some(seconds) = self.blocked(&user_key, &address_key) {
            return Err(LoginRefusal::Limited(seconds));
        }
        if credentials.remembered(user, password) {
            return Ok(());
        }
        let Ok(_admitted) = self.admission.clone().try_acquire_owned() else {
            return Err(LoginRefusal::Busy(1));
        };
        let Ok(_running) = self.running.clone().acquire_owned().await else {
            return Err(LoginRefusal::Busy(1));
        };
        let (u, p) = (user.to_string(), password.to_string());
        let ok = tokio::task::spawn_blocking(move || credentials.verify(&u, &p))
            .await
            .unwrap_or(false);
        if ok {
            return Ok(());
        }
        let now = Instant::now();
        if let Ok(mut users) = self.users.lock() {
            users.fail(user_key, now);
        }
        if let Ok(mut addresses) = self.addresses.lock() {
            addresses.fail(address_key, now);
        }
        Err(LoginRefusal::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_blocks_past_its_limit_and_forgets_after_a_minute() {
        let mut w = Window::new(3);
        let k = key(b'u', b"bm-till-1");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(w.blocked(&k, t0), None);
            w.fail(k, t0);
        }
        assert_eq!(w.blocked(&k, t0), Some(60));
        assert_eq!(w.blocked(&key(b'u', b"bm-till-2"), t0), None);
        assert_eq!(w.blocked(&k, t0 + WINDOW), None);
    }
}

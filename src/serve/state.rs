//! What the server decides with, and how it is replaced: the table (with the groups resolved
//! into it) and the till credentials, reloaded on SIGHUP and when a file changes. A new
//! version is built completely before it is swapped in; a file that fails to load leaves the
//! previous version in force and says why. Until a first table loads, every decision is 503.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use crate::runtime::{Evaluator, Options, Table};

use super::auth::Credentials;

pub struct Files {
    pub table: PathBuf,
    pub groups: Option<PathBuf>,
    pub credentials: Option<PathBuf>,
    pub options: Options,
}

/// The versions in force.
#[derive(Default)]
pub struct Current {
    pub evaluator: Option<Arc<Evaluator>>,
    pub credentials: Option<Arc<Credentials>>,
}

pub struct State {
    pub files: Files,
    current: RwLock<Current>,
    /// What the files looked like at the last load attempt.
    seen: std::sync::Mutex<Vec<Option<(SystemTime, u64)>>>,
}

fn stamp(path: &PathBuf) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

impl State {
    pub fn new(files: Files) -> State {
        State {
            files,
            current: RwLock::new(Current::default()),
            seen: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub fn evaluator(&self) -> Option<Arc<Evaluator>> {
        match self.current.read() {
            Ok(c) => c.evaluator.clone(),
            Err(p) => p.into_inner().evaluator.clone(),
        }
    }

    pub fn credentials(&self) -> Option<Arc<Credentials>> {
        match self.current.read() {
            Ok(c) => c.credentials.clone(),
            Err(p) => p.into_inner().credentials.clone(),
        }
    }

    fn stamps(&self) -> Vec<Option<(SystemTime, u64)>> {
        let mut v = vec![stamp(&self.files.table)];
        v.extend(self.files.groups.iter().map(stamp));
        v.extend(self.files.credentials.iter().map(stamp));
        v
    }

    /// Whether a file changed since the last load attempt.
    pub fn changed(&self) -> bool {
        let now = self.stamps();
        self.seen.lock().map(|seen| *seen != now).unwrap_or(true)
    }

    /// Loads every file and swaps the new versions in; on error nothing changes.
    pub fn reload(&self) -> Result<String, String> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = self.stamps();
        }
        let files = &self.files;
        let mut table = Table::read(&files.table).map_err(|e| e.0)?;
        if let Some(path) = &files.groups {
            table.access_groups = Some(crate::groups::resolve::from_file(path, &table)?);
        }
        let credentials = match &files.credentials {
            Some(path) => Some(Arc::new(Credentials::load(path)?)),
            None => None,
        };
        let summary = format!(
            "{} route(s), {} group(s), {} client(s), {} till credential(s)",
            table.routes.len(),
            table.access_groups.as_ref().map_or(0, |g| g.groups.len()),
            table.access_groups.as_ref().map_or(0, |g| g.clients.len()),
            credentials.as_ref().map_or(0, |c| c.len())
        );
        let evaluator = Arc::new(Evaluator::new(table, files.options));
        let mut current = match self.current.write() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        current.evaluator = Some(evaluator);
        current.credentials = credentials;
        Ok(summary)
    }
}

//! A table that can be replaced while decisions keep flowing: readers clone an `Arc` under a
//! read lock held for a few instructions; a reload builds the new evaluator first and swaps it
//! in under the write lock. A file that fails to load leaves the old table in force.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use super::evaluator::{Evaluator, Options};
use super::table::{Table, TableError, TableErrorKind};

/// An evaluator shared by request handlers and replaced in place when the table file changes
/// (on SIGHUP, a timer, or a file watcher: the caller's choice).
///
/// ```no_run
/// use std::path::Path;
/// use scopegate_runtime::{Options, Principal, SharedEvaluator};
///
/// let shared = SharedEvaluator::open(Path::new("permissions.json"), Options::default())?;
/// // Per request: the evaluator in force now.
/// let evaluator = shared.current();
/// let grant = evaluator.grant(&Principal::from_scope_string("orders.read"));
/// let allowed = evaluator.evaluate(&grant, "GET", "/orders/v1/orders/42").is_allow();
/// # let _ = allowed;
/// // When the file changed: a broken file leaves the old table in force.
/// if let Err(e) = shared.reload() {
///     eprintln!("kept the previous table: {e}");
/// }
/// # Ok::<(), scopegate_runtime::TableError>(())
/// ```
pub struct SharedEvaluator {
    /// The table file `reload` reads; none for an evaluator built in memory.
    path: Option<PathBuf>,
    options: Options,
    current: RwLock<Arc<Evaluator>>,
}

/// The evaluator in force, borrowed from a [`SharedEvaluator`] for one decision.
pub struct InForce<'a>(RwLockReadGuard<'a, Arc<Evaluator>>);

impl std::ops::Deref for InForce<'_> {
    type Target = Evaluator;

    fn deref(&self) -> &Evaluator {
        &self.0
    }
}

/// Reads and builds an evaluator from a table file.
pub fn load(path: &Path, options: Options) -> Result<Evaluator, TableError> {
    Ok(Evaluator::new(Table::read(path)?, options))
}

impl SharedEvaluator {
    /// Loads the table at `path`; fails if it cannot be loaded now.
    pub fn open(path: &Path, options: Options) -> Result<SharedEvaluator, TableError> {
        let evaluator = load(path, options)?;
        Ok(SharedEvaluator {
            path: Some(path.to_path_buf()),
            options,
            current: RwLock::new(Arc::new(evaluator)),
        })
    }

    /// Holds an evaluator built elsewhere (a table with access groups resolved into it, or a
    /// hand-built one); later versions come through `replace`.
    pub fn new(evaluator: Evaluator) -> SharedEvaluator {
        SharedEvaluator {
            path: None,
            options: Options::default(),
            current: RwLock::new(Arc::new(evaluator)),
        }
    }

    /// The evaluator in force now. Hold the `Arc` for one decision, not for ever.
    pub fn current(&self) -> Arc<Evaluator> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The evaluator in force now, borrowed: no reference count is touched (two atomic
    /// operations fewer than [`current`](Self::current)), but a reload waits until the borrow
    /// ends, so hold it for one decision and never across an `.await`.
    pub fn borrow(&self) -> InForce<'_> {
        InForce(match self.current.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        })
    }

    /// Reads the file again. On error the previous table stays in force and the error says why.
    pub fn reload(&self) -> Result<(), TableError> {
        let Some(path) = &self.path else {
            return Err(TableError::new(
                TableErrorKind::NotFromFile,
                "this evaluator was not loaded from a file",
            ));
        };
        let evaluator = Arc::new(load(path, self.options)?);
        match self.current.write() {
            Ok(mut guard) => *guard = evaluator,
            Err(poisoned) => *poisoned.into_inner() = evaluator,
        }
        Ok(())
    }

    /// Swaps in an evaluator built elsewhere.
    pub fn replace(&self, evaluator: Evaluator) {
        let evaluator = Arc::new(evaluator);
        match self.current.write() {
            Ok(mut guard) => *guard = evaluator,
            Err(poisoned) => *poisoned.into_inner() = evaluator,
        }
    }
}

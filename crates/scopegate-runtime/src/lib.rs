#![warn(missing_docs)]
//! The runtime: what a service links to decide requests. It depends on serde and serde_json
//! only (and, with the `tower` feature, on tower's trait crates and `http`), never on the
//! linter or the CLI.
//!
//! A service reads the permission table that `scopegate compile` wrote ([`Table`]), builds an
//! [`Evaluator`] once (or a [`SharedEvaluator`] to reload it in place), and per request turns
//! its principal ([`Principal`]: a token's scopes, a basic-auth till or an API client whose
//! access group decides, or anonymous) into a [`Grant`] and asks
//! [`Evaluator::evaluate`]. The [`Decision`] says allow or why not; [`answer`] turns it into
//! the status, headers and JSON body the decision server sends; [`tower`] (feature `tower`)
//! does all of it as a layer. Anything the table does not know is denied.
//!
//! ```
//! use scopegate_runtime::{Evaluator, Options, Principal, Route, Table};
//!
//! // In a service: `Table::read(Path::new("permissions.json"))?`.
//! let table = Table::with_routes("/sales/v1", vec![
//!     Route::new("POST", "/transactions", &[&["sales.transactions.write"]]),
//! ]);
//! let evaluator = Evaluator::new(table, Options::default());
//! let till = evaluator.grant(&Principal::from_scope_string("sales.transactions.write"));
//! assert!(evaluator.evaluate(&till, "POST", "/sales/v1/transactions").is_allow());
//! assert!(!evaluator.evaluate(&till, "POST", "/sales/v1/transactions/../refunds").is_allow());
//! ```

pub mod answer;
mod bits;
pub mod decision;
pub mod error;
pub mod evaluator;
pub mod groups;
pub mod ids;
pub mod path;
pub mod principal;
mod refused;
pub mod reload;
pub(crate) mod router;
pub mod table;
pub mod template;
#[cfg(feature = "tower")]
pub mod tower;
mod words;

pub use evaluator::{Decision, Deny, Evaluator, Grant, Options};
pub use groups::AccessGroups;
pub use principal::Principal;
pub use reload::SharedEvaluator;
pub use table::{Route, Table, TableError, TableErrorKind};

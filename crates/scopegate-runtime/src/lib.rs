//! The runtime: what a service links to decide requests. It depends on serde and serde_json
//! only (and, with the `tower` feature, on tower's trait crates and `http`), never on the
//! linter or the CLI.

pub mod answer;
pub mod error;
pub mod evaluator;
pub mod groups;
pub mod ids;
pub mod path;
pub mod principal;
mod refused;
pub mod reload;
pub mod table;
pub mod template;
#[cfg(feature = "tower")]
pub mod tower;

pub use evaluator::{Decision, Deny, Evaluator, Grant, Options};
pub use groups::AccessGroups;
pub use principal::Principal;
pub use reload::SharedEvaluator;
pub use table::{Route, Table, TableError};

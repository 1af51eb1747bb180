//! The runtime: what a service links to decide requests. It depends on serde and serde_json
//! only, so `default-features = false, features = ["runtime"]` builds without the CLI.

pub mod principal;
pub mod table;
pub mod template;

pub use principal::Principal;
pub use table::{Route, Table, TableError};

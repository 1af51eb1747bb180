//! scopegate: lint OpenAPI descriptions against the OAuth2 scope guideline, compile their
//! scope requirements into a permission table, and evaluate requests against that table.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! load (bytes → positioned tree, $refs) → model (security model) → rules → report
//! lint: the pipeline over many files, config: scopegate.yaml
//! compile (model → permission table) → runtime (table → decisions)
//! runtime (table → decisions): the `scopegate-runtime` crate, re-exported as `runtime`
//! ```
//!
//! Features: `groups` (the positioned loader, access-groups files and their edits), `lint`
//! (adds the security model, rules, configuration and compile), `serve` (groups and the
//! decision server, without the linter), `tower` (the runtime crate's layer), `cli` (all of
//! it, and the binary).

#[cfg(feature = "lint")]
pub mod compile;
#[cfg(feature = "lint")]
pub mod config;
#[cfg(feature = "groups")]
pub mod diagnostic;
#[cfg(feature = "groups")]
pub mod groups;
#[cfg(feature = "lint")]
pub mod lint;
#[cfg(feature = "groups")]
pub mod load;
#[cfg(feature = "lint")]
pub mod model;
#[cfg(feature = "cli")]
pub mod report;
#[cfg(feature = "lint")]
pub mod rules;
/// The runtime, from the `scopegate-runtime` crate: what services link.
pub use scopegate_runtime as runtime;
#[cfg(feature = "serve")]
pub mod serve;
#[cfg(feature = "groups")]
pub mod severity;
#[cfg(feature = "groups")]
pub mod suggest;
/// The tower layer, from the `scopegate-runtime` crate.
#[cfg(feature = "tower")]
pub use scopegate_runtime::tower;

/// The version printed in reports and stamped into compiled tables.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

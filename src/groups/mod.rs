//! Access groups files: the format (`file`), format-preserving edits (`edit`, from `load`), resolution
//! against a permission table (`resolve`), the management actions on groups (`manage`) and on
//! stores, tills and API clients (`holders`), one checked change to the file (`transaction`)
//! and what it moves (`moves`), stores and tills as CSV (`roster`), validation against a
//! table (`validate`), the group × route matrix (`matrix`), and usage-based inference from
//! access logs (`infer`).

/// The format-preserving YAML editor, which lives with the loader it is built on.
pub use crate::load::edit;
pub mod file;
pub mod holders;
pub mod infer;
pub mod manage;
pub mod matrix;
pub mod moves;
pub mod resolve;
pub mod roster;
pub mod transaction;
pub mod validate;

pub use file::{load, GroupsFile};

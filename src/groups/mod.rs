//! Access groups files: the format (`file`), format-preserving edits (`edit`), resolution
//! against a permission table (`resolve`), the management actions (`manage`), validation
//! against a table (`validate`), the group × route matrix (`matrix`), and usage-based
//! inference from access logs (`infer`).

pub mod edit;
pub mod file;
pub mod infer;
pub mod manage;
pub mod matrix;
pub mod moves;
pub mod resolve;
pub mod validate;

pub use file::{load, GroupsFile, Problem};

//! Machine formats: `json` (the contract of SPEC section 5), `sarif` 2.1.0, GitHub workflow
//! commands, and JUnit XML, a module each; `batch` writes a JSON document's findings in
//! parallel for the two JSON formats.

use std::io;

mod batch;
mod github;
mod json;
mod junit;
mod pretty_json;
mod sarif;

pub use github::{escape_data, escape_property, github, write_github};
pub use json::{json, write_json};
pub use junit::{junit, write_junit};
pub use sarif::{sarif, write_sarif};

/// Runs a writer into a string.
fn to_string(write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to memory");
    String::from_utf8(out).expect("the formats write UTF-8")
}

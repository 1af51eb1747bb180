//! The groups file: its format, read with scopegate's positioned loader so that every mistake
//! is reported with its file, line and column.
//!
//! ```yaml
//! version: 1
//! platform: platform-groups.yaml   # the built-in groups, owned by the platform (relative path)
//! table: permissions.json          # what changes are checked against without --table
//! applications:                    # which application ids are data APIs and config APIs
//!   data: [sales-order, loyalty]
//!   config: [store]
//! default-group: pos               # for stores and API clients without a group
//! groups:
//!   wechat:
//!     name: WeChat integration
//!     description: Orders and points from the mini program
//!     status: active               # active | inactive
//!     created-at: 2026-11-23T10:00:00Z
//!     created-by: alice
//!     updated-at: 2026-11-23T10:00:00Z
//!     updated-by: alice
//!     permissions:                 # per API kind and resource: none | read | write | read-write
//!       data:
//!         loyalty: read-write
//!     scopes: [sales-order.read]   # scopes by name, besides the permissions
//! stores:
//!   store-001:
//!     name: Berlin Mitte
//!     group: wechat                # its tills inherit it
//!     tills: [till-001-1, till-001-2]
//! clients:                         # OAuth API clients
//!   wechat-bridge:
//!     group: wechat
//! ```
//!
//! The platform layer has the same shape with `layer: platform` and only `version`,
//! `applications` and `groups`; its groups are the built-in ones.

mod consistency;
mod model;
mod reader;

pub use model::*;
pub use reader::parse_layer;

use std::path::Path;

use crate::diagnostic::{Diagnostic, INVALID_GROUPS};
use crate::load;

/// Reads the brand file at `path` and the platform file it names.
pub fn load(path: &Path) -> Result<GroupsFile, Vec<Diagnostic>> {
    with_platform(load_layer(path, false)?)
}

/// A brand layer (read from disk or from elsewhere, such as a git revision) with the platform
/// file it names, read from disk.
pub fn with_platform(brand: Layer) -> Result<GroupsFile, Vec<Diagnostic>> {
    let platform = match &brand.platform_file {
        None => None,
        Some(file) => {
            if !file.value.is_file() {
                return Err(vec![brand.problem(
                    file.span,
                    format!("the platform layer {} cannot be read", file.value.display()),
                )]);
            }
            Some(load_layer(&file.value, true)?)
        }
    };
    Ok(GroupsFile { brand, platform })
}

fn load_layer(path: &Path, platform: bool) -> Result<Layer, Vec<Diagnostic>> {
    let source = load::read_source(path)
        .map_err(|e| vec![Diagnostic::from_load_error(&e).as_rule(INVALID_GROUPS)])?;
    reader::read_layer(source, platform)
}

//! What `scopegate --version` prints: the version, the commit it was built from (build.rs) and
//! which build this is, `full` (with the decision server) or `lint-only`.

/// `0.1.0 (fd6837612 2026-12-01, full)`.
#[cfg(feature = "serve")]
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SCOPEGATE_COMMIT"),
    ", full)"
);

/// `0.1.0 (fd6837612 2026-12-01, lint-only)`.
#[cfg(not(feature = "serve"))]
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SCOPEGATE_COMMIT"),
    ", lint-only)"
);

//! Till passwords for `groups store|till`: the credentials file `serve --credentials` reads.
//! Hashing is argon2id, which belongs to the decision server's stack, so the lint-only build
//! (`--no-default-features --features cli`) keeps every groups command but answers a
//! `--credentials` or `--password` with a pointer to the full build.

#[cfg(feature = "serve")]
pub use super::super::serve::read_password;
#[cfg(feature = "serve")]
pub use scopegate::serve::credentials::{hash_password, update_file, Credentials};

#[cfg(not(feature = "serve"))]
pub use lint_only::*;

/// `--credentials FILE` (or `$SCOPEGATE_CREDENTIALS`): refused by the lint-only build before
/// anything is changed, so that a groups edit never lands without its password change.
#[cfg(feature = "serve")]
pub fn credentials_file(value: &str) -> Result<std::path::PathBuf, String> {
    Ok(std::path::PathBuf::from(value))
}

/// `--credentials FILE`: refused by the lint-only build.
#[cfg(not(feature = "serve"))]
pub fn credentials_file(_value: &str) -> Result<std::path::PathBuf, String> {
    Err(lint_only::NOT_IN_THIS_BUILD.to_owned())
}

#[cfg(not(feature = "serve"))]
mod lint_only {
    use std::path::Path;

    pub(super) const NOT_IN_THIS_BUILD: &str = "till passwords (--password, --credentials) are not in the \
        lint-only build of scopegate; use the full build (the release archive scopegate-v<version>-<target>, \
        the container image, or `cargo install scopegate`)";

    /// Never made: `load` refuses in this build.
    pub enum Credentials {}

    impl Credentials {
        pub fn load(_path: &Path) -> Result<Credentials, String> {
            Err(NOT_IN_THIS_BUILD.to_owned())
        }

        pub fn knows(&self, _user: &str) -> bool {
            match *self {}
        }
    }

    pub fn read_password(_till: &str) -> Result<String, String> {
        Err(NOT_IN_THIS_BUILD.to_owned())
    }

    pub fn hash_password(_password: &str) -> Result<String, String> {
        Err(NOT_IN_THIS_BUILD.to_owned())
    }

    pub fn update_file(_path: &Path, _changes: &[(&str, Option<&str>)]) -> std::io::Result<usize> {
        Err(std::io::Error::other(NOT_IN_THIS_BUILD))
    }
}

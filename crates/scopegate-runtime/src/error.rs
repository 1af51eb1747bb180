//! Why a table was refused: its own module, so that the table and the access groups it embeds
//! can both say so without importing each other.

/// Why a table (or the access groups embedded in it) was refused, in words that name the file
/// and the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError(pub String);

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TableError {}

//! The permission table, format version 1: what `scopegate compile` writes and the evaluator
//! reads. The JSON Schema is `schemas/permission-table.v1.schema.json`; `docs/table.md`
//! explains each field for integrators.

use serde::{Deserialize, Serialize};

use super::groups::AccessGroups;

/// The `format` field of every table.
pub const FORMAT: &str = "scopegate-permissions";
/// The only format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A permission table: what `scopegate compile` writes (format in `docs/table.md` and
/// `schemas/permission-table.v1.schema.json`), and all an [`Evaluator`](crate::Evaluator)
/// needs. Read one with [`Table::read`] or [`Table::from_json`]; unknown fields, another format
/// or version, and a digest that does not match are refused.
///
/// ```
/// use scopegate_runtime::Table;
///
/// let broken = Table::from_json(r#"{"format": "something-else"}"#);
/// assert!(broken.is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Always `scopegate-permission-table`.
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The tool that wrote the table, such as `scopegate 0.1.0`.
    pub generator: String,
    /// `sha256:` and the hex digest of the table's canonical content (everything but this field).
    pub digest: String,
    /// The documents it was compiled from.
    pub sources: Vec<Source>,
    /// Every scope the documents declare or use, with its application, resource and access.
    pub scopes: Vec<ScopeInfo>,
    /// Every operation: method, path template and the scope sets that allow it.
    pub routes: Vec<Route>,
    /// Access groups resolved against this table (`compile --groups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_groups: Option<AccessGroups>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// One document the table was compiled from.
pub struct Source {
    /// The document's path as given to `compile`.
    pub file: String,
    /// Hex sha256 of the file's bytes.
    pub sha256: String,
    /// `info.title`.
    pub title: Option<String>,
    /// `info.version`.
    pub version: Option<String>,
    /// Path prefixes the API is served under: Swagger 2.0 `basePath`, or the path part of
    /// each top-level server URL with variables at their defaults. `""` is the root.
    pub base_paths: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
/// What a scope lets its holder do, from its name's last part.
pub enum AccessType {
    /// `read`.
    Read,
    /// `write`.
    Write,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// A scope, as the guideline's grammar reads its name (`<app>.<access>` or
/// `<app>.<resource>.<access>`).
pub struct ScopeInfo {
    /// The full name, such as `loyalty.points.write`.
    pub name: String,
    /// Its application id (`loyalty`).
    pub application: String,
    /// The resource of a resource-specific scope; `None` for a standard one.
    pub resource: Option<String>,
    /// Read or write.
    pub access: AccessType,
    /// The description the document gives it.
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// One operation and what allows it.
pub struct Route {
    /// Upper case.
    pub method: String,
    /// The path template as the document writes it, without base path.
    pub path: String,
    /// Its `operationId`.
    pub operation_id: Option<String>,
    /// Index into `sources`.
    pub source: usize,
    /// Base paths of this operation when they differ from its source's (path-item or
    /// operation `servers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_paths: Option<Vec<String>>,
    /// The requirement: any one of these sets, each needing all of its scopes. `["uid"]`
    /// admits any authenticated principal.
    pub any_of: Vec<Vec<String>>,
    /// The name of the template's last parameter when it may span segments
    /// (`x-scopegate-multi-segment`); it is then the whole last segment of `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_segment: Option<String>,
}

impl Route {
    /// A route of the first source, needing any one of `any_of`'s scope sets.
    pub fn new(method: &str, path: &str, any_of: &[&[&str]]) -> Route {
        Route {
            method: method.to_string(),
            path: path.to_string(),
            operation_id: None,
            source: 0,
            base_paths: None,
            any_of: any_of
                .iter()
                .map(|set| set.iter().map(|s| s.to_string()).collect())
                .collect(),
            multi_segment: None,
        }
    }

    /// This route with its last parameter spanning segments (`x-scopegate-multi-segment`).
    pub fn multi_segment(mut self, parameter: &str) -> Route {
        self.multi_segment = Some(parameter.to_string());
        self
    }

    /// The base paths this route is served under.
    pub fn base_paths<'t>(&'t self, table: &'t Table) -> &'t [String] {
        match &self.base_paths {
            Some(own) => own,
            None => table
                .sources
                .get(self.source)
                .map_or(&[], |s| &s.base_paths),
        }
    }

    /// The path template as a gateway sees it: under the route's first base path.
    pub fn gateway_path(&self, table: &Table) -> String {
        let base = self.base_paths(table).first().map_or("", String::as_str);
        format!("{base}{}", self.path)
    }
}

pub use crate::error::{TableError, TableErrorKind};

impl Table {
    /// A table built by hand: one source served under `base_path` (`""` for the root), no
    /// scope descriptions, no digest. For tests and services that make their own tables.
    pub fn with_routes(base_path: &str, routes: Vec<Route>) -> Table {
        Table {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            generator: format!("hand-built ({})", env!("CARGO_PKG_NAME")),
            digest: String::new(),
            sources: vec![Source {
                file: "(hand-built)".to_string(),
                sha256: String::new(),
                title: None,
                version: None,
                base_paths: vec![base_path.to_string()],
            }],
            scopes: Vec::new(),
            routes,
            access_groups: None,
        }
    }

    /// Reads a table file; errors name the file.
    pub fn read(path: &std::path::Path) -> Result<Table, TableError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| TableError::new(TableErrorKind::Io, format!("{shown}: {e}")))?;
        Table::from_json(&text).map_err(|e| e.within(&shown))
    }

    /// Reads a table, refusing another format, an unknown version, or routes pointing at
    /// sources that do not exist.
    pub fn from_json(text: &str) -> Result<Table, TableError> {
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            format_version: Option<u32>,
        }
        let header: Header = serde_json::from_str(text).map_err(|e| {
            TableError::new(
                TableErrorKind::NotATable,
                format!("not a permission table: {e}"),
            )
        })?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(TableError::new(
                TableErrorKind::NotATable,
                format!("not a permission table: `format` is not `{FORMAT}`"),
            ));
        }
        match header.format_version {
            Some(FORMAT_VERSION) => {}
            Some(v) => {
                return Err(TableError::new(
                    TableErrorKind::UnsupportedVersion,
                    format!(
                        "permission table format version {v} is not supported (this build reads version {FORMAT_VERSION})"
                    ),
                ))
            }
            None => {
                return Err(TableError::new(
                    TableErrorKind::UnsupportedVersion,
                    "the table has no `format_version`",
                ))
            }
        }
        let table: Table = serde_json::from_str(text).map_err(|e| {
            TableError::new(
                TableErrorKind::Invalid,
                format!("invalid permission table: {e}"),
            )
        })?;
        if let Some(r) = table
            .routes
            .iter()
            .find(|r| r.source >= table.sources.len())
        {
            return Err(TableError::new(
                TableErrorKind::Invalid,
                format!(
                    "invalid permission table: route `{} {}` names source {} of {}",
                    r.method,
                    r.path,
                    r.source,
                    table.sources.len()
                ),
            ));
        }
        if let Some(groups) = &table.access_groups {
            groups.check()?;
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_formats_and_versions() {
        let e = Table::from_json(r#"{"format": "scopegate-permissions", "format_version": 2}"#)
            .unwrap_err();
        assert_eq!(e.kind(), TableErrorKind::UnsupportedVersion);
        assert_eq!(
            e.message(),
            "permission table format version 2 is not supported (this build reads version 1)"
        );
        assert!(Table::from_json(r#"{"format": "other", "format_version": 1}"#).is_err());
        assert!(Table::from_json("[]").is_err());
        let bad_source = r#"{"format": "scopegate-permissions", "format_version": 1, "generator": "g", "digest": "d",
            "sources": [], "scopes": [], "routes": [{"method": "GET", "path": "/", "operation_id": null, "source": 0, "any_of": [["uid"]]}]}"#;
        let e = Table::from_json(bad_source).unwrap_err();
        assert_eq!(e.kind(), TableErrorKind::Invalid);
        assert!(e.message().contains("names source 0 of 0"));
    }
}

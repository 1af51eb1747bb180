//! Loading: bytes → a positioned tree, the OpenAPI version, and `$ref` resolution.
//!
//! ```text
//! read_source (read.rs: I/O, size limit, UTF-8) → parse (JSON or YAML → Tree) → detect version
//! ```
//! JSON documents are read with [`openapi_skip`] (skip.rs), which leaves schemas, examples and
//! responses unbuilt: the security model never reads them, and they are most of the bytes.
//! [`edit`] writes YAML back in place (set, insert, remove, rename one entry; the rest of the
//! bytes as they were), built on the same positioned tree.

pub mod edit;
pub mod json;
pub mod pointer;
mod read;
pub mod refs;
mod skip;
pub mod source;
pub mod tree;
pub mod walk;
pub mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use pointer::Pointer;
pub use read::{read_source, read_source_as, source_from_bytes};
pub use refs::Workspace;
pub use skip::{openapi_skip, MULTI_SEGMENT};
pub use source::{Position, SourceFile, Span};
pub use tree::{Kind, NodeId, NodeRef, Tree};

use tree::BuildError;

/// The version a document declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum SpecFamily {
    #[serde(rename = "swagger-2.0")]
    /// Swagger 2.0.
    Swagger2,
    /// OpenAPI 3.0.x.
    #[serde(rename = "openapi-3.0")]
    OpenApi30,
    /// OpenAPI 3.1.x.
    #[serde(rename = "openapi-3.1")]
    OpenApi31,
    /// OpenAPI 3.2.x, and later 3.x versions read as 3.2.
    #[serde(rename = "openapi-3.2")]
    OpenApi32,
}

impl SpecFamily {
    /// The newest version the loader knows; a later 3.x is read as this one.
    pub const NEWEST: &'static str = "3.2";
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
}

/// A parsed file (or a subtree of one that was built on demand).
#[derive(Debug)]
pub struct Document {
    pub source: Arc<SourceFile>,
    pub tree: Tree,
    pub syntax: Syntax,
}

impl Document {
    pub fn node(&self, id: NodeId) -> NodeRef<'_> {
        self.tree.node(id)
    }

    pub fn position(&self, span: Span) -> Position {
        self.source.position(span.start as usize)
    }
}

/// Why a file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// The file could not be read.
    Io,
    /// The file could not be decoded or parsed, or broke a loading limit.
    Invalid,
    /// The file parsed but is not an OpenAPI or Swagger document.
    NotOpenApi,
}

#[derive(Debug, Clone)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    pub message: String,
    /// The file, when it could be read; `span` is a place in it.
    pub source: Option<Arc<SourceFile>>,
    pub path: PathBuf,
    pub span: Option<Span>,
    pub related: Option<Span>,
}

impl LoadError {
    fn io(path: &Path, message: String) -> LoadError {
        LoadError {
            kind: LoadErrorKind::Io,
            message,
            source: None,
            path: path.to_path_buf(),
            span: None,
            related: None,
        }
    }

    fn at(kind: LoadErrorKind, source: &Arc<SourceFile>, error: BuildError) -> LoadError {
        let mut message = error.message;
        if let Some(related) = error.related {
            let p = source.position(related.start as usize);
            message += &format!(" (first at line {}, column {})", p.line, p.column);
        }
        LoadError {
            kind,
            message,
            source: Some(source.clone()),
            path: source.path.clone(),
            span: Some(error.span),
            related: error.related,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let (Some(source), Some(span)) = (&self.source, self.span) {
            let p = source.position(span.start as usize);
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The syntax a file is parsed with: by extension, else by its first character.
pub fn syntax_of(source: &SourceFile) -> Syntax {
    match source.path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => Syntax::Json,
        Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => Syntax::Yaml,
        _ => match source
            .text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next()
        {
            Some('{' | '[') => Syntax::Json,
            _ => Syntax::Yaml,
        },
    }
}

/// Parses a whole file. `skip` applies to JSON only; YAML is always built whole.
pub fn parse(
    source: &Arc<SourceFile>,
    skip: Option<json::SkipPolicy>,
) -> Result<Document, LoadError> {
    let text = source.text.as_str();
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let syntax = syntax_of(source);
    let body = &text[base..];
    if body.trim().is_empty() {
        return Err(LoadError::at(
            LoadErrorKind::Invalid,
            source,
            BuildError::new("the file is empty", Span::empty(0)),
        ));
    }
    // memchr's vectorised search: `str::find(char)` walked a 13 MB file a word at a time.
    if let Some(at) = memchr::memchr(0, body.as_bytes()) {
        return Err(LoadError::at(
            LoadErrorKind::Invalid,
            source,
            BuildError::new(
                "the file holds a NUL byte (binary data?)",
                Span::new(base + at, base + at + 1),
            ),
        ));
    }
    let tree = match syntax {
        Syntax::Json => json::parse(body, base, skip),
        Syntax::Yaml => yaml::parse(body, base),
    }
    .map_err(|e| LoadError::at(LoadErrorKind::Invalid, source, e))?;
    Ok(Document {
        source: source.clone(),
        tree,
        syntax,
    })
}

/// An OpenAPI or Swagger document: its tree and the version it declares.
#[derive(Debug)]
pub struct Loaded {
    pub document: Arc<Document>,
    pub family: SpecFamily,
    /// The version exactly as written (`2.0`, `3.0.3`, `3.1.0`).
    pub version: String,
    /// Set when the version is a later 3.x than the loader knows, read as [`SpecFamily::NEWEST`]:
    /// where the version is written.
    pub newer_than_known: Option<Span>,
}

/// Reads and parses one file and checks that it is an OpenAPI document.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    load_source(&read_source(path)?)
}

/// [`load`], naming the file `name` (standard input read under a file's name).
pub fn load_as(path: &Path, name: &Path) -> Result<Loaded, LoadError> {
    load_source(&read_source_as(path, name)?)
}

pub fn load_source(source: &Arc<SourceFile>) -> Result<Loaded, LoadError> {
    let document = parse(source, Some(openapi_skip))?;
    let (family, version, newer_than_known) = detect(&document)?;
    Ok(Loaded {
        document: Arc::new(document),
        family,
        version,
        newer_than_known,
    })
}

/// Reads the `swagger` or `openapi` field: the family, the version as written, and where it is
/// written when it is a later 3.x than the loader knows.
fn detect(document: &Document) -> Result<(SpecFamily, String, Option<Span>), LoadError> {
    let root = document.tree.root();
    let not_openapi = |message: &str, span: Span| {
        LoadError::at(
            LoadErrorKind::NotOpenApi,
            &document.source,
            BuildError::new(message, span),
        )
    };
    if !root.is_object() {
        return Err(not_openapi(
            &format!(
                "not an OpenAPI document: the top level is {}, not an object",
                article(root.kind())
            ),
            root.span(),
        ));
    }
    let (field, entry) = match (root.entry("swagger"), root.entry("openapi")) {
        (Some(e), _) => ("swagger", e),
        (None, Some(e)) => ("openapi", e),
        (None, None) => {
            return Err(not_openapi(
                "not an OpenAPI document: no `openapi` or `swagger` field at the top level",
                Span::empty(root.span().start as usize),
            ))
        }
    };
    let version = entry.value.scalar_text().unwrap_or("").to_string();
    let minor = |v: &str| -> Option<u32> {
        let rest = v.strip_prefix("3.")?;
        let (minor, patch) = rest.split_once('.').unwrap_or((rest, "0"));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        // A pre-release suffix (`3.2.0-rc1`) is allowed on the patch.
        let patch = patch.split('-').next().unwrap_or("");
        (digits(minor) && digits(patch)).then(|| minor.parse().ok())?
    };
    let family = match (field, version.as_str()) {
        ("swagger", "2.0") => Some((SpecFamily::Swagger2, None)),
        ("openapi", v) => match minor(v) {
            Some(0) => Some((SpecFamily::OpenApi30, None)),
            Some(1) => Some((SpecFamily::OpenApi31, None)),
            Some(2) => Some((SpecFamily::OpenApi32, None)),
            Some(_) => Some((SpecFamily::OpenApi32, Some(entry.value.span()))),
            None => None,
        },
        _ => None,
    };
    match family {
        Some((family, newer)) => Ok((family, version, newer)),
        None => Err(LoadError::at(
            LoadErrorKind::Invalid,
            &document.source,
            BuildError::new(
                format!("unsupported {field} version `{version}` (supported: Swagger 2.0 and OpenAPI 3.x; a 3.x later than {} is read as {})", SpecFamily::NEWEST, SpecFamily::NEWEST),
                entry.value.span(),
            ),
        )),
    }
}

fn article(kind: Kind) -> String {
    match kind {
        Kind::Object | Kind::Array | Kind::Unbuilt => format!("an {}", kind.name()),
        _ => format!("a {}", kind.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> Arc<SourceFile> {
        SourceFile::new(name, text.to_string())
    }

    fn error(name: &str, text: &str) -> LoadError {
        load_source(&source(name, text)).unwrap_err()
    }

    #[test]
    fn detects_each_version() {
        let cases = [
            ("a.yaml", "swagger: '2.0'\n", SpecFamily::Swagger2),
            ("a.yaml", "openapi: 3.0.3\n", SpecFamily::OpenApi30),
            ("a.json", r#"{"openapi": "3.1.0"}"#, SpecFamily::OpenApi31),
            ("a.json", r#"{"openapi": "3.2.0"}"#, SpecFamily::OpenApi32),
            ("a.yaml", "openapi: 3.3.0\n", SpecFamily::OpenApi32),
        ];
        for (name, text, family) in cases {
            assert_eq!(
                load_source(&source(name, text)).unwrap().family,
                family,
                "{text}"
            );
        }
    }

    #[test]
    fn a_later_3x_is_read_as_the_newest_known_and_says_so() {
        let newer = load_source(&source("a.yaml", "openapi: 3.10.1\n")).unwrap();
        assert_eq!(newer.family, SpecFamily::OpenApi32);
        assert!(newer.newer_than_known.is_some());
        for known in ["3.0.3", "3.1.1", "3.2.0", "3.2.0-rc1", "'3.1'"] {
            let loaded = load_source(&source("a.yaml", &format!("openapi: {known}\n"))).unwrap();
            assert_eq!(loaded.newer_than_known, None, "{known}");
        }
        for unknown in ["3.x", "3.", "3.1.0.0", "4.0.0", "2.0"] {
            let e = error("a.yaml", &format!("openapi: '{unknown}'\n"));
            assert_eq!(e.kind, LoadErrorKind::Invalid, "{unknown}");
        }
    }

    #[test]
    fn refuses_what_is_not_openapi() {
        assert_eq!(error("a.yaml", "name: x\n").kind, LoadErrorKind::NotOpenApi);
        assert_eq!(error("a.yaml", "- a\n").kind, LoadErrorKind::NotOpenApi);
        let unsupported = error("a.yaml", "openapi: 4.0.0\n");
        assert_eq!(unsupported.kind, LoadErrorKind::Invalid);
        assert!(unsupported.message.contains("`4.0.0`"));
        assert_eq!(error("a.yaml", "swagger: 2\n").kind, LoadErrorKind::Invalid);
    }

    #[test]
    fn empty_and_binary_files_are_invalid() {
        assert!(error("a.yaml", "").message.contains("empty"));
        assert!(error("a.json", "  \n").message.contains("empty"));
        assert!(error("a.yaml", "# only a comment\n")
            .message
            .contains("empty"));
        assert!(error("a.yaml", "a\0b").message.contains("NUL"));
    }

    #[test]
    fn stdin_sniffs_its_syntax() {
        assert_eq!(syntax_of(&source("-", "  {\"openapi\": 1}")), Syntax::Json);
        assert_eq!(syntax_of(&source("-", "openapi: 3.0.0")), Syntax::Yaml);
    }

    #[test]
    fn errors_say_where() {
        let e = error(
            "a.json",
            "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,}\n}",
        );
        assert_eq!(
            e.to_string(),
            "a.json:3:13: invalid JSON: expected an object key in double quotes, found `,`"
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let loaded = load_source(&source("a.json", "\u{feff}{\"openapi\": \"3.0.0\"}")).unwrap();
        assert_eq!(loaded.document.tree.root().span().start, 3);
    }
}

//! The normalized security model: what a description declares and what each operation
//! requires, the same for Swagger 2.0, OpenAPI 3.0 and 3.1.
//!
//! Every element keeps its [`Location`] (file, pointer, span) in the file it is written in,
//! so rules report into `$ref`'d files and Swagger 2.0 pointers stay `/securityDefinitions/...`.
//! `scopegate inspect` prints this model as JSON.

mod build;
pub mod scope;

use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::load::{Pointer, SourceFile, Span, SpecFamily};

pub use build::{build, METHODS, QUERY};

/// Where something is written.
#[derive(Clone, Debug)]
pub struct Location {
    pub file: Arc<SourceFile>,
    pub pointer: Pointer,
    pub span: Span,
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.file.position(self.span.start as usize);
        let mut st = s.serialize_struct("Location", 4)?;
        st.serialize_field("file", &self.file.display_path())?;
        st.serialize_field("pointer", &self.pointer)?;
        st.serialize_field("line", &p.line)?;
        st.serialize_field("column", &p.column)?;
        st.end()
    }
}

/// A value and where it is written.
#[derive(Clone, Debug, Serialize)]
pub struct Located<T> {
    pub value: T,
    pub at: Location,
}

#[derive(Debug, Serialize)]
pub struct Model {
    pub file: String,
    /// The document's root object.
    #[serde(skip)]
    pub root: Location,
    /// The `securityDefinitions` / `components.securitySchemes` object, when there is one.
    #[serde(skip)]
    pub schemes_at: Option<Location>,
    pub spec_version: String,
    pub family: SpecFamily,
    pub info: Info,
    /// Document-level base paths: Swagger 2.0 `basePath`, or the path part of each of
    /// OpenAPI's top-level `servers` (variables at their defaults). `""` is the root.
    pub base_paths: Vec<String>,
    pub security_schemes: Vec<SecurityScheme>,
    /// The top-level `security` list, when there is one.
    pub security: Option<Arc<SecurityList>>,
    pub operations: Vec<Operation>,
    /// OpenAPI 3.1 webhooks: calls the API makes, not endpoints it serves.
    pub webhooks: Vec<Operation>,
    /// What could not be read while building the model: unresolved or remote references and
    /// fields of the wrong type. Each becomes an `invalid-document` finding.
    pub problems: Vec<DocumentProblem>,
    /// Where the version is written, when it is a later 3.x than the loader knows (read as
    /// the newest it knows).
    #[serde(skip)]
    pub newer_version_at: Option<Location>,
}

#[derive(Debug, Serialize, Default)]
pub struct Info {
    pub title: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityScheme {
    /// The name requirements use: its key under `securityDefinitions` / `securitySchemes`.
    pub name: String,
    /// `type` as written: `oauth2`, `apiKey`, `http`, `basic`, `openIdConnect`, `mutualTLS`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub flows: Vec<Flow>,
    /// The scopes the scheme declares, once per name, at their first declaration in document
    /// order (a scope several flows declare is one scope). Swagger 2.0 declares them on the
    /// scheme itself, and they count even when `flow` is missing or unknown.
    pub scopes: Vec<DeclaredScope>,
    /// The scheme object (after following a `$ref`).
    pub at: Location,
    /// The key that names the scheme.
    pub name_at: Location,
}

impl SecurityScheme {
    pub fn is_oauth2(&self) -> bool {
        self.kind.as_deref() == Some("oauth2")
    }

    /// Whether the scheme declares `scope` in any flow.
    pub fn declares(&self, scope: &str) -> bool {
        self.scopes.iter().any(|d| d.name == scope)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FlowKind {
    Password,
    Implicit,
    ClientCredentials,
    AuthorizationCode,
    /// OpenAPI 3.2's device authorization grant (RFC 8628).
    DeviceAuthorization,
    /// Any name this tool does not know.
    Other,
}

/// One OAuth2 flow. Swagger 2.0's single `flow` field becomes one of these, located at the
/// scheme object.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    pub kind: FlowKind,
    /// The name as written: OpenAPI 3's key under `flows`, or 2.0's `flow` value
    /// (`application` and `accessCode` are 3's `clientCredentials` and `authorizationCode`).
    pub written: String,
    pub authorization_url: Option<Located<String>>,
    /// The `authorizationUrl` key, for findings about the field rather than its value (a
    /// password flow that names its token URL `authorizationUrl`).
    #[serde(skip)]
    pub authorization_url_key: Option<Location>,
    pub token_url: Option<Located<String>>,
    pub refresh_url: Option<Located<String>>,
    /// 3.2's `deviceAuthorizationUrl` (device authorization flow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_authorization_url: Option<Located<String>>,
    pub scopes: Vec<DeclaredScope>,
    /// Whether the flow has a `scopes` map at all (it may be empty).
    #[serde(skip)]
    pub has_scopes: bool,
    /// The flow object (3.x), or the Swagger 2.0 scheme that holds the flow's fields.
    pub at: Location,
    /// What names the flow: its key under `flows` (3.x), or the `flow` value (2.0).
    #[serde(skip)]
    pub name_at: Location,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeclaredScope {
    pub name: String,
    pub description: Option<String>,
    /// The scope's key.
    pub at: Location,
}

/// A `security` list: OR over its requirements.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityList {
    pub requirements: Vec<Requirement>,
    pub at: Location,
}

/// One requirement object: AND over its schemes. No schemes (`{}`) means anonymous access.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub schemes: Vec<SchemeUse>,
    pub at: Location,
}

impl Requirement {
    pub fn is_anonymous(&self) -> bool {
        self.schemes.is_empty()
    }
}

/// A scheme named in a requirement, with the scopes it requires (AND).
#[derive(Debug, Clone, Serialize)]
pub struct SchemeUse {
    pub scheme: String,
    pub scopes: Vec<Located<String>>,
    /// The scheme's key in the requirement object.
    pub at: Location,
}

/// Where an operation's effective security comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecuritySource {
    /// Its own `security` list (which may be `[]`).
    Operation,
    /// The top-level list, inherited.
    TopLevel,
    /// Neither the operation nor the document has a list.
    Absent,
}

#[derive(Debug, Clone, Serialize)]
pub struct EffectiveSecurity {
    pub source: SecuritySource,
    /// The list in force; `None` only when the source is `Absent`. An empty list (`[]`)
    /// makes the operation unsecured, which is not the same as absent.
    /// Shared with the model's top-level list when inherited.
    #[serde(flatten)]
    pub list: Option<Arc<SecurityList>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Upper case: `GET`, `POST`, ...
    pub method: String,
    /// The path template as written, without base path (a webhook's name for webhooks).
    pub path: String,
    pub operation_id: Option<String>,
    /// Base paths in force: the operation's `servers`, else its path item's, else the
    /// document's.
    pub base_paths: Vec<String>,
    /// Shared with the path item's list and with the operation's siblings.
    pub parameters: Vec<Arc<Parameter>>,
    pub security: EffectiveSecurity,
    /// The method key (`get:`, or `COPY:` under 3.2's `additionalOperations`); the pointer
    /// names the operation object.
    pub at: Location,
}

/// A parameter in force for an operation: the path item's, overridden by the operation's
/// with the same name and location.
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: String,
    /// `x-scopegate-multi-segment: true` on a path parameter: it may span `/`-separated
    /// segments (a file path, a branch name with `/`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub multi_segment: bool,
    pub at: Location,
}

/// A part of the document the model could not read as OpenAPI says (reported as an
/// `invalid-document` finding); distinct from a groups file's `Problem`.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentProblem {
    pub message: String,
    pub at: Location,
}

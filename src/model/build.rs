//! Tree → [`Model`], for Swagger 2.0 and OpenAPI 3.x.

use crate::load::refs::{RefError, Target};
use crate::load::tree::Entry;
use std::sync::Arc;

use crate::load::{Document, Kind, Loaded, NodeId, Pointer, SpecFamily, Workspace};

use super::*;

/// The HTTP methods a path item may hold as fixed fields, lower case as written.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// OpenAPI 3.2's fixed field for the QUERY method.
pub const QUERY: &str = "query";

/// OpenAPI 3.2's map of operations for methods without a fixed field, keyed by the method as
/// sent.
const ADDITIONAL_OPERATIONS: &str = "additionalOperations";

/// Builds the model of one loaded document, reading `$ref`'d files through `workspace`.
pub fn build(loaded: &Loaded, workspace: &mut Workspace) -> Model {
    let doc = &loaded.document;
    let root = Target::new(doc, doc.tree.root().id(), Pointer::root());
    let mut b = Builder {
        workspace,
        problems: Vec::new(),
        family: loaded.family,
        built_parameters: foldhash::HashMap::default(),
    };
    let info = b.info(&root);
    let base_paths = b.document_base_paths(&root);
    let (security_schemes, schemes_at) = b.security_schemes(&root);
    let security = root.child("security").map(|t| Arc::new(b.security_list(t)));
    let operations = b.operations(&root, "paths", &base_paths, security.as_ref());
    let webhooks = b.operations(&root, "webhooks", &base_paths, security.as_ref());
    Model {
        file: doc.source.display_path(),
        root: location(&root),
        schemes_at,
        spec_version: loaded.version.clone(),
        family: loaded.family,
        info,
        base_paths,
        security_schemes,
        security,
        operations,
        webhooks,
        problems: b.problems,
        newer_version_at: loaded.newer_than_known.map(|span| Location {
            file: doc.source.clone(),
            pointer: Pointer::root().join(if loaded.family == SpecFamily::Swagger2 {
                "swagger"
            } else {
                "openapi"
            }),
            span,
        }),
    }
}

struct Builder<'w> {
    workspace: &'w mut Workspace,
    problems: Vec<DocumentProblem>,
    family: SpecFamily,
    /// Parameters built so far, by the document (held here, so that no other document takes
    /// its address) and node they were read from: a description names one parameter from
    /// hundreds of operations through `$ref`s, and it was read again for each (name, `in`,
    /// flag and location: a third of building the model of the corpus).
    built_parameters: foldhash::HashMap<(usize, NodeId), (Arc<Document>, Arc<Parameter>)>,
}

fn location(t: &Target) -> Location {
    Location {
        file: t.doc.source.clone(),
        pointer: t.pointer.clone(),
        span: t.node().span(),
    }
}

fn key_location(parent: &Target, entry: &Entry<'_>) -> Location {
    Location {
        file: parent.doc.source.clone(),
        pointer: parent.pointer.join(entry.key),
        span: entry.key_span,
    }
}

/// The members of an object target, each as a target of its own.
fn members(t: &Target) -> Vec<(String, Target, Location)> {
    t.node()
        .members()
        .map(|e| {
            let (child, key_at) = member(t, &e);
            (e.key.to_string(), child, key_at)
        })
        .collect()
}

fn items(t: &Target) -> Vec<Target> {
    t.node()
        .items()
        .enumerate()
        .map(|(i, n)| Target::new(&t.doc, n.id(), t.pointer.join(i)))
        .collect()
}

pub use crate::load::MULTI_SEGMENT;

/// The text of a scalar member, when only the text is kept (no pointer is built).
fn text_at(t: &Target, key: &str) -> Option<String> {
    t.node().get(key)?.scalar_text().map(str::to_string)
}

/// A member of an object target as a target of its own.
fn member_target(t: &Target, entry: &Entry<'_>) -> Target {
    Target::new(&t.doc, entry.value.id(), t.pointer.join(entry.key))
}

/// A member of an object target as a target of its own, with its key's location.
fn member(t: &Target, entry: &Entry<'_>) -> (Target, Location) {
    let child = member_target(t, entry);
    let key_at = Location {
        file: t.doc.source.clone(),
        pointer: child.pointer.clone(),
        span: entry.key_span,
    };
    (child, key_at)
}

fn string_at(t: &Target, key: &str) -> Option<Located<String>> {
    let child = t.child(key)?;
    let value = child.node().scalar_text()?.to_string();
    Some(Located {
        value,
        at: location(&child),
    })
}

impl Builder<'_> {
    fn problem(&mut self, message: impl Into<String>, at: Location) {
        self.problems.push(DocumentProblem {
            message: message.into(),
            at,
        });
    }

    /// Follows `$ref`s; an unresolvable one becomes a problem and yields nothing.
    fn follow(&mut self, t: Target) -> Option<Target> {
        match self.workspace.follow(t) {
            Ok(t) => Some(t),
            Err(RefError {
                message,
                doc,
                pointer,
                span,
                ..
            }) => {
                let at = Location {
                    file: doc.source.clone(),
                    pointer,
                    span,
                };
                self.problem(message, at);
                None
            }
        }
    }

    /// `t` when it is an object; otherwise a problem naming `what`.
    /// `t` (its `$ref` followed) when it is an object; otherwise a problem naming `what`
    /// (formatted only then: it is asked for every operation).
    fn object(&mut self, t: Target, what: std::fmt::Arguments<'_>) -> Option<Target> {
        let t = self.follow(t)?;
        if t.node().kind() == Kind::Object {
            return Some(t);
        }
        let kind = t.node().kind().name();
        self.problem(
            format!("{what} must be an object, not {kind}"),
            location(&t),
        );
        None
    }

    fn array(&mut self, t: Target, what: std::fmt::Arguments<'_>) -> Option<Vec<Target>> {
        let t = self.follow(t)?;
        if t.node().kind() == Kind::Array {
            return Some(items(&t));
        }
        let kind = t.node().kind().name();
        self.problem(format!("{what} must be an array, not {kind}"), location(&t));
        None
    }

    fn info(&mut self, root: &Target) -> Info {
        let Some(info) = root
            .child("info")
            .and_then(|t| self.object(t, format_args!("`info`")))
        else {
            return Info::default();
        };
        Info {
            title: text_at(&info, "title"),
            version: text_at(&info, "version"),
        }
    }

    fn document_base_paths(&mut self, root: &Target) -> Vec<String> {
        if self.family == SpecFamily::Swagger2 {
            let base = text_at(root, "basePath").unwrap_or_default();
            return vec![normalize_base_path(&base)];
        }
        self.servers(root).unwrap_or_else(|| vec![String::new()])
    }

    /// Base paths from the `servers` of `owner`, when it has a non-empty list.
    fn servers(&mut self, owner: &Target) -> Option<Vec<String>> {
        let servers = self.array(owner.child("servers")?, format_args!("`servers`"))?;
        let mut paths = Vec::new();
        for server in servers {
            let Some(server) = self.object(server, format_args!("a server")) else {
                continue;
            };
            let Some(url) = string_at(&server, "url") else {
                continue;
            };
            let url = substitute_variables(&url.value, &server);
            let path = normalize_base_path(server_url_path(&url));
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        (!paths.is_empty()).then_some(paths)
    }

    fn security_schemes(&mut self, root: &Target) -> (Vec<SecurityScheme>, Option<Location>) {
        let container = match self.family {
            SpecFamily::Swagger2 => root.child("securityDefinitions"),
            _ => root
                .child("components")
                .and_then(|c| self.object(c, format_args!("`components`")))
                .and_then(|c| c.child("securitySchemes")),
        };
        let Some(container) =
            container.and_then(|c| self.object(c, format_args!("the security schemes")))
        else {
            return (Vec::new(), None);
        };
        let mut schemes = Vec::new();
        for (name, t, name_at) in members(&container) {
            if name.starts_with("x-") {
                continue;
            }
            let Some(t) = self.object(t, format_args!("security scheme `{name}`")) else {
                continue;
            };
            let kind = text_at(&t, "type");
            let (flows, scopes) = if kind.as_deref() == Some("oauth2") {
                self.flows(&t)
            } else {
                (Vec::new(), Vec::new())
            };
            schemes.push(SecurityScheme {
                name,
                kind,
                flows,
                scopes,
                at: location(&t),
                name_at,
            });
        }
        (schemes, Some(location(&container)))
    }

    /// An oauth2 scheme's flows, and the scopes it declares (once per name).
    fn flows(&mut self, scheme: &Target) -> (Vec<Flow>, Vec<DeclaredScope>) {
        if self.family == SpecFamily::Swagger2 {
            // 2.0 declares scopes on the scheme, whatever its `flow` says.
            let Some(flow) = string_at(scheme, "flow") else {
                return (Vec::new(), self.scopes(scheme).0);
            };
            let kind = match flow.value.as_str() {
                "password" => FlowKind::Password,
                "implicit" => FlowKind::Implicit,
                "application" => FlowKind::ClientCredentials,
                "accessCode" => FlowKind::AuthorizationCode,
                _ => FlowKind::Other,
            };
            let only = self.flow(scheme, kind, flow.value, flow.at);
            let scopes = only.scopes.clone();
            return (vec![only], scopes);
        }
        let Some(flows) = scheme
            .child("flows")
            .and_then(|f| self.object(f, format_args!("`flows`")))
        else {
            return (Vec::new(), Vec::new());
        };
        let mut out = Vec::new();
        for (name, t, name_at) in members(&flows) {
            if name.starts_with("x-") {
                continue;
            }
            let Some(t) = self.object(t, format_args!("flow `{name}`")) else {
                continue;
            };
            let kind = match name.as_str() {
                "password" => FlowKind::Password,
                "implicit" => FlowKind::Implicit,
                "clientCredentials" => FlowKind::ClientCredentials,
                "authorizationCode" => FlowKind::AuthorizationCode,
                "deviceAuthorization" if self.family >= SpecFamily::OpenApi32 => {
                    FlowKind::DeviceAuthorization
                }
                _ => FlowKind::Other,
            };
            out.push(self.flow(&t, kind, name, name_at));
        }
        let mut scopes: Vec<DeclaredScope> = Vec::new();
        for declared in out.iter().flat_map(|f| &f.scopes) {
            match scopes.iter_mut().find(|d| d.name == declared.name) {
                // A later declaration may hold the description the first one lacks.
                Some(first)
                    if first
                        .description
                        .as_deref()
                        .is_none_or(|d| d.trim().is_empty()) =>
                {
                    first.description.clone_from(&declared.description);
                }
                Some(_) => {}
                None => scopes.push(declared.clone()),
            }
        }
        (out, scopes)
    }

    /// The `scopes` map of a flow (3.x) or a Swagger 2.0 scheme, and whether there is one.
    fn scopes(&mut self, owner: &Target) -> (Vec<DeclaredScope>, bool) {
        let Some(map) = owner.child("scopes") else {
            return (Vec::new(), false);
        };
        let mut scopes = Vec::new();
        if let Some(map) = self.object(map, format_args!("`scopes`")) {
            for entry in map.node().members() {
                if entry.key.starts_with("x-") && self.family == SpecFamily::Swagger2 {
                    continue;
                }
                scopes.push(DeclaredScope {
                    name: entry.key.to_string(),
                    description: entry.value.scalar_text().map(str::to_string),
                    at: key_location(&map, &entry),
                });
            }
        }
        (scopes, true)
    }

    /// A flow object (3.x) or a Swagger 2.0 oauth2 scheme, which holds its flow's fields and
    /// scopes.
    fn flow(&mut self, t: &Target, kind: FlowKind, written: String, name_at: Location) -> Flow {
        let (scopes, has_scopes) = self.scopes(t);
        Flow {
            kind,
            written,
            authorization_url: string_at(t, "authorizationUrl"),
            authorization_url_key: t
                .node()
                .entry("authorizationUrl")
                .map(|e| key_location(t, &e)),
            token_url: string_at(t, "tokenUrl"),
            refresh_url: string_at(t, "refreshUrl"),
            device_authorization_url: string_at(t, "deviceAuthorizationUrl"),
            scopes,
            has_scopes,
            at: location(t),
            name_at,
        }
    }

    fn security_list(&mut self, t: Target) -> SecurityList {
        let at = location(&t);
        let mut requirements = Vec::new();
        for item in self
            .array(t, format_args!("`security`"))
            .unwrap_or_default()
        {
            let Some(item) = self.object(item, format_args!("a security requirement")) else {
                continue;
            };
            let mut schemes = Vec::new();
            for (scheme, scopes_t, key_at) in members(&item) {
                let scopes = self
                    .array(scopes_t, format_args!("the scopes of `{scheme}`"))
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|s| match s.node().as_str() {
                        Some(name) => Some(Located {
                            value: name.to_string(),
                            at: location(&s),
                        }),
                        None => {
                            self.problem("a scope must be a string", location(&s));
                            None
                        }
                    })
                    .collect();
                schemes.push(SchemeUse {
                    scheme,
                    scopes,
                    at: key_at,
                });
            }
            requirements.push(Requirement {
                schemes,
                at: location(&item),
            });
        }
        SecurityList { requirements, at }
    }

    /// The operations under `paths` (or `webhooks`), in document order.
    fn operations(
        &mut self,
        root: &Target,
        field: &str,
        base_paths: &[String],
        top_level: Option<&Arc<SecurityList>>,
    ) -> Vec<Operation> {
        let Some(map) = root
            .child(field)
            .and_then(|p| self.object(p, format_args!("`{field}`")))
        else {
            return Vec::new();
        };
        let mut operations = Vec::new();
        for entry in map.node().members() {
            let path = entry.key;
            if path.starts_with("x-") {
                continue;
            }
            let item = member_target(&map, &entry);
            let Some(item_target) = self.object(item, format_args!("path item `{path}`")) else {
                continue;
            };
            let item = &item_target;
            let item_base = self.servers(item);
            let item_parameters = self.parameters(item);
            let item = PathItem {
                path,
                base_paths: item_base.as_deref().unwrap_or(base_paths),
                parameters: &item_parameters,
                top_level,
            };
            // Only the members that are operations get targets and locations.
            for entry in item_target.node().members() {
                let key = entry.key;
                let fixed = METHODS.contains(&key)
                    || (key == QUERY && self.family >= SpecFamily::OpenApi32);
                if fixed {
                    let (op, key_at) = member(&item_target, &entry);
                    let method = key.to_ascii_uppercase();
                    if let Some(op) = self.operation(&item, method, op, key_at) {
                        operations.push(op);
                    }
                } else if key == ADDITIONAL_OPERATIONS && self.family >= SpecFamily::OpenApi32 {
                    let op = member_target(&item_target, &entry);
                    let Some(map) = self.object(op, format_args!("`additionalOperations`")) else {
                        continue;
                    };
                    for (method, op, key_at) in members(&map) {
                        if let Err(why) = additional_method(&method) {
                            self.problem(why, key_at);
                            continue;
                        }
                        if let Some(op) = self.operation(&item, method, op, key_at) {
                            operations.push(op);
                        }
                    }
                }
            }
        }
        operations
    }

    /// One operation of a path item; `method` as it will be matched (upper case for fixed
    /// fields, as written for `additionalOperations`).
    fn operation(
        &mut self,
        item: &PathItem<'_>,
        method: String,
        op: Target,
        key_at: Location,
    ) -> Option<Operation> {
        let path = item.path;
        let op = self.object(op, format_args!("operation `{method} {path}`"))?;
        let base_paths = self
            .servers(&op)
            .unwrap_or_else(|| item.base_paths.to_vec());
        let mut parameters = item.parameters.to_vec();
        for p in self.parameters(&op) {
            parameters.retain(|q| q.name != p.name || q.location != p.location);
            parameters.push(p);
        }
        let security = match op.child("security") {
            Some(own) => EffectiveSecurity {
                source: SecuritySource::Operation,
                list: Some(Arc::new(self.security_list(own))),
            },
            None => EffectiveSecurity {
                source: if item.top_level.is_some() {
                    SecuritySource::TopLevel
                } else {
                    SecuritySource::Absent
                },
                list: item.top_level.cloned(),
            },
        };
        Some(Operation {
            method,
            path: path.to_string(),
            operation_id: text_at(&op, "operationId"),
            base_paths,
            parameters,
            security,
            at: key_at,
        })
    }

    fn parameters(&mut self, owner: &Target) -> Vec<Arc<Parameter>> {
        let Some(list) = owner
            .child("parameters")
            .and_then(|p| self.array(p, format_args!("`parameters`")))
        else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(list.len());
        for p in list {
            let Some(p) = self.object(p, format_args!("a parameter")) else {
                continue;
            };
            let read_from = (Arc::as_ptr(&p.doc) as usize, p.node);
            // (Reached by the same pointer: two texts naming one node locate it apart.)
            if let Some((_, built)) = self
                .built_parameters
                .get(&read_from)
                .filter(|(_, built)| built.at.pointer == p.pointer)
            {
                out.push(built.clone());
                continue;
            }
            let problems = self.problems.len();
            let Some(parameter) = self.parameter(&p) else {
                continue;
            };
            // One with a problem is read again where it is used again, so that each use
            // reports it as before.
            if self.problems.len() == problems {
                self.built_parameters
                    .insert(read_from, (p.doc.clone(), parameter.clone()));
            }
            out.push(parameter);
        }
        out
    }

    /// One parameter object (its `$ref` followed).
    fn parameter(&mut self, p: &Target) -> Option<Arc<Parameter>> {
        let (Some(name), Some(location_in)) = (text_at(p, "name"), text_at(p, "in")) else {
            self.problem("a parameter needs `name` and `in`", location(p));
            return None;
        };
        let multi_segment = match p.child(MULTI_SEGMENT) {
            None => false,
            Some(flag) => match flag.node().as_bool() {
                Some(b) => b,
                None => {
                    self.problem(
                        format!("`{MULTI_SEGMENT}` must be true or false"),
                        location(&flag),
                    );
                    false
                }
            },
        };
        Some(Arc::new(Parameter {
            name,
            location: location_in,
            multi_segment,
            at: location(p),
        }))
    }
}

/// What every operation of one path item shares.
struct PathItem<'a> {
    path: &'a str,
    /// The path item's servers, else the document's.
    base_paths: &'a [String],
    parameters: &'a [Arc<Parameter>],
    top_level: Option<&'a Arc<SecurityList>>,
}

/// Checks a key of 3.2's `additionalOperations`: an HTTP method token (RFC 9110) that is not
/// one of the methods with a fixed field.
fn additional_method(method: &str) -> Result<(), String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if method.is_empty() || !method.chars().all(token) {
        return Err(format!(
            "`{method}` under `additionalOperations` is not an HTTP method name"
        ));
    }
    let lower = method.to_ascii_lowercase();
    if METHODS.contains(&lower.as_str()) || lower == QUERY {
        return Err(format!(
            "`{method}` belongs in the path item's own `{lower}` field, not under `additionalOperations`"
        ));
    }
    Ok(())
}

/// Replaces `{name}` in a server URL with the variable's default.
fn substitute_variables(url: &str, server: &Target) -> String {
    if !url.contains('{') {
        return url.to_string();
    }
    let variables = server.node().get("variables");
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        let default = variables
            .and_then(|v| v.get(name))
            .and_then(|v| v.get("default"))
            .and_then(|d| d.scalar_text());
        out.push_str(&rest[..open]);
        match default {
            Some(d) => out.push_str(d),
            None => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The path part of a server URL: absolute URLs lose scheme and authority, relative ones are
/// taken as paths.
fn server_url_path(url: &str) -> &str {
    let url = url.split(['?', '#']).next().unwrap_or("");
    let after_authority = |rest: &'_ str| -> usize { rest.find('/').unwrap_or(rest.len()) };
    if let Some(i) = url.find("://") {
        let rest = &url[i + 3..];
        return &rest[after_authority(rest)..];
    }
    if let Some(rest) = url.strip_prefix("//") {
        return &rest[after_authority(rest)..];
    }
    url
}

/// A base path as a prefix: a leading `/`, no trailing `/`, and `""` for the root.
pub fn normalize_base_path(path: &str) -> String {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::SourceFile;

    /// A parameter named from several operations and path items reads the same at each; one
    /// with a problem is reported at each use, as when each use read it again.
    #[test]
    fn shared_parameters_read_alike_and_their_problems_are_reported_at_each_use() {
        let text = r##"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
          "paths": {
            "/a/{id}": {
              "get": {"parameters": [{"$ref": "#/components/parameters/id"},
                                     {"$ref": "#/components/parameters/bad"},
                                     {"$ref": "#/components/parameters/flag"}]},
              "put": {"parameters": [{"$ref": "#/components/parameters/id"},
                                     {"$ref": "#/components/parameters/bad"},
                                     {"$ref": "#/components/parameters/flag"}]}},
            "/b/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": {}}},
          "components": {"parameters": {
            "id": {"name": "id", "in": "path", "x-scopegate-multi-segment": true},
            "bad": {"name": "q"},
            "flag": {"name": "f", "in": "query", "x-scopegate-multi-segment": "yes"}}}}"##;
        let source = SourceFile::new("shared.json", text.to_string());
        let loaded = crate::load::load_source(&source).unwrap();
        let model = build(&loaded, &mut Workspace::new(&loaded.document));
        assert_eq!(model.operations.len(), 3);
        for op in &model.operations {
            let read: Vec<_> = op
                .parameters
                .iter()
                .filter(|p| p.name != "f")
                .map(|p| {
                    let at = (p.at.pointer.as_str(), p.at.span);
                    (p.name.as_str(), p.location.as_str(), p.multi_segment, at)
                })
                .collect();
            let id = loaded.document.tree.root().get("components").unwrap();
            let id = id.get("parameters").unwrap().get("id").unwrap();
            let at = ("/components/parameters/id", id.span());
            assert_eq!(
                read,
                [("id", "path", true, at)],
                "{} {}",
                op.method,
                op.path
            );
        }
        let count = |message: &str| {
            model
                .problems
                .iter()
                .filter(|p| p.message == message)
                .count()
        };
        assert_eq!(count("a parameter needs `name` and `in`"), 2);
        assert_eq!(
            count("`x-scopegate-multi-segment` must be true or false"),
            2
        );
    }

    #[test]
    fn server_urls_give_their_path() {
        let cases = [
            ("https://api.example.com/v1/", "/v1"),
            ("https://api.example.com", ""),
            ("http://localhost:8080/api/v2?x=1", "/api/v2"),
            ("//cdn.example.com/base", "/base"),
            ("/relative/base", "/relative/base"),
            ("v1", "/v1"),
            ("/", ""),
            ("", ""),
        ];
        for (url, path) in cases {
            assert_eq!(normalize_base_path(server_url_path(url)), path, "{url}");
        }
    }
}

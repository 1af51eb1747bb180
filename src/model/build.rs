//! Tree → [`Model`], for Swagger 2.0 and OpenAPI 3.x.

use crate::load::refs::{RefError, Target};
use crate::load::tree::Entry;
use std::sync::Arc;

use crate::load::{Kind, Loaded, Pointer, SpecFamily, Workspace};

use super::*;

/// The HTTP methods a path item may hold, lower case as written.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Builds the model of one loaded document, reading `$ref`'d files through `workspace`.
pub fn build(loaded: &Loaded, workspace: &mut Workspace) -> Model {
    let doc = &loaded.document;
    let root = Target::new(doc, doc.tree.root().id(), Pointer::root());
    let mut b = Builder {
        workspace,
        problems: Vec::new(),
        family: loaded.family,
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
    }
}

struct Builder<'w> {
    workspace: &'w mut Workspace,
    problems: Vec<Problem>,
    family: SpecFamily,
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
            let child = Target::new(&t.doc, e.value.id(), t.pointer.join(e.key));
            (e.key.to_string(), child, key_location(t, &e))
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

/// The path-parameter extension that lets a parameter span segments.
pub const MULTI_SEGMENT: &str = "x-scopegate-multi-segment";

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
        self.problems.push(Problem {
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
    fn object(&mut self, t: Target, what: &str) -> Option<Target> {
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

    fn array(&mut self, t: Target, what: &str) -> Option<Vec<Target>> {
        let t = self.follow(t)?;
        if t.node().kind() == Kind::Array {
            return Some(items(&t));
        }
        let kind = t.node().kind().name();
        self.problem(format!("{what} must be an array, not {kind}"), location(&t));
        None
    }

    fn info(&mut self, root: &Target) -> Info {
        let Some(info) = root.child("info").and_then(|t| self.object(t, "`info`")) else {
            return Info::default();
        };
        Info {
            title: string_at(&info, "title").map(|l| l.value),
            version: string_at(&info, "version").map(|l| l.value),
        }
    }

    fn document_base_paths(&mut self, root: &Target) -> Vec<String> {
        if self.family == SpecFamily::Swagger2 {
            let base = string_at(root, "basePath").map_or(String::new(), |l| l.value);
            return vec![normalize_base_path(&base)];
        }
        self.servers(root).unwrap_or_else(|| vec![String::new()])
    }

    /// Base paths from the `servers` of `owner`, when it has a non-empty list.
    fn servers(&mut self, owner: &Target) -> Option<Vec<String>> {
        let servers = self.array(owner.child("servers")?, "`servers`")?;
        let mut paths = Vec::new();
        for server in servers {
            let Some(server) = self.object(server, "a server") else {
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
                .and_then(|c| self.object(c, "`components`"))
                .and_then(|c| c.child("securitySchemes")),
        };
        let Some(container) = container.and_then(|c| self.object(c, "the security schemes")) else {
            return (Vec::new(), None);
        };
        let mut schemes = Vec::new();
        for (name, t, name_at) in members(&container) {
            if name.starts_with("x-") {
                continue;
            }
            let Some(t) = self.object(t, &format!("security scheme `{name}`")) else {
                continue;
            };
            let kind = string_at(&t, "type").map(|l| l.value);
            let flows = if kind.as_deref() == Some("oauth2") {
                self.flows(&t)
            } else {
                Vec::new()
            };
            schemes.push(SecurityScheme {
                name,
                kind,
                flows,
                at: location(&t),
                name_at,
            });
        }
        (schemes, Some(location(&container)))
    }

    fn flows(&mut self, scheme: &Target) -> Vec<Flow> {
        if self.family == SpecFamily::Swagger2 {
            let Some(flow) = string_at(scheme, "flow") else {
                return Vec::new();
            };
            let kind = match flow.value.as_str() {
                "password" => FlowKind::Password,
                "implicit" => FlowKind::Implicit,
                "application" => FlowKind::ClientCredentials,
                "accessCode" => FlowKind::AuthorizationCode,
                _ => FlowKind::Other,
            };
            return vec![self.flow(scheme, kind, flow.value)];
        }
        let Some(flows) = scheme
            .child("flows")
            .and_then(|f| self.object(f, "`flows`"))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, t, _) in members(&flows) {
            if name.starts_with("x-") {
                continue;
            }
            let Some(t) = self.object(t, &format!("flow `{name}`")) else {
                continue;
            };
            let kind = match name.as_str() {
                "password" => FlowKind::Password,
                "implicit" => FlowKind::Implicit,
                "clientCredentials" => FlowKind::ClientCredentials,
                "authorizationCode" => FlowKind::AuthorizationCode,
                _ => FlowKind::Other,
            };
            out.push(self.flow(&t, kind, name));
        }
        out
    }

    /// A flow object (3.x) or a Swagger 2.0 oauth2 scheme, which holds its flow's fields.
    fn flow(&mut self, t: &Target, kind: FlowKind, written: String) -> Flow {
        let mut scopes = Vec::new();
        let scopes_map = t.child("scopes");
        let has_scopes = scopes_map.is_some();
        if let Some(map) = scopes_map.and_then(|s| self.object(s, "`scopes`")) {
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
        Flow {
            kind,
            written,
            authorization_url: string_at(t, "authorizationUrl"),
            token_url: string_at(t, "tokenUrl"),
            refresh_url: string_at(t, "refreshUrl"),
            scopes,
            has_scopes,
            at: location(t),
        }
    }

    fn security_list(&mut self, t: Target) -> SecurityList {
        let at = location(&t);
        let mut requirements = Vec::new();
        for item in self.array(t, "`security`").unwrap_or_default() {
            let Some(item) = self.object(item, "a security requirement") else {
                continue;
            };
            let mut schemes = Vec::new();
            for (scheme, scopes_t, key_at) in members(&item) {
                let scopes = self
                    .array(scopes_t, &format!("the scopes of `{scheme}`"))
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
            .and_then(|p| self.object(p, &format!("`{field}`")))
        else {
            return Vec::new();
        };
        let mut operations = Vec::new();
        for (path, item, _) in members(&map) {
            if path.starts_with("x-") {
                continue;
            }
            let Some(item) = self.object(item, &format!("path item `{path}`")) else {
                continue;
            };
            let item_base = self.servers(&item);
            let item_parameters = self.parameters(&item);
            for (method, op, _) in members(&item) {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                let Some(op) = self.object(op, &format!("operation `{method} {path}`")) else {
                    continue;
                };
                let base_paths = self
                    .servers(&op)
                    .or_else(|| item_base.clone())
                    .unwrap_or_else(|| base_paths.to_vec());
                let mut parameters = item_parameters.clone();
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
                        source: if top_level.is_some() {
                            SecuritySource::TopLevel
                        } else {
                            SecuritySource::Absent
                        },
                        list: top_level.cloned(),
                    },
                };
                operations.push(Operation {
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    operation_id: string_at(&op, "operationId").map(|l| l.value),
                    base_paths,
                    parameters,
                    security,
                    at: location(&op),
                });
            }
        }
        operations
    }

    fn parameters(&mut self, owner: &Target) -> Vec<Parameter> {
        let Some(list) = owner
            .child("parameters")
            .and_then(|p| self.array(p, "`parameters`"))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for p in list {
            let Some(p) = self.object(p, "a parameter") else {
                continue;
            };
            let (Some(name), Some(location_in)) = (string_at(&p, "name"), string_at(&p, "in"))
            else {
                self.problem("a parameter needs `name` and `in`", location(&p));
                continue;
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
            out.push(Parameter {
                name: name.value,
                location: location_in.value,
                multi_segment,
                at: location(&p),
            });
        }
        out
    }
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

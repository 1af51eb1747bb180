//! `scopegate.yaml`: rule severities, the expected application id, the scope grammar, and
//! path globs to ignore. Read with scopegate's own YAML loader, so that a mistake in the file
//! is reported with its line and column.
//!
//! ```yaml
//! rules:
//!   scope-unused: off          # error | warning | info | hint | off
//! application-id: sales-order
//! grammar:
//!   application-id: "[a-z][a-z0-9-]*"
//!   resource-id: "[a-z][a-z0-9_-]*"
//! ignore:
//!   - "vendor/**"
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Severity;
use crate::load::tree::Entry;
use crate::load::{self, Kind, NodeRef, SourceFile, Span};
use crate::model::scope::{Grammar, DEFAULT_APPLICATION_ID, DEFAULT_RESOURCE_ID};
use crate::rules::{self, Settings};

pub const FILE_NAMES: [&str; 2] = ["scopegate.yaml", "scopegate.yml"];

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub settings: Settings,
    /// Globs (gitignore syntax) of paths not to lint, relative to `root`.
    pub ignore: Vec<String>,
    /// The directory the globs are relative to: the config file's, or the working directory.
    pub root: PathBuf,
    /// The file read, if any.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
    /// Line and column, when the mistake has a place in the file.
    pub position: Option<(u32, u32)>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The nearest `scopegate.yaml` in `start` or one of its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Defaults, relative to `root`.
pub fn default_for(root: &Path) -> Config {
    Config {
        root: root.to_path_buf(),
        ..Config::default()
    }
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let fail = |message: String, position| ConfigError {
        path: path.to_path_buf(),
        message,
        position,
    };
    let source = load::read_source(path).map_err(|e| fail(e.message, None))?;
    let mut config = Config {
        root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    if source.text.lines().all(blank) {
        return Ok(config);
    }
    let document = load::parse(&source, None).map_err(|e| {
        let p = e.span.map(|s| position(&source, s));
        fail(e.message, p)
    })?;
    let root = document.tree.root();
    let at = |node: NodeRef<'_>| Some(position(&source, node.span()));
    if root.kind() == Kind::Null {
        return Ok(config);
    }
    if root.kind() != Kind::Object {
        return Err(fail("the configuration must be a mapping".into(), at(root)));
    }
    let mut application = DEFAULT_APPLICATION_ID.to_string();
    let mut resource = DEFAULT_RESOURCE_ID.to_string();
    let mut grammar_at = None;
    for entry in root.members() {
        let key_at = Some(position(&source, entry.key_span));
        let value = entry.value;
        match entry.key {
            "rules" => {
                for rule in mapping(value, "rules", &source)? {
                    let Some(known) = rules::find(rule.key) else {
                        return Err(fail(
                            format!("unknown rule `{}` (see `scopegate rules`)", rule.key),
                            Some(position(&source, rule.key_span)),
                        ));
                    };
                    let severity = match rule.value.scalar_text() {
                        Some("error") => Some(Severity::Error),
                        Some("warning") => Some(Severity::Warning),
                        Some("info") => Some(Severity::Info),
                        Some("hint") => Some(Severity::Hint),
                        Some("off") | Some("false") => None,
                        _ => {
                            return Err(fail(
                                format!(
                                "the severity of `{}` must be error, warning, info, hint or off",
                                known.id
                            ),
                                at(rule.value),
                            ))
                        }
                    };
                    config
                        .settings
                        .severities
                        .insert(known.id.to_string(), severity);
                }
            }
            "application-id" => {
                let id = value
                    .as_str()
                    .ok_or_else(|| fail("`application-id` must be a string".into(), at(value)))?;
                config.settings.application_id = Some(id.to_string());
            }
            "grammar" => {
                grammar_at = at(value);
                for part in mapping(value, "grammar", &source)? {
                    let pattern = part.value.as_str().ok_or_else(|| {
                        fail(
                            format!("`grammar.{}` must be a regex string", part.key),
                            at(part.value),
                        )
                    })?;
                    match part.key {
                        "application-id" => application = pattern.to_string(),
                        "resource-id" => resource = pattern.to_string(),
                        other => {
                            return Err(fail(
                                format!("unknown key `grammar.{other}` (expected application-id, resource-id)"),
                                Some(position(&source, part.key_span)),
                            ))
                        }
                    }
                    if let Err(e) = regex::Regex::new(pattern) {
                        return Err(fail(
                            format!("`grammar.{}` is not a valid regex: {e}", part.key),
                            at(part.value),
                        ));
                    }
                }
            }
            "ignore" => {
                if value.kind() != Kind::Array {
                    return Err(fail(
                        "`ignore` must be a list of path globs".into(),
                        at(value),
                    ));
                }
                for glob in value.items() {
                    let g = glob.as_str().ok_or_else(|| {
                        fail("an `ignore` entry must be a string".into(), at(glob))
                    })?;
                    config.ignore.push(g.to_string());
                }
            }
            other => {
                return Err(fail(
                    format!(
                        "unknown key `{other}` (expected rules, application-id, grammar, ignore)"
                    ),
                    key_at,
                ))
            }
        }
    }
    config.settings.grammar = Grammar::new(&application, &resource)
        .map_err(|e| fail(format!("the scope grammar is not valid: {e}"), grammar_at))?;
    Ok(config)
}

/// The members of a mapping (none for an empty value).
fn mapping<'t>(
    node: NodeRef<'t>,
    name: &str,
    source: &Arc<SourceFile>,
) -> Result<Vec<Entry<'t>>, ConfigError> {
    match node.kind() {
        Kind::Object => Ok(node.members().collect()),
        Kind::Null => Ok(Vec::new()),
        _ => Err(ConfigError {
            path: source.path.clone(),
            message: format!("`{name}` must be a mapping"),
            position: Some(position(source, node.span())),
        }),
    }
}

fn position(source: &SourceFile, span: Span) -> (u32, u32) {
    let p = source.position(span.start as usize);
    (p.line, p.column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scopegate.yaml");
        std::fs::write(&path, text).unwrap();
        load(&path).map_err(|mut e| {
            e.path = PathBuf::from("scopegate.yaml");
            e
        })
    }

    #[test]
    fn reads_every_setting() {
        let config = load_text(
            "rules:\n  scope-unused: off\n  uid-alone: error\napplication-id: orders\ngrammar:\n  resource-id: \"[a-z]+\"\nignore: [\"vendor/**\"]\n",
        )
        .unwrap();
        let s = &config.settings;
        assert_eq!(s.severity(rules::find("scope-unused").unwrap()), None);
        assert_eq!(
            s.severity(rules::find("uid-alone").unwrap()),
            Some(Severity::Error)
        );
        assert_eq!(s.application_id.as_deref(), Some("orders"));
        assert!(s.grammar.parse("orders.sales_order.read").is_none());
        assert!(s.grammar.parse("orders.items.read").is_some());
        assert_eq!(config.ignore, ["vendor/**"]);
    }

    #[test]
    fn mistakes_are_located() {
        let e = load_text("rules:\n  scope-unused: off\nseverity: high\n").unwrap_err();
        assert_eq!(e.to_string(), "scopegate.yaml:3:1: unknown key `severity` (expected rules, application-id, grammar, ignore)");
        let e = load_text("rules:\n  no-such-rule: off\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scopegate.yaml:2:3: unknown rule `no-such-rule` (see `scopegate rules`)"
        );
        let e = load_text("grammar:\n  application-id: \"[a-z\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("scopegate.yaml:2:19: `grammar.application-id` is not a valid regex"),
            "{e}"
        );
        let e = load_text("rules:\n  uid-alone: loud\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("scopegate.yaml:2:14: the severity of `uid-alone`"),
            "{e}"
        );
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let config = load_text("# nothing yet\n").unwrap();
        assert!(config.settings.severities.is_empty());
    }
}

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

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity, INVALID_CONFIG};
use crate::load::tree::Entry;
use crate::load::{self, Kind, NodeRef, SourceFile, Span};
use crate::model::scope::{Grammar, DEFAULT_APPLICATION_ID, DEFAULT_RESOURCE_ID};
use crate::rules::{self, Settings};
use crate::suggest;

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

/// Every mistake found in one configuration file, in file order: a run reports them all at
/// once rather than one per attempt.
#[derive(Debug, Clone)]
pub struct ConfigErrors(pub Vec<Diagnostic>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The top-level keys of `scopegate.yaml`.
const KEYS: [&str; 4] = ["rules", "application-id", "grammar", "ignore"];

/// The severities a rule may be set to; `warn` is accepted for `warning`, as in Spectral and
/// ESLint.
const SEVERITIES: [&str; 5] = ["error", "warning", "info", "hint", "off"];

/// The nearest `scopegate.yaml` in `start` or one of its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The configuration in force for each file: one file for all (`--config`), or the
/// `scopegate.yaml` nearest to each file, found by walking up from its directory (as ruff
/// does), else the defaults. Each configuration file is read once.
pub struct Resolver {
    explicit: Option<Arc<Config>>,
    defaults: Arc<Config>,
    /// The working directory, to make relative paths absolute before walking up.
    cwd: PathBuf,
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    loaded: HashMap<PathBuf, Result<Arc<Config>, ConfigErrors>>,
}

impl Resolver {
    /// `explicit` is `--config`'s file, read now; without one, files find their own.
    pub fn new(explicit: Option<&Path>, cwd: &Path) -> Result<Resolver, ConfigErrors> {
        let explicit = explicit.map(load).transpose()?.map(Arc::new);
        Ok(Resolver {
            explicit,
            defaults: Arc::new(default_for(cwd)),
            cwd: cwd.to_path_buf(),
            nearest: HashMap::new(),
            loaded: HashMap::new(),
        })
    }

    /// The configuration for the directory `dir` (the working directory for `""`).
    pub fn for_dir(&mut self, dir: &Path) -> Result<Arc<Config>, ConfigErrors> {
        if let Some(config) = &self.explicit {
            return Ok(config.clone());
        }
        let dir = self.cwd.join(dir);
        let found = match self.nearest.get(&dir) {
            Some(found) => found.clone(),
            None => {
                let found = discover(&dir);
                self.nearest.insert(dir, found.clone());
                found
            }
        };
        let Some(path) = found else {
            return Ok(self.defaults.clone());
        };
        self.loaded
            .entry(path.clone())
            .or_insert_with(|| load(&path).map(Arc::new))
            .clone()
    }

    /// The configuration for the file `path` (standard input: the working directory's).
    pub fn for_file(&mut self, path: &Path) -> Result<Arc<Config>, ConfigErrors> {
        let dir = match path.parent() {
            Some(parent) if path != Path::new("-") => parent.to_path_buf(),
            _ => PathBuf::new(),
        };
        self.for_dir(&dir)
    }
}

/// Defaults, relative to `root`.
/// The one configuration a command uses: `explicit` (`--config`), else the nearest up from
/// `cwd`, else the defaults.
pub fn for_working_directory(explicit: Option<&Path>, cwd: &Path) -> Result<Config, ConfigErrors> {
    let mut resolver = Resolver::new(explicit, cwd)?;
    let config = resolver.for_dir(Path::new(""))?;
    Ok(Config::clone(&config))
}

pub fn default_for(root: &Path) -> Config {
    Config {
        root: root.to_path_buf(),
        ..Config::default()
    }
}

/// Reads a configuration file, reporting every mistake in it with its line and column.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let source = load::read_source(path)
        .map_err(|e| ConfigErrors(vec![Diagnostic::from_load_error(&e).as_rule(INVALID_CONFIG)]))?;
    let fail = |message: String, span: Option<Span>| match span {
        Some(span) => {
            Diagnostic::in_source(INVALID_CONFIG, Severity::Error, message, &source, span)
        }
        None => Diagnostic::in_file(INVALID_CONFIG, Severity::Error, message, path, None),
    };
    let mut config = Config {
        root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    if source.text.lines().all(blank) {
        return Ok(config);
    }
    let document =
        load::parse(&source, None).map_err(|e| ConfigErrors(vec![fail(e.message, e.span)]))?;
    let root = document.tree.root();
    let at = |node: NodeRef<'_>| Some(node.span());
    if root.kind() == Kind::Null {
        return Ok(config);
    }
    if root.kind() != Kind::Object {
        return Err(ConfigErrors(vec![fail(
            "the configuration must be a mapping".into(),
            at(root),
        )]));
    }
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut application = DEFAULT_APPLICATION_ID.to_string();
    let mut resource = DEFAULT_RESOURCE_ID.to_string();
    let mut grammar_at = None;
    for entry in root.members() {
        let key_at = Some(entry.key_span);
        let value = entry.value;
        match entry.key {
            "rules" => {
                for rule in mapping(value, "rules", &source, &mut errors) {
                    let Some(known) = rules::find(rule.key) else {
                        let ids = rules::ALL.iter().map(|r| r.id);
                        errors.push(fail(
                            format!(
                                "unknown rule `{}`{} (see `scopegate rules`)",
                                rule.key,
                                suggest::did_you_mean(rule.key, ids)
                            ),
                            Some(rule.key_span),
                        ));
                        continue;
                    };
                    let severity = match rule.value.scalar_text() {
                        Some("error") => Some(Severity::Error),
                        Some("warning" | "warn") => Some(Severity::Warning),
                        Some("info") => Some(Severity::Info),
                        Some("hint") => Some(Severity::Hint),
                        Some("off") | Some("false") => None,
                        written => {
                            let hint = written
                                .map(|w| suggest::did_you_mean(w, SEVERITIES))
                                .unwrap_or_default();
                            errors.push(fail(
                                format!(
                                    "the severity of `{}` must be error, warning (or warn), info, hint or off{hint}",
                                    known.id
                                ),
                                at(rule.value),
                            ));
                            continue;
                        }
                    };
                    config
                        .settings
                        .severities
                        .insert(known.id.to_string(), severity);
                }
            }
            "application-id" => match value.as_str() {
                Some(id) => config.settings.application_id = Some(id.to_string()),
                None => errors.push(fail("`application-id` must be a string".into(), at(value))),
            },
            "grammar" => {
                grammar_at = at(value);
                for part in mapping(value, "grammar", &source, &mut errors) {
                    let Some(pattern) = part.value.as_str() else {
                        errors.push(fail(
                            format!("`grammar.{}` must be a regex string", part.key),
                            at(part.value),
                        ));
                        continue;
                    };
                    match part.key {
                        "application-id" => application = pattern.to_string(),
                        "resource-id" => resource = pattern.to_string(),
                        other => {
                            let parts = ["application-id", "resource-id"];
                            errors.push(fail(
                                format!(
                                    "unknown key `grammar.{other}` (expected application-id, resource-id){}",
                                    suggest::did_you_mean(other, parts)
                                ),
                                Some(part.key_span),
                            ));
                            continue;
                        }
                    }
                    if let Err(e) = regex::Regex::new(pattern) {
                        errors.push(fail(
                            format!("`grammar.{}` is not a valid regex: {e}", part.key),
                            at(part.value),
                        ));
                    }
                }
            }
            "ignore" => {
                if value.kind() != Kind::Array {
                    errors.push(fail(
                        "`ignore` must be a list of path globs".into(),
                        at(value),
                    ));
                    continue;
                }
                for glob in value.items() {
                    match glob.as_str() {
                        Some(g) => config.ignore.push(g.to_string()),
                        None => {
                            errors.push(fail("an `ignore` entry must be a string".into(), at(glob)))
                        }
                    }
                }
            }
            other => errors.push(fail(
                format!(
                    "unknown key `{other}` (expected rules, application-id, grammar, ignore){}",
                    suggest::did_you_mean(other, KEYS)
                ),
                key_at,
            )),
        }
    }
    if errors.is_empty() {
        match Grammar::new(&application, &resource) {
            Ok(grammar) => config.settings.grammar = grammar,
            Err(e) => errors.push(fail(
                format!("the scope grammar is not valid: {e}"),
                grammar_at,
            )),
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(errors))
    }
}

/// The members of a mapping (none for an empty value, or for a value that is not a mapping,
/// which is reported).
fn mapping<'t>(
    node: NodeRef<'t>,
    name: &str,
    source: &Arc<SourceFile>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Entry<'t>> {
    match node.kind() {
        Kind::Object => node.members().collect(),
        Kind::Null => Vec::new(),
        _ => {
            errors.push(Diagnostic::in_source(
                INVALID_CONFIG,
                Severity::Error,
                format!("`{name}` must be a mapping"),
                source,
                node.span(),
            ));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Config, ConfigErrors> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scopegate.yaml");
        std::fs::write(&path, text).unwrap();
        load(&path).map_err(|mut errors| {
            for e in &mut errors.0 {
                e.path = "scopegate.yaml".into();
            }
            errors
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
    fn every_mistake_is_reported_in_one_run_with_a_suggestion() {
        let e = load_text(
            "rules:\n  scope-nmae: off\n  uid-alone: wraning\nseverty: high\ngrammar:\n  resource: x\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "scopegate.yaml:2:3: unknown rule `scope-nmae`; did you mean `scope-name`? (see `scopegate rules`)\n\
             scopegate.yaml:3:14: the severity of `uid-alone` must be error, warning (or warn), info, hint or off; did you mean `warning`?\n\
             scopegate.yaml:4:1: unknown key `severty` (expected rules, application-id, grammar, ignore)\n\
             scopegate.yaml:6:3: unknown key `grammar.resource` (expected application-id, resource-id); did you mean `resource-id`?"
        );
    }

    #[test]
    fn warn_is_warning() {
        let config = load_text("rules:\n  scope-unused: warn\n").unwrap();
        assert_eq!(
            config
                .settings
                .severity(rules::find("scope-unused").unwrap()),
            Some(Severity::Warning)
        );
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let config = load_text("# nothing yet\n").unwrap();
        assert!(config.settings.severities.is_empty());
    }
}

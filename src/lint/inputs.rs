//! Which files a lint reads, each with the configuration nearest to it (ruff-style), or
//! `--config`'s for all: configuration discovery meets the walk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{self, Config, ConfigErrors};
use crate::diagnostic::Diagnostic;
use crate::load::walk::{self, Input};

/// The files to lint and the named files an `ignore` glob excluded.
#[derive(Debug)]
pub struct Inputs {
    /// Each file with its configuration.
    pub jobs: Vec<(Input, Arc<Config>)>,
    /// Files named on the command line that a configuration's `ignore` globs exclude (so the
    /// user can be told why they were not linted).
    pub excluded: Vec<PathBuf>,
}

/// Why the files to lint could not be found.
#[derive(Debug)]
pub enum InputsError {
    /// Mistakes in configuration files: every one, each once.
    Config(Vec<Diagnostic>),
    /// A path that cannot be walked, or an `ignore` glob that does not parse.
    Walk(walk::WalkError),
}

impl std::fmt::Display for InputsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputsError::Config(errors) => {
                f.write_str(&config_error(&ConfigErrors(errors.clone())))
            }
            InputsError::Walk(e) => write!(f, "{e}"),
        }
    }
}

/// Every configuration mistake, one per line, each starting `configuration: `.
pub fn config_error(errors: &ConfigErrors) -> String {
    errors
        .0
        .iter()
        .map(|e| format!("configuration: {e}"))
        .collect::<Vec<_>>()
        .join("\nscopegate: ")
}

/// The files under `paths`, each with the configuration nearest to it (or `explicit`'s),
/// minus those a configuration's `ignore` globs exclude. `stdin_name` names standard input
/// (`-`) for its configuration and findings. Every configuration mistake is reported, one
/// message each, before anything is linted.
pub fn discover(
    paths: &[PathBuf],
    explicit: Option<&Path>,
    stdin_name: Option<&Path>,
    cwd: &Path,
) -> Result<Inputs, InputsError> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut note = |e: ConfigErrors| {
        for mut d in e.0 {
            // Named as the files linted are: relative to the working directory, under it.
            if let Ok(relative) = Path::new(&d.path).strip_prefix(cwd) {
                d.path = relative.to_string_lossy().replace('\\', "/");
            }
            let seen = errors.iter().any(|o| {
                (&o.path, o.position(), &o.message) == (&d.path, d.position(), &d.message)
            });
            if !seen {
                errors.push(d);
            }
        }
    };
    let mut resolver = match config::Resolver::new(explicit, cwd) {
        Ok(resolver) => resolver,
        Err(e) => {
            note(e);
            return Err(InputsError::Config(errors));
        }
    };
    // The working directory's configuration (or `--config`'s) steers the walk; a mistake in
    // it is reported with those of the files' own.
    let top = match resolver.for_dir(Path::new("")) {
        Ok(top) => top,
        Err(e) => {
            note(e);
            Arc::new(config::default_for(cwd))
        }
    };
    let (mut inputs, mut excluded) =
        walk::discover_noting_excluded(paths, &top.ignore, &top.root).map_err(InputsError::Walk)?;
    if let Some(name) = stdin_name {
        for input in inputs.iter_mut().filter(|i| i.path == Path::new("-")) {
            input.name = Some(name.to_path_buf());
        }
    }
    let mut globs: HashMap<PathBuf, walk::Globs> = HashMap::new();
    let mut jobs = Vec::with_capacity(inputs.len());
    for input in inputs {
        let config = match resolver.for_file(input.shown_as()) {
            Ok(config) => config,
            Err(e) => {
                note(e);
                continue;
            }
        };
        if !Arc::ptr_eq(&config, &top) && !config.ignore.is_empty() {
            let key = config.path.clone().unwrap_or_default();
            let own = match globs.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    walk::Globs::new(&config.ignore, &config.root).map_err(InputsError::Walk)?,
                ),
            };
            if own.exclude(&cwd.join(input.shown_as())) {
                if input.explicit {
                    excluded.push(input.path.clone());
                }
                continue;
            }
        }
        jobs.push((input, config));
    }
    if !errors.is_empty() {
        return Err(InputsError::Config(errors));
    }
    Ok(Inputs { jobs, excluded })
}

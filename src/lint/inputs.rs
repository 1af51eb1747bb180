//! Which files a lint reads, each with the configuration nearest to it (ruff-style), or
//! `--config`'s for all: configuration discovery meets the walk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{self, Config, ConfigErrors};
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
) -> Result<Inputs, Vec<String>> {
    let mut resolver = config::Resolver::new(explicit, cwd).map_err(|e| vec![config_error(&e)])?;
    let mut errors: Vec<String> = Vec::new();
    // The working directory's configuration (or `--config`'s) steers the walk; a mistake in
    // it is reported with those of the files' own.
    let top = match resolver.for_dir(Path::new("")) {
        Ok(top) => top,
        Err(e) => {
            errors.push(config_error(&e));
            Arc::new(config::default_for(cwd))
        }
    };
    let (mut inputs, mut excluded) =
        walk::discover_noting_excluded(paths, &top.ignore, &top.root).map_err(|e| vec![e])?;
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
                let e = config_error(&e);
                if !errors.contains(&e) {
                    errors.push(e);
                }
                continue;
            }
        };
        if !Arc::ptr_eq(&config, &top) && !config.ignore.is_empty() {
            let key = config.path.clone().unwrap_or_default();
            let own = match globs.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(walk::Globs::new(&config.ignore, &config.root).map_err(|e| vec![e])?)
                }
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
        return Err(errors);
    }
    Ok(Inputs { jobs, excluded })
}

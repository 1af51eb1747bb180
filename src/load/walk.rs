//! Finding the files to load: named files, walked directories, and `-` for stdin.

use std::path::{Path, PathBuf};

use ignore::overrides::{Override, OverrideBuilder};
use ignore::WalkBuilder;

/// A file to load, and whether the user named it (then a non-OpenAPI file is an error, not
/// something to skip quietly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    pub explicit: bool,
    /// The name findings give the file, when it is not `path`: standard input read with
    /// `--stdin-filename` (its configuration and relative `$ref`s are found from that name).
    pub name: Option<PathBuf>,
}

impl Input {
    /// A file to read, named as it is.
    pub fn new(path: impl Into<PathBuf>, explicit: bool) -> Input {
        Input {
            path: path.into(),
            explicit,
            name: None,
        }
    }

    /// The name findings give the file.
    pub fn shown_as(&self) -> &Path {
        self.name.as_deref().unwrap_or(&self.path)
    }
}

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

pub fn has_spec_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Expands `paths` into files, sorted per directory so that output is deterministic.
/// Directories are walked honouring `.gitignore` and `.ignore` files; `ignore_globs`
/// (gitignore syntax, relative to `globs_root`, the configuration file's directory) apply to
/// walked and named files.
pub fn discover(
    paths: &[PathBuf],
    ignore_globs: &[String],
    globs_root: &Path,
) -> Result<Vec<Input>, WalkError> {
    discover_noting_excluded(paths, ignore_globs, globs_root).map(|(inputs, _)| inputs)
}

/// Path globs of a configuration, relative to its directory.
pub struct Globs(Override);

impl Globs {
    pub fn new(globs: &[String], root: &Path) -> Result<Globs, WalkError> {
        build_ignores(globs, root).map(Globs)
    }

    /// Whether a glob excludes the file `path`.
    pub fn exclude(&self, path: &Path) -> bool {
        !self.0.is_empty() && self.0.matched(path, false).is_ignore()
    }
}

/// [`discover`], and the files named on the command line that a glob excludes (to say so:
/// naming a file and seeing nothing would look like a clean result).
pub fn discover_noting_excluded(
    paths: &[PathBuf],
    ignore_globs: &[String],
    globs_root: &Path,
) -> Result<(Vec<Input>, Vec<PathBuf>), WalkError> {
    let ignores = build_ignores(ignore_globs, globs_root)?;
    let ignored = |path: &Path, is_dir: bool| ignores.matched(path, is_dir).is_ignore();
    let mut excluded = Vec::new();
    let mut inputs = Vec::new();
    for path in paths {
        if path == Path::new("-") {
            inputs.push(Input::new(path.clone(), true));
            continue;
        }
        if !path.is_dir() {
            if ignored(path, false) {
                excluded.push(path.clone());
            } else {
                inputs.push(Input::new(path.clone(), true));
            }
            continue;
        }
        let mut found = Vec::new();
        let walker = WalkBuilder::new(path)
            .overrides(ignores.clone())
            .require_git(false)
            .build();
        for entry in walker {
            let entry = entry.map_err(|source| WalkError::Walk {
                path: path.clone(),
                source,
            })?;
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if is_file && has_spec_extension(entry.path()) {
                found.push(entry.into_path());
            }
        }
        found.sort();
        inputs.extend(found.into_iter().map(|path| Input::new(path, false)));
    }
    Ok((inputs, excluded))
}

fn build_ignores(globs: &[String], root: &Path) -> Result<Override, WalkError> {
    let mut builder = OverrideBuilder::new(root);
    for glob in globs {
        builder
            .add(&format!("!{glob}"))
            .map_err(|source| WalkError::Glob {
                glob: Some(glob.clone()),
                source,
            })?;
    }
    builder
        .build()
        .map_err(|source| WalkError::Glob { glob: None, source })
}

/// Why the files to read could not be listed.
#[derive(Debug)]
#[non_exhaustive]
pub enum WalkError {
    /// An `ignore` glob that does not parse (`None`: the set as a whole).
    Glob {
        glob: Option<String>,
        source: ignore::Error,
    },
    /// A directory that could not be walked (a missing path, no permission, a loop).
    Walk {
        path: PathBuf,
        source: ignore::Error,
    },
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalkError::Glob {
                glob: Some(glob),
                source,
            } => write!(f, "ignore glob `{glob}`: {source}"),
            WalkError::Glob { glob: None, source } => write!(f, "ignore globs: {source}"),
            WalkError::Walk { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for WalkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WalkError::Glob { source, .. } | WalkError::Walk { source, .. } => Some(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "openapi: 3.0.0\n").unwrap();
    }

    #[test]
    fn walks_sorted_honouring_gitignore_and_globs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.yaml",
            "a.json",
            "c.yml",
            "notes.txt",
            "gen/x.yaml",
            "vendor/y.yaml",
            "sub/z.YAML",
        ] {
            touch(root, f);
        }
        std::fs::write(root.join(".gitignore"), "gen/\n").unwrap();
        let found = discover(&[root.to_path_buf()], &["vendor/**".to_string()], root).unwrap();
        let names: Vec<String> = found
            .iter()
            .map(|i| i.path.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.json", "b.yaml", "c.yml", "sub/z.YAML"]);
        assert!(found.iter().all(|i| !i.explicit));
    }

    #[test]
    fn named_files_are_explicit_and_still_ignorable() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "api.txt");
        touch(root, "vendor/v.yaml");
        let named = [
            root.join("api.txt"),
            root.join("vendor/v.yaml"),
            PathBuf::from("-"),
        ];
        let found = discover(&named, &["vendor/**".to_string()], root).unwrap();
        let paths: Vec<&Path> = found.iter().map(|i| i.path.as_path()).collect();
        assert_eq!(paths, [root.join("api.txt").as_path(), Path::new("-")]);
        assert!(found.iter().all(|i| i.explicit));
    }
}

//! `scopegate inspect FILE`: the security model as JSON.

use std::path::Path;

use scopegate::diagnostic::Diagnostic;
use scopegate::load::{self, LoadErrorKind, Workspace};
use scopegate::model;

use super::{eprint_diagnostic, exit};

pub fn run(file: &Path) -> i32 {
    let loaded = match load::load(file) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprint_diagnostic(&Diagnostic::from_load_error(&e));
            return if e.kind == LoadErrorKind::Io {
                exit::USAGE
            } else {
                exit::FINDINGS
            };
        }
    };
    let mut workspace = Workspace::new(&loaded.document);
    let model = model::build(&loaded, &mut workspace);
    for problem in &model.problems {
        eprint_diagnostic(&Diagnostic::from_problem(problem));
    }
    match serde_json::to_string_pretty(&model) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("scopegate: cannot serialize the model: {e}");
            return exit::USAGE;
        }
    }
    if model.problems.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}

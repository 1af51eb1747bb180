//! The loader on arbitrary bytes, read as JSON and as YAML: decoding, parsing, version
//! detection, `$ref` following and the model. Any panic is a bug; errors are fine.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use scopegate::load::{self, Workspace};
use scopegate::model;

fuzz_target!(|data: &[u8]| {
    for name in ["fuzz.json", "fuzz.yaml"] {
        let Ok(source) = load::source_from_bytes(Path::new(name), data.to_vec()) else {
            continue;
        };
        if let Ok(loaded) = load::load_source(&source) {
            let mut workspace = Workspace::new(&loaded.document);
            let model = model::build(&loaded, &mut workspace);
            for p in &model.problems {
                let _ = p.at.file.position(p.at.span.start as usize);
            }
        }
    }
});

//! The groups file reader and the format-preserving editor on arbitrary text. No input may
//! panic; an edit that succeeds must read back: the value is where it was written, and the
//! rest of the document still parses.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use scopegate::groups::edit::{self, Value};
use scopegate::groups::file;
use scopegate::load::{self, SourceFile};

fn read_back(text: &str, path: &[&str]) -> Option<String> {
    let source = SourceFile::new(Path::new("g.yaml"), text.to_string());
    let document = load::parse(&source, None).ok()?;
    let mut node = document.tree.root();
    for key in path {
        node = node.get(key)?;
    }
    node.as_str().map(str::to_string)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = file::parse_layer(Path::new("groups.yaml"), text.to_string(), false);
    let paths: [&[&str]; 4] = [
        &["groups", "g1", "name"],
        &["stores", "s1", "group"],
        &["default-group"],
        &["groups", "g1", "permissions", "data", "points"],
    ];
    for (i, path) in paths.iter().enumerate() {
        let value = ["x", "a: b", "2026-11-23T10:00:00Z", "read-write"][i];
        if let Ok(out) = edit::set(text, path, &Value::scalar(value)) {
            assert_eq!(
                read_back(&out, path).as_deref(),
                Some(value),
                "set {path:?} in {text:?} gave {out:?}"
            );
        }
        if let Ok(out) = edit::remove(text, path) {
            assert!(
                read_back(&out, path).is_none(),
                "remove {path:?} in {text:?} gave {out:?}"
            );
        }
    }
});

//! The deployment pages show exactly the configurations the end-to-end tests run.

use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `<!-- file: PATH -->` marker in `page` and the fenced block after it.
fn shown_files(page: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("<!-- file: ") {
        let after = &rest[at + "<!-- file: ".len()..];
        let (path, after) = after.split_once(" -->\n").expect("a closed marker");
        let after = after.split_once('\n').expect("a fence line").1;
        let (block, after) = after.split_once("```\n").expect("a closed block");
        out.push((path.to_string(), block.to_string()));
        rest = after;
    }
    out
}

#[test]
fn deployment_pages_show_the_tested_configurations_verbatim() {
    for (page, expected) in [
        ("docs/deploy/nginx.md", 1),
        ("docs/deploy/traefik.md", 2),
        ("docs/deploy/caddy.md", 1),
        ("docs/deploy/envoy.md", 2),
    ] {
        let text = std::fs::read_to_string(repo().join(page)).unwrap();
        let shown = shown_files(&text);
        assert_eq!(shown.len(), expected, "{page}");
        for (path, block) in shown {
            let file = std::fs::read_to_string(repo().join(&path)).unwrap();
            assert_eq!(block, file, "{page} shows {path} other than it is");
        }
    }
}

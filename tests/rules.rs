//! Every rule against its fixtures, in Swagger 2.0 and OpenAPI 3 form:
//! `tests/fixtures/rules/<id>/fail.*.yaml` must trigger the rule (its findings are pinned with
//! snapshots under `snapshots/`), and `pass.*.yaml` must be clean under every rule.

use std::path::Path;

use scopegate::diagnostic::Diagnostic;
use scopegate::lint::{self, Options};
use scopegate::load::walk::Input;
use scopegate::rules::{self, Settings};

/// Rules about something Swagger 2.0 cannot express: OpenAPI 3 fixtures only.
const OPENAPI3_ONLY: &[&str] = &["openapi-version-known"];

fn lint(path: &Path) -> Vec<Diagnostic> {
    let input = Input::new(path, true);
    let mut diagnostics =
        lint::lint_file(&input, &Settings::default(), Options::default()).diagnostics;
    lint::sort(&mut diagnostics);
    diagnostics
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            let p = d.position().unwrap();
            let op = d
                .operation
                .as_ref()
                .map(|o| format!(" [{} {}]", o.method, o.path))
                .unwrap_or_default();
            let pointer = d
                .pointer
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default();
            format!(
                "{}:{} {} {}{op}\n  {}\n",
                p.line, p.column, d.severity, pointer, d.message
            )
        })
        .collect()
}

#[test]
fn every_rule_fails_and_passes_its_fixtures() {
    let root = Path::new("tests/fixtures/rules");
    let mut checked = 0;
    for rule in rules::ALL
        .iter()
        .filter(|r| r.id != rules::INVALID_DOCUMENT.id)
    {
        let dir = root.join(rule.id);
        for form in ["swagger2", "openapi3"] {
            if form == "swagger2" && OPENAPI3_ONLY.contains(&rule.id) {
                assert!(!dir.join("fail.swagger2.yaml").exists());
                continue;
            }
            let fail = dir.join(format!("fail.{form}.yaml"));
            let pass = dir.join(format!("pass.{form}.yaml"));
            assert!(
                fail.exists() && pass.exists(),
                "{}: missing fixtures for {form}",
                rule.id
            );

            let found = lint(&fail);
            let own: Vec<Diagnostic> = found
                .iter()
                .filter(|d| d.rule == rule.id)
                .cloned()
                .collect();
            assert!(
                !own.is_empty(),
                "{} does not fire on {}",
                rule.id,
                fail.display()
            );
            insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
                insta::assert_snapshot!(format!("rule-{}-{form}", rule.id), render(&own));
            });

            let clean = lint(&pass);
            assert!(
                clean.is_empty(),
                "{} is not clean:\n{}",
                pass.display(),
                render(&clean)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 33);
}

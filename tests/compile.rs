//! `scopegate compile`: tables pinned with snapshots, validated against the shipped JSON
//! Schema, byte-identical across runs, and the refusals of SPEC section 6.

use std::path::{Path, PathBuf};
use std::process::Command;

use scopegate::compile::{self, CompileError, CompileOptions, Compiled};
use scopegate::load::walk;
use scopegate::rules::Settings;
use scopegate::runtime::Table;
use serde_json::Value;

fn compile_paths(paths: &[&str], allow_errors: bool) -> Result<Compiled, CompileError> {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let inputs = walk::discover(&paths, &[], Path::new(".")).unwrap();
    compile::compile(
        &inputs,
        &Settings::default(),
        CompileOptions { allow_errors },
    )
}

fn table_json(paths: &[&str]) -> String {
    match compile_paths(paths, false) {
        Ok(c) => compile::to_json(&c.table),
        Err(e) => panic!("{e:?}"),
    }
}

fn validate(table: &str) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string("schemas/permission-table.v1.schema.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance: Value = serde_json::from_str(table).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn corpus() -> PathBuf {
    std::env::var_os("SCOPEGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/scopegate-corpus")
        })
}

#[test]
fn fixture_tables() {
    let all = table_json(&["tests/fixtures/compile"]);
    validate(&all);
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("table-fixtures", all);
        insta::assert_snapshot!("table-swagger2", table_json(&["tests/fixtures/compile/swagger2.yaml"]));
    });
    let table = Table::from_json(&all).unwrap();
    assert_eq!(table.sources.len(), 3);
    let compare = table
        .routes
        .iter()
        .find(|r| r.path == "/stores/{storeId}/compare/{base}...{head}")
        .unwrap();
    assert_eq!(
        compare.base_paths.as_deref(),
        Some(&["/internal".to_string()][..])
    );
    // [stores.read] absorbs [stores.read, stores.write].
    let till = table
        .routes
        .iter()
        .find(|r| r.operation_id.as_deref() == Some("getTill"))
        .unwrap();
    assert_eq!(till.any_of, [["stores.read"]]);
    assert_eq!(table.digest, compile::digest(&table));
}

#[test]
fn output_is_deterministic_and_independent_of_input_order() {
    let a = table_json(&[
        "tests/fixtures/compile/orders.yaml",
        "tests/fixtures/compile/stores.json",
    ]);
    let b = table_json(&[
        "tests/fixtures/compile/stores.json",
        "tests/fixtures/compile/orders.yaml",
    ]);
    assert_eq!(a, b);
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let out = dir.path().join(name);
        let status = Command::new(env!("CARGO_BIN_EXE_scopegate"))
            .args(["compile", "tests/fixtures/compile", "-o"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read(out).unwrap()
    };
    assert_eq!(run("1.json"), run("2.json"));
}

#[test]
fn lint_errors_refuse_unless_allowed() {
    let Err(CompileError::Lint(errors)) =
        compile_paths(&["tests/fixtures/lint/suppressed.yaml"], false)
    else {
        panic!("compiled a document with lint errors");
    };
    assert!(errors
        .iter()
        .all(|d| d.severity == scopegate::diagnostic::Severity::Error));
    let compiled = compile_paths(&["tests/fixtures/lint/suppressed.yaml"], true).unwrap();
    // POST /orders has `security: []`; GET /orders has it too but suppressed, and an
    // unsecured operation has no requirement to compile.
    assert!(
        compiled
            .excluded
            .iter()
            .any(|e| e.contains("POST /orders (operation-secured")),
        "{:?}",
        compiled.excluded
    );
    let routes: Vec<(&str, &str)> = compiled
        .table
        .routes
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(routes, [("PUT", "/orders/{id}")]);
}

#[test]
fn conflicting_sources_are_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let orders = std::fs::read_to_string("tests/fixtures/compile/orders.yaml").unwrap();
    std::fs::write(dir.path().join("a.yaml"), &orders).unwrap();
    let changed = orders.replace(
        "      operationId: cancelOrder\n      security:\n        - oauth2: [sales-order.write]",
        "      operationId: cancelOrder\n      security:\n        - oauth2: [sales-order.write, sales-order.read]",
    );
    assert_ne!(changed, orders);
    std::fs::write(
        dir.path().join("b.yaml"),
        changed
            .replace("{orderId}", "{id}")
            .replace("name: orderId", "name: id"),
    )
    .unwrap();
    let Err(CompileError::Conflicts(conflicts)) =
        compile_paths(&[dir.path().to_str().unwrap()], false)
    else {
        panic!("conflict not found");
    };
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(
        conflicts[0].starts_with("`DELETE /orders/{orderId}` is defined by two sources"),
        "{}",
        conflicts[0]
    );
    assert!(
        conflicts[0].contains("a.yaml:") && conflicts[0].contains("b.yaml:"),
        "{}",
        conflicts[0]
    );
    // The same route with the same requirement in two sources is one route.
    std::fs::write(dir.path().join("b.yaml"), &orders).unwrap();
    let compiled = compile_paths(&[dir.path().to_str().unwrap()], false).unwrap();
    assert_eq!(compiled.table.routes.len(), 6);
}

#[test]
fn templates_equal_up_to_parameter_names_in_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let orders = std::fs::read_to_string("tests/fixtures/compile/orders.yaml").unwrap();
    let twice = orders.replace(
        "  /health:",
        "  /orders/{id}:\n    get:\n      operationId: getOrderAgain\n      responses:\n        \"200\":\n          description: Again.\n  /health:",
    );
    std::fs::write(dir.path().join("a.yaml"), twice).unwrap();
    let Err(CompileError::Conflicts(conflicts)) =
        compile_paths(&[dir.path().to_str().unwrap()], false)
    else {
        panic!("same-shape templates compiled");
    };
    assert!(
        conflicts[0]
            .contains("`/orders/{orderId}` and `/orders/{id}` differ only in parameter names"),
        "{conflicts:?}"
    );
}

#[test]
fn github_scoped_compiles_to_one_route_per_operation_in_both_versions() {
    let dir = corpus().join("scoped");
    let json = compile_paths(&[dir.join("github.json").to_str().unwrap()], false)
        .unwrap()
        .table;
    let swagger = compile_paths(&[dir.join("github-swagger2.yaml").to_str().unwrap()], false)
        .unwrap()
        .table;
    assert_eq!(json.routes.len(), 1223);
    assert_eq!(json.scopes.len(), 94);
    let strip = |t: &Table| -> Vec<String> {
        t.routes
            .iter()
            .map(|r| {
                format!(
                    "{} {} {:?} {:?}",
                    r.method, r.path, r.operation_id, r.any_of
                )
            })
            .collect()
    };
    assert_eq!(strip(&json), strip(&swagger));
    validate(&compile::to_json(&json));
}

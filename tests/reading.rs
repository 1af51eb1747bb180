//! The linter reads real documents as their authors meant them: JSON behind relative `$ref`s,
//! YAML merge keys, Swagger 2.0 scopes without a flow, 3.1 role lists, OpenAPI 3.2, and the
//! places findings point at. Fixtures live in `tests/fixtures/reading/`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn scopegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CI")
        .output()
        .unwrap()
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/reading/{name}")
}

/// `lint --format json` on one fixture: the exit code and the findings.
fn lint(name: &str) -> (Option<i32>, Vec<Value>) {
    let out = scopegate(&["lint", "--format", "json", &fixture(name)]);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code(),
        json["findings"].as_array().unwrap().clone(),
    )
}

/// `rule file:line pointer` per finding, for assertions that read like the report.
fn summary(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            let file = Path::new(f["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            format!(
                "{} {file}:{} {}",
                f["rule"].as_str().unwrap(),
                f["line"],
                f["pointer"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn line_of(name: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle}"));
    text[..at].matches('\n').count() + 1
}

/// Compiles fixtures into a table in a temporary directory and asks `check` about a request.
struct Table {
    _dir: tempfile::TempDir,
    path: String,
}

impl Table {
    fn compile(names: &[&str]) -> Table {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("permissions.json").display().to_string();
        let mut args = vec!["compile".to_string(), "-o".to_string(), path.clone()];
        args.extend(names.iter().map(|n| fixture(n)));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = scopegate(&args);
        assert!(
            out.status.success(),
            "compile failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Table { _dir: dir, path }
    }

    /// `allow` or `deny` for a principal holding `scopes`.
    fn decide(&self, scopes: &str, method: &str, path: &str) -> String {
        let out = scopegate(&[
            "check", "--table", &self.path, "--scopes", scopes, method, path,
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        let word = text.split_whitespace().next().unwrap_or("");
        word.trim_end_matches(':').to_string()
    }
}

#[test]
fn json_files_behind_relative_refs_are_read_like_yaml_ones() {
    let (code, findings) = lint("json-refs/api.json");
    // The scheme, the path item and both parameters live in other JSON files: nothing is
    // "invalid", the scheme is found, and the Authorization header is seen where it is written.
    assert_eq!(
        summary(&findings),
        ["no-authorization-header parameters.json:3 /auth"],
        "{findings:#?}"
    );
    assert_eq!(code, Some(0));
}

#[test]
fn yaml_merge_keys_are_applied_so_a_merged_security_list_is_in_force() {
    let (code, findings) = lint("merge-keys.yaml");
    assert_eq!(summary(&findings), Vec::<String>::new());
    assert_eq!(code, Some(0));
    let table = Table::compile(&["merge-keys.yaml"]);
    assert_eq!(table.decide("pets.read", "POST", "/pets"), "deny");
    assert_eq!(table.decide("pets.write", "POST", "/pets"), "allow");
    assert_eq!(table.decide("pets.read", "GET", "/pets"), "allow");
}

#[test]
fn a_finding_in_a_merged_mapping_points_at_the_mapping_that_wrote_it() {
    let (_, findings) = lint("merge-keys-typo.yaml");
    let declared: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "scope-declared")
        .collect();
    assert_eq!(declared.len(), 1, "{findings:#?}");
    assert_eq!(
        declared[0]["line"],
        line_of("merge-keys-typo.yaml", "pets.writ]")
    );
    assert_eq!(declared[0]["operation"]["method"], "POST");
}

#[test]
fn swagger2_scopes_count_when_the_flow_is_missing() {
    let (_, findings) = lint("swagger2-scopes-without-flow.yaml");
    let name = "swagger2-scopes-without-flow.yaml";
    let line = |needle| line_of(name, needle);
    assert_eq!(
        summary(&findings),
        [
            format!(
                "oauth2-flow-valid {name}:{} /securityDefinitions/oauth",
                line("oauth:")
            ),
            format!(
                "oauth2-password-flow {name}:{} /securityDefinitions/oauth",
                line("oauth:")
            ),
            format!(
                "scope-name {name}:{} /securityDefinitions/oauth/scopes/Pets_Admin",
                line("Pets_Admin")
            ),
            format!(
                "scope-unused {name}:{} /securityDefinitions/oauth/scopes/Pets_Admin",
                line("Pets_Admin")
            ),
            format!(
                "scope-unused {name}:{} /securityDefinitions/oauth/scopes/pets.write",
                line("pets.write")
            ),
        ]
    );
    let flow = findings
        .iter()
        .find(|f| f["rule"] == "oauth2-flow-valid")
        .unwrap();
    assert!(flow["message"].as_str().unwrap().contains("needs `flow`"));
}

#[test]
fn openapi31_role_lists_are_not_judged_or_granted_as_scopes() {
    let (code, findings) = lint("roles.openapi31.yaml");
    assert_eq!(summary(&findings), Vec::<String>::new());
    assert_eq!(code, Some(0));
    // The role names do not become scopes a token must hold (nor scopes that grant access).
    let table = Table::compile(&["roles.openapi31.yaml"]);
    assert_eq!(table.decide("pets.read", "GET", "/pets"), "allow");
    assert_eq!(table.decide("Admin auditor", "GET", "/pets"), "deny");
}

#[test]
fn openapi30_non_oauth2_lists_must_be_empty() {
    let (code, findings) = lint("roles.openapi30.yaml");
    let name = "roles.openapi30.yaml";
    assert_eq!(
        summary(&findings),
        [format!(
            "scope-declared {name}:{} /paths/~1pets/get/security/0/bearer/0",
            line_of(name, "bearer: [Admin")
        )]
    );
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("its list must be empty"));
    assert_eq!(code, Some(1));
}

#[test]
fn openapi32_query_and_additional_operations_are_operations() {
    let name = "openapi32.yaml";
    let (code, findings) = lint(name);
    assert_eq!(
        summary(&findings),
        [
            format!(
                "operation-secured {name}:{} /paths/~1pets/query/security",
                line_of(name, "security: []")
            ),
            format!(
                "invalid-document {name}:{} /paths/~1pets/additionalOperations/Post",
                line_of(name, "Post:")
            ),
        ]
    );
    assert_eq!(findings[0]["operation"]["method"], "QUERY");
    assert!(findings[1]["message"]
        .as_str()
        .unwrap()
        .contains("own `post` field"));
    assert_eq!(code, Some(1));
}

#[test]
fn openapi32_operations_become_routes_in_yaml_and_json() {
    for name in ["openapi32-table.yaml", "openapi32-table.json"] {
        let (code, findings) = lint(name);
        assert_eq!(summary(&findings), Vec::<String>::new(), "{name}");
        assert_eq!(code, Some(0));
        let table = Table::compile(&[name]);
        assert_eq!(
            table.decide("pets.read", "QUERY", "/pets"),
            "allow",
            "{name}"
        );
        assert_eq!(table.decide("pets.read", "COPY", "/pets"), "deny", "{name}");
        assert_eq!(
            table.decide("pets.write", "COPY", "/pets"),
            "allow",
            "{name}"
        );
    }
}

#[test]
fn a_later_openapi_3x_is_read_as_32_with_an_info_finding() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("openapi32-table.yaml"))
        .unwrap()
        .replace("openapi: 3.2.0", "openapi: 3.3.0");
    let path = dir.path().join("later.yaml");
    std::fs::write(&path, text).unwrap();
    let out = scopegate(&["lint", "--format", "json", path.to_str().unwrap()]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "openapi-version-known");
    assert_eq!(findings[0]["severity"], "info");
    assert_eq!(findings[0]["pointer"], "/openapi");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn findings_point_at_the_method_key_and_the_misnamed_field_once_per_scope() {
    let name = "positions.yaml";
    let (_, findings) = lint(name);
    let of = |rule: &str| -> Vec<String> {
        summary(
            &findings
                .iter()
                .filter(|f| f["rule"] == rule)
                .cloned()
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        of("operation-secured"),
        [format!(
            "operation-secured {name}:{} /paths/~1pets/get",
            line_of(name, "    get:")
        )]
    );
    assert_eq!(
        of("oauth2-flow-valid"),
        [format!(
            "oauth2-flow-valid {name}:{} /components/securitySchemes/oauth/flows/password/authorizationUrl",
            line_of(name, "authorizationUrl:")
        )]
    );
    // Declared in two flows, judged once, where first declared.
    assert_eq!(
        of("scope-name"),
        [format!(
            "scope-name {name}:{} /components/securitySchemes/oauth/flows/password/scopes/Pets_Admin",
            line_of(name, "Pets_Admin")
        )]
    );
    for f in &findings {
        let message = f["message"].as_str().unwrap();
        assert!(
            !message.contains("`get ") && !message.contains("`post "),
            "{message}"
        );
    }
}

#[test]
fn remote_refs_on_the_security_path_are_errors_and_elsewhere_ignored() {
    let name = "remote-refs.yaml";
    let (code, findings) = lint(name);
    assert_eq!(
        summary(&findings),
        [
            format!(
                "invalid-document {name}:{} /components/securitySchemes/partner/$ref",
                line_of(name, "partner:")
            ),
            format!(
                "invalid-document {name}:{} /paths/~1pets/get/parameters/0/$ref",
                line_of(name, "parameters.yaml")
            ),
            format!(
                "invalid-document {name}:{} /paths/~1stores/$ref",
                line_of(name, "paths.yaml")
            ),
        ]
    );
    assert!(findings
        .iter()
        .all(|f| f["message"].as_str().unwrap().contains("is not fetched")));
    assert_eq!(code, Some(1));
}

/// A document's tree as JSON text, members in document order: mappings as objects, sequences
/// as arrays, numbers that JSON can write as numbers, every other scalar as the YAML reader
/// typed it.
fn tree_as_json(node: scopegate::load::NodeRef<'_>, out: &mut String) {
    use scopegate::load::Kind;
    let string = |s: &str| serde_json::to_string(s).unwrap();
    match node.kind() {
        Kind::Object => {
            out.push('{');
            for (i, e) in node.members().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&string(e.key));
                out.push(':');
                tree_as_json(e.value, out);
            }
            out.push('}');
        }
        Kind::Array => {
            out.push('[');
            for (i, item) in node.items().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                tree_as_json(item, out);
            }
            out.push(']');
        }
        Kind::Null | Kind::Bool => out.push_str(node.scalar_text().unwrap()),
        Kind::Number => {
            let text = node.scalar_text().unwrap();
            match serde_json::from_str::<serde_json::Number>(text) {
                Ok(_) => out.push_str(text),
                Err(_) => out.push_str(&string(text)),
            }
        }
        Kind::String => out.push_str(&string(node.as_str().unwrap())),
        Kind::Unbuilt => panic!("YAML is built whole"),
    }
}

/// `rule severity pointer message` of each finding, for files whose line numbers differ.
fn placeless(findings: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f["rule"], f["severity"], f["pointer"], f["message"]
            )
        })
        .collect();
    out.sort();
    out
}

/// JSON is read with the subtrees the security model never reads left unbuilt; YAML is read
/// whole. Every YAML fixture written as JSON beside it (so that its relative `$ref`s still
/// resolve) gives the same findings: a field the model reads but the JSON reader skips would
/// show up here as a missing or different finding.
#[test]
fn every_yaml_fixture_reads_the_same_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut compared = 0;
    let mut differ = Vec::new();
    for entry in walk(&root) {
        if entry.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let relative = entry.strip_prefix(&root).unwrap();
        let yaml = dir.path().join(relative);
        std::fs::create_dir_all(yaml.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &yaml).unwrap();
        let Ok(loaded) = scopegate::load::load(&entry) else {
            continue;
        };
        let json = yaml.with_extension("as.json");
        let mut text = String::new();
        tree_as_json(loaded.document.tree.root(), &mut text);
        std::fs::write(&json, text).unwrap();
        compared += 1;
    }
    // Copied first, so that every `$ref` between fixtures resolves in the copy.
    for entry in walk(&root) {
        let copy = dir.path().join(entry.strip_prefix(&root).unwrap());
        if !copy.exists() {
            std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &copy).unwrap();
        }
    }
    for json in walk(dir.path()) {
        let Some(name) = json.to_str().and_then(|p| p.strip_suffix(".as.json")) else {
            continue;
        };
        let yaml = format!("{name}.yaml");
        let findings = |path: &str| {
            let out = scopegate(&["lint", "--format", "json", path]);
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            placeless(report["findings"].as_array().unwrap())
        };
        let (from_yaml, from_json) = (findings(&yaml), findings(json.to_str().unwrap()));
        if from_yaml != from_json {
            differ.push(format!(
                "{yaml}:\n  yaml: {from_yaml:#?}\n  json: {from_json:#?}"
            ));
        }
        // The whole model too (base paths, parameters, security lists): what compile reads.
        let model = |path: &str| {
            let out = scopegate(&["inspect", path]);
            serde_json::from_slice::<Value>(&out.stdout)
                .ok()
                .map(placeless_model)
        };
        let (from_yaml, from_json) = (model(&yaml), model(json.to_str().unwrap()));
        if from_yaml != from_json {
            differ.push(format!(
                "{yaml} (inspect):\n  yaml: {from_yaml:#}\n  json: {from_json:#}",
                from_yaml = from_yaml.unwrap_or_default(),
                from_json = from_json.unwrap_or_default()
            ));
        }
    }
    assert!(compared > 50, "{compared} OpenAPI fixtures");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// A model without the file names and positions of its locations.
fn placeless_model(mut model: Value) -> Value {
    match &mut model {
        Value::Object(map) => {
            for key in ["file", "line", "column"] {
                map.remove(key);
            }
            for value in map.values_mut() {
                *value = placeless_model(value.take());
            }
        }
        Value::Array(items) => {
            for item in items {
                *item = placeless_model(item.take());
            }
        }
        _ => {}
    }
    model
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// A named pipe, which is what `scopegate lint <(cat spec.yaml)` is handed, cannot seek: it is
/// read to its end like any file (large files are read in two halves, and a read that falls
/// back must not rewind one that was never read).
#[cfg(unix)]
#[test]
fn a_pipe_is_read_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("spec.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let text = std::fs::read_to_string(fixture("positions.yaml")).unwrap();
    let writer = {
        let fifo = fifo.clone();
        // Not joined: were the pipe never opened for reading, the test still ends.
        std::thread::spawn(move || std::fs::write(fifo, text))
    };
    let out = scopegate(&["lint", "--format", "json", fifo.to_str().unwrap()]);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let from_pipe = placeless(json["findings"].as_array().unwrap());
    let (_, from_file) = lint("positions.yaml");
    assert_eq!(from_pipe, placeless(&from_file));
    drop(writer);
}

//! `inspect` output for each version and each security-list case, pinned with snapshots.

use std::path::Path;

use scopegate::load::{self, Workspace};
use scopegate::model::{self, Model, SecuritySource};

fn model_of(path: &str) -> Model {
    let loaded = load::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    let mut workspace = Workspace::new(&loaded.document);
    model::build(&loaded, &mut workspace)
}

fn snapshot(name: &str, path: &str) -> Model {
    let model = model_of(path);
    let json = serde_json::to_string_pretty(&model).unwrap();
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, json);
    });
    model
}

fn operation<'m>(model: &'m Model, method: &str, path: &str) -> &'m model::Operation {
    model
        .operations
        .iter()
        .find(|o| o.method == method && o.path == path)
        .unwrap_or_else(|| panic!("no {method} {path}"))
}

#[test]
fn swagger2_keeps_every_security_list_case_apart() {
    let m = snapshot("inspect-swagger2", "tests/fixtures/inspect/swagger2.yaml");
    assert_eq!(m.base_paths, ["/api/v1"]);
    let inherited = &operation(&m, "GET", "/orders").security;
    assert_eq!(inherited.source, SecuritySource::TopLevel);
    let empty = &operation(&m, "DELETE", "/orders/{id}").security;
    assert_eq!(empty.source, SecuritySource::Operation);
    assert!(empty.list.as_ref().unwrap().requirements.is_empty());
    let anonymous = &operation(&m, "GET", "/health").security;
    let requirements = &anonymous.list.as_ref().unwrap().requirements;
    assert_eq!(requirements.len(), 1);
    assert!(requirements[0].is_anonymous());
    // Swagger 2.0 pointers stay in 2.0's layout.
    let scheme = &m.security_schemes[0];
    assert_eq!(scheme.at.pointer.as_str(), "/securityDefinitions/oauth2");
    assert_eq!(
        scheme.flows[0].scopes[0].at.pointer.as_str(),
        "/securityDefinitions/oauth2/scopes/sales-order.read"
    );
    // The path item's $ref'd parameter is in force for its operations.
    let get = operation(&m, "GET", "/orders/{id}");
    assert_eq!(get.parameters[0].at.pointer.as_str(), "/parameters/orderId");
}

#[test]
fn openapi30_servers_at_every_level() {
    let m = snapshot("inspect-openapi30", "tests/fixtures/inspect/openapi30.yaml");
    assert_eq!(m.base_paths, ["/loyalty/v2", "/internal/loyalty"]);
    assert_eq!(
        operation(&m, "GET", "/customers/{customerId}/points").base_paths,
        ["/p"]
    );
    assert_eq!(
        operation(&m, "POST", "/customers/{customerId}/points").base_paths,
        ["/w"]
    );
    assert_eq!(operation(&m, "GET", "/status").base_paths, m.base_paths);
    assert_eq!(
        operation(&m, "GET", "/status").security.source,
        SecuritySource::Absent
    );
    // The operation's `trace` header replaces the path item's.
    let get = operation(&m, "GET", "/customers/{customerId}/points");
    let trace: Vec<_> = get
        .parameters
        .iter()
        .filter(|p| p.name == "trace")
        .collect();
    assert_eq!(trace.len(), 1);
    assert!(trace[0]
        .at
        .pointer
        .as_str()
        .starts_with("/paths/~1customers~1{customerId}~1points/get/"));
    // A scheme behind a $ref is read where the ref leads.
    let api_key = m
        .security_schemes
        .iter()
        .find(|s| s.name == "apiKey")
        .unwrap();
    assert_eq!(api_key.kind.as_deref(), Some("apiKey"));
    assert_eq!(api_key.at.pointer.as_str(), "/components/x-shared/apiKey");
}

#[test]
fn openapi31_json_with_webhooks_and_path_item_refs() {
    let m = snapshot("inspect-openapi31", "tests/fixtures/inspect/openapi31.json");
    assert_eq!(m.webhooks.len(), 1);
    assert!(m.operations.iter().all(|o| o.path != "storeCreated"));
    let tills = operation(&m, "GET", "/stores/{storeId}/tills");
    assert_eq!(tills.at.pointer.as_str(), "/components/pathItems/tills/get");
    // Operation findings point at the method key, not at the operation's `{`.
    assert_eq!(tills.at.span.start, {
        let text = std::fs::read_to_string("tests/fixtures/inspect/openapi31.json").unwrap();
        text.find("\"get\": {\"operationId\": \"listTills\"")
            .unwrap() as u32
    });
}

#[test]
fn multi_file_refs_point_into_the_file_they_lead_to() {
    let m = snapshot(
        "inspect-multi-file",
        "tests/fixtures/inspect/multi/root.yaml",
    );
    let list = operation(&m, "GET", "/orders");
    assert_eq!(
        list.at.file.display_path(),
        "tests/fixtures/inspect/multi/paths/orders.yaml"
    );
    assert_eq!(list.at.pointer.as_str(), "/get");
    assert_eq!(
        list.parameters[0].at.file.display_path(),
        "tests/fixtures/inspect/multi/components/parameters.yaml"
    );
    let get = operation(&m, "GET", "/orders/{id}");
    assert_eq!(get.at.pointer.as_str(), "/~1orders~1{id}/get");
    let scheme = &m.security_schemes[0];
    assert_eq!(
        scheme.at.file.display_path(),
        "tests/fixtures/inspect/multi/components/security.yaml"
    );
    // Remote, missing and cyclic references are problems, not crashes.
    let messages: Vec<&str> = m.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("remote reference"));
    assert!(messages[1].contains("paths/missing.yaml"));
    assert!(messages[2].contains("cycle"));
}

/// `scopegate inspect FILE | head` ends quietly when the reader goes away: no panic message.
/// GitHub's description gives megabytes of output, far more than a pipe holds.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let corpus = std::env::var_os("SCOPEGATE_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/scopegate-corpus")
        });
    let github = corpus.join("github/api.github.com.json");
    assert!(github.exists(), "no corpus: run ../shared/corpus/fetch.sh");
    let mut child = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .arg("inspect")
        .arg(&github)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

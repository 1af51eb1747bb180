//! `scopegate lint` end to end: the JSON contract, exit codes, configuration, suppression,
//! baselines, output formats, and byte-identical output whatever the thread count.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn scopegate(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CI")
        .output()
        .unwrap()
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn lint_json(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let out = scopegate(&all, repo());
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}

fn rules_of(json: &Value) -> Vec<(String, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_guideline_example_reports_the_missing_token_url() {
    let (code, json) = lint_json(&["tests/fixtures/lint/guideline-example.yaml"]);
    assert_eq!(code, Some(1));
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "oauth2-flow-valid")
        .expect("oauth2-flow-valid finding");
    // At the misnamed field, not at the scheme's first key.
    assert_eq!(
        finding["pointer"],
        "/securityDefinitions/oauth2/authorizationUrl"
    );
    assert_eq!(
        (&finding["line"], &finding["column"]),
        (&11.into(), &5.into())
    );
    assert!(finding["message"]
        .as_str()
        .unwrap()
        .contains("rename it to `tokenUrl`"));
}

#[test]
fn json_output_follows_the_contract() {
    let (_, json) = lint_json(&["tests/fixtures/lint/guideline-example.yaml"]);
    assert_eq!(json["tool"]["name"], "scopegate");
    assert_eq!(json["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        json["files"],
        serde_json::json!([{"path": "tests/fixtures/lint/guideline-example.yaml", "spec_version": "2.0", "operations": 1}])
    );
    for f in json["findings"].as_array().unwrap() {
        for key in [
            "rule", "severity", "message", "file", "pointer", "line", "column",
        ] {
            assert!(!f[key].is_null(), "{key} missing in {f}");
        }
    }
    let summary = &json["summary"];
    assert_eq!(summary["files"], 1);
    let errors = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(summary["errors"], errors);
}

#[test]
fn findings_carry_their_operation() {
    let (_, json) = lint_json(&["tests/fixtures/lint/suppressed.yaml"]);
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "operation-secured")
        .unwrap();
    assert_eq!(
        f["operation"],
        serde_json::json!({"method": "POST", "path": "/orders"})
    );
}

#[test]
fn x_scopegate_ignore_silences_at_and_below_its_node() {
    let (_, json) = lint_json(&["tests/fixtures/lint/suppressed.yaml"]);
    let found = rules_of(&json);
    // GET /orders: operation-secured ignored on the operation itself.
    assert!(
        !found.contains(&("operation-secured".into(), 20)),
        "{found:?}"
    );
    // POST /orders: the same problem without a directive is reported.
    assert!(
        found.contains(&("operation-secured".into(), 24)),
        "{found:?}"
    );
    // DELETE /orders/{id}: operation-scoped ignored on the path item; PUT is still checked by
    // other rules (scope-access-method).
    assert!(
        !found.iter().any(|(r, _)| r == "operation-scoped"),
        "{found:?}"
    );
    assert!(
        found.contains(&("scope-access-method".into(), 34)),
        "{found:?}"
    );
    // "*" on the scope silences every rule there (scope-description, scope-unused, ...).
    assert!(!found.iter().any(|(_, line)| *line == 13), "{found:?}");
}

#[test]
fn exit_codes_follow_fail_severity_and_max_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\ncomponents:\n  securitySchemes:\n    oauth2:\n      type: oauth2\n      flows:\n        password:\n          tokenUrl: https://id.example.com/token\n          scopes:\n            orders.read: Read\n            orders.write: ''\npaths:\n  /o:\n    get:\n      operationId: o\n      security: [{oauth2: [orders.read]}]\n      responses: {'200': {description: ok}}\n",
    )
    .unwrap();
    let code = |args: &[&str]| {
        scopegate(
            &[&["lint", "--format", "plain", "api.yaml"], args].concat(),
            dir.path(),
        )
        .status
        .code()
    };
    // Two warnings (scope-description, scope-unused), no error.
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--fail-severity", "warning"]), Some(1));
    assert_eq!(code(&["--max-warnings", "2"]), Some(0));
    assert_eq!(code(&["--max-warnings", "1"]), Some(1));
    assert_eq!(code(&["--fail-severity", "loud"]), Some(2));
    assert_eq!(
        scopegate(&["lint", "missing.yaml"], dir.path())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn configuration_is_found_upwards_and_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("api");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/lint/guideline-example.yaml"),
        sub.join("spec.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scopegate.yaml"),
        "rules:\n  oauth2-flow-valid: off\n  scope-standard-preferred: off\n  scope-unused: off\n",
    )
    .unwrap();
    let out = scopegate(&["lint", "--format", "json", "spec.yaml"], &sub);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["findings"].as_array().unwrap().is_empty(), "{json}");
    assert_eq!(out.status.code(), Some(0));

    std::fs::write(
        dir.path().join("scopegate.yaml"),
        "rules:\n  no-such-rule: off\n",
    )
    .unwrap();
    let out = scopegate(&["lint", "spec.yaml"], &sub);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("scopegate.yaml:2:3: unknown rule `no-such-rule`"),
        "{stderr}"
    );
}

#[test]
fn configuration_mistakes_reach_machine_formats_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/lint/guideline-example.yaml"),
        dir.path().join("spec.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scopegate.yaml"),
        "rules:\n  no-such-rule: off\n",
    )
    .unwrap();
    let out = scopegate(
        &[
            "lint",
            "--format",
            "sarif",
            "--sarif-file",
            "also.sarif",
            "spec.yaml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let written: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("also.sarif")).unwrap()).unwrap();
    assert_eq!(sarif, written);
    let run = &sarif["runs"][0];
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "invalid-config");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        run["tool"]["driver"]["rules"][index]["id"],
        "invalid-config"
    );
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "scopegate.yaml");
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 3);

    let out = scopegate(&["lint", "--format", "github", "spec.yaml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let annotations = String::from_utf8_lossy(&out.stdout);
    assert!(
        annotations.starts_with("::error file=scopegate.yaml,line=2,col=3"),
        "{annotations}"
    );
}

#[test]
fn every_sarif_result_names_its_own_rule_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.yaml"), "openapi: 3.0.3\ninfo: [\n").unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/lint/guideline-example.yaml"),
        dir.path().join("spec.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scopegate.yaml"),
        "rules:\n  oauth2-flow-valid: error\n",
    )
    .unwrap();
    let out = scopegate(&["lint", "--format", "sarif", "."], dir.path());
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "invalid-document"),
        "{sarif}"
    );
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], r["ruleId"]);
    }
}

#[test]
fn each_file_uses_the_configuration_nearest_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let spec =
        std::fs::read_to_string(repo().join("tests/fixtures/lint/guideline-example.yaml")).unwrap();
    for file in ["a.yaml", "team/b.yaml", "team/gen/c.yaml"] {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &spec).unwrap();
    }
    std::fs::write(
        root.join("scopegate.yaml"),
        "rules:\n  oauth2-flow-valid: off\n",
    )
    .unwrap();
    std::fs::write(
        root.join("team/scopegate.yaml"),
        "rules:\n  scope-standard-preferred: off\nignore: [\"gen/**\"]\n",
    )
    .unwrap();
    let out = scopegate(&["lint", "--format", "json", "."], root);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    seen.dedup();
    // a.yaml: the root configuration turns oauth2-flow-valid off. team/b.yaml: its own turns
    // scope-standard-preferred off (and nothing is inherited from the root one).
    // team/gen/c.yaml: excluded by the team configuration's glob.
    assert_eq!(
        seen,
        [
            ("a.yaml".to_string(), "scope-standard-preferred".to_string()),
            ("a.yaml".to_string(), "scope-unused".to_string()),
            ("team/b.yaml".to_string(), "oauth2-flow-valid".to_string()),
            ("team/b.yaml".to_string(), "scope-unused".to_string()),
        ]
    );
    // Named explicitly, the excluded file is not linted, and lint says so.
    let out = scopegate(&["lint", "team/gen/c.yaml"], root);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("team/gen/c.yaml: not linted: an `ignore` glob"),
        "{stderr}"
    );
    // `--config` applies one file to all.
    let out = scopegate(
        &[
            "lint",
            "--format",
            "json",
            "--config",
            "scopegate.yaml",
            "team/b.yaml",
        ],
        root,
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["scope-standard-preferred", "scope-unused", "scope-unused"]
    );
    // Mistakes in two configurations are reported in one run.
    std::fs::write(root.join("scopegate.yaml"), "rules:\n  uid-alone: loud\n").unwrap();
    std::fs::write(root.join("team/scopegate.yaml"), "ignroe: []\n").unwrap();
    let out = scopegate(&["lint", "."], root);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the severity of `uid-alone`"), "{stderr}");
    assert!(
        stderr.contains("unknown key `ignroe`") && stderr.contains("did you mean `ignore`?"),
        "{stderr}"
    );
}

/// Runs lint with extra environment and optional standard input.
fn scopegate_with(args: &[&str], cwd: &Path, env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut command = Command::new(env!("CARGO_BIN_EXE_scopegate"));
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn output_file_quiet_and_colour_follow_the_usual_conventions() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("tests/fixtures/lint/guideline-example.yaml");
    let spec = spec.to_str().unwrap();
    // -o writes the report to the file and nothing to stdout.
    let report = dir.path().join("report.json");
    let out = scopegate(
        &[
            "lint",
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
            spec,
        ],
        repo(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(!json["findings"].as_array().unwrap().is_empty());
    // --quiet: the findings and nothing else.
    let out = scopegate(&["lint", "--format", "plain", "--quiet", spec], repo());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    let out = scopegate(&["lint", "--format", "plain", spec], repo());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error(s)"));
    // Colour: off in a pipe, unless asked for; NO_COLOR wins over the force variables.
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["lint", "--format", "pretty"];
        all.extend_from_slice(args);
        all.push(spec);
        let out = scopegate_with(&all, repo(), env, None);
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}')
    };
    assert!(!coloured(&[], &[]));
    assert!(coloured(&["--color", "always"], &[]));
    assert!(coloured(&[], &[("FORCE_COLOR", "1")]));
    assert!(coloured(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!coloured(&[], &[("FORCE_COLOR", "0")]));
    assert!(!coloured(&[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]));
    assert!(!coloured(&["--color", "never"], &[("FORCE_COLOR", "1")]));
}

#[test]
fn stdin_takes_the_name_configuration_and_refs_of_stdin_filename() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api");
    std::fs::create_dir(&api).unwrap();
    std::fs::write(
        api.join("scopegate.yaml"),
        "rules:\n  no-authorization-header: error\n",
    )
    .unwrap();
    std::fs::write(
        api.join("params.yaml"),
        "auth: {name: Authorization, in: header, type: string}\n",
    )
    .unwrap();
    let spec = std::fs::read_to_string(
        repo().join("tests/fixtures/reading/swagger2-scopes-without-flow.yaml"),
    )
    .unwrap()
    .replace(
        "    get:\n",
        "    get:\n      parameters: [{$ref: 'params.yaml#/auth'}]\n",
    );
    let out = scopegate_with(
        &[
            "lint",
            "--format",
            "json",
            "--stdin-filename",
            "api/spec.yaml",
            "-",
        ],
        dir.path(),
        &[],
        Some(spec.as_bytes()),
    );
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let findings = json["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["file"] == "api/spec.yaml"),
        "{json:#}"
    );
    // The $ref was read next to the name, and the configuration there made its finding an error.
    let header = findings
        .iter()
        .find(|f| f["rule"] == "no-authorization-header")
        .expect("the Authorization parameter behind the $ref");
    assert_eq!(header["file"], "api/params.yaml");
    assert_eq!(header["severity"], "error");
}

#[test]
fn ignore_globs_and_non_openapi_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("vendor")).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/lint/guideline-example.yaml"),
        root.join("vendor/x.yaml"),
    )
    .unwrap();
    std::fs::write(root.join("docker-compose.yaml"), "services: {}\n").unwrap();
    std::fs::write(root.join("scopegate.yaml"), "ignore: [\"vendor/**\"]\n").unwrap();
    // The walk skips the ignored file and the non-OpenAPI file quietly.
    let out = scopegate(&["lint", "--format", "json", "."], root);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 0, "{json}");
    // Named explicitly, a non-OpenAPI file is an error unless skipped on request.
    let out = scopegate(&["lint", "--format", "plain", "docker-compose.yaml"], root);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("invalid-document: not an OpenAPI document")
    );
    let out = scopegate(&["lint", "--skip-non-openapi", "docker-compose.yaml"], root);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_baseline_silences_known_findings_only() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.yaml");
    let original =
        std::fs::read_to_string(repo().join("tests/fixtures/lint/guideline-example.yaml")).unwrap();
    std::fs::write(&spec, &original).unwrap();
    let out = scopegate(
        &["lint", "--write-baseline", "baseline.json", "spec.yaml"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = scopegate(
        &[
            "lint",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            "spec.yaml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["findings"].as_array().unwrap().is_empty());
    // A new problem, on lines that moved, is still reported; the old ones stay silent.
    let changed = original.replace(
        "security:\n  - oauth2: [sales-order.read]",
        "# moved\nsecurity:\n  - oauth2: [sales-order.read]\n  - {}",
    );
    std::fs::write(&spec, changed).unwrap();
    let out = scopegate(
        &[
            "lint",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            "spec.yaml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["operation-scoped"]);
}

#[test]
fn a_baseline_matches_however_the_files_are_named_and_wherever_lint_runs() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("api");
    std::fs::create_dir(&api).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/lint/guideline-example.yaml"),
        api.join("spec.yaml"),
    )
    .unwrap();
    let out = scopegate(
        &["lint", "--write-baseline", "baseline.json", "api/"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(written.contains("\"file\": \"api/spec.yaml\""), "{written}");
    let absolute = api.display().to_string();
    let baseline = dir.path().join("baseline.json").display().to_string();
    for (cwd, target, baseline) in [
        (dir.path(), "./api/", "baseline.json"),
        (dir.path(), "./api/spec.yaml", "./baseline.json"),
        (dir.path(), absolute.as_str(), "baseline.json"),
        (api.as_path(), ".", "../baseline.json"),
        (api.as_path(), "spec.yaml", baseline.as_str()),
    ] {
        let out = scopegate(
            &["lint", "--format", "json", "--baseline", baseline, target],
            cwd,
        );
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            json["findings"].as_array().unwrap().len(),
            0,
            "{target} from {}: {json:#}",
            cwd.display()
        );
        assert_eq!(out.status.code(), Some(0), "{target}");
    }
}

#[test]
fn output_is_byte_identical_whatever_the_thread_count() {
    for format in ["json", "plain", "sarif", "github", "junit", "markdown"] {
        let run = |threads: &str| {
            scopegate(
                &[
                    "lint",
                    "--format",
                    format,
                    "--threads",
                    threads,
                    "tests/fixtures",
                    "examples",
                ],
                repo(),
            )
            .stdout
        };
        let one = run("1");
        assert!(!one.is_empty());
        assert_eq!(one, run("2"), "{format}");
        assert_eq!(one, run("8"), "{format}");
    }
}

#[test]
fn github_annotations_are_workflow_commands() {
    let out = scopegate(
        &[
            "lint",
            "--format",
            "github",
            "tests/fixtures/lint/guideline-example.yaml",
        ],
        repo(),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("::error file=tests/fixtures/lint/guideline-example.yaml,line=11,col=5,title=scopegate oauth2-flow-valid::"),
        "{first}"
    );
    assert!(text.lines().all(|l| l.starts_with("::error ")
        || l.starts_with("::warning ")
        || l.starts_with("::notice ")));
}

#[test]
fn junit_has_one_failure_per_test_case_and_counts_that_add_up() {
    let out = scopegate(
        &[
            "lint",
            "--format",
            "junit",
            "tests/fixtures/reading/positions.yaml",
            "tests/fixtures/rules/scope-name/pass.openapi3.yaml",
        ],
        repo(),
    );
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.starts_with("<?xml"));
    // Four findings in one file, and one clean file.
    assert!(
        xml.contains(
            "<testsuites name=\"scopegate\" tests=\"5\" skipped=\"0\" failures=\"4\" errors=\"0\">"
        ),
        "{xml}"
    );
    let cases: Vec<&str> = xml.split("<testcase ").skip(1).collect();
    assert_eq!(cases.len(), 5);
    for case in &cases {
        let case = case.split("</testcase>").next().unwrap();
        assert!(case.matches("<failure ").count() <= 1, "{case}");
    }
    assert_eq!(xml.matches("<failure ").count(), 4);
    assert!(xml.contains("name=\"scope-name:11:42\""), "{xml}");
}

#[test]
fn an_ignore_naming_an_unknown_rule_silences_nothing_and_says_so() {
    let (code, json) = lint_json(&["tests/fixtures/lint/ignore-typo.yaml"]);
    assert_eq!(code, Some(1));
    let findings = json["findings"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["pointer"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "invalid-document",
                "/paths/~1orders/post/x-scopegate-ignore/0"
            ),
            (
                "invalid-document",
                "/paths/~1orders/post/x-scopegate-ignore/1"
            ),
            ("scope-access-method", "/paths/~1orders/post/security"),
        ]
    );
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `scope-access-method`?"));
}

/// From 1 MiB on, a file is read in halves and its line index built beside its parse: the same
/// findings, positions and silenced rules as when it is small.
/// A directive's key is read as JSON reads it: written with an escape, it silences as when
/// written plainly (documents are no longer searched for its text).
#[test]
fn an_ignore_key_written_with_an_escape_silences() {
    let dir = tempfile::tempdir().unwrap();
    let document = |key: &str| {
        format!(
            r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}},
"paths": {{"/orders": {{"get": {{"operationId": "listOrders", {key}
"security": [], "responses": {{"200": {{"description": "ok"}}}}}}}}}}}}"#
        )
    };
    let secured_findings = |name: &str, key: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, document(key)).unwrap();
        let (_, json) = lint_json(&[path.to_str().unwrap()]);
        rules_of(&json)
            .into_iter()
            .filter(|(rule, _)| rule == "operation-secured")
            .count()
    };
    assert_eq!(secured_findings("plain.json", ""), 1);
    let escaped = r#""x-scopegate-ign\u006fre": ["operation-secured"],"#;
    assert_eq!(secured_findings("escaped.json", escaped), 0);
}

#[test]
fn a_large_file_reads_and_suppresses_as_a_small_one() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/lint/ignore-typo.yaml")).unwrap();
    let padding = format!("# {}\n", "padding ".repeat(16)).repeat((1 << 20) / 130 + 1);
    let large = dir.path().join("large.yaml");
    std::fs::write(&large, format!("{text}{padding}")).unwrap();
    let small = dir.path().join("small.yaml");
    std::fs::write(&small, &text).unwrap();
    assert!(std::fs::metadata(&large).unwrap().len() > 1 << 20);
    let findings = |path: &Path| {
        let (code, json) = lint_json(&[path.to_str().unwrap()]);
        let mut findings = json["findings"].as_array().unwrap().clone();
        for f in &mut findings {
            f.as_object_mut().unwrap().remove("file");
        }
        (code, findings)
    };
    let (code, small) = findings(&small);
    assert_eq!((code, small.len()), (Some(1), 3), "{small:?}");
    assert_eq!(findings(&large), (code, small));
}

#[test]
fn sarif_results_carry_fingerprints_end_positions_and_base_relative_uris() {
    let dir = tempfile::tempdir().unwrap();
    let original =
        std::fs::read_to_string(repo().join("tests/fixtures/lint/guideline-example.yaml")).unwrap();
    let run = |text: &str| -> Value {
        std::fs::write(dir.path().join("spec.yaml"), text).unwrap();
        let out = scopegate(&["lint", "--format", "sarif", "./spec.yaml"], dir.path());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let sarif = run(&original);
    let result = &sarif["runs"][0]["results"][0];
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "spec.yaml");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let root = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let region = &location["region"];
    assert_eq!(region["startLine"], region["endLine"]);
    assert!(region["endColumn"].as_u64() > region["startColumn"].as_u64());
    let fingerprint = result["partialFingerprints"]["primaryLocationLineHash/v1"]
        .as_str()
        .unwrap()
        .to_string();
    // Lines added above the finding move it, but it is the same finding.
    let moved = run(&format!("# a new comment\n# and another\n{original}"));
    let moved = &moved["runs"][0]["results"][0];
    assert_eq!(
        moved["locations"][0]["physicalLocation"]["region"]["startLine"],
        region["startLine"].as_u64().unwrap() + 2
    );
    assert_eq!(
        moved["partialFingerprints"]["primaryLocationLineHash/v1"],
        fingerprint.as_str()
    );
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema_path = std::env::var_os("SCOPEGATE_SARIF_SCHEMA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/scopegate-sarif/sarif-2.1.0.json")
        });
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; .ci/run fetches it (npm package @microsoft/sarif-multitool-linux)",
                schema_path.display()
            )
        }))
        .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let out = scopegate(
        &["lint", "--format", "sarif", "tests/fixtures", "examples"],
        repo(),
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn rules_lists_and_documents() {
    let out = scopegate(&["rules"], repo());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 18);
    assert!(text.lines().next().unwrap().starts_with("oauth2-defined"));
    let out = scopegate(&["rules", "uid-alone"], repo());
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("# uid-alone\n"));
    assert_eq!(scopegate(&["rules", "nope"], repo()).status.code(), Some(2));
}

#[test]
fn summary_and_counts_files_are_appended_for_github() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let counts = dir.path().join("output");
    std::fs::write(&summary, "earlier step\n").unwrap();
    std::fs::write(&counts, "earlier=1\n").unwrap();
    let out = scopegate(
        &[
            "lint",
            "--format",
            "github",
            "--summary-file",
            summary.to_str().unwrap(),
            "--counts-file",
            counts.to_str().unwrap(),
            "tests/fixtures/rules",
        ],
        repo(),
    );
    assert_eq!(out.status.code(), Some(1));
    let summary = std::fs::read_to_string(&summary).unwrap();
    let counts = std::fs::read_to_string(&counts).unwrap();
    assert!(
        summary.starts_with("earlier step\n### scopegate: "),
        "{summary}"
    );
    assert!(counts.starts_with("earlier=1\nerrors="), "{counts}");

    // The counts agree with the JSON report of the same run.
    let (_, json) = lint_json(&["tests/fixtures/rules"]);
    let expected = format!(
        "earlier=1\nerrors={}\nwarnings={}\ninfos={}\nhints={}\nfiles={}\n",
        json["summary"]["errors"],
        json["summary"]["warnings"],
        json["summary"]["infos"],
        json["summary"]["hints"],
        json["summary"]["files"]
    );
    assert_eq!(counts, expected);
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("lint-summary-markdown", &summary["earlier step\n".len()..]);
    });
}

#[test]
fn a_clean_run_has_a_one_line_summary() {
    let out = scopegate(
        &[
            "lint",
            "--format",
            "markdown",
            "tests/fixtures/rules/operation-scoped/pass.openapi3.yaml",
        ],
        repo(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "### scopegate: no findings in 1 file\n\n"
    );
}

#[test]
fn the_configuration_schema_knows_every_rule_and_refuses_what_lint_refuses() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schemas/scopegate.schema.json")).unwrap(),
    )
    .unwrap();
    let ids: Vec<&str> = schema["properties"]["rules"]["propertyNames"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let known: Vec<&str> = scopegate::rules::ALL.iter().map(|r| r.id).collect();
    assert_eq!(ids, known, "regenerate schemas/scopegate.schema.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good = serde_json::json!({
        "rules": {"scope-unused": "off", "uid-alone": "warn", "scope-name": "error"},
        "application-id": "sales-order",
        "grammar": {"application-id": "[a-z]+", "resource-id": "[a-z_]+"},
        "ignore": ["vendor/**"],
    });
    assert!(validator.is_valid(&good));
    assert!(validator.is_valid(&Value::Null));
    for bad in [
        serde_json::json!({"severity": "high"}),
        serde_json::json!({"rules": {"scope-nmae": "off"}}),
        serde_json::json!({"rules": {"uid-alone": "loud"}}),
        serde_json::json!({"grammar": {"resource": "x"}}),
        serde_json::json!({"ignore": "vendor/**"}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}

#[test]
fn version_names_the_commit_and_the_build() {
    let out = scopegate(&["--version"], repo());
    assert!(out.status.success());
    let shown = String::from_utf8(out.stdout).unwrap();
    // The test binary is the default (full) build, from this checkout's HEAD.
    let head = Command::new("git")
        .args(["log", "-1", "--format=%h %cs", "--abbrev=9"])
        .current_dir(repo())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_owned())
        .unwrap_or_else(|| "unknown commit".to_owned());
    assert_eq!(
        shown,
        format!("scopegate {} ({head}, full)\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_man_page_and_suggestions_come_from_the_real_options() {
    let out = scopegate(&["completions", "bash"], repo());
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(
        script.contains("--stdin-filename"),
        "completions miss an option"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scopegate.bash"), &script).unwrap();
    let syntax = Command::new("bash")
        .args(["-n", "scopegate.bash"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(
        syntax.success(),
        "the bash completion script does not parse"
    );
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = scopegate(&["completions", shell], repo());
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
    let out = scopegate(&["man"], repo());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH scopegate 1"), "{page}");
    // Mistyped subcommands and options get a suggestion and exit 2.
    let out = scopegate(&["lnit"], repo());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'lint'"));
    let out = scopegate(&["lint", "--fromat", "json"], repo());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'--format'"));
}

/// Two documents that name one parameter of a shared file report its mistake once, and the
/// findings come in order of file and place whichever file's findings came first.
#[test]
fn a_shared_files_finding_is_reported_once_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("common.yaml"),
        "components:\n  parameters:\n    bad:\n      name: q\n",
    )
    .unwrap();
    for name in ["a", "b"] {
        let doc = format!(
            "openapi: 3.1.0\ninfo: {{title: {name}, version: '1'}}\npaths:\n  /{name}:\n    get:\n      \
             parameters:\n        - $ref: 'common.yaml#/components/parameters/bad'\n      \
             responses: {{'200': {{description: ok}}}}\n"
        );
        std::fs::write(root.join(format!("{name}.yaml")), doc).unwrap();
    }
    let out = scopegate(&["lint", "--format", "json", "--threads", "2", "."], root);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let places: Vec<(String, u64, u64)> = findings
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap().trim_start_matches("./");
            let at = |k: &str| f[k].as_u64().unwrap_or(0);
            (file.to_string(), at("line"), at("column"))
        })
        .collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted);
    let shared: Vec<_> = findings
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("common.yaml"))
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        shared,
        ["a parameter needs `name` and `in`"],
        "{findings:#?}"
    );
    let files: Vec<&str> = places.iter().map(|p| p.0.as_str()).collect();
    assert!(
        files.contains(&"a.yaml") && files.contains(&"b.yaml"),
        "{files:?}"
    );
}

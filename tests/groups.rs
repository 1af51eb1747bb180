//! Access groups end to end: every `scopegate groups` action and every refusal, each checking
//! the file before and after; evaluation through `check --client`; `compile --groups`; the
//! matrix; inference from a log with a known answer; and a property test that a client's
//! decisions through its group are the decisions for its group's scopes given directly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scopegate::groups;
use scopegate::runtime::groups::Status;
use scopegate::runtime::{template, Evaluator, Options, Principal, Table};
use serde_json::{json, Value};

const NOW: &str = "2026-11-23T10:00:00Z";
const ADMIN: &str = "admin@acme.example";

struct Brand {
    dir: tempfile::TempDir,
}

impl Brand {
    /// A copy of examples/retail (two layers, four APIs) plus examples/orders.yaml, whose
    /// application no group reaches.
    fn new() -> Brand {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(repo().join("examples/retail")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        std::fs::create_dir(dir.path().join("more")).unwrap();
        std::fs::copy(
            repo().join("examples/orders.yaml"),
            dir.path().join("more/orders.yaml"),
        )
        .unwrap();
        let brand = Brand { dir };
        let out = brand.run(&[
            "compile",
            "loyalty.yaml",
            "customers.yaml",
            "sales.yaml",
            "store-admin.yaml",
            "more/orders.yaml",
            "-o",
            "table.json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        brand
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_scopegate"))
            .args(args)
            .current_dir(self.dir.path())
            .env("SCOPEGATE_NOW", NOW)
            .env("SCOPEGATE_USER", ADMIN)
            .env_remove("SCOPEGATE_GROUPS")
            .output()
            .unwrap()
    }

    fn groups(&self, args: &[&str]) -> Output {
        let mut all = vec!["groups"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    fn text(&self) -> String {
        std::fs::read_to_string(self.path("groups.yaml")).unwrap()
    }

    fn write(&self, text: &str) {
        std::fs::write(self.path("groups.yaml"), text).unwrap();
    }

    /// Runs a groups action that must be refused: exit 1, the message, the file untouched.
    fn refused(&self, args: &[&str], message: &str) {
        let before = self.text();
        let out = self.groups(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("groups.yaml unchanged") || stderr(&out).contains("refused"));
        assert_eq!(self.text(), before, "{args:?} changed the file");
    }

    /// Runs a groups action that must succeed; returns its stderr.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.groups(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stderr(&out)
    }

    fn check(&self, client: &str, method: &str, path: &str) -> Value {
        let out = self.run(&[
            "check",
            "--table",
            "table.json",
            "--groups",
            "groups.yaml",
            "--client",
            client,
            "--format",
            "json",
            method,
            path,
        ]);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)))
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const WECHAT_BLOCK: &str = "  wechat:
    name: WeChat integration
    description: Orders and points from the WeChat mini program
    status: active
    created-at: 2026-11-23T10:00:00Z
    created-by: admin@acme.example
    updated-at: 2026-11-23T10:00:00Z
    updated-by: admin@acme.example
    permissions:
      data:
        points: read-write
        members: read
    scopes:
      - customer.read
";

fn create_wechat(b: &Brand) {
    b.ok(&[
        "create",
        "wechat",
        "--name",
        "WeChat integration",
        "--description",
        "Orders and points from the WeChat mini program",
        "--permission",
        "data:points=read-write",
        "--permission",
        "data:members=read",
        "--scope",
        "customer.read",
    ]);
}

#[test]
fn create_inserts_one_block_and_touches_nothing_else() {
    let b = Brand::new();
    let before = b.text();
    create_wechat(&b);
    let anchor = "        receipts: read\n";
    let expected = before.replacen(anchor, &format!("{anchor}{WECHAT_BLOCK}"), 1);
    assert_eq!(b.text(), expected);
    // The result reads back and validates against the schema.
    validate_groups_schema(&b.text());
}

#[test]
fn create_refusals() {
    let b = Brand::new();
    b.refused(
        &["create", "reporting", "--name", "R"],
        "group `reporting` exists already",
    );
    b.refused(
        &["create", "pos", "--name", "P"],
        "group `pos` exists already (built in)",
    );
    b.refused(&["create", "WeChat", "--name", "W"], "not a valid group id");
    b.refused(&["create", "x", "--name", " "], "a group needs a name");
    let out = b.groups(&[
        "create",
        "x",
        "--name",
        "X",
        "--permission",
        "data:points=everything",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`everything` is not a level"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn edit_changes_fields_and_stamps_updated() {
    let b = Brand::new();
    create_wechat(&b);
    let before = b.text();
    let out = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .args([
            "groups",
            "edit",
            "wechat",
            "--name",
            "WeChat mini program",
            "--permission",
            "data:members=read-write",
            "--remove-permission",
            "data:points",
            "--remove-scope",
            "customer.read",
            "--scope",
            "sales.receipts.read",
        ])
        .current_dir(b.dir.path())
        .env("SCOPEGATE_NOW", "2026-11-24T08:30:00Z")
        .env("SCOPEGATE_USER", "bob@acme.example")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = before.replace(
        WECHAT_BLOCK,
        "  wechat:
    name: WeChat mini program
    description: Orders and points from the WeChat mini program
    status: active
    created-at: 2026-11-23T10:00:00Z
    created-by: admin@acme.example
    updated-at: 2026-11-24T08:30:00Z
    updated-by: bob@acme.example
    permissions:
      data:
        members: read-write
    scopes:
      - sales.receipts.read
",
    );
    assert_eq!(b.text(), expected);
}

#[test]
fn built_in_groups_cannot_be_edited_deactivated_or_deleted() {
    let b = Brand::new();
    b.refused(
        &["edit", "pos", "--name", "Tills"],
        "group `pos` is built in",
    );
    b.refused(&["deactivate", "instore"], "group `instore` is built in");
    b.refused(&["delete", "admin"], "group `admin` is built in");
    b.refused(&["edit", "nope", "--name", "N"], "there is no group `nope`");
    b.refused(
        &["edit", "reporting", "--remove-scope", "x.read"],
        "does not list scope `x.read`",
    );
}

#[test]
fn a_brand_file_that_redefines_a_built_in_group_is_refused_on_load() {
    let b = Brand::new();
    b.write(&b.text().replace(
        "  reporting:\n",
        "  pos:\n    name: Our POS\n  reporting:\n",
    ));
    // Reading commands still work, and say what is wrong.
    let out = b.groups(&["list"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("warning: groups.yaml:9:3: group `pos` is built in"),
        "{}",
        stderr(&out)
    );
    let out = b.groups(&["validate", "--table", "table.json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("groups.yaml:9:3: error: group `pos` is built in (")
            && text.contains("platform-groups.yaml:11:3); a brand cannot redefine or edit it"),
        "{text}"
    );
    // And evaluation refuses the file rather than guess.
    let out = b.run(&[
        "check",
        "--table",
        "table.json",
        "--groups",
        "groups.yaml",
        "--client",
        "bm-till-1",
        "GET",
        "/customers/v1/customers",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn deactivation_rules() {
    let b = Brand::new();
    create_wechat(&b);
    b.ok(&[
        "assign",
        "wechat",
        "--store",
        "berlin-mitte",
        "--store",
        "hamburg-hbf",
    ]);
    b.refused(
        &["deactivate", "wechat"],
        "group `wechat` still has 2 store(s): `berlin-mitte`, `hamburg-hbf`; unassign them first",
    );
    b.refused(&["deactivate", "pos"], "built in");
    b.refused(
        &["activate", "wechat"],
        "group `wechat` is active already; nothing changed",
    );
    b.ok(&[
        "unassign",
        "--store",
        "berlin-mitte",
        "--store",
        "hamburg-hbf",
    ]);
    let before = b.text();
    let notes = b.ok(&["deactivate", "wechat"]);
    assert!(notes.contains("updated groups.yaml"));
    assert_eq!(b.text(), before.replace("    status: active\n    created-at: 2026-11-23T10:00:00Z\n    created-by: admin@acme.example\n    updated-at", "    status: inactive\n    created-at: 2026-11-23T10:00:00Z\n    created-by: admin@acme.example\n    updated-at"));
    b.refused(
        &["assign", "wechat", "--store", "berlin-mitte"],
        "group `wechat` is inactive; activate it first",
    );
    b.refused(&["default", "wechat"], "group `wechat` is inactive");
    b.ok(&["activate", "wechat"]);
    assert_eq!(b.text(), before);

    // The default group cannot be deactivated while it is the default.
    b.ok(&["default", "reporting"]);
    b.ok(&["unassign", "--client", "bi-export"]);
    b.refused(
        &["deactivate", "reporting"],
        "group `reporting` is the default group; set another default first",
    );
}

#[test]
fn deactivating_a_group_with_api_clients_warns_and_denies_them() {
    let b = Brand::new();
    let notes = b.ok(&["deactivate", "reporting"]);
    assert!(
        notes.contains(
            "1 API client(s) in `reporting` will be denied (inactive-group): `bi-export`"
        ),
        "{notes}"
    );
    let decision = b.check("bi-export", "GET", "/sales/v1/transactions");
    assert_eq!(decision["reason"], "inactive-group");
    assert_eq!(decision["group"], "reporting");
}

#[test]
fn assignment_and_unassignment() {
    let b = Brand::new();
    let before = b.text();
    let notes = b.ok(&["assign", "reporting", "--store", "hamburg-hbf"]);
    assert!(
        notes.contains("1 till(s) of `hamburg-hbf` now get `reporting`"),
        "{notes}"
    );
    assert_eq!(
        b.text(),
        before.replace(
            "    name: Hamburg Hbf\n    tills: [hh-till-1]\n",
            "    name: Hamburg Hbf\n    tills: [hh-till-1]\n    group: reporting\n"
        )
    );
    assert_eq!(
        b.check("hh-till-1", "GET", "/sales/v1/transactions")["reason"],
        "allow"
    );
    assert_eq!(
        b.check("hh-till-1", "POST", "/sales/v1/transactions")["reason"],
        "missing-scopes"
    );

    let notes = b.ok(&["unassign", "--store", "hamburg-hbf"]);
    assert!(
        notes.contains("the tills of `hamburg-hbf` now get the default group `pos`"),
        "{notes}"
    );
    assert_eq!(b.text(), before);
    assert_eq!(
        b.check("hh-till-1", "POST", "/sales/v1/transactions")["reason"],
        "allow"
    );

    // A new API client is added with its group; unassigning leaves it to the default.
    let notes = b.ok(&["assign", "reporting", "--client", "wechat-bridge"]);
    assert!(notes.contains("added API client `wechat-bridge`"));
    assert!(b.text().ends_with("  bi-export:\n    name: BI warehouse export\n    group: reporting\n  wechat-bridge:\n    group: reporting\n"), "{}", b.text());
    b.ok(&["unassign", "--client", "wechat-bridge"]);
    assert!(
        b.text()
            .ends_with("    group: reporting\n  wechat-bridge:\n"),
        "{}",
        b.text()
    );
    assert_eq!(
        b.check("wechat-bridge", "POST", "/sales/v1/transactions")["reason"],
        "allow"
    );

    b.refused(
        &["assign", "nope", "--store", "berlin-mitte"],
        "there is no group `nope`",
    );
    b.refused(
        &["assign", "pos", "--store", "paris"],
        "there is no store `paris`",
    );
    b.refused(
        &["assign", "reporting", "--client", "bm-till-1"],
        "`bm-till-1` is a till of store `berlin-mitte`; tills take their store's group",
    );
    b.refused(
        &["assign", "pos", "--store", "berlin-mitte"],
        "store `berlin-mitte` is in `pos` already",
    );
    b.refused(
        &["unassign", "--store", "hamburg-hbf"],
        "store `hamburg-hbf` has no group of its own",
    );
    b.refused(
        &["unassign", "--client", "ghost"],
        "there is no API client `ghost`",
    );
    // Several in one command are all or nothing.
    b.refused(
        &[
            "assign",
            "reporting",
            "--store",
            "hamburg-hbf",
            "--store",
            "paris",
        ],
        "there is no store `paris`",
    );
}

#[test]
fn default_group_and_deletion() {
    let b = Brand::new();
    b.refused(&["default", "pos"], "`pos` is the default group already");
    b.refused(&["default", "nope"], "there is no group `nope`");
    b.refused(
        &["delete", "reporting"],
        "group `reporting` is still assigned to 0 store(s) and 1 API client(s)",
    );
    create_wechat(&b);
    b.ok(&["default", "wechat"]);
    assert!(b.text().contains("\ndefault-group: wechat\n"));
    assert_eq!(
        b.check("hh-till-1", "GET", "/loyalty/v1/members/7/points")["reason"],
        "allow"
    );
    b.refused(
        &["delete", "wechat"],
        "group `wechat` is the default group and cannot be deleted",
    );
    b.ok(&["default", "pos"]);
    let with_wechat = b.text();
    b.ok(&["delete", "wechat"]);
    assert_eq!(b.text(), with_wechat.replace(WECHAT_BLOCK, ""));
    // Deleting takes the comment that describes the group with it.
    b.ok(&["unassign", "--client", "bi-export"]);
    b.ok(&["delete", "reporting"]);
    assert!(!b.text().contains("Nightly export"), "{}", b.text());
    assert!(b.text().contains("\ngroups:\n\nstores:\n"), "{}", b.text());
}

#[test]
fn list_search_and_show() {
    let b = Brand::new();
    let out = b.groups(&["list"]);
    let text = stdout(&out);
    assert!(
        text.contains("pos        POS        active    built-in     1+1        0  (default)"),
        "{text}"
    );
    assert!(
        text.contains("reporting  Reporting  active    custom         0        1"),
        "{text}"
    );
    b.ok(&["deactivate", "reporting"]);
    let inactive = stdout(&b.groups(&["list", "--status", "inactive"]));
    assert_eq!(inactive.lines().count(), 2, "{inactive}");
    assert!(inactive.contains("reporting"));
    let json: Value =
        serde_json::from_slice(&b.groups(&["list", "--format", "json"]).stdout).unwrap();
    assert_eq!(json[0]["id"], "pos");
    assert_eq!(json[0]["stores"], 1);
    assert_eq!(json[0]["stores_by_default"], 1);

    // Search prints what list prints, with its header, for the groups it finds.
    let found = stdout(&b.groups(&["search", "bi export"]));
    let mut lines = found.lines();
    assert!(lines.next().unwrap().starts_with("id "), "{found}");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("reporting  Reporting  inactive"),
        "{found}"
    );
    assert_eq!(lines.next(), None, "{found}");
    let json: Value =
        serde_json::from_slice(&b.groups(&["search", "BI", "--format", "json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["id"], "reporting");
    assert_eq!(
        b.groups(&["search", "nothing like this"]).status.code(),
        Some(1)
    );
    let show = stdout(&b.groups(&["show", "pos", "--table", "table.json"]));
    assert!(
        show.contains("stores:      berlin-mitte\n  by default: hamburg-hbf\n"),
        "{show}"
    );
    assert!(show.contains("routes:      14 of 23 allowed"), "{show}");
}

#[test]
fn validate_reports_grants_that_reach_nothing() {
    let b = Brand::new();
    let out = b.groups(&["validate", "--table", "table.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "groups.yaml:1:1: warning: application `sales-order` of the table is not listed under `applications` (data or config): only scopes listed by name reach it\n"
    );
    b.write(
        &(b.text()
            .replace("        receipts: read\n", "        receipts: read\n        pointz: read\n      config:\n        transactions: read\n")
            .replace("  berlin-mitte:\n    name: Berlin Mitte\n    group: pos\n", "  berlin-mitte:\n    name: Berlin Mitte\n    group: tills\n")
            + "  empty-one:\n    group: nothing\n"),
    );
    b.write(&b.text().replace(
        "groups:\n",
        "groups:\n  idle:\n    name: Idle\n    scopes: [loyalty.nope]\n",
    ));
    let out = b.groups(&["validate", "--table", "table.json"]);
    assert_eq!(out.status.code(), Some(1));
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("groups-validate", stdout(&out));
    });
}

#[test]
fn validate_speaks_the_lint_report_formats() {
    let b = Brand::new();
    b.write(&b.text().replace(
        "groups:\n",
        "groups:\n  idle:\n    name: Idle\n    scopes: [loyalty.nope]\n",
    ));
    let text = stdout(&b.groups(&["validate", "--table", "table.json"]));
    let github = b.groups(&["validate", "--table", "table.json", "--format", "github"]);
    assert_eq!(github.status.code(), Some(1));
    // One annotation per text line, at the same place.
    let github = stdout(&github);
    let annotations: Vec<&str> = github.lines().collect();
    assert_eq!(annotations.len(), text.lines().count(), "{text}");
    assert!(
        annotations
            .iter()
            .any(|a| a.starts_with("::error file=groups.yaml,line=")
                && a.contains("title=scopegate groups-table")
                && a.contains("scope `loyalty.nope` is not in the table")),
        "{annotations:?}"
    );
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&b.groups(&[
        "validate",
        "--table",
        "table.json",
        "--format",
        "sarif",
    ])))
    .unwrap();
    let run = &sarif["runs"][0];
    for r in run["results"].as_array().unwrap() {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], r["ruleId"]);
    }
    let json: serde_json::Value = serde_json::from_str(&stdout(&b.groups(&[
        "validate",
        "--table",
        "table.json",
        "--format",
        "json",
    ])))
    .unwrap();
    assert!(json
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "groups-table" && f["severity"] == "error"));
}

/// The table file's modification time, which the matrix shows, pinned for the snapshots.
fn pin_written(text: &str) -> String {
    let (head, rest) = text
        .split_once("written")
        .expect("the matrix says when the table was written");
    let end = rest.find('Z').expect("an RFC 3339 time") + 1;
    let (gap, _) = rest.split_at(rest.find(|c: char| c.is_ascii_digit()).unwrap());
    format!("{head}written{gap}(mtime){}", &rest[end..])
}

#[test]
fn matrix_text_and_html() {
    let b = Brand::new();
    // A custom group that grants nothing yet: a column of denials.
    b.ok(&["create", "wechat", "--name", "WeChat 微信"]);
    let out = b.groups(&["matrix", "--table", "table.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // Piped: no colour codes; allowed and denied differ in mark, not only in colour.
    assert!(!text.contains('\x1b'));
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("groups-matrix", pin_written(&text));
    });
    let coloured = stdout(&b.groups(&["matrix", "--table", "table.json", "--color", "always"]));
    assert!(coloured.contains("\x1b[32m✓\x1b[0m") && coloured.contains("\x1b[31m✗\x1b[0m"));
    b.ok(&["matrix", "--table", "table.json", "--html", "matrix.html"]);
    let html = std::fs::read_to_string(b.path("matrix.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Self-contained: nothing fetched from elsewhere.
    for outside in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(outside), "{outside}");
    }
    assert_eq!(html.matches("<tr class=\"route\">").count(), 23);
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("groups-matrix-html", pin_written(&html));
    });
}

#[test]
fn compile_embeds_resolved_groups_and_the_runtime_decides_from_the_table_alone() {
    let b = Brand::new();
    let out = b.run(&[
        "compile",
        "loyalty.yaml",
        "customers.yaml",
        "sales.yaml",
        "store-admin.yaml",
        "--groups",
        "groups.yaml",
        "-o",
        "with-groups.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(b.path("with-groups.json")).unwrap();
    validate_table_schema(&text);
    let table = Table::from_json(&text).unwrap();
    let groups = table.access_groups.as_ref().unwrap();
    assert_eq!(groups.default_group.as_deref(), Some("pos"));
    let hh = groups.client("hh-till-1").unwrap();
    assert_eq!(
        (hh.group.as_deref(), hh.store.as_deref()),
        (Some("pos"), Some("hamburg-hbf"))
    );
    assert_eq!(
        groups.group("instore").unwrap().scopes,
        [
            "customer.read",
            "loyalty.members.read",
            "loyalty.points.read"
        ]
    );
    let e = Evaluator::new(table, Options::default());
    let till = e.client_grant("mk-kiosk-1");
    assert!(e
        .evaluate(till, "GET", "/loyalty/v1/members/1/points")
        .is_allow());
    assert_eq!(
        e.evaluate(till, "POST", "/loyalty/v1/members/1/points/issue")
            .reason(),
        "missing-scopes"
    );
    assert_eq!(
        e.evaluate(e.client_grant("ghost"), "GET", "/customers/v1/customers")
            .reason(),
        "unknown-client"
    );
    // A path trick is still a path trick for a client.
    assert_eq!(
        e.evaluate(till, "GET", "/loyalty/v1/members/1/%2e%2e/points")
            .reason(),
        "invalid-path"
    );

    // Broken groups: not compiled, with the place.
    b.write(&b.text().replace("group: instore", "group: instor"));
    let out = b.run(&[
        "compile",
        "loyalty.yaml",
        "--groups",
        "groups.yaml",
        "-o",
        "x.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("groups.yaml:32:12: store `munich-kiosk` is assigned to group `instor`, which does not exist"), "{}", stderr(&out));
}

#[test]
fn check_explains_the_client_and_its_group() {
    let b = Brand::new();
    let out = b.run(&[
        "check",
        "--table",
        "table.json",
        "--groups",
        "groups.yaml",
        "--client",
        "hh-till-1",
        "POST",
        "/store-admin/v1/stores",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("client hh-till-1: group pos (the default group)\ndeny (missing-scopes): POST /stores (createStore) requires store-admin.stores.write; granted: customer.read"), "{text}");
    let json = b.check("bm-till-2", "POST", "/customers/v1/customers");
    assert_eq!(json["decision"], "allow");
    assert_eq!(json["client"]["via"], "store");
    assert_eq!(json["client"]["store"], "berlin-mitte");
    assert_eq!(
        b.check("nobody", "GET", "/customers/v1/customers")["reason"],
        "unknown-client"
    );
    // Without a default group, a store without a group has nothing.
    b.write(&b.text().replace("default-group: pos\n", ""));
    assert_eq!(
        b.check("hh-till-1", "GET", "/customers/v1/customers")["reason"],
        "no-group"
    );
    // --client without groups is a usage error.
    let out = b.run(&[
        "check",
        "--table",
        "table.json",
        "--client",
        "hh-till-1",
        "GET",
        "/customers/v1/customers",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn infer_proposes_the_smallest_covering_group() {
    let b = Brand::new();
    let log = "\
10.0.0.1 - bm-till-1 [23/Nov/2026:10:00:00 +0000] \"POST /sales/v1/transactions HTTP/1.1\" 201 10 \"-\" \"till/3\"
10.0.0.1 - bm-till-1 [23/Nov/2026:10:00:01 +0000] \"POST /loyalty/v1/members/77/points/redeem HTTP/1.1\" 200 10 \"-\" \"till/3\"
10.0.0.1 - bm-till-1 [23/Nov/2026:10:00:02 +0000] \"GET /store-admin/v1/stores HTTP/1.1\" 403 10 \"-\" \"till/3\"
10.0.0.2 - mk-kiosk-1 [23/Nov/2026:10:00:03 +0000] \"GET /loyalty/v1/members/77/points?page=2 HTTP/1.1\" 200 10 \"-\" \"kiosk\"
10.0.0.2 - mk-kiosk-1 [23/Nov/2026:10:00:04 +0000] \"GET /customers/v1/customers/9 HTTP/1.1\" 200 10 \"-\" \"kiosk\"
10.0.0.3 - - [23/Nov/2026:10:00:05 +0000] \"GET /customers/v1/customers HTTP/1.1\" 401 10 \"-\" \"curl\"
{\"method\": \"GET\", \"path\": \"/sales/v1/receipts/12\", \"client\": \"bi-export\", \"status\": 200}
{\"method\": \"GET\", \"path\": \"/sales/v1/transactions\", \"client\": \"bi-export\", \"status\": 200}
{\"method\": \"GET\", \"path\": \"/store-admin/v1/stores\", \"client\": \"ops-portal\", \"status\": 200}
{\"method\": \"GET\", \"path\": \"/sales/v1/transactions/5\", \"client\": \"ops-portal\", \"status\": 200}
{\"method\": \"GET\", \"path\": \"/orders-api/v1/orders\", \"client\": \"legacy-erp\", \"status\": 200}
{\"method\": \"GET\", \"path\": \"/orders-api/v1/orders/3/invoice\", \"client\": \"legacy-erp\", \"status\": 200}
{\"method\": \"GET\", \"path\": \"/legacy/export.csv\", \"client\": \"legacy-erp\", \"status\": 200}
not a log line
";
    std::fs::write(b.path("access.log"), log).unwrap();
    let out = b.groups(&[
        "infer",
        "--table",
        "table.json",
        "--log",
        "access.log",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let proposal = |client: &str| {
        report["clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["client"] == client)
            .unwrap_or_else(|| panic!("{client}"))
            .clone()
    };
    // Tills at the counter: POS (the 403 is not evidence of need).
    assert_eq!(proposal("bm-till-1")["group"], "pos");
    assert_eq!(proposal("bm-till-1")["failed_calls"], 1);
    // Reads only: Instore, smaller than POS.
    assert_eq!(proposal("mk-kiosk-1")["group"], "instore");
    assert_eq!(proposal("bi-export")["group"], "reporting");
    // Store administration: only Admin covers it.
    assert_eq!(proposal("ops-portal")["group"], "admin");
    // Orders: no group reaches sales-order; a new group with exactly what it used.
    let erp = proposal("legacy-erp");
    assert_eq!(erp["group"], Value::Null);
    assert_eq!(
        erp["new_group_scopes"],
        serde_json::json!(["sales-order.read"])
    );
    assert_eq!(erp["unmatched_calls"], 1);
    assert_eq!(
        report["unmatched"],
        serde_json::json!([["GET", "/legacy/export.csv", 1]])
    );
    assert_eq!(report["anonymous_calls"], 1);
    assert_eq!(report["unreadable_lines"][0][0], 14);

    let text = stdout(&b.groups(&["infer", "--table", "table.json", "--log", "access.log"]));
    assert!(text.contains("legacy-erp: 3 call(s), 2 route(s)\n  no existing group covers it; a new custom group needs: sales-order.read\n    scopegate groups create legacy-erp-access --name \"legacy-erp access\" --scope sales-order.read\n    GET /orders-api/v1/orders (1)\n"), "{text}");
}

/// A small deterministic generator, so that a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn deciding_through_a_group_equals_deciding_with_its_scopes() {
    let b = Brand::new();
    let table = Table::from_json(&std::fs::read_to_string(b.path("table.json")).unwrap()).unwrap();
    let resources = [
        "customer",
        "transactions",
        "receipts",
        "points",
        "members",
        "stores",
        "tills",
        "sales-order",
        "nothing",
    ];
    let levels = ["none", "read", "write", "read-write"];
    let named = [
        "customer.read",
        "sales-order.write",
        "loyalty.points.write",
        "unknown.read",
    ];
    let methods = ["GET", "POST", "DELETE", "HEAD", "PUT"];
    let mut decisions = 0;
    for seed in 1..=200u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        // A random brand file: groups with random permissions, scopes and status, stores and
        // clients assigned at random, maybe a default.
        let mut text = String::from("version: 1\nplatform: platform-groups.yaml\n");
        let groups = 1 + rng.below(4);
        if rng.below(2) == 0 {
            text += &format!("default-group: g{}\n", rng.below(groups));
        }
        text += "groups:\n";
        for g in 0..groups {
            text += &format!(
                "  g{g}:\n    name: G{g}\n    status: {}\n    permissions:\n",
                if rng.below(5) == 0 {
                    "inactive"
                } else {
                    "active"
                }
            );
            for kind in ["data", "config"] {
                text += &format!("      {kind}:\n");
                let mut used = Vec::new();
                for _ in 0..rng.below(4) {
                    let resource = resources[rng.below(resources.len())];
                    if !used.contains(&resource) {
                        used.push(resource);
                        text += &format!("        {resource}: {}\n", levels[rng.below(4)]);
                    }
                }
            }
            if rng.below(2) == 0 {
                text += &format!("    scopes: [{}]\n", named[rng.below(named.len())]);
            }
        }
        text += "stores:\n";
        for s in 0..3 {
            text += &format!("  s{s}:\n    tills: [t{s}a, t{s}b]\n");
            if rng.below(3) > 0 {
                text += &format!(
                    "    group: {}\n",
                    ["g0", "pos", "instore", "admin"][rng.below(4)]
                        .replace("g0", &format!("g{}", rng.below(groups)))
                );
            }
        }
        text += "clients:\n  c0:\n    group: admin\n  c1:\n";
        std::fs::write(b.path("random.yaml"), &text).unwrap();
        let file = groups::load(&b.path("random.yaml"))
            .unwrap_or_else(|p| panic!("seed {seed}: {p:?}\n{text}"));
        let mut with_groups = table.clone();
        with_groups.access_groups = Some(
            groups::resolve::resolve(&file, &table)
                .unwrap_or_else(|p| panic!("seed {seed}: {p:?}")),
        );
        let access = with_groups.access_groups.clone().unwrap();
        let through_groups = Evaluator::new(with_groups, Options::default());
        let direct = Evaluator::new(table.clone(), Options::default());
        for client in ["t0a", "t1b", "t2a", "c0", "c1", "stranger"] {
            let grant = through_groups.client_grant(client);
            let entry = access.client(client);
            let group = entry
                .and_then(|c| c.group.as_deref())
                .and_then(|g| access.group(g));
            for route in &table.routes {
                let base = route.base_paths(&table)[0].clone();
                let path = format!("{base}{}", template::instantiate(&route.path, "x1"));
                let method = if rng.below(4) == 0 {
                    methods[rng.below(methods.len())]
                } else {
                    route.method.as_str()
                };
                let decision = through_groups.evaluate(grant, method, &path);
                let expected = match (entry, group) {
                    (None, _) => "unknown-client".to_string(),
                    (Some(_), None) => "no-group".to_string(),
                    (Some(_), Some(g)) if g.status == Status::Inactive => {
                        "inactive-group".to_string()
                    }
                    (Some(_), Some(g)) => {
                        let scopes =
                            direct.grant(&Principal::with_scopes(g.scopes.iter().cloned()));
                        direct.evaluate(&scopes, method, &path).reason().to_string()
                    }
                };
                assert_eq!(
                    decision.reason(),
                    expected,
                    "seed {seed}, {client} {method} {path}\n{text}"
                );
                decisions += 1;
            }
        }
    }
    assert!(decisions > 20_000, "{decisions}");
}

fn validate_table_schema(table: &str) {
    validate_against(
        "schemas/permission-table.v1.schema.json",
        serde_json::from_str(table).unwrap(),
    );
}

fn validate_groups_schema(yaml: &str) {
    // The groups file is YAML; its JSON form is what the schema describes.
    let source = scopegate::load::SourceFile::new(Path::new("g.yaml"), yaml.to_string());
    let document = scopegate::load::parse(&source, None).unwrap();
    validate_against(
        "schemas/groups.v1.schema.json",
        to_json(document.tree.root()),
    );
}

fn to_json(node: scopegate::load::NodeRef<'_>) -> Value {
    use scopegate::load::Kind;
    match node.kind() {
        Kind::Object => Value::Object(
            node.members()
                .map(|e| (e.key.to_string(), to_json(e.value)))
                .collect(),
        ),
        Kind::Array => Value::Array(node.items().map(to_json).collect()),
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(node.as_bool().unwrap()),
        Kind::Number => serde_json::from_str(node.scalar_text().unwrap()).unwrap(),
        _ => Value::String(node.as_str().unwrap().to_string()),
    }
}

fn validate_against(schema: &str, instance: Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join(schema)).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_example_files_follow_their_schema() {
    for name in ["groups.yaml", "platform-groups.yaml"] {
        validate_groups_schema(
            &std::fs::read_to_string(repo().join("examples/retail").join(name)).unwrap(),
        );
    }
}

/// The routes of the brand's table, as `METHOD /base/path` with parameters filled in, that
/// `check` (the runtime) allows `client` to call with the groups file as it is now.
fn allowed_by_runtime(brand: &Brand, client: &str) -> Vec<String> {
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(brand.path("table.json")).unwrap()).unwrap();
    let mut allowed = Vec::new();
    for route in table["routes"].as_array().unwrap() {
        let source = &table["sources"][route["source"].as_u64().unwrap() as usize];
        let base = route["base_paths"]
            .get(0)
            .or_else(|| source["base_paths"].get(0))
            .and_then(Value::as_str)
            .unwrap_or("");
        let template = format!("{base}{}", route["path"].as_str().unwrap());
        let concrete: String = template
            .split('/')
            .map(|s| if s.starts_with('{') { "x1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let method = route["method"].as_str().unwrap();
        if brand.check(client, method, &concrete)["decision"] == "allow" {
            allowed.push(format!("{method} {template}"));
        }
    }
    allowed
}

#[test]
fn a_change_that_takes_rights_from_tills_shows_them_and_needs_yes() {
    let brand = Brand::new();
    let before = allowed_by_runtime(&brand, "bm-till-1");
    assert!(before.contains(&"POST /sales/v1/transactions".to_string()));
    let assign = [
        "assign",
        "reporting",
        "--store",
        "berlin-mitte",
        "--table",
        "table.json",
    ];
    // --dry-run: what moves, and nothing written.
    let original = brand.text();
    let mut dry = assign.to_vec();
    dry.push("--dry-run");
    let out = brand.groups(&dry);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("store berlin-mitte (2 till(s)): gains 0 route(s), loses"),
        "{shown}"
    );
    assert!(
        shown.contains("    - POST /sales/v1/transactions\n"),
        "{shown}"
    );
    assert!(stderr(&out).contains("dry run"));
    assert_eq!(brand.text(), original);
    // Not on a terminal, without --yes: refused, the file untouched.
    brand.refused(&assign, "pass --yes to write it");
    // With --yes: written, and the runtime agrees with every route the preview listed.
    let mut yes = assign.to_vec();
    yes.push("--yes");
    let out = brand.groups(&yes);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(brand.text(), original);
    let after = allowed_by_runtime(&brand, "bm-till-1");
    let lost: Vec<String> = before
        .iter()
        .filter(|r| !after.contains(r))
        .map(|r| format!("    - {r}"))
        .collect();
    let gained: Vec<String> = after
        .iter()
        .filter(|r| !before.contains(r))
        .map(|r| format!("    + {r}"))
        .collect();
    let listed: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with("    - ") || l.starts_with("    + "))
        .map(str::to_string)
        .collect();
    let mut expected = gained;
    expected.extend(lost);
    let (mut listed_sorted, mut expected_sorted) = (listed.clone(), expected.clone());
    listed_sorted.sort();
    expected_sorted.sort();
    assert_eq!(listed_sorted, expected_sorted);
    assert!(!listed.is_empty());
    // A change that only gives: no question asked.
    let out = brand.groups(&[
        "assign",
        "pos",
        "--store",
        "berlin-mitte",
        "--table",
        "table.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("gains"), "{}", stdout(&out));
}

#[test]
fn deactivate_default_and_unassign_show_what_they_move() {
    let brand = Brand::new();
    let out = brand.groups(&["default", "instore", "--table", "table.json", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // hamburg-hbf has no group of its own: the default decides for its till.
    assert!(
        stdout(&out).contains("store hamburg-hbf (1 till(s)): gains 0 route(s), loses"),
        "{}",
        stdout(&out)
    );
    let out = brand.groups(&[
        "unassign",
        "--store",
        "munich-kiosk",
        "--table",
        "table.json",
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("store munich-kiosk (1 till(s)): gains"),
        "{}",
        stdout(&out)
    );
    // The reporting group holds only an API client: deactivating it takes routes from no till,
    // so it needs no --yes, and the client's loss is shown.
    let out = brand.groups(&["deactivate", "reporting", "--table", "table.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("API client"), "{}", stdout(&out));
}

#[test]
fn create_and_edit_with_a_table_refuse_typos_with_a_suggestion() {
    let brand = Brand::new();
    brand.refused(
        &[
            "create",
            "wechat",
            "--name",
            "WeChat",
            "--permission",
            "data:pointz=read",
            "--scope",
            "customer.raed",
            "--table",
            "table.json",
        ],
        "no scope of the table is on resource `pointz`; did you mean `points`?",
    );
    brand.refused(
        &[
            "edit",
            "reporting",
            "--scope",
            "customer.raed",
            "--table",
            "table.json",
        ],
        "scope `customer.raed` is not in the table; did you mean `customer.read`?",
    );
    // The same change without a table is written, as before (validate finds it later).
    brand.ok(&["edit", "reporting", "--scope", "customer.raed"]);
}

#[test]
fn wide_group_names_keep_the_list_aligned() {
    let brand = Brand::new();
    brand.ok(&[
        "create",
        "wechat",
        "--name",
        "微信集成",
        "--permission",
        "data:points=read",
    ]);
    let out = stdout(&brand.groups(&["list"]));
    // Every row's `status` cell starts at the header's column, counted in display width.
    let column = |line: &str, word: &str| -> usize {
        let at = line
            .find(word)
            .unwrap_or_else(|| panic!("{word} in {line}"));
        line[..at]
            .chars()
            .map(|c| {
                if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum()
    };
    let mut lines = out.lines();
    let header = column(lines.next().unwrap(), "status");
    for line in out.lines().skip(1).filter(|l| l.contains("active")) {
        assert_eq!(column(line, "active"), header, "{out}");
    }
    assert!(out.contains("微信集成"), "{out}");
}

#[test]
fn diff_shows_what_a_change_moves_between_files_or_git_revisions() {
    let brand = Brand::new();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
            .args(args)
            .current_dir(brand.dir.path())
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {}", stderr(&status));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "groups as they were"]);
    brand.ok(&["assign", "reporting", "--store", "berlin-mitte", "--yes"]);
    // Against the committed revision: berlin-mitte's tills lose, nobody gains.
    let out = brand.groups(&[
        "diff",
        "HEAD:groups.yaml",
        "--table",
        "table.json",
        "--format",
        "json",
        "--fail-on-gain",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json:#}");
    assert_eq!(json[0]["kind"], "store");
    assert_eq!(json[0]["id"], "berlin-mitte");
    assert_eq!(json[0]["tills"], 2);
    assert!(json[0]["loses"]
        .as_array()
        .unwrap()
        .contains(&Value::from("POST /sales/v1/transactions")));
    // The other way round the same store gains: --fail-on-gain exits 1.
    std::fs::copy(brand.path("groups.yaml"), brand.path("after.yaml")).unwrap();
    git(&["checkout", "-q", "groups.yaml"]);
    let out = brand.groups(&[
        "diff",
        "after.yaml",
        "groups.yaml",
        "--table",
        "table.json",
        "--format",
        "markdown",
        "--fail-on-gain",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let markdown = stdout(&out);
    assert!(
        markdown.contains("| store `berlin-mitte` (2 till(s)) | 10 | 0 |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- gains `POST /sales/v1/transactions`"),
        "{markdown}"
    );
    // A revision that does not exist is an error that says so.
    let out = brand.groups(&["diff", "nope:groups.yaml", "--table", "table.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nope:groups.yaml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn diff_names_a_store_once_when_its_tills_changed_too_and_the_new_till_apart() {
    let brand = Brand::new();
    std::fs::copy(brand.path("groups.yaml"), brand.path("before.yaml")).unwrap();
    let text = brand.text();
    assert!(text.contains("tills: [bm-till-1, bm-till-2]"));
    brand.write(&text.replace(
        "tills: [bm-till-1, bm-till-2]",
        "tills: [bm-till-1, bm-till-2, bm-till-3]",
    ));
    brand.ok(&["assign", "reporting", "--store", "berlin-mitte", "--yes"]);
    let out = brand.groups(&[
        "diff",
        "before.yaml",
        "--table",
        "table.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2, "{json:#}");
    assert_eq!(json[0]["id"], "berlin-mitte");
    assert_eq!(json[0]["kind"], "store");
    assert_eq!(json[0]["presence"], "kept");
    assert_eq!(json[0]["tills"], 3);
    assert!(json[0]["gains"].as_array().unwrap().is_empty());
    // The new till had nothing before: it gains what its store's new group grants.
    assert_eq!(json[1]["id"], "bm-till-3");
    assert_eq!(json[1]["kind"], "till");
    assert_eq!(json[1]["presence"], "added");
    assert_eq!(json[1]["store"], "berlin-mitte");
    assert_eq!(
        json[1]["gains"],
        json!(allowed_by_runtime(&brand, "bm-till-3"))
    );
    assert!(json[1]["loses"].as_array().unwrap().is_empty());
}

fn run_with_stdin(brand: &Brand, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scopegate"))
        .arg("groups")
        .args(args)
        .current_dir(brand.dir.path())
        .env("SCOPEGATE_NOW", NOW)
        .env("SCOPEGATE_USER", ADMIN)
        .env_remove("SCOPEGATE_GROUPS")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses before reading closes its stdin: not an error here.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

const STAMPS: &str = "    created-at: 2026-11-23T10:00:00Z
    created-by: admin@acme.example
    updated-at: 2026-11-23T10:00:00Z
    updated-by: admin@acme.example
";

#[test]
fn stores_are_added_renamed_and_removed_by_command() {
    let b = Brand::new();
    let before = b.text();
    let notes = b.ok(&[
        "store",
        "add",
        "paris-opera",
        "--name",
        "Paris Opéra",
        "--group",
        "instore",
        "--till",
        "po-1",
        "--till",
        "po-2",
    ]);
    assert!(
        notes.contains("added store `paris-opera` with 2 till(s) (group `instore`)"),
        "{notes}"
    );
    // One block after the last store, in the file's style (tills in flow style), stamped.
    let block = format!(
        "  paris-opera:\n    name: Paris Opéra\n    group: instore\n    tills: [po-1, po-2]\n{STAMPS}"
    );
    assert_eq!(
        b.text(),
        before.replace(
            "    tills: [mk-kiosk-1]\n",
            &format!("    tills: [mk-kiosk-1]\n{block}")
        )
    );
    assert_eq!(
        b.check("po-1", "GET", "/customers/v1/customers")["reason"],
        "allow"
    );

    b.refused(
        &["store", "add", "paris-opera"],
        "store `paris-opera` exists already",
    );
    b.refused(
        &["store", "add", "Paris"],
        "`Paris` is not a valid store id",
    );
    b.refused(
        &["store", "add", "lyon", "--till", "bm-till-1"],
        "till `bm-till-1` exists already, in store `berlin-mitte`",
    );
    b.refused(
        &["store", "add", "lyon", "--till", "bi-export"],
        "`bi-export` is an API client",
    );
    b.refused(
        &["store", "add", "lyon", "--till", "l:1"],
        "is not a valid till id",
    );
    b.refused(
        &["store", "add", "lyon", "--group", "nope"],
        "there is no group `nope`",
    );

    // Rename: the key in place (the block keeps its place), the name, and a new stamp.
    let text = b.text();
    b.ok(&[
        "store",
        "rename",
        "paris-opera",
        "--to",
        "paris-9e",
        "--name",
        "Paris 9e",
        "--by",
        "bob",
    ]);
    assert_eq!(
        b.text(),
        text.replace("  paris-opera:\n    name: Paris Opéra\n", "  paris-9e:\n    name: Paris 9e\n")
            .replace(
                "    tills: [po-1, po-2]\n    created-at: 2026-11-23T10:00:00Z\n    created-by: admin@acme.example\n    updated-at: 2026-11-23T10:00:00Z\n    updated-by: admin@acme.example\n",
                "    tills: [po-1, po-2]\n    created-at: 2026-11-23T10:00:00Z\n    created-by: admin@acme.example\n    updated-at: 2026-11-23T10:00:00Z\n    updated-by: bob\n"
            )
    );
    b.refused(
        &["store", "rename", "paris-9e", "--to", "berlin-mitte"],
        "store `berlin-mitte` exists already",
    );
    b.refused(
        &["store", "rename", "paris-9e", "--name", "Paris 9e"],
        "nothing to change",
    );
    b.refused(
        &["store", "rename", "ghost", "--name", "x"],
        "there is no store `ghost`",
    );

    // Remove: refused while it has tills; with them, and their passwords go too.
    b.refused(
        &["store", "remove", "paris-9e"],
        "store `paris-9e` has 2 till(s): `po-1`, `po-2`; move them first",
    );
    std::fs::write(
        b.path("tills.cred"),
        "# tills\nbm-till-1:$argon2id$x\npo-1:$argon2id$y\npo-2:$argon2id$z\n",
    )
    .unwrap();
    let notes = b.ok(&[
        "store",
        "remove",
        "paris-9e",
        "--with-tills",
        "--credentials",
        "tills.cred",
    ]);
    assert!(
        notes.contains("removed store `paris-9e` and its 2 till(s)"),
        "{notes}"
    );
    assert!(
        notes.contains("removed 2 password(s) from tills.cred"),
        "{notes}"
    );
    assert_eq!(b.text(), before);
    assert_eq!(
        std::fs::read_to_string(b.path("tills.cred")).unwrap(),
        "# tills\nbm-till-1:$argon2id$x\n"
    );
    assert_eq!(
        b.check("po-1", "GET", "/customers/v1/customers")["reason"],
        "unknown-client"
    );
}

#[test]
fn tills_are_added_with_a_password_moved_and_removed() {
    let b = Brand::new();
    let before = b.text();
    // The password comes from stdin off a terminal, is hashed, and verifies.
    let out = run_with_stdin(
        &b,
        &[
            "till",
            "add",
            "bm-till-3",
            "--store",
            "berlin-mitte",
            "--password",
            "--credentials",
            "tills.cred",
        ],
        "correct horse battery\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        b.text()
            .contains("    tills: [bm-till-1, bm-till-2, bm-till-3]\n"),
        "{}",
        b.text()
    );
    let creds = scopegate::serve::credentials::Credentials::load(&b.path("tills.cred")).unwrap();
    assert!(creds.verify("bm-till-3", "correct horse battery"));
    assert!(!creds.verify("bm-till-3", "wrong horse battery"));
    assert_eq!(
        b.check("bm-till-3", "POST", "/sales/v1/transactions")["reason"],
        "allow"
    );
    // A short password: refused before anything is written.
    let text = b.text();
    let out = run_with_stdin(
        &b,
        &[
            "till",
            "add",
            "bm-till-4",
            "--store",
            "berlin-mitte",
            "--password",
            "--credentials",
            "tills.cred",
        ],
        "short\n",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("at least 8 characters"));
    assert_eq!(b.text(), text);
    // The till list says who has a password (and so can log in).
    let out = b.groups(&[
        "till",
        "list",
        "--store",
        "berlin-mitte",
        "--credentials",
        "tills.cred",
    ]);
    assert_eq!(
        stdout(&out),
        "till       store         group  password\n\
         bm-till-1  berlin-mitte  pos    missing\n\
         bm-till-2  berlin-mitte  pos    missing\n\
         bm-till-3  berlin-mitte  pos    set\n"
    );
    assert!(stderr(&out).contains("2 till(s) without a password cannot log in"));
    let out = b.groups(&["till", "list", "--format", "json"]);
    let tills: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tills.as_array().unwrap().len(), 5);
    assert_eq!(tills[3]["store"], "hamburg-hbf");
    assert_eq!(tills[3]["by_default"], true);
    // A password for a till the groups file does not know is refused (a typo).
    let out = run_with_stdin(
        &b,
        &[
            "till",
            "password",
            "bm-till-9",
            "--credentials",
            "tills.cred",
        ],
        "long enough pw\n",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("there is no till `bm-till-9`"));

    // Moving a till to a store of a narrower group takes routes from it: shown, and --yes.
    let moving = [
        "till",
        "move",
        "bm-till-3",
        "--store",
        "munich-kiosk",
        "--table",
        "table.json",
    ];
    b.refused(&moving, "takes routes from 1 till(s); pass --yes");
    let mut yes = moving.to_vec();
    yes.push("--yes");
    let out = b.groups(&yes);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("till bm-till-3 (now in munich-kiosk): gains 0 route(s), loses"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("    - POST /sales/v1/transactions\n"));
    assert!(b.text().contains("    tills: [bm-till-1, bm-till-2]\n"));
    assert!(b.text().contains("    tills: [mk-kiosk-1, bm-till-3]\n"));
    assert_eq!(
        b.check("bm-till-3", "POST", "/sales/v1/transactions")["reason"],
        "missing-scopes"
    );
    b.refused(
        &["till", "move", "bm-till-3", "--store", "munich-kiosk"],
        "is in `munich-kiosk` already",
    );
    b.refused(
        &["till", "move", "ghost", "--store", "munich-kiosk"],
        "there is no till `ghost`",
    );
    b.refused(
        &["till", "move", "bm-till-1", "--store", "paris"],
        "there is no store `paris`",
    );

    // Removing it takes its password with it; the store's last till leaves `tills: []`.
    let notes = b.ok(&["till", "remove", "bm-till-3", "--credentials", "tills.cred"]);
    assert!(notes.contains("removed 1 password(s)"), "{notes}");
    assert_eq!(std::fs::read_to_string(b.path("tills.cred")).unwrap(), "");
    b.ok(&["till", "remove", "mk-kiosk-1"]);
    assert!(
        b.text()
            .contains("    name: Munich kiosk\n    group: instore\n    tills: []\n"),
        "{}",
        b.text()
    );
    b.refused(
        &["till", "remove", "mk-kiosk-1"],
        "there is no till `mk-kiosk-1`",
    );
    assert_ne!(b.text(), before);
}

#[test]
fn api_clients_are_registered_and_removed_by_command() {
    let b = Brand::new();
    let before = b.text();
    b.ok(&[
        "client",
        "add",
        "wechat-bridge",
        "--name",
        "WeChat bridge",
        "--group",
        "reporting",
    ]);
    assert_eq!(
        b.text(),
        format!(
            "{before}  wechat-bridge:\n    name: WeChat bridge\n    group: reporting\n{STAMPS}"
        )
    );
    assert_eq!(
        b.check("wechat-bridge", "GET", "/sales/v1/transactions")["reason"],
        "allow"
    );
    b.refused(
        &["client", "add", "wechat-bridge"],
        "API client `wechat-bridge` exists already",
    );
    b.refused(
        &["client", "add", "bm-till-1"],
        "`bm-till-1` is a till of store `berlin-mitte`",
    );
    b.refused(
        &["client", "add", "x", "--group", "ghost"],
        "there is no group `ghost`",
    );
    let out = b.groups(&["client", "list", "--format", "json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[1]["id"], "wechat-bridge");
    assert_eq!(list[1]["group"], "reporting");
    assert_eq!(list[1]["stamps"]["created_by"], ADMIN);
    b.refused(
        &["client", "remove", "bm-till-1"],
        "is a till of store `berlin-mitte`, not an API client",
    );
    let notes = b.ok(&["client", "remove", "wechat-bridge"]);
    assert!(notes.contains("denied from now on"), "{notes}");
    assert_eq!(b.text(), before);
    assert_eq!(
        b.check("wechat-bridge", "GET", "/sales/v1/transactions")["reason"],
        "unknown-client"
    );
}

#[test]
fn stores_are_listed_and_shown_as_text_and_json() {
    let b = Brand::new();
    let out = b.groups(&["store", "list"]);
    assert_eq!(
        stdout(&out),
        "store         name          group          tills\n\
         berlin-mitte  Berlin Mitte  pos                2\n\
         hamburg-hbf   Hamburg Hbf   pos (default)      1\n\
         munich-kiosk  Munich kiosk  instore            1\n"
    );
    let out = b.groups(&["store", "list", "--group", "pos", "--format", "json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["berlin-mitte", "hamburg-hbf"]);
    assert_eq!(list[1]["by_default"], true);
    let out = b.groups(&[
        "store",
        "show",
        "munich-kiosk",
        "--table",
        "table.json",
        "--format",
        "json",
    ]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["tills"], json!(["mk-kiosk-1"]));
    assert_eq!(shown["routes"], json!(allowed_by_runtime(&b, "mk-kiosk-1")));
    let out = b.groups(&["store", "show", "munich-kiosq"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("did you mean `munich-kiosk`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn stores_and_tills_import_from_csv_all_or_nothing() {
    let b = Brand::new();
    let before = b.text();
    // Every bad row, by line, and nothing written.
    std::fs::write(
        b.path("bad.csv"),
        "\u{feff}store,name,group,till\n\
         lyon,Lyon,pos,ly-1\n\
         lyon,Lyon Part-Dieu,pos,ly-2\n\
         Nice,,,\n\
         nice,,poss,ni-1\n\
         nice,,,bm-till-1\n\
         nice,,,ly-1\n\
         berlin-mitte,,instore,\n\
         nice,\"two\nlines\",,ni:2\n\
         nice,a,b\n",
    )
    .unwrap();
    let out = b.groups(&["store", "import", "bad.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let expected = "bad.csv:3: store `lyon` has name `Lyon` on line 2, and `Lyon Part-Dieu` here
bad.csv:4: `Nice` is not a valid store id: lower case letters, digits, `-` and `_` (at most 64)
bad.csv:5: there is no group `poss`; did you mean `pos`?
bad.csv:6: till `bm-till-1` is in store `berlin-mitte` already (move it with `scopegate groups till move bm-till-1 --store nice`)
bad.csv:7: till `ly-1` is on line 2 already
bad.csv:8: store `berlin-mitte` exists with group `pos`; this row says `instore` (pass --update to change it)
bad.csv:9: `ni:2` is not a valid till id: 1 to 256 visible ASCII characters, without `:` or spaces
bad.csv:11: not a CSV row: 3 field(s) where the header has 4
scopegate: refused: 8 bad row(s) in bad.csv; nothing imported, groups.yaml unchanged
";
    assert!(stderr(&out).ends_with(expected), "{}", stderr(&out));
    assert_eq!(b.text(), before);
    std::fs::write(b.path("header.csv"), "store,nmae,till\n").unwrap();
    let out = b.groups(&["store", "import", "header.csv"]);
    assert!(stderr(&out).contains("header.csv:1: unknown column `nmae`; the columns are store, name, group, till; did you mean `name`?"), "{}", stderr(&out));

    // Good rows: new stores in one block each, a till for a store that exists, rows already
    // there counted; the preview groups the stores that move alike.
    std::fs::write(
        b.path("good.csv"),
        "store,till,group,name\n\
         lyon,ly-1,pos,Lyon\n\
         lyon,ly-2,pos,Lyon\n\
         nice,ni-1,pos,Nice\n\
         berlin-mitte,bm-till-1,,\n\
         berlin-mitte,bm-till-3,,\n\
         empty-store,,,\n",
    )
    .unwrap();
    let out = b.groups(&["store", "import", "good.csv", "--table", "table.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("3 new store(s), 4 new till(s), 0 store(s) updated, 1 row(s) already there"),
        "{}",
        stderr(&out)
    );
    let shown = stdout(&out);
    // The store without a group of its own gets the default, `pos`: it moves like the others.
    assert!(shown.contains("  3 new stores (3 till(s)): gains 14 route(s), loses 0\n    (empty-store, lyon, nice)\n"), "{shown}");
    assert!(
        shown.contains("  till bm-till-3 (new, in berlin-mitte): gains 14 route(s), loses 0\n"),
        "{shown}"
    );
    assert!(
        b.text().contains(&format!(
            "  lyon:\n    name: Lyon\n    group: pos\n    tills: [ly-1, ly-2]\n{STAMPS}  nice:\n"
        )),
        "{}",
        b.text()
    );
    assert!(b
        .text()
        .contains("    tills: [bm-till-1, bm-till-2, bm-till-3]\n"));
    assert_eq!(
        b.check("ly-2", "POST", "/sales/v1/transactions")["reason"],
        "allow"
    );

    // Export reads back as no change; --update sets the group of a store that exists.
    let out = b.groups(&["store", "export", "-o", "all.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let exported = std::fs::read_to_string(b.path("all.csv")).unwrap();
    assert!(
        exported.starts_with("store,name,group,till\nberlin-mitte,Berlin Mitte,pos,bm-till-1\n"),
        "{exported}"
    );
    assert!(exported.contains("\nempty-store,,,\n"), "{exported}");
    let text = b.text();
    let out = b.groups(&["store", "import", "all.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing to import"),
        "{}",
        stderr(&out)
    );
    assert_eq!(b.text(), text);
    std::fs::write(b.path("move.csv"), "store,group\nlyon,instore\n").unwrap();
    b.refused(
        &["store", "import", "move.csv"],
        "pass --update to change it",
    );
    b.refused(
        &[
            "store",
            "import",
            "move.csv",
            "--update",
            "--table",
            "table.json",
        ],
        "pass --yes",
    );
    b.ok(&["store", "import", "move.csv", "--update", "--yes"]);
    assert!(
        b.text()
            .contains("  lyon:\n    name: Lyon\n    group: instore\n"),
        "{}",
        b.text()
    );
}

/// What each change that moves rights prints before writing, for the README's retail example.
#[test]
fn what_a_change_moves_snapshots() {
    let mut all = String::new();
    // Each change starts from the example (after `setup`, when given).
    let hamburg_in_reporting: &[&str] = &["assign", "reporting", "--store", "hamburg-hbf", "--yes"];
    for (setup, args) in [
        (
            None,
            &["assign", "reporting", "--store", "berlin-mitte"][..],
        ),
        (None, &["unassign", "--store", "munich-kiosk"]),
        (None, &["default", "instore"]),
        (
            Some(hamburg_in_reporting),
            &[
                "edit",
                "reporting",
                "--remove-permission",
                "data:transactions",
                "--permission",
                "data:points=read",
            ],
        ),
        (None, &["deactivate", "reporting"]),
    ] {
        let b = Brand::new();
        if let Some(setup) = setup {
            b.ok(setup);
            all += &format!("(after: scopegate groups {})\n", setup.join(" "));
        }
        let mut args = args.to_vec();
        args.extend(["--table", "table.json", "--dry-run"]);
        let out = b.groups(&args);
        all += &format!("$ scopegate groups {}\n", args.join(" "));
        all += &stdout(&out);
        all += &stderr(&out);
        all += "\n";
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("groups-moves", all);
    });
}

#[test]
fn every_read_command_speaks_json() {
    let b = Brand::new();
    let json_of = |args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = b.groups(&all);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&out)))
    };
    let pos = json_of(&["show", "pos", "--table", "table.json"]);
    assert_eq!(pos["stores"], json!(["berlin-mitte"]));
    assert_eq!(pos["stores_by_default"], json!(["hamburg-hbf"]));
    assert_eq!(pos["routes"], json!(allowed_by_runtime(&b, "bm-till-1")));
    assert_eq!(json_of(&["list"])[0]["id"], "pos");
    assert_eq!(json_of(&["search", "report"])[0]["id"], "reporting");
    assert_eq!(json_of(&["store", "list"]).as_array().unwrap().len(), 3);
    assert_eq!(json_of(&["client", "list"])[0]["id"], "bi-export");
    let findings = json_of(&["validate", "--table", "table.json"]);
    assert!(findings.is_array(), "{findings}");
    let m = json_of(&["matrix", "--table", "table.json"]);
    assert_eq!(m["table"]["path"], "table.json");
    assert!(m["table"]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    let sales = m["apis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["file"] == "sales.yaml")
        .unwrap();
    let post = sales["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "POST" && r["path"] == "/sales/v1/transactions")
        .unwrap();
    assert_eq!(post["allowed"], json!(["pos", "admin"]));
    let moved = json_of(&["diff", "groups.yaml", "--table", "table.json"]);
    assert_eq!(moved, json!([]));
}

/// Names and ids from a command line or a CSV are data: whatever they hold, they are written
/// so that the file reads back as exactly that, and can never add a key.
#[test]
fn hostile_names_and_ids_are_written_as_data() {
    let b = Brand::new();
    let name = "Evil\n    group: admin\n#";
    b.ok(&[
        "store", "add", "evil", "--name", name, "--till", "a,b", "--till", "x]y", "--till", "#z",
    ]);
    let file = groups::load(&b.path("groups.yaml")).unwrap();
    let evil = file.brand.stores.iter().find(|s| s.id == "evil").unwrap();
    assert_eq!(evil.name.as_deref(), Some(name));
    assert!(evil.group.is_none(), "the name must not set a group");
    let tills: Vec<&str> = evil.tills.iter().map(|t| t.value.as_str()).collect();
    assert_eq!(tills, ["a,b", "x]y", "#z"]);
    // The default group (pos), not admin.
    assert_eq!(
        b.check("a,b", "POST", "/store-admin/v1/stores")["reason"],
        "missing-scopes"
    );

    // A till that would be a formula in a spreadsheet is exported behind a quote, and an
    // export reads back unchanged.
    b.ok(&["till", "add", "=HYPERLINK(1)", "--store", "evil"]);
    let out = b.groups(&["store", "export"]);
    assert!(
        stdout(&out).contains("\nevil,\"Evil\n    group: admin\n#\",,'=HYPERLINK(1)\n"),
        "{}",
        stdout(&out)
    );
    std::fs::write(b.path("all.csv"), stdout(&out)).unwrap();
    let text = b.text();
    let out = b.groups(&["store", "import", "all.csv"]);
    assert!(
        stderr(&out).contains("nothing to import"),
        "{}",
        stderr(&out)
    );
    assert_eq!(b.text(), text);

    // A planted symlink where the edit writes its temporary file is not followed.
    let victim = b.path("victim.txt");
    std::fs::write(&victim, "untouched").unwrap();
    std::os::unix::fs::symlink(&victim, b.path("groups.scopegate-tmp")).unwrap();
    b.ok(&["store", "add", "safe"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
    assert!(b.text().contains("  safe:\n"));
}

/// The library's transaction under random sequences of actions on the retail example (what
/// the `groups_transaction` fuzz target does with arbitrary files): a change that is not
/// refused reads back as the file it claims, adds no consistency problem, keeps every
/// comment line of the original that is not in a removed block, and its preview agrees with
/// the groups each holder ends up in.
#[test]
fn random_transactions_read_back_and_stay_consistent() {
    use scopegate::groups::file::{self, GroupsFile};
    use scopegate::groups::holders::{HolderAction, NewStore};
    use scopegate::groups::manage::{Action, Changes, Stamp};
    use scopegate::groups::transaction;

    let b = Brand::new();
    let path = b.path("groups.yaml");
    let text = b.text();
    let before = groups::load(&path).unwrap();
    let table = Table::from_json(&std::fs::read_to_string(b.path("table.json")).unwrap()).unwrap();
    let stamp = Stamp {
        by: ADMIN.into(),
        at: NOW.into(),
    };
    let ids = [
        "pos",
        "instore",
        "reporting",
        "berlin-mitte",
        "hamburg-hbf",
        "munich-kiosk",
        "bm-till-1",
        "hh-till-1",
        "bi-export",
        "new-1",
        "new-2",
    ];
    let (mut written, mut refused) = (0, 0);
    for seed in 1..=1500u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut id = || ids[rng.below(ids.len())].to_string();
        let actions: Vec<Action> = (0..1 + seed % 2)
            .map(|i| match (seed + i) % 11 {
                0 => Action::AssignStores {
                    group: id(),
                    stores: vec![id(), id()],
                },
                1 => Action::UnassignStores(vec![id()]),
                2 => Action::AssignClient {
                    group: id(),
                    client: id(),
                },
                3 => Action::SetDefault(id()),
                4 => Action::Deactivate(id()),
                5 => Action::Create {
                    id: id(),
                    name: "N".into(),
                    description: None,
                    changes: Changes::default(),
                },
                6 => Action::Holder(HolderAction::AddStores(vec![NewStore {
                    id: id(),
                    name: Some("a: b # c".into()),
                    group: Some(id()),
                    tills: vec![id(), "x,y".into()],
                }])),
                7 => Action::Holder(HolderAction::AddTill {
                    till: id(),
                    store: id(),
                }),
                8 => Action::Holder(HolderAction::MoveTill {
                    till: id(),
                    store: id(),
                }),
                9 => Action::Holder(HolderAction::RemoveStore {
                    id: id(),
                    with_tills: seed % 2 == 0,
                }),
                _ => Action::Holder(HolderAction::RenameStore {
                    id: id(),
                    new_id: Some(id()),
                    name: None,
                }),
            })
            .collect();
        let Ok(tx) = transaction::prepare(&path, &text, &before, &actions, &stamp, Some(&table))
        else {
            refused += 1;
            continue;
        };
        written += 1;
        let brand = file::parse_layer(&path, tx.text.clone(), false).expect("reads back");
        let after = GroupsFile {
            brand,
            platform: before.platform.clone(),
        };
        let ids_of = |f: &GroupsFile| -> Vec<(String, Option<String>, Vec<String>)> {
            f.brand
                .stores
                .iter()
                .map(|s| {
                    (
                        s.id.clone(),
                        s.group.as_ref().map(|g| g.value.clone()),
                        s.tills.iter().map(|t| t.value.clone()).collect(),
                    )
                })
                .collect()
        };
        assert_eq!(ids_of(&after), ids_of(&tx.after), "{actions:?}");
        assert!(
            after.consistency().is_empty(),
            "{actions:?}: {:?}",
            after.consistency()
        );
        // The header comment survives every change.
        assert!(
            tx.text.starts_with("# Acme Retail's access groups."),
            "{actions:?}"
        );
        // Every store's routes after the change are its group's, as the preview says.
        let moved = tx.moves(&table);
        for m in &moved {
            if let scopegate::groups::moves::Holder::Store { id, .. } = &m.holder {
                assert!(m.gains.iter().all(|r| !m.loses.contains(r)), "{id}");
            }
        }
    }
    // Both outcomes are exercised.
    assert!(
        written > 100 && refused > 100,
        "written {written}, refused {refused}"
    );
}

#[test]
fn api_clients_choose_what_their_group_does_to_their_tokens_scopes() {
    let b = Brand::new();
    let out = b.groups(&[
        "client",
        "add",
        "shop-sync",
        "--group",
        "instore",
        "--token-scopes",
        "intersect",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        b.text()
            .contains("  shop-sync:\n    group: instore\n    token-scopes: intersect\n"),
        "{}",
        b.text()
    );
    let listed: serde_json::Value =
        serde_json::from_slice(&b.groups(&["client", "list", "--format", "json"]).stdout).unwrap();
    let modes: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap(),
                c["token_scopes"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        modes,
        [("bi-export", "replace"), ("shop-sync", "intersect")]
    );

    // The table carries it; the runtime intersects the token's scopes with the group's.
    let out = b.run(&[
        "compile",
        "loyalty.yaml",
        "customers.yaml",
        "sales.yaml",
        "store-admin.yaml",
        "--groups",
        "groups.yaml",
        "-o",
        "with-groups.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(b.path("with-groups.json")).unwrap();
    validate_table_schema(&text);
    let evaluator = Evaluator::new(Table::from_json(&text).unwrap(), Options::default());
    let token = Principal::from_scope_string("customer.read customer.write");
    let grant = evaluator.token_grant(&token, Some("shop-sync"));
    assert!(evaluator
        .evaluate(&grant, "GET", "/customers/v1/customers")
        .is_allow());
    assert_eq!(
        evaluator
            .evaluate(&grant, "POST", "/customers/v1/customers")
            .code(),
        "missing-scopes"
    );
    // bi-export replaces: its reporting group reads transactions whatever its token says.
    let grant = evaluator.token_grant(&token, Some("bi-export"));
    assert!(evaluator
        .evaluate(&grant, "GET", "/sales/v1/transactions")
        .is_allow());
    assert!(!evaluator
        .evaluate(&grant, "GET", "/customers/v1/customers")
        .is_allow());
    // A till's id in a token's client_id is not an API client: the token keeps its scopes.
    let grant = evaluator.token_grant(&token, Some("bm-till-1"));
    assert!(evaluator
        .evaluate(&grant, "POST", "/customers/v1/customers")
        .is_allow());

    // A mistake in the file is refused at its place.
    b.write(
        &b.text()
            .replace("token-scopes: intersect", "token-scopes: both"),
    );
    let out = b.groups(&["client", "list"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out)
            .contains("client `shop-sync`: `token-scopes` is `replace` or `intersect`, not `both`"),
        "{}",
        stderr(&out)
    );
}

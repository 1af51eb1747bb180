//! SARIF 2.1.0, for GitHub code scanning.

use std::io;

use serde::Serialize;
use serde_json::{json, Value};

use super::batch::{write_with_items, ItemsHere};
use super::pretty_json::Pretty;
use super::to_string;
use crate::diagnostic::{Diagnostic, Severity, NOT_RULES};
use crate::lint::Outcome;
use crate::rules;

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// SARIF 2.1.0, for GitHub code scanning, as a string.
pub fn sarif(outcome: &Outcome) -> String {
    to_string(|w| write_sarif(outcome, w))
}

/// One finding as a SARIF result.
fn write_result(w: &mut Pretty<'_>, d: &Diagnostic) {
    w.object(|w| {
        w.key("ruleId").string(d.rule);
        if let Some(index) = rule_index(d.rule) {
            w.key("ruleIndex").number(index as u64);
        }
        w.key("level").string(sarif_level(d.severity));
        w.key("message").object(|w| {
            w.key("text").string(&d.message);
        });
        w.key("partialFingerprints").object(|w| {
            w.key("primaryLocationLineHash/v1").string(&fingerprint(d));
        });
        w.key("locations").array(|w| {
            w.item().object(|w| {
                w.key("physicalLocation").object(|w| {
                    let artifact = artifact(&d.path);
                    w.key("artifactLocation").object(|w| {
                        w.key("uri").string(&artifact.uri);
                        if let Some(base) = artifact.uri_base_id {
                            w.key("uriBaseId").string(base);
                        }
                    });
                    if let Some(start) = d.position() {
                        w.key("region").object(|w| {
                            w.key("startLine").number(start.line.into());
                            w.key("startColumn").number(start.column.into());
                            if let Some(end) = d.located_end.filter(|end| *end > start) {
                                w.key("endLine").number(end.line.into());
                                w.key("endColumn").number(end.column.into());
                            }
                        });
                    }
                });
                if let Some(pointer) = &d.pointer {
                    w.key("logicalLocations").array(|w| {
                        w.item().object(|w| {
                            w.key("fullyQualifiedName").string(pointer.as_str());
                            w.key("kind").string("member");
                        });
                    });
                }
            });
        });
    });
}

/// The index of rule `id` among the SARIF driver's rules.
fn rule_index(id: &str) -> Option<usize> {
    rules::ALL
        .iter()
        .map(|r| r.id)
        .chain(NOT_RULES.iter().map(|(id, _)| *id))
        .position(|known| known == id)
}

/// SARIF 2.1.0, written as it is serialized.
pub fn write_sarif(outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
    let mut rules: Vec<Value> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                // The page once, as markdown; the text form is the summary (viewers that
                // cannot render markdown show it with the link to `scopegate rules ID`).
                "help": {
                    "text": format!("{} (`scopegate rules {}` prints the rule's page)", r.summary, r.id),
                    "markdown": r.doc,
                },
                "defaultConfiguration": {"level": sarif_level(r.severity)},
            })
        })
        .collect();
    // What is not a lint rule (an unreadable document, a configuration or groups file
    // mistake) is described too, so that every result's `ruleIndex` names its own entry.
    rules.extend(NOT_RULES.iter().map(|(id, summary)| {
        json!({
            "id": id,
            "name": id,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": summary},
            "defaultConfiguration": {"level": "error"},
        })
    }));
    let sarif = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({"driver": {
                "name": "scopegate",
                "version": crate::VERSION,
                "semanticVersion": crate::VERSION,
                "informationUri": "https://github.com/scopegate/scopegate",
                "rules": rules,
            }}),
            results: ItemsHere,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: json!({
                SRCROOT: {
                    "uri": source_root(),
                    "description": {"text": "The directory scopegate ran in; relative paths are relative to it."},
                }
            }),
        }],
    };
    write_with_items(&sarif, &outcome.diagnostics, write_result, out)
}

#[derive(Serialize)]
struct Sarif {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Value,
    results: ItemsHere,
    column_kind: &'static str,
    original_uri_base_ids: Value,
}

/// The base id relative artifact URIs are resolved against, as code-scanning uploads expect.
const SRCROOT: &str = "%SRCROOT%";

/// The working directory as a `file:` URI ending in `/`.
fn source_root() -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = cwd.to_string_lossy().replace('\\', "/");
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let mut root = format!("file://{}", uri(&path));
    if !root.ends_with('/') {
        root.push('/');
    }
    root
}

/// Where a result's file is: its URI, and the base a relative one is resolved against.
struct Artifact {
    uri: String,
    uri_base_id: Option<&'static str>,
}

/// A relative path under `%SRCROOT%`, an absolute one as a `file:` URI.
fn artifact(path: &str) -> Artifact {
    let path = path.strip_prefix("./").unwrap_or(path);
    if path.starts_with('/') {
        Artifact {
            uri: format!("file://{}", uri(path)),
            uri_base_id: None,
        }
    } else {
        Artifact {
            uri: uri(path),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// What identifies a finding across runs, whatever moved around it: rule, file, pointer and
/// message (as the baseline compares), hashed. Lines are left out so that an edit above a
/// finding does not make code scanning see a new alert.
fn fingerprint(d: &Diagnostic) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in [
        d.rule,
        d.path.strip_prefix("./").unwrap_or(&d.path),
        d.pointer.as_ref().map_or("", |p| p.as_str()),
        d.message.as_str(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    // Two hexadecimal digits a byte, by hand: `write!` was 1% of writing SARIF for the corpus.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(32);
    for b in &hash.finalize()[..16] {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    hex
}

/// A relative path as a URI reference: `/` separators, and the characters URIs reserve
/// percent-encoded.
fn uri(path: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(path.len());
    // Runs of characters kept as they are, pushed whole rather than one at a time. A run is
    // ASCII, so it starts and ends at character boundaries; between the bytes of a multi-byte
    // character, each encoded, there is no run (and no slice).
    let mut run = 0;
    for (i, b) in path.bytes().enumerate() {
        if let b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' = b {
            continue;
        }
        if run < i {
            out.push_str(&path[run..i]);
        }
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
        run = i + 1;
    }
    out.push_str(&path[run..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Pointer, Position};

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("api/my spec(1).yaml"), "api/my%20spec%281%29.yaml");
        assert_eq!(uri("é/ü x~"), "%C3%A9/%C3%BC%20x~");
        assert_eq!(uri("%"), "%25");
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct SarifResult<'a> {
        rule_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        rule_index: Option<usize>,
        level: &'static str,
        message: Text<'a>,
        partial_fingerprints: Fingerprints,
        locations: [SarifLocation<'a>; 1],
    }

    #[derive(Serialize)]
    struct Fingerprints {
        #[serde(rename = "primaryLocationLineHash/v1")]
        primary: String,
    }

    #[derive(Serialize)]
    struct Text<'a> {
        text: &'a str,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct SarifLocation<'a> {
        physical_location: Physical,
        #[serde(skip_serializing_if = "Option::is_none")]
        logical_locations: Option<[Logical<'a>; 1]>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Physical {
        artifact_location: ArtifactForm,
        #[serde(skip_serializing_if = "Option::is_none")]
        region: Option<Region>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ArtifactForm {
        uri: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        uri_base_id: Option<&'static str>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Region {
        start_line: u32,
        start_column: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        end_line: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        end_column: Option<u32>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Logical<'a> {
        fully_qualified_name: &'a str,
        kind: &'static str,
    }

    /// One finding as the SARIF result serde writes (the form the hand-written one must equal).
    fn sarif_result(d: &Diagnostic) -> SarifResult<'_> {
        SarifResult {
            rule_id: d.rule,
            rule_index: rule_index(d.rule),
            level: sarif_level(d.severity),
            message: Text { text: &d.message },
            partial_fingerprints: Fingerprints {
                primary: fingerprint(d),
            },
            locations: [SarifLocation {
                physical_location: Physical {
                    artifact_location: {
                        let a = artifact(&d.path);
                        ArtifactForm {
                            uri: a.uri,
                            uri_base_id: a.uri_base_id,
                        }
                    },
                    region: d.position().map(|p| {
                        let end = d.located_end.filter(|e| *e > p);
                        Region {
                            start_line: p.line,
                            start_column: p.column,
                            end_line: end.map(|e| e.line),
                            end_column: end.map(|e| e.column),
                        }
                    }),
                },
                logical_locations: d.pointer.as_ref().map(|p| {
                    [Logical {
                        fully_qualified_name: p.as_str(),
                        kind: "member",
                    }]
                }),
            }],
        }
    }

    /// Results with and without a position, an end past it, a pointer, a known rule; relative
    /// and absolute files; texts that need escapes: each as serde_json writes the result's form.
    #[test]
    fn results_are_written_as_serde_writes_them() {
        let at = |line, column| Position { line, column };
        let mut results = Vec::new();
        for rule in [
            "scope-name",
            crate::diagnostic::INVALID_CONFIG,
            "not-a-rule",
        ] {
            for (start, end) in [
                (None, None),
                (Some(at(2, 5)), None),
                (Some(at(2, 5)), Some(at(2, 5))),
                (Some(at(2, 5)), Some(at(9, 1))),
            ] {
                for path in ["api/my spec.yaml", "/abs/é\"q.json", "./rel.yaml"] {
                    let mut d = Diagnostic::in_file(
                        rule,
                        Severity::Hint,
                        "a \"message\"\nwith\tescapes \u{7} é",
                        std::path::Path::new(path),
                        start,
                    );
                    d.located_end = end;
                    if end.is_some() {
                        d.pointer = Some(Pointer::root().join("paths").join("/a~b"));
                    }
                    results.push(d);
                }
            }
        }
        for d in &results {
            let mut written = Vec::new();
            write_result(&mut Pretty::new(&mut written, 6), d);
            let expected = serde_json::to_string_pretty(&sarif_result(d))
                .unwrap()
                .replace('\n', "\n      ");
            assert_eq!(String::from_utf8(written).unwrap(), expected);
        }
    }
}

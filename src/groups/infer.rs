//! `scopegate groups infer --table T --log FILE`: from what each client called, the smallest
//! existing group that covers it, or a new custom group when none does. This is how existing
//! basic-auth integrations move onto groups without breaking.
//!
//! Logs: nginx/Apache combined (or common) format, where the client is the basic-auth user
//! (`$remote_user`), and JSON lines with `method`, `path` (or `uri`) and `client` (or `user`),
//! each with an optional `status`. Calls that failed (status 400 and up) are not evidence of
//! what a client needs and are counted apart; calls that match no route are listed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::runtime::groups::Status;
use crate::runtime::table::Table;
use crate::runtime::{Decision, Deny, Evaluator, Grant, Principal};

use super::file::GroupsFile;
use super::resolve::{group_scopes, Decider};

/// One request from a log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub client: String,
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
}

/// Parses one log line; `None` for blank lines, `Err` for lines in neither format.
pub fn parse_line(line: &str) -> Option<Result<Call, String>> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    Some(if line.starts_with('{') {
        parse_json(line)
    } else {
        parse_combined(line)
    })
}

fn parse_json(line: &str) -> Result<Call, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| v.get(*n).and_then(Value::as_str))
            .map(str::to_string)
    };
    let status = match v.get("status") {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(Call {
        client: field(&["client", "client_id", "user", "remote_user"]).ok_or("no `client`")?,
        method: field(&["method"]).ok_or("no `method`")?,
        path: field(&["path", "uri"]).ok_or("no `path`")?,
        status,
    })
}

/// `host ident user [time] "METHOD target PROTOCOL" status bytes ...`
fn parse_combined(line: &str) -> Result<Call, String> {
    let bracket = line
        .find(" [")
        .ok_or("not a combined log line: no `[time]`")?;
    let mut head = line[..bracket].split_whitespace();
    let (_host, _ident, user) = (
        head.next(),
        head.next(),
        head.next().ok_or("no user field")?,
    );
    let rest = &line[bracket..];
    let open = rest.find('"').ok_or("no request in quotes")?;
    let close = rest[open + 1..].find('"').ok_or("unterminated request")? + open + 1;
    let mut request = rest[open + 1..close].split(' ');
    let method = request
        .next()
        .filter(|m| !m.is_empty())
        .ok_or("empty request")?;
    let path = request.next().ok_or("no request target")?;
    let status = rest[close + 1..]
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok());
    Ok(Call {
        client: user.to_string(),
        method: method.to_string(),
        path: path.to_string(),
        status,
    })
}

#[derive(Debug, Serialize)]
pub struct RouteUse {
    pub method: String,
    pub path: String,
    pub calls: usize,
}

#[derive(Debug, Serialize)]
pub struct Proposal {
    pub client: String,
    pub calls: usize,
    pub routes: Vec<RouteUse>,
    /// The smallest existing active group covering every route called.
    pub group: Option<String>,
    /// The group the client has today, if the groups file knows it.
    pub current_group: Option<String>,
    /// When no group covers it: the scopes a new custom group needs.
    pub new_group_scopes: Option<Vec<String>>,
    pub failed_calls: usize,
    pub unmatched_calls: usize,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub lines: usize,
    pub unreadable_lines: Vec<(usize, String)>,
    pub anonymous_calls: usize,
    pub clients: Vec<Proposal>,
    /// `(method, path, calls)` for calls that match no route (or an invalid path).
    pub unmatched: Vec<(String, String, usize)>,
}

pub fn infer(file: &GroupsFile, table: &Table, log: &str, strip_base_paths: bool) -> Report {
    let everything: BTreeSet<String> = table
        .scopes
        .iter()
        .map(|s| s.name.clone())
        .chain(
            table
                .routes
                .iter()
                .flat_map(|r| r.any_of.iter().flatten().cloned()),
        )
        .collect();
    let mut plain = table.clone();
    plain.access_groups = None;
    let evaluator = Evaluator::new(plain, crate::runtime::Options { strip_base_paths });
    let all = evaluator.grant(&Principal::Scopes(everything));

    let mut report = Report {
        lines: 0,
        unreadable_lines: Vec::new(),
        anonymous_calls: 0,
        clients: Vec::new(),
        unmatched: Vec::new(),
    };
    #[derive(Default)]
    struct Seen {
        calls: usize,
        routes: BTreeMap<usize, usize>,
        failed: usize,
        unmatched: usize,
    }
    let mut clients: BTreeMap<String, Seen> = BTreeMap::new();
    let mut unmatched: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (n, line) in log.lines().enumerate() {
        let Some(parsed) = parse_line(line) else {
            continue;
        };
        report.lines += 1;
        let call = match parsed {
            Ok(c) => c,
            Err(e) => {
                if report.unreadable_lines.len() < 20 {
                    report.unreadable_lines.push((n + 1, e));
                }
                continue;
            }
        };
        if call.client.is_empty() || call.client == "-" {
            report.anonymous_calls += 1;
            continue;
        }
        let seen = clients.entry(call.client.clone()).or_default();
        seen.calls += 1;
        if call.status.is_some_and(|s| s >= 400) {
            seen.failed += 1;
            continue;
        }
        let route = match evaluator.evaluate(&all, &call.method, &call.path) {
            Decision::Allow { route } | Decision::Deny(Deny::MissingScopes { route, .. }) => {
                Some(route)
            }
            _ => None,
        };
        match route.and_then(|r| table.routes.iter().position(|x| x == r)) {
            Some(index) => *seen.routes.entry(index).or_default() += 1,
            None => {
                seen.unmatched += 1;
                let path = call.path.split('?').next().unwrap_or("").to_string();
                *unmatched.entry((call.method, path)).or_default() += 1;
            }
        }
    }

    let decider = Decider::new(table);
    let candidates: Vec<(String, BTreeSet<String>, usize, Grant)> = file
        .groups()
        .filter(|g| g.status == Status::Active)
        .map(|g| {
            let scopes = group_scopes(file, g, table);
            let reach = decider.routes(&scopes).len();
            let grant = decider.grant(&scopes);
            (g.id.clone(), scopes, reach, grant)
        })
        .collect();
    let current =
        |client: &str| -> Option<String> { file.client_group(client)?.0.map(str::to_string) };
    for (client, seen) in clients {
        let called: Vec<usize> = seen.routes.keys().copied().collect();
        let group = candidates
            .iter()
            .filter(|(_, _, _, grant)| called.iter().all(|&i| decider.allows(grant, i)))
            .min_by(|a, b| (a.1.len(), a.2, &a.0).cmp(&(b.1.len(), b.2, &b.0)))
            .map(|(id, ..)| id.clone());
        let new_group_scopes = (group.is_none() && !called.is_empty())
            .then(|| minimal_scopes(table, &decider, &called));
        report.clients.push(Proposal {
            current_group: current(&client),
            client,
            calls: seen.calls,
            routes: seen
                .routes
                .iter()
                .map(|(&i, &calls)| {
                    let route = &table.routes[i];
                    RouteUse {
                        method: route.method.clone(),
                        path: format!(
                            "{}{}",
                            route.base_paths(table).first().map_or("", String::as_str),
                            route.path
                        ),
                        calls,
                    }
                })
                .collect(),
            group,
            new_group_scopes,
            failed_calls: seen.failed,
            unmatched_calls: seen.unmatched,
        });
    }
    report.unmatched = unmatched.into_iter().map(|((m, p), n)| (m, p, n)).collect();
    report
}

/// A small set of scopes satisfying every route called: routes with the fewest alternatives
/// first, each taking the alternative that adds the fewest new scopes.
fn minimal_scopes(table: &Table, decider: &Decider, called: &[usize]) -> Vec<String> {
    let mut order: Vec<usize> = called.to_vec();
    order.sort_by_key(|&i| (table.routes[i].any_of.len(), i));
    let mut held: BTreeSet<String> = BTreeSet::new();
    for i in order {
        let any_of = &table.routes[i].any_of;
        if decider.allows(&decider.grant(&held), i) {
            continue;
        }
        if let Some(best) = any_of.iter().min_by_key(|set| {
            set.iter()
                .filter(|s| !held.contains(*s) && *s != "uid")
                .count()
        }) {
            held.extend(best.iter().filter(|s| *s != "uid").cloned());
        }
    }
    held.into_iter().collect()
}

/// The report for a terminal.
pub fn render_text(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for p in &report.clients {
        let _ = writeln!(
            out,
            "{}: {} call(s), {} route(s){}",
            p.client,
            p.calls,
            p.routes.len(),
            p.current_group
                .as_ref()
                .map(|g| format!("; today in `{g}`"))
                .unwrap_or_default()
        );
        match (&p.group, &p.new_group_scopes) {
            (Some(g), _) => {
                let same = p.current_group.as_deref() == Some(g.as_str());
                let _ = writeln!(
                    out,
                    "  proposed group: {g}{}",
                    if same { " (unchanged)" } else { "" }
                );
            }
            (None, Some(scopes)) => {
                let _ = writeln!(
                    out,
                    "  no existing group covers it; a new custom group needs: {}",
                    scopes.join(" ")
                );
                let id = format!("{}-access", p.client);
                let flags: String = scopes.iter().map(|s| format!(" --scope {s}")).collect();
                let _ = writeln!(
                    out,
                    "    scopegate groups create {id} --name \"{} access\"{flags}",
                    p.client
                );
            }
            (None, None) => {
                let _ = writeln!(
                    out,
                    "  no successful call matched a route: nothing to propose"
                );
            }
        }
        for r in &p.routes {
            let _ = writeln!(out, "    {} {} ({})", r.method, r.path, r.calls);
        }
        if p.failed_calls > 0 {
            let _ = writeln!(
                out,
                "  {} failed call(s) (status >= 400) not counted",
                p.failed_calls
            );
        }
        if p.unmatched_calls > 0 {
            let _ = writeln!(out, "  {} call(s) matched no route", p.unmatched_calls);
        }
    }
    if !report.unmatched.is_empty() {
        let _ = writeln!(out, "calls that match no route:");
        for (m, p, n) in &report.unmatched {
            let _ = writeln!(out, "  {m} {p} ({n})");
        }
    }
    if report.anonymous_calls > 0 {
        let _ = writeln!(
            out,
            "{} call(s) without a client were skipped",
            report.anonymous_calls
        );
    }
    for (n, e) in &report.unreadable_lines {
        let _ = writeln!(out, "line {n}: {e}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_and_json_lines_are_read() {
        let c = parse_line(r#"10.0.0.7 - till-001-1 [23/Nov/2026:10:00:00 +0000] "POST /loyalty/v1/points?x=1 HTTP/1.1" 201 12 "-" "curl/8""#)
            .unwrap()
            .unwrap();
        assert_eq!(
            c,
            Call {
                client: "till-001-1".into(),
                method: "POST".into(),
                path: "/loyalty/v1/points?x=1".into(),
                status: Some(201)
            }
        );
        let j = parse_line(r#"{"method":"GET","path":"/a","client":"bridge","status":"404"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(j.status, Some(404));
        assert!(parse_line("garbage").unwrap().is_err());
        assert!(parse_line("   ").is_none());
    }
}

//! `scopegate groups matrix`: which group may call which route, as a terminal table or a
//! self-contained HTML page (no external scripts, styles or fonts).
//!
//! A cell is allowed when the group's scopes (and `uid`) satisfy one of the route's scope sets:
//! the evaluator's rule. Inactive groups are shown, and every one of their cells is denied.
//! Routes are grouped by the API (source document) they come from, in the table's order, with
//! their base paths; allowed and denied differ in mark (`✓`, `✗`) as well as colour, so the
//! page reads in print and for colour-blind readers. Each group says who holds it, and the
//! header says which table the matrix was drawn from.

use std::fmt::Write;

use crate::runtime::groups::Status;
use crate::runtime::table::Table;

use super::file::GroupsFile;
use super::resolve::{group_scopes, Decider};

pub struct Column {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub builtin: bool,
    pub allowed: usize,
    /// Stores assigned to the group, and those that get it as the default.
    pub stores: Vec<String>,
    pub default_stores: Vec<String>,
    /// Tills of all those stores.
    pub tills: usize,
    /// API clients assigned, and by default.
    pub clients: Vec<String>,
    pub default_clients: Vec<String>,
    pub default: bool,
}

impl Column {
    /// `2 stores (5 tills), 1 API client`, or `nobody`.
    pub fn holders(&self) -> String {
        let stores = self.stores.len() + self.default_stores.len();
        let clients = self.clients.len() + self.default_clients.len();
        let mut parts = Vec::new();
        if stores > 0 {
            parts.push(format!(
                "{stores} store{} ({} till{})",
                plural(stores),
                self.tills,
                plural(self.tills)
            ));
        }
        if clients > 0 {
            parts.push(format!("{clients} API client{}", plural(clients)));
        }
        if parts.is_empty() {
            "nobody".into()
        } else {
            parts.join(", ")
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub struct Row {
    pub method: String,
    /// With its base path, as a gateway sees it.
    pub path: String,
    pub requirement: String,
    pub cells: Vec<bool>,
}

/// The routes of one API (source document).
pub struct Section {
    /// `Customers 1.0.0`, or the file when the document has no title.
    pub title: String,
    pub file: String,
    pub base_paths: Vec<String>,
    pub rows: Vec<Row>,
}

/// Which table the matrix was drawn from.
pub struct Drawn {
    /// As the user named it.
    pub table: String,
    pub digest: String,
    pub generator: String,
    /// When the table file was last written (the table itself records no time, so that
    /// compiling the same documents gives the same bytes).
    pub written: Option<String>,
}

pub struct Matrix {
    pub columns: Vec<Column>,
    pub sections: Vec<Section>,
    pub drawn: Drawn,
}

impl Matrix {
    pub fn routes(&self) -> usize {
        self.sections.iter().map(|s| s.rows.len()).sum()
    }

    fn rows(&self) -> impl Iterator<Item = &Row> {
        self.sections.iter().flat_map(|s| s.rows.iter())
    }
}

pub fn build(file: &GroupsFile, table: &Table, drawn: Drawn) -> Matrix {
    let groups: Vec<_> = file.groups().collect();
    let decider = Decider::new(table);
    let grants: Vec<_> = groups
        .iter()
        .map(|g| decider.grant(&group_scopes(file, g, table)))
        .collect();
    let mut sections: Vec<Section> = table
        .sources
        .iter()
        .map(|s| Section {
            title: match (&s.title, &s.version) {
                (Some(t), Some(v)) => format!("{t} {v}"),
                (Some(t), None) => t.clone(),
                (None, _) => s.file.clone(),
            },
            file: s.file.clone(),
            base_paths: s.base_paths.clone(),
            rows: Vec::new(),
        })
        .collect();
    for (index, r) in table.routes.iter().enumerate() {
        let row = Row {
            method: r.method.clone(),
            path: r.gateway_path(table),
            requirement: r
                .any_of
                .iter()
                .map(|set| set.join(" + "))
                .collect::<Vec<_>>()
                .join(" | "),
            cells: groups
                .iter()
                .zip(&grants)
                .map(|(g, grant)| g.status == Status::Active && decider.allows(grant, index))
                .collect(),
        };
        if let Some(section) = sections.get_mut(r.source) {
            section.rows.push(row);
        }
    }
    sections.retain(|s| !s.rows.is_empty());
    let ids = |v: Vec<&super::file::Store>| v.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    let columns = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let (stores, default_stores) = file.stores_of(&g.id);
            let (clients, default_clients) = file.clients_of(&g.id);
            Column {
                id: g.id.clone(),
                name: g.name.clone(),
                active: g.status == Status::Active,
                builtin: g.builtin,
                allowed: sections
                    .iter()
                    .flat_map(|s| &s.rows)
                    .filter(|r| r.cells[i])
                    .count(),
                tills: stores
                    .iter()
                    .chain(&default_stores)
                    .map(|s| s.tills.len())
                    .sum(),
                stores: ids(stores),
                default_stores: ids(default_stores),
                clients: clients.iter().map(|c| c.id.clone()).collect(),
                default_clients: default_clients.iter().map(|c| c.id.clone()).collect(),
                default: file
                    .brand
                    .default_group
                    .as_ref()
                    .is_some_and(|d| d.value == g.id),
            }
        })
        .collect();
    Matrix {
        columns,
        sections,
        drawn,
    }
}

/// `text` padded with spaces to `width` terminal columns (wide characters count two).
pub fn pad(text: &str, width: usize) -> String {
    let shown = columns(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

/// `text` centred in `width` terminal columns.
fn centre(text: &str, width: usize) -> String {
    let room = width.saturating_sub(columns(text));
    format!(
        "{}{text}{}",
        " ".repeat(room / 2),
        " ".repeat(room - room / 2)
    )
}

/// The terminal columns `text` takes.
pub fn columns(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

const ALLOWED: &str = "✓";
const DENIED: &str = "✗";

/// A terminal table: routes by API, `✓` allowed, `✗` denied (green and red with `color`),
/// then who holds each group.
pub fn render_text(m: &Matrix, color: bool) -> String {
    let paint = |mark: &str, code: &str| {
        if color {
            format!("\x1b[{code}m{mark}\x1b[0m")
        } else {
            mark.to_string()
        }
    };
    let label = |r: &Row| format!("  {:6} {}", r.method, r.path);
    let width = m
        .rows()
        .map(|r| columns(&label(r)))
        .chain(m.sections.iter().map(|s| columns(&s.title)))
        .max()
        .unwrap_or(5)
        .max(7);
    let widths: Vec<usize> = m.columns.iter().map(|c| columns(&c.id).max(3)).collect();
    let d = &m.drawn;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Access groups × routes, from {} ({}{}, {})",
        d.table,
        d.digest,
        d.written
            .as_ref()
            .map_or(String::new(), |w| format!(", written {w}")),
        d.generator
    );
    let _ = writeln!(
        out,
        "{ALLOWED} allowed  {DENIED} denied; {} routes × {} groups\n",
        m.routes(),
        m.columns.len()
    );
    let _ = write!(out, "{}", pad("", width));
    for (c, w) in m.columns.iter().zip(&widths) {
        let _ = write!(out, "  {}", centre(&c.id, *w));
    }
    out.push('\n');
    for section in &m.sections {
        let bases = if section.base_paths.is_empty() {
            String::new()
        } else {
            format!(" at {}", section.base_paths.join(", "))
        };
        let _ = writeln!(out, "{} ({}{bases})", section.title, section.file);
        for row in &section.rows {
            let _ = write!(out, "{}", pad(&label(row), width));
            for (cell, w) in row.cells.iter().zip(&widths) {
                let mark = if *cell {
                    paint(ALLOWED, "32")
                } else {
                    paint(DENIED, "31")
                };
                // Centred by hand: the colour codes take no columns.
                let room = w - 1;
                let _ = write!(
                    out,
                    "  {}{mark}{}",
                    " ".repeat(room / 2),
                    " ".repeat(room - room / 2)
                );
            }
            let line = out.trim_end_matches(' ').len();
            out.truncate(line);
            out.push('\n');
        }
    }
    let _ = write!(out, "{}", pad("allowed", width));
    for (c, w) in m.columns.iter().zip(&widths) {
        let _ = write!(out, "  {}", centre(&c.allowed.to_string(), *w));
    }
    let line = out.trim_end_matches(' ').len();
    out.truncate(line);
    out.push_str("\n\nWho holds each group:\n");
    let id_width = m.columns.iter().map(|c| columns(&c.id)).max().unwrap_or(0);
    for c in &m.columns {
        let mut notes = Vec::new();
        if !c.active {
            notes.push("inactive: every request denied".to_string());
        }
        if c.default {
            notes.push("the default group".to_string());
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join("; "))
        };
        let _ = writeln!(out, "  {}  {}{notes}", pad(&c.id, id_width), c.holders());
        let mut who = Vec::new();
        if !c.stores.is_empty() {
            who.push(format!("stores: {}", shortlist(&c.stores)));
        }
        if !c.default_stores.is_empty() {
            who.push(format!("by default: {}", shortlist(&c.default_stores)));
        }
        if !c.clients.is_empty() || !c.default_clients.is_empty() {
            let all: Vec<String> = c
                .clients
                .iter()
                .cloned()
                .chain(
                    c.default_clients
                        .iter()
                        .map(|id| format!("{id} (by default)")),
                )
                .collect();
            who.push(format!("API clients: {}", shortlist(&all)));
        }
        for line in who {
            let _ = writeln!(out, "  {}    {line}", pad("", id_width));
        }
    }
    out
}

/// Ids, the first ten and how many more.
fn shortlist(ids: &[String]) -> String {
    const SHOWN: usize = 10;
    let shown = ids[..ids.len().min(SHOWN)].join(", ");
    if ids.len() > SHOWN {
        format!("{shown} and {} more", ids.len() - SHOWN)
    } else {
        shown
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One HTML page, styles and the filter script inline.
pub fn render_html(m: &Matrix, title: &str) -> String {
    let d = &m.drawn;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1f2328; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #d0d7de; padding: 2px 8px; }}
thead th {{ position: sticky; top: 0; background: #f6f8fa; vertical-align: bottom; }}
th.api {{ text-align: left; background: #eaeef2; font-weight: 600; }}
th.api small {{ font-weight: normal; color: #57606a; }}
td.route {{ font-family: ui-monospace, monospace; white-space: nowrap; }}
td.allow {{ background: #dafbe1; color: #116329; text-align: center; font-weight: 700; }}
td.deny {{ background: #fff1e5; color: #953800; text-align: center; }}
th.inactive {{ color: #6e7781; text-decoration: line-through; }}
th small {{ display: block; font-weight: normal; color: #57606a; }}
dl.drawn {{ display: grid; grid-template-columns: max-content auto; gap: 0 1rem; }}
dl.drawn dt {{ color: #57606a; }} dl.drawn dd {{ margin: 0; font-family: ui-monospace, monospace; }}
@media print {{
  thead th {{ position: static; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  #filter {{ display: none; }}
}}
</style>
</head>
<body>
<h1>{title}</h1>
<dl class="drawn">
<dt>table</dt><dd>{table}</dd>
<dt>digest</dt><dd>{digest}</dd>
<dt>written</dt><dd>{written}</dd>
<dt>generator</dt><dd>{generator}</dd>
</dl>
<p><input id="filter" placeholder="filter routes" size="40"> {routes} routes in {apis} APIs × {groups} groups.
<strong>✓</strong> allowed, <strong>✗</strong> denied; struck-through groups are inactive (they deny everything).</p>
<table>
<thead><tr><th>route</th><th>requires</th>"#,
        title = escape(title),
        table = escape(&d.table),
        digest = escape(&d.digest),
        written = escape(d.written.as_deref().unwrap_or("unknown")),
        generator = escape(&d.generator),
        routes = m.routes(),
        apis = m.sections.len(),
        groups = m.columns.len()
    );
    for c in &m.columns {
        let class = if c.active { "" } else { " class=\"inactive\"" };
        let kind = if c.builtin { "built-in" } else { "custom" };
        let default = if c.default { ", default" } else { "" };
        let _ = write!(
            out,
            "<th{class} title=\"{}\">{}<small>{kind}{default}, {} allowed</small><small>{}</small></th>",
            escape(&c.name),
            escape(&c.id),
            c.allowed,
            escape(&c.holders())
        );
    }
    out.push_str("</tr></thead>\n");
    let span = m.columns.len() + 2;
    for section in &m.sections {
        let bases = if section.base_paths.is_empty() {
            String::new()
        } else {
            format!(" · {}", section.base_paths.join(", "))
        };
        let _ = writeln!(
            out,
            "<tbody><tr><th class=\"api\" colspan=\"{span}\">{} <small>{}{}</small></th></tr>",
            escape(&section.title),
            escape(&section.file),
            escape(&bases)
        );
        for r in &section.rows {
            let _ = write!(
                out,
                "<tr class=\"route\"><td class=\"route\">{} {}</td><td class=\"route\">{}</td>",
                escape(&r.method),
                escape(&r.path),
                escape(&r.requirement)
            );
            for cell in &r.cells {
                out.push_str(if *cell {
                    "<td class=\"allow\" title=\"allowed\">✓</td>"
                } else {
                    "<td class=\"deny\" title=\"denied\">✗</td>"
                });
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("</table>\n<h2>Who holds each group</h2>\n<dl>\n");
    for c in &m.columns {
        let _ = write!(
            out,
            "<dt><strong>{}</strong> ({}){}</dt><dd>{}",
            escape(&c.id),
            escape(&c.name),
            if c.active {
                ""
            } else {
                " — inactive, every request denied"
            },
            escape(&c.holders())
        );
        for (what, ids) in [
            ("stores", &c.stores),
            ("stores by default", &c.default_stores),
            ("API clients", &c.clients),
            ("API clients by default", &c.default_clients),
        ] {
            if !ids.is_empty() {
                let _ = write!(out, "<br>{what}: {}", escape(&ids.join(", ")));
            }
        }
        out.push_str("</dd>\n");
    }
    out.push_str(
        r#"</dl>
<script>
document.getElementById("filter").addEventListener("input", function (e) {
  var q = e.target.value.toLowerCase();
  document.querySelectorAll("tr.route").forEach(function (tr) {
    tr.style.display = tr.cells[0].textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
  });
});
</script>
</body>
</html>
"#,
    );
    out
}

/// The matrix as JSON: the table it was drawn from, the groups with their holders, and the
/// routes by API with the groups that may call each.
pub fn to_json(m: &Matrix) -> serde_json::Value {
    let d = &m.drawn;
    serde_json::json!({
        "table": {"path": d.table, "digest": d.digest, "generator": d.generator, "written": d.written},
        "groups": m.columns.iter().map(|c| serde_json::json!({
            "id": c.id, "name": c.name, "active": c.active, "builtin": c.builtin,
            "default": c.default, "allowed": c.allowed, "tills": c.tills,
            "stores": c.stores, "stores_by_default": c.default_stores,
            "clients": c.clients, "clients_by_default": c.default_clients,
        })).collect::<Vec<_>>(),
        "apis": m.sections.iter().map(|s| serde_json::json!({
            "title": s.title, "file": s.file, "base_paths": s.base_paths,
            "routes": s.rows.iter().map(|r| serde_json::json!({
                "method": r.method, "path": r.path, "requires": r.requirement,
                "allowed": m.columns.iter().zip(&r.cells)
                    .filter(|(_, allowed)| **allowed)
                    .map(|(c, _)| c.id.as_str())
                    .collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

//! `scopegate groups matrix --table T`: which group may call which route, as a terminal table
//! or a self-contained HTML page (no external scripts, styles or fonts).
//!
//! A cell is allowed when the group's scopes (and `uid`) satisfy one of the route's scope sets:
//! the evaluator's rule. Inactive groups are shown, and every one of their cells is denied.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::runtime::groups::Status;
use crate::runtime::table::Table;

use super::file::GroupsFile;
use super::resolve::{group_scopes, satisfies};

pub struct Column {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub builtin: bool,
    pub allowed: usize,
}

pub struct Row {
    pub method: String,
    pub path: String,
    pub requirement: String,
    pub cells: Vec<bool>,
}

pub struct Matrix {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

pub fn build(file: &GroupsFile, table: &Table) -> Matrix {
    let groups: Vec<_> = file.groups().collect();
    let scopes: Vec<BTreeSet<String>> = groups
        .iter()
        .map(|g| group_scopes(file, g, table))
        .collect();
    let rows: Vec<Row> = table
        .routes
        .iter()
        .map(|r| Row {
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
                .zip(&scopes)
                .map(|(g, s)| g.status == Status::Active && satisfies(&r.any_of, s))
                .collect(),
        })
        .collect();
    let columns = groups
        .iter()
        .enumerate()
        .map(|(i, g)| Column {
            id: g.id.clone(),
            name: g.name.clone(),
            active: g.status == Status::Active,
            builtin: g.builtin,
            allowed: rows.iter().filter(|r| r.cells[i]).count(),
        })
        .collect();
    Matrix { columns, rows }
}

/// `text` padded with spaces to `width` terminal columns (wide characters count two).
pub fn pad(text: &str, width: usize) -> String {
    let shown = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}

/// The terminal columns `text` takes.
pub fn columns(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// A plain-text table: `✓` allowed, `·` denied.
pub fn render_text(m: &Matrix) -> String {
    let label = |r: &Row| format!("{} {}", r.method, r.path);
    let width = m
        .rows
        .iter()
        .map(|r| label(r).chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let widths: Vec<usize> = m
        .columns
        .iter()
        .map(|c| c.id.chars().count().max(3))
        .collect();
    let mut out = String::new();
    let _ = write!(out, "{:width$}", "route");
    for (c, w) in m.columns.iter().zip(&widths) {
        let _ = write!(out, "  {:^w$}", c.id);
    }
    out.push('\n');
    for row in &m.rows {
        let _ = write!(out, "{:width$}", label(row));
        for (cell, w) in row.cells.iter().zip(&widths) {
            let _ = write!(out, "  {:^w$}", if *cell { "✓" } else { "·" });
        }
        out.push('\n');
    }
    let _ = write!(out, "{:width$}", "allowed");
    for (c, w) in m.columns.iter().zip(&widths) {
        let _ = write!(out, "  {:^w$}", c.allowed);
    }
    out.push('\n');
    let inactive: Vec<&str> = m
        .columns
        .iter()
        .filter(|c| !c.active)
        .map(|c| c.id.as_str())
        .collect();
    if !inactive.is_empty() {
        let _ = writeln!(
            out,
            "inactive (every request denied): {}",
            inactive.join(", ")
        );
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One HTML page, styles and the filter script inline.
pub fn render_html(m: &Matrix, title: &str) -> String {
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
thead th {{ position: sticky; top: 0; background: #f6f8fa; }}
td.route {{ font-family: ui-monospace, monospace; white-space: nowrap; }}
td.allow {{ background: #dafbe1; text-align: center; }}
td.deny {{ color: #8c959f; text-align: center; }}
th.inactive {{ color: #8c959f; text-decoration: line-through; }}
th small {{ display: block; font-weight: normal; color: #57606a; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p><input id="filter" placeholder="filter routes" size="40"> {routes} routes × {groups} groups. ✓ allowed, · denied; struck-through groups are inactive.</p>
<table>
<thead><tr><th>route</th><th>requires</th>"#,
        title = escape(title),
        routes = m.rows.len(),
        groups = m.columns.len()
    );
    for c in &m.columns {
        let class = if c.active { "" } else { " class=\"inactive\"" };
        let kind = if c.builtin { "built-in" } else { "custom" };
        let _ = write!(
            out,
            "<th{class} title=\"{}\">{}<small>{kind}, {} allowed</small></th>",
            escape(&c.name),
            escape(&c.id),
            c.allowed
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &m.rows {
        let _ = write!(
            out,
            "<tr><td class=\"route\">{} {}</td><td class=\"route\">{}</td>",
            escape(&r.method),
            escape(&r.path),
            escape(&r.requirement)
        );
        for cell in &r.cells {
            out.push_str(if *cell {
                "<td class=\"allow\">✓</td>"
            } else {
                "<td class=\"deny\">·</td>"
            });
        }
        out.push_str("</tr>\n");
    }
    out.push_str(
        r#"</tbody>
</table>
<script>
document.getElementById("filter").addEventListener("input", function (e) {
  var q = e.target.value.toLowerCase();
  document.querySelectorAll("tbody tr").forEach(function (tr) {
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

//! `scopegate groups validate --table T`: the groups files against a permission table.
//!
//! Errors: the files' consistency (missing groups, redefined built-ins, duplicate client ids),
//! a permission or listed scope that grants no scope of the table (a typo, or an API that is
//! gone), a group that grants nothing. Warnings: an inactive default group, and applications of
//! the table that are neither `data` nor `config`, whose scopes no permission can reach.

use std::collections::BTreeSet;

use crate::runtime::table::{AccessType, Table};

use super::file::{GroupsFile, Layer};
use super::resolve::{grants, group_scopes, resource_of};
use crate::diagnostic::{Diagnostic, GROUPS_TABLE};
use crate::runtime::groups::Status;

/// The severity scale of every finding (validation uses `Error` and `Warning`).
pub use crate::severity::Severity;

/// Every finding is a [`Diagnostic`]: the file's consistency problems as `invalid-groups`, the
/// rest as `groups-table`.
pub fn validate(file: &GroupsFile, table: &Table) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = file.consistency();
    let kinds = file.application_kinds();
    let declared: BTreeSet<&str> = table
        .scopes
        .iter()
        .map(|s| s.name.as_str())
        .chain(
            table
                .routes
                .iter()
                .flat_map(|r| r.any_of.iter().flatten().map(String::as_str)),
        )
        .collect();
    let layers: Vec<&Layer> = file
        .platform
        .iter()
        .chain(std::iter::once(&file.brand))
        .collect();
    for layer in &layers {
        for group in &layer.groups {
            for p in &group.permissions {
                if p.level == super::file::Level::None {
                    continue;
                }
                if table.scopes.iter().any(|s| grants(p, s, &kinds)) {
                    continue;
                }
                let on_resource: Vec<_> = table
                    .scopes
                    .iter()
                    .filter(|s| resource_of(s) == p.resource)
                    .collect();
                let why = if on_resource.is_empty() {
                    let resources: BTreeSet<&str> = table.scopes.iter().map(resource_of).collect();
                    format!(
                        "no scope of the table is on resource `{}`{}",
                        p.resource,
                        crate::suggest::did_you_mean(&p.resource, resources)
                    )
                } else if !on_resource
                    .iter()
                    .any(|s| kinds.get(s.application.as_str()) == Some(&p.kind))
                {
                    let apps: BTreeSet<&str> =
                        on_resource.iter().map(|s| s.application.as_str()).collect();
                    format!(
                        "`{}` belongs to {}, which `applications` does not list as a {} API",
                        p.resource,
                        apps.into_iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        p.kind.name()
                    )
                } else {
                    let access: BTreeSet<&str> = on_resource
                        .iter()
                        .map(|s| match s.access {
                            AccessType::Read => "read",
                            AccessType::Write => "write",
                        })
                        .collect();
                    format!(
                        "the table has only {} scopes on `{}`",
                        access.into_iter().collect::<Vec<_>>().join(" and "),
                        p.resource
                    )
                };
                out.push(finding(
                    Severity::Error,
                    layer.problem(
                        p.span,
                        format!(
                            "group `{}`: `{}: {}: {}` grants no scope of the table: {why}",
                            group.id,
                            p.kind.name(),
                            p.resource,
                            p.level.name()
                        ),
                    ),
                ));
            }
            for s in &group.scopes {
                if !declared.contains(s.value.as_str()) {
                    out.push(finding(
                        Severity::Error,
                        layer.problem(
                            s.span,
                            format!(
                                "group `{}`: scope `{}` is not in the table{}",
                                group.id,
                                s.value,
                                crate::suggest::did_you_mean(&s.value, declared.iter().copied())
                            ),
                        ),
                    ));
                }
            }
            let granted = group_scopes(file, group, table);
            if !granted.iter().any(|s| declared.contains(s.as_str())) {
                out.push(finding(Severity::Error, layer.problem(
                        group.span,
                        format!("group `{}` grants nothing: none of its permissions or scopes reaches a scope of the table", group.id),
                    )));
            }
        }
    }
    if let Some(d) = &file.brand.default_group {
        if file
            .group(&d.value)
            .is_some_and(|g| g.status == Status::Inactive)
        {
            out.push(finding(Severity::Warning, file.brand.problem(
                    d.span,
                    format!("the default group `{}` is inactive: stores and clients without a group are denied", d.value),
                )));
        }
    }
    let unclassified: BTreeSet<&str> = table
        .scopes
        .iter()
        .map(|s| s.application.as_str())
        .filter(|a| !kinds.contains_key(a))
        .collect();
    for app in unclassified {
        out.push(finding(Severity::Warning, file.brand.problem(
                crate::load::Span::empty(0),
                format!("application `{app}` of the table is not listed under `applications` (data or config): only scopes listed by name reach it"),
            )));
    }
    out.sort_by(|a, b| {
        let key = |d: &Diagnostic| (d.path.clone(), d.position(), d.message.clone());
        key(a).cmp(&key(b))
    });
    out
}

/// A finding against the table, at the place `at` names.
fn finding(severity: Severity, at: Diagnostic) -> Diagnostic {
    Diagnostic {
        rule: GROUPS_TABLE,
        severity,
        ..at
    }
}

//! The guideline rules. Each rule is one module with a [`Rule`] constant and a `check`
//! function that reads the security model through the [`Context`] and reports to its
//! [`Findings`] (which carry the rule's id and severity); the registry [`ALL`] lists them.
//! A rule's documentation has one source, its page `rules/<id>.md`: the module's doc and
//! `Rule::doc` (what `scopegate rules ID` prints) both include it. Each message a rule gives is
//! a named function (or constant) in its module, after `check`, so its wording is found and
//! reviewed in one place. Adding a rule: a module here, its page, fixtures under
//! `tests/fixtures/rules/<id>/`, and one line in [`ALL`].

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diagnostic::{Diagnostic, OperationRef, Severity};
use crate::model::scope::{Grammar, Scope};
use crate::model::{
    DeclaredScope, Located, Location, Model, Operation, Requirement, SchemeUse, SecurityList,
    SecurityScheme, SecuritySource,
};

mod no_authorization_header;
mod oauth2_defined;
mod oauth2_flow_valid;
mod oauth2_password_flow;
mod oauth2_url_https;
mod openapi_version_known;
mod operation_scoped;
mod operation_secured;
mod scope_access_method;
mod scope_application_id;
mod scope_declared;
mod scope_description;
mod scope_name;
mod scope_standard_preferred;
mod scope_unused;
mod security_scheme_defined;
mod uid_alone;

/// A rule: its id, default severity, one-line summary, documentation page and check.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// `rules/<id>.md`.
    pub doc: &'static str,
    /// Looks at the model and reports what it finds to `Findings`, which knows the rule and
    /// the severity it reports with.
    pub check: fn(&Context<'_>, &mut Findings),
}

/// `invalid-document` is reported by loading, not by a check; it is listed for `rules`.
pub const INVALID_DOCUMENT: Rule = Rule {
    id: crate::diagnostic::INVALID_DOCUMENT,
    severity: Severity::Error,
    summary: "the file cannot be read, parsed or resolved, or breaks a loading limit",
    doc: include_str!("../../rules/invalid-document.md"),
    check: |_, _| {},
};

/// Every rule, in the order of SPEC section 4 (and `openapi-version-known`, which SPEC section 3
/// asks for).
pub const ALL: &[&Rule] = &[
    &oauth2_defined::RULE,
    &oauth2_password_flow::RULE,
    &oauth2_flow_valid::RULE,
    &oauth2_url_https::RULE,
    &security_scheme_defined::RULE,
    &operation_secured::RULE,
    &operation_scoped::RULE,
    &scope_declared::RULE,
    &scope_name::RULE,
    &scope_description::RULE,
    &scope_unused::RULE,
    &scope_application_id::RULE,
    &scope_access_method::RULE,
    &uid_alone::RULE,
    &scope_standard_preferred::RULE,
    &no_authorization_header::RULE,
    &openapi_version_known::RULE,
    &INVALID_DOCUMENT,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// What configuration can change about the rules.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Severity overrides; `None` turns a rule off.
    pub severities: HashMap<String, Option<Severity>>,
    /// The API's expected application id, for `scope-application-id`.
    pub application_id: Option<String>,
    pub grammar: Grammar,
}

impl Settings {
    /// The severity a rule reports with, or `None` when it is off.
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        match self.severities.get(rule.id) {
            Some(s) => *s,
            None => Some(rule.severity),
        }
    }
}

/// What a rule sees: the model, the settings, and indexes built once for all rules.
pub struct Context<'a> {
    pub model: &'a Model,
    pub settings: &'a Settings,
    schemes: HashMap<&'a str, &'a SecurityScheme>,
}

/// Where a rule reports: it knows the rule's id and the severity it reports with, so a rule
/// cannot report under another's name.
pub struct Findings {
    rule: &'static str,
    severity: Severity,
    list: Vec<Diagnostic>,
}

impl Findings {
    fn new(rule: &'static str, severity: Severity) -> Findings {
        Findings {
            rule,
            severity,
            list: Vec::new(),
        }
    }

    /// Reports a finding at `at`, for `operation` when it is about one.
    pub fn report(
        &mut self,
        at: &Location,
        message: impl Into<String>,
        operation: Option<&Operation>,
    ) {
        let mut d = Diagnostic::at(self.rule, self.severity, message.into(), at);
        d.operation = operation.map(|o| OperationRef {
            method: o.method.clone(),
            path: o.path.clone(),
        });
        self.list.push(d);
    }
}

impl<'a> Context<'a> {
    pub fn new(model: &'a Model, settings: &'a Settings) -> Context<'a> {
        let schemes = model
            .security_schemes
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect();
        Context {
            model,
            settings,
            schemes,
        }
    }

    pub fn scheme(&self, name: &str) -> Option<&'a SecurityScheme> {
        self.schemes.get(name).copied()
    }

    pub fn oauth2_schemes(&self) -> impl Iterator<Item = &'a SecurityScheme> + 'a {
        self.model.security_schemes.iter().filter(|s| s.is_oauth2())
    }

    pub fn parse<'s>(&self, scope: &'s str) -> Option<Scope<'s>> {
        self.settings.grammar.parse(scope)
    }

    /// Whether `scope` is declared in scheme `scheme`.
    pub fn is_declared(&self, scheme: &str, scope: &str) -> bool {
        self.scheme(scheme).is_some_and(|s| s.declares(scope))
    }

    /// Whether the list a requirement gives `used` holds oauth2 scopes: its scheme is a
    /// defined oauth2 scheme. (In 3.1 the list of any other scheme holds role names, which no
    /// scope rule judges; an undefined scheme is left to `security-scheme-defined`.)
    pub fn holds_scopes(&self, used: &SchemeUse) -> bool {
        self.scheme(&used.scheme).is_some_and(|s| s.is_oauth2())
    }

    /// The oauth2 scopes one requirement names.
    pub fn scopes_in<'r>(&self, req: &'r Requirement) -> Vec<&'r Located<String>> {
        req.schemes
            .iter()
            .filter(|used| self.holds_scopes(used))
            .flat_map(|used| &used.scopes)
            .collect()
    }

    /// The operations the rules check: the API's own, not webhooks.
    pub fn operations(&self) -> &'a [Operation] {
        &self.model.operations
    }

    /// Every declared scope with the scheme that declares it, in document order: once per
    /// scheme and name, however many flows declare it.
    pub fn declared_scopes(&self) -> Vec<(&'a SecurityScheme, &'a DeclaredScope)> {
        self.oauth2_schemes()
            .flat_map(|s| s.scopes.iter().map(move |d| (s, d)))
            .collect()
    }

    /// Every oauth2 scope written in a requirement, once per place: the operation whose own
    /// list it is in (none for the top-level list), the scheme it is required under, and the
    /// scope.
    pub fn required_scopes(
        &self,
    ) -> Vec<(Option<&'a Operation>, &'a SchemeUse, &'a Located<String>)> {
        let mut out = Vec::new();
        for (op, used) in self.scheme_uses() {
            if self.holds_scopes(used) {
                out.extend(used.scopes.iter().map(|scope| (op, used, scope)));
            }
        }
        out
    }

    /// Every scheme named in a written requirement, with the operation whose own list it is
    /// in (none for the top-level list).
    pub fn scheme_uses(&self) -> Vec<(Option<&'a Operation>, &'a SchemeUse)> {
        let mut out = Vec::new();
        for (op, list) in self.written_lists() {
            for req in &list.requirements {
                out.extend(req.schemes.iter().map(|used| (op, used)));
            }
        }
        out
    }

    /// Operations that inherit the top-level list.
    pub fn inheriting(&self) -> usize {
        self.operations()
            .iter()
            .filter(|o| o.security.source == SecuritySource::TopLevel)
            .count()
    }

    /// Every security list written in the document, once each: the top-level list (no
    /// operation), then each operation's own list.
    pub fn written_lists(&self) -> Vec<(Option<&'a Operation>, &'a SecurityList)> {
        let mut lists: Vec<(Option<&'a Operation>, &'a SecurityList)> = Vec::new();
        if let Some(top) = &self.model.security {
            lists.push((None, top));
        }
        for op in self.operations() {
            if op.security.source == SecuritySource::Operation {
                if let Some(list) = &op.security.list {
                    lists.push((Some(op), list));
                }
            }
        }
        lists
    }

    /// The lists in force: each operation's own list, and the top-level list once when some
    /// operation inherits it. A mistake in the top-level list is one finding, not one per
    /// operation that inherits it.
    pub fn lists_in_force(&self) -> Vec<(Option<&'a Operation>, &'a SecurityList)> {
        let inherited = self.inheriting() > 0;
        self.written_lists()
            .into_iter()
            .filter(|(op, _)| op.is_some() || inherited)
            .collect()
    }
}

/// Runs every rule that is on over one model.
pub fn check(model: &Model, settings: &Settings) -> Vec<Diagnostic> {
    let cx = Context::new(model, settings);
    let mut all = Vec::new();
    for rule in ALL {
        let Some(severity) = settings.severity(rule) else {
            continue;
        };
        let mut findings = Findings::new(rule.id, severity);
        (rule.check)(&cx, &mut findings);
        all.append(&mut findings.list);
    }
    all
}

/// Every oauth2 scope the operations' lists in force use, by name, with the schemes it is
/// used under.
pub fn used_scopes<'a>(cx: &Context<'a>) -> BTreeMap<&'a str, HashSet<&'a str>> {
    let mut used: BTreeMap<&'a str, HashSet<&'a str>> = BTreeMap::new();
    for (_, list) in cx.lists_in_force() {
        for req in &list.requirements {
            for scheme in req.schemes.iter().filter(|u| cx.holds_scopes(u)) {
                for scope in &scheme.scopes {
                    used.entry(scope.value.as_str())
                        .or_default()
                        .insert(scheme.scheme.as_str());
                }
            }
        }
    }
    used
}

/// `GET /path`, for messages.
pub fn operation_label(op: &Operation) -> String {
    format!("`{} {}`", op.method, op.path)
}

#[cfg(test)]
mod tests;

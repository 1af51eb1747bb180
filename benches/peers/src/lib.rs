//! The three engines answering one question: may a principal holding these scopes call
//! METHOD PATH, by the table compiled from GitHub's scoped description?
//!
//! - scopegate: the runtime evaluator.
//! - cedar: routing first (scopegate's trie finds the route), then the route's own policy set:
//!   `permit(...) when { principal.scopes.containsAll([...]) || ... }`.
//! - casbin: one policy per route and alternative, `keyMatch2` on the path template, the
//!   principal's scopes as its roles.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::str::FromStr;

use scopegate::compile::{self, CompileOptions};
use scopegate::load::walk;
use scopegate::rules::Settings;
use scopegate::runtime::{Evaluator, Grant, Options, Principal, Table};

pub fn github_table() -> Table {
    let corpus = std::env::var_os("SCOPEGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/scopegate-corpus")
        });
    let inputs = walk::discover(&[corpus.join("scoped/github.json")], &[], &corpus).unwrap();
    compile::compile(&inputs, &Settings::default(), CompileOptions::default())
        .expect("compile")
        .table
}

/// A request path for a route, each parameter filled with `p1`.
pub fn instantiate(template: &str) -> String {
    scopegate::runtime::template::instantiate(template, "p1")
}

pub struct Scopegate {
    pub evaluator: Evaluator,
}

impl Scopegate {
    pub fn new(table: Table) -> Self {
        Scopegate {
            evaluator: Evaluator::new(table, Options::default()),
        }
    }
    pub fn grant(&self, scopes: &[String]) -> Grant {
        self.evaluator
            .grant(&Principal::with_scopes(scopes.iter().cloned()))
    }
    pub fn allows(&self, grant: &Grant, method: &str, path: &str) -> bool {
        self.evaluator.evaluate(grant, method, path).is_allow()
    }
}

pub struct Cedar {
    router: Evaluator,
    route_grant: Grant,
    policies: Vec<cedar_policy::PolicySet>,
    authorizer: cedar_policy::Authorizer,
    action: cedar_policy::EntityUid,
    resource: cedar_policy::EntityUid,
}

pub struct CedarPrincipal {
    uid: cedar_policy::EntityUid,
    entities: cedar_policy::Entities,
}

impl Cedar {
    pub fn new(table: Table) -> Self {
        let policies = table
            .routes
            .iter()
            .map(|r| {
                let sets: Vec<String> = r
                    .any_of
                    .iter()
                    .map(|set| {
                        let list: Vec<String> = set.iter().map(|s| format!("{s:?}")).collect();
                        format!("principal.scopes.containsAll([{}])", list.join(", "))
                    })
                    .collect();
                let text = format!(
                    "permit(principal, action, resource) when {{ {} }};",
                    sets.join(" || ")
                );
                cedar_policy::PolicySet::from_str(&text).expect("policy")
            })
            .collect();
        let router = Evaluator::new(table, Options::default());
        // Routing only: a grant holding every scope finds the route whatever the principal.
        let all: Vec<String> = router
            .table()
            .routes
            .iter()
            .flat_map(|r| r.any_of.iter().flatten().cloned())
            .collect();
        let route_grant = router.grant(&Principal::with_scopes(all));
        Cedar {
            router,
            route_grant,
            policies,
            authorizer: cedar_policy::Authorizer::new(),
            action: cedar_policy::EntityUid::from_str(r#"Action::"call""#).unwrap(),
            resource: cedar_policy::EntityUid::from_str(r#"Route::"r""#).unwrap(),
        }
    }

    pub fn principal(&self, scopes: &[String]) -> CedarPrincipal {
        let uid = cedar_policy::EntityUid::from_str(r#"User::"p""#).unwrap();
        let mut held: Vec<String> = scopes.to_vec();
        held.push("uid".into());
        let set = cedar_policy::RestrictedExpression::new_set(
            held.into_iter()
                .map(cedar_policy::RestrictedExpression::new_string),
        );
        let attrs = HashMap::from([("scopes".to_string(), set)]);
        let entity = cedar_policy::Entity::new(uid.clone(), attrs, HashSet::new()).unwrap();
        let entities = cedar_policy::Entities::from_entities([entity], None).unwrap();
        CedarPrincipal { uid, entities }
    }

    pub fn allows(&self, principal: &CedarPrincipal, method: &str, path: &str) -> bool {
        let decision = self.router.evaluate(&self.route_grant, method, path);
        let Some(route) = decision.route() else {
            return false;
        };
        let index = route as *const _ as usize - self.router.table().routes.as_ptr() as usize;
        let index = index / std::mem::size_of::<scopegate::runtime::Route>();
        let request = cedar_policy::Request::new(
            principal.uid.clone(),
            self.action.clone(),
            self.resource.clone(),
            cedar_policy::Context::empty(),
            None,
        )
        .unwrap();
        let response =
            self.authorizer
                .is_authorized(&request, &self.policies[index], &principal.entities);
        response.decision() == cedar_policy::Decision::Allow
    }
}

pub struct Casbin {
    enforcer: casbin::Enforcer,
}

const CASBIN_MODEL: &str = "
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && keyMatch2(r.obj, p.obj) && r.act == p.act
";

impl Casbin {
    /// Requirement sets of more than one scope have no casbin counterpart here; the GitHub
    /// table has none (every set is one scope).
    pub fn new(table: &Table) -> Self {
        use casbin::{CoreApi, MgmtApi};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let model = casbin::DefaultModel::from_str(CASBIN_MODEL).await.unwrap();
            let adapter = casbin::MemoryAdapter::default();
            let mut enforcer = casbin::Enforcer::new(model, adapter).await.unwrap();
            let mut policies = Vec::new();
            for r in &table.routes {
                let path = r.path.replace('{', ":").replace('}', "");
                for set in &r.any_of {
                    assert_eq!(set.len(), 1, "casbin model takes one scope per alternative");
                    policies.push(vec![set[0].clone(), path.clone(), r.method.clone()]);
                }
            }
            enforcer.add_policies(policies).await.unwrap();
            Casbin { enforcer }
        })
    }

    /// The principal's scopes become its roles; returns the subject name to ask with.
    pub fn principal(&mut self, name: &str, scopes: &[String]) -> String {
        use casbin::MgmtApi;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut rules: Vec<Vec<String>> = scopes
            .iter()
            .map(|s| vec![name.to_string(), s.clone()])
            .collect();
        rules.push(vec![name.to_string(), "uid".into()]);
        runtime
            .block_on(self.enforcer.add_grouping_policies(rules))
            .unwrap();
        name.to_string()
    }

    pub fn allows(&self, subject: &str, method: &str, path: &str) -> bool {
        use casbin::CoreApi;
        self.enforcer
            .enforce((subject, path, method))
            .unwrap_or(false)
    }
}

//! Scope names and the guideline's grammar:
//!
//! ```text
//! <api-scope> ::= <application-id>.<access-type>
//!               | <application-id>.<resource-id>.<access-type>
//!               | uid
//! <access-type> ::= read | write
//! ```

use regex::Regex;

/// The pseudo-scope "any authenticated user".
pub const UID: &str = "uid";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
}

/// A grammatical scope name, split into its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    Uid,
    Api {
        application: &'a str,
        /// `None` for a standard scope.
        resource: Option<&'a str>,
        access: Access,
    },
}

/// The regexes for the two id parts; configurable in `scopegate.yaml`.
#[derive(Clone, Debug)]
pub struct Grammar {
    application: Regex,
    resource: Regex,
}

pub const DEFAULT_APPLICATION_ID: &str = "[a-z][a-z0-9-]*";
pub const DEFAULT_RESOURCE_ID: &str = "[a-z][a-z0-9_-]*";

impl Default for Grammar {
    fn default() -> Self {
        Grammar::new(DEFAULT_APPLICATION_ID, DEFAULT_RESOURCE_ID).expect("default grammar")
    }
}

impl Grammar {
    /// Both patterns must match a whole id part.
    pub fn new(application: &str, resource: &str) -> Result<Grammar, regex::Error> {
        Ok(Grammar {
            application: Regex::new(&format!("^(?:{application})$"))?,
            resource: Regex::new(&format!("^(?:{resource})$"))?,
        })
    }

    /// The parts of `name`, or `None` when it does not follow the grammar.
    pub fn parse<'a>(&self, name: &'a str) -> Option<Scope<'a>> {
        if name == UID {
            return Some(Scope::Uid);
        }
        let mut parts = name.split('.');
        let (application, resource, access) =
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(x), None, None) => (a, None, x),
                (Some(a), Some(r), Some(x), None) => (a, Some(r), x),
                _ => return None,
            };
        let access = match access {
            "read" => Access::Read,
            "write" => Access::Write,
            _ => return None,
        };
        let ok = self.application.is_match(application)
            && resource.is_none_or(|r| self.resource.is_match(r));
        ok.then_some(Scope::Api {
            application,
            resource,
            access,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        let g = Grammar::default();
        assert_eq!(g.parse("uid"), Some(Scope::Uid));
        assert_eq!(
            g.parse("sales-order.read"),
            Some(Scope::Api {
                application: "sales-order",
                resource: None,
                access: Access::Read
            })
        );
        assert_eq!(
            g.parse("sales-order.sales_order.write"),
            Some(Scope::Api {
                application: "sales-order",
                resource: Some("sales_order"),
                access: Access::Write
            })
        );
    }

    #[test]
    fn rejects_what_the_grammar_does_not_allow() {
        let g = Grammar::default();
        for bad in [
            "",
            "read",
            "orders",
            "orders.delete",
            "Orders.read",
            "1orders.read",
            "orders..read",
            "a.b.c.read",
            "orders.read.",
            "sales_order.read",
            "orders.Res.read",
            "UID",
            "orders.READ",
        ] {
            assert_eq!(g.parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn patterns_are_configurable_and_anchored() {
        let g = Grammar::new("[a-z]+", "[a-z]+").unwrap();
        assert!(g.parse("orders.read").is_some());
        assert!(g.parse("sales-order.read").is_none());
        assert!(Grammar::new("(", "x").is_err());
    }
}

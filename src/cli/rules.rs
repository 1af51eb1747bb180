//! `scopegate rules [ID]`: the rules with their default severity, or one rule's page.

use scopegate::rules;

use super::exit;

pub fn run(id: Option<&str>) -> i32 {
    match id {
        None => {
            let width = rules::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for rule in rules::ALL {
                println!(
                    "{:width$}  {:7}  {}",
                    rule.id,
                    rule.severity.to_string(),
                    rule.summary
                );
            }
            exit::OK
        }
        Some(id) => match rules::find(id) {
            Some(rule) => {
                print!("{}", rule.doc);
                exit::OK
            }
            None => {
                eprintln!("scopegate: unknown rule `{id}`; `scopegate rules` lists them");
                exit::USAGE
            }
        },
    }
}

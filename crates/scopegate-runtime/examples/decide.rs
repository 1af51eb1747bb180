//! Decides every route of a table, ROUNDS times over: for counting the instructions a decision
//! takes (`scripts/decision-instructions.sh` runs it under cachegrind), which judges a change of
//! a few percent that the timing noise of a shared machine hides.
//!
//!     cargo run --release -p scopegate-runtime --example decide -- TABLE allowed|denied|unmatched ROUNDS
//!
//! Each route's template is asked with every parameter `p1`; `allowed` holds every scope of
//! the table, `denied` none, `unmatched` asks `/unknown` before each path.

use scopegate_runtime::{template, Evaluator, Options, Principal, Table};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [table, kind, rounds] = args.as_slice() else {
        eprintln!("usage: decide TABLE allowed|denied|unmatched ROUNDS");
        std::process::exit(2);
    };
    let rounds: usize = rounds.parse().expect("ROUNDS is a number");
    let table = Table::read(std::path::Path::new(table)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2);
    });
    let requests: Vec<(String, String)> = table
        .routes
        .iter()
        .map(|r| {
            let path = template::instantiate(&r.path, "p1");
            let path = match kind.as_str() {
                "unmatched" => format!("/unknown{path}"),
                _ => path,
            };
            (r.method.clone(), path)
        })
        .collect();
    let scopes: Vec<String> = table.scopes.iter().map(|s| s.name.clone()).collect();
    let evaluator = Evaluator::new(table, Options::default());
    let grant = match kind.as_str() {
        "denied" => evaluator.grant(&Principal::from_scope_string("")),
        _ => evaluator.grant(&Principal::with_scopes(scopes)),
    };
    let mut allowed = 0;
    for _ in 0..rounds {
        for (method, path) in &requests {
            let decision = std::hint::black_box(evaluator.evaluate(&grant, method, path));
            allowed += usize::from(decision.is_allow());
        }
    }
    println!("{kind}: {allowed} of {} allowed", rounds * requests.len());
}

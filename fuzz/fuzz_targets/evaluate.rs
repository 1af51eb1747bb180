//! The request-path reader and matcher on arbitrary bytes: one table with literal, templated
//! and mixed segments; any method and path. No input may panic, and nothing outside the
//! table's routes may be allowed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scopegate::runtime::table::{Route, Table};
use scopegate::runtime::{Decision, Evaluator, Grant, Options, Principal};

fn evaluator() -> &'static (Evaluator, Grant) {
    static E: OnceLock<(Evaluator, Grant)> = OnceLock::new();
    E.get_or_init(|| {
        let read = &[&["s.read"][..]][..];
        let table = Table::with_routes(
            "/api",
            vec![
                Route::new("GET", "/orders", read),
                Route::new("GET", "/orders/{id}", read),
                Route::new("POST", "/orders/{id}/items/{item}.json", read),
                Route::new("GET", "/compare/{base}...{head}", read),
                Route::new("GET", "/files/", read),
            ],
        );
        let e = Evaluator::new(table, Options::default());
        let g = e.grant(&Principal::with_scopes(["s.read"]));
        (e, g)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (method, path) = text.split_once(' ').unwrap_or(("GET", text));
    let (e, g) = evaluator();
    if let Decision::Allow { route } = e.evaluate(g, method, path) {
        // An allowed request is a clean origin-form path under the base path.
        let p = path.split('?').next().unwrap();
        assert!(p.starts_with("/api/"), "{path:?} allowed by {}", route.path);
        assert!(
            !p.contains("/../") && !p.contains("//") && !p.contains('\\'),
            "{path:?}"
        );
        assert!(!p.to_ascii_lowercase().contains("%2f"), "{path:?}");
    }
});

//! Decisions allocate nothing: a counting allocator watches this thread while the evaluator
//! answers allowed, denied, unmatched, malformed and percent-encoded requests.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use scopegate::runtime::table::{Route, Table};
use scopegate::runtime::{Evaluator, Options, Principal};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(|c| c.get())
}

#[test]
fn decisions_allocate_nothing() {
    let table = Table::with_routes(
        "/api",
        vec![
            Route::new("GET", "/orders/{id}", &[&["o.read"]]),
            Route::new("POST", "/orders/{id}/items/{item}.json", &[&["o.write"]]),
            Route::new("GET", "/compare/{base}...{head}", &[&["o.read"]]),
        ],
    );
    let evaluator = Evaluator::new(table, Options::default());
    let reader = evaluator.grant(&Principal::with_scopes(["o.read"]));
    let anonymous = evaluator.grant(&Principal::Anonymous);
    let requests = [
        ("GET", "/api/orders/42"),
        ("POST", "/api/orders/42/items/7.json"),
        ("GET", "/api/compare/main...dev?x=1"),
        ("GET", "/api/unknown"),
        ("GET", "/api/orders/%34%32"),
        ("GET", "/api/orders/%2e%2e"),
        ("GET", "/api//orders"),
        ("HEAD", "/api/orders/42"),
    ];
    let mut reasons = Vec::with_capacity(requests.len() * 2);
    let before = allocations();
    for (method, path) in requests {
        for grant in [&reader, &anonymous] {
            reasons.push(evaluator.evaluate(grant, method, path).reason());
        }
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "decisions allocated {} time(s)",
        after - before
    );
    // The decisions were real ones.
    assert!(reasons.contains(&"allow") && reasons.contains(&"missing-scopes"));
    assert!(
        reasons.contains(&"no-route")
            && reasons.contains(&"invalid-path")
            && reasons.contains(&"unauthenticated")
    );
}

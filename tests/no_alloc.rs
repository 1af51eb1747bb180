//! Decisions allocate nothing: a counting allocator watches this thread while the evaluator
//! answers allowed, denied, unmatched, malformed and percent-encoded requests.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use scopegate::runtime::groups::{AccessGroups, ClientGroup, ClientKind, GroupGrant, Status, Via};
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
    let mut table = table;
    table.access_groups = Some(AccessGroups {
        default_group: None,
        groups: vec![
            group("readers", Status::Active, &["o.read"]),
            group("paused", Status::Inactive, &["o.read", "o.write"]),
        ],
        clients: vec![
            client("till-1", Some("readers")),
            client("till-2", Some("paused")),
            client("till-3", None),
        ],
    });
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
    let mut reasons = Vec::with_capacity(requests.len() * 6);
    let before = allocations();
    for (method, path) in requests {
        for grant in [&reader, &anonymous] {
            reasons.push(evaluator.evaluate(grant, method, path).reason());
        }
        // Client principals: the grant lookup is part of the decision.
        for client in ["till-1", "till-2", "till-3", "stranger"] {
            let grant = evaluator.client_grant(client);
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
    assert!(
        reasons.contains(&"inactive-group")
            && reasons.contains(&"no-group")
            && reasons.contains(&"unknown-client")
    );
}

fn group(id: &str, status: Status, scopes: &[&str]) -> GroupGrant {
    GroupGrant {
        id: id.into(),
        name: id.into(),
        status,
        builtin: false,
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

fn client(id: &str, group: Option<&str>) -> ClientGroup {
    ClientGroup {
        id: id.into(),
        kind: ClientKind::Till,
        store: None,
        group: group.map(str::to_string),
        via: if group.is_some() {
            Via::Client
        } else {
            Via::None
        },
        token_scopes: Default::default(),
    }
}

#[test]
fn a_grant_from_a_tokens_scopes_allocates_nothing_and_equals_the_principals() {
    let table = Table::with_routes(
        "/api",
        vec![
            Route::new("GET", "/orders/{id}", &[&["o.read"]]),
            Route::new("POST", "/orders/{id}", &[&["o.write", "o.read"]]),
            Route::new("DELETE", "/orders/{id}", &[&["o.admin"]]),
        ],
    );
    let evaluator = Evaluator::new(table, Options::default());
    let strings = [
        "",
        "o.read",
        "  o.read   o.write ",
        "o.write unknown.scope o.read",
        "o.admin o.admin",
    ];
    let claims: Vec<serde_json::Value> = vec![
        serde_json::json!({"scope": "o.read o.write"}),
        serde_json::json!({"scp": ["o.admin", "x"], "scopes": ["o.read"]}),
        serde_json::json!({"scp": "o.write"}),
    ];
    let requests = [
        ("GET", "/api/orders/1"),
        ("POST", "/api/orders/1"),
        ("DELETE", "/api/orders/1"),
    ];
    for s in strings {
        // What the decision server does per request with a token it verified before: the
        // grant of the principal it kept.
        let kept = Principal::from_scope_string(s);
        let before = allocations();
        let principal = evaluator.token_grant(&kept, None).into_owned();
        assert_eq!(
            allocations() - before,
            0,
            "{s:?}: the kept principal's grant allocated"
        );
        let before = allocations();
        let grant = evaluator.grant_from_scope_string(s);
        assert_eq!(allocations() - before, 0, "{s:?} allocated");
        assert_eq!(
            evaluator.granted_scopes(&grant),
            evaluator.granted_scopes(&principal),
            "{s:?}"
        );
        for (m, p) in requests {
            assert_eq!(
                evaluator.evaluate(&grant, m, p),
                evaluator.evaluate(&principal, m, p)
            );
        }
    }
    for c in &claims {
        let principal = evaluator.grant(&Principal::from_claims(c).unwrap());
        let before = allocations();
        let grant = evaluator.grant_from_claims(c).unwrap();
        assert_eq!(allocations() - before, 0, "{c} allocated");
        assert_eq!(
            evaluator.granted_scopes(&grant),
            evaluator.granted_scopes(&principal),
            "{c}"
        );
    }
    // The same refusals as the principal's.
    for bad in [
        serde_json::json!({"scope": ["o.read"]}),
        serde_json::json!({"scp": ["o.read", 7]}),
        serde_json::json!({"scope": "o.read", "scopes": "o.write"}),
    ] {
        assert_eq!(
            evaluator.grant_from_claims(&bad).err(),
            Principal::from_claims(&bad).err(),
            "{bad}"
        );
    }
}

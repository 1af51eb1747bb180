//! The library's edit transaction (`groups::transaction::prepare`) on an arbitrary brand file
//! and a sequence of actions drawn from the input: no input may panic; a change that is not
//! refused reads back as the file it claims (`after` is what its text parses to), adds no
//! consistency problem the file did not have, and what it moves can be worked out.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use scopegate::groups::file::{self, GroupsFile};
use scopegate::groups::holders::{HolderAction, NewStore};
use scopegate::groups::manage::{Action, Changes, Stamp};
use scopegate::groups::transaction;
use scopegate::runtime::table::{Route, Table};

const IDS: [&str; 6] = ["pos", "g1", "s1", "s2", "t1", "c1"];

fn id(byte: u8) -> String {
    IDS[byte as usize % IDS.len()].to_string()
}

fn action(op: u8, a: u8, b: u8) -> Action {
    match op % 12 {
        0 => Action::AssignStores {
            group: id(a),
            stores: vec![id(b), id(a ^ b)],
        },
        1 => Action::UnassignStores(vec![id(a)]),
        2 => Action::AssignClient {
            group: id(a),
            client: id(b),
        },
        3 => Action::SetDefault(id(a)),
        4 => Action::Deactivate(id(a)),
        5 => Action::Activate(id(a)),
        6 => Action::Create {
            id: id(a),
            name: "n".into(),
            description: None,
            changes: Changes::default(),
        },
        7 => Action::Holder(HolderAction::AddStores(vec![NewStore {
            id: id(a),
            name: Some("x: y".into()),
            group: Some(id(b)),
            tills: vec![id(b ^ 1), "a,b".into()],
        }])),
        8 => Action::Holder(HolderAction::AddTill {
            till: id(a),
            store: id(b),
        }),
        9 => Action::Holder(HolderAction::MoveTill {
            till: id(a),
            store: id(b),
        }),
        10 => Action::Holder(HolderAction::RemoveStore {
            id: id(a),
            with_tills: b % 2 == 0,
        }),
        _ => Action::Holder(HolderAction::RenameStore {
            id: id(a),
            new_id: Some(id(b)),
            name: None,
        }),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (text, ops) = (&data[..split], &data[split + 1..]);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let path = Path::new("groups.yaml");
    let Ok(brand) = file::parse_layer(path, text.to_string(), false) else {
        return;
    };
    let before = GroupsFile {
        brand,
        platform: None,
    };
    let actions: Vec<Action> = ops
        .chunks_exact(3)
        .map(|c| action(c[0], c[1], c[2]))
        .collect();
    let stamp = Stamp {
        by: "fuzz".into(),
        at: "2026-11-23T10:00:00Z".into(),
    };
    let table = Table::with_routes("", vec![Route::new("GET", "/x", &[&["s.read"]])]);
    let Ok(tx) = transaction::prepare(path, text, &before, &actions, &stamp, None) else {
        return;
    };
    let reread =
        file::parse_layer(path, tx.text.clone(), false).expect("a written file reads back");
    let after = GroupsFile {
        brand: reread,
        platform: None,
    };
    assert_eq!(after.brand.stores.len(), tx.after.brand.stores.len());
    let known: Vec<String> = before
        .consistency()
        .into_iter()
        .map(|p| p.message)
        .collect();
    for problem in after.consistency() {
        assert!(
            known.contains(&problem.message),
            "new problem {problem} from {actions:?}"
        );
    }
    let _ = tx.moves(&table);
});

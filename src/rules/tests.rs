//! Rule tests over the fixtures live in tests/rules.rs; shared helpers are tested here.

use super::*;

#[test]
fn every_rule_is_registered_once_with_a_doc() {
    let mut ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), ALL.len());
    assert_eq!(ALL.len(), 18);
    for rule in ALL {
        assert!(
            rule.doc.starts_with(&format!("# {}\n", rule.id)),
            "{}",
            rule.id
        );
    }
}

#[test]
fn settings_override_and_turn_off() {
    let mut settings = Settings::default();
    settings.severities.insert("scope-unused".into(), None);
    settings
        .severities
        .insert("uid-alone".into(), Some(Severity::Error));
    assert_eq!(settings.severity(find("scope-unused").unwrap()), None);
    assert_eq!(
        settings.severity(find("uid-alone").unwrap()),
        Some(Severity::Error)
    );
    assert_eq!(
        settings.severity(find("scope-name").unwrap()),
        Some(Severity::Error)
    );
}

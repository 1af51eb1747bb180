//! Baselines: a file of known findings that `--baseline` silences, so that CI fails only on
//! new ones. A finding is known when its rule, file, pointer and message match an entry; each
//! entry silences one finding, so a second copy of a known problem is still new. Lines and
//! columns are not compared: edits elsewhere in the file do not revive old findings.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Entry {
    rule: String,
    file: String,
    pointer: String,
    message: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    version: u32,
    findings: Vec<Entry>,
}

fn entry(d: &Diagnostic) -> Entry {
    Entry {
        rule: d.rule.to_string(),
        file: d.path.clone(),
        pointer: d
            .pointer
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        message: d.message.clone(),
    }
}

impl Baseline {
    pub fn of(diagnostics: &[Diagnostic]) -> Baseline {
        let mut findings: Vec<Entry> = diagnostics.iter().map(entry).collect();
        findings.sort();
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a baseline serializes") + "\n"
    }

    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a scopegate baseline: {e}", path.display()))?;
        if baseline.version != 1 {
            return Err(format!(
                "{}: unknown baseline version {}",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// Removes the findings the baseline knows; returns how many.
    pub fn silence(&self, diagnostics: &mut Vec<Diagnostic>) -> usize {
        let mut known = self.findings.clone();
        let before = diagnostics.len();
        diagnostics.retain(|d| {
            let e = entry(d);
            match known.iter().position(|k| *k == e) {
                Some(i) => {
                    known.swap_remove(i);
                    false
                }
                None => true,
            }
        });
        before - diagnostics.len()
    }
}

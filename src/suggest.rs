//! "Did you mean": the known name closest to a mistyped one, as clap, cargo and ruff suggest.

/// The candidate most like `word`, when one is close enough to be the likely intent: a typo
/// (at most one edit per three characters, transpositions counting one) or a shortening (one
/// is a prefix of the other, as `warn` of `warning`). Ties go to the higher Jaro-Winkler
/// similarity, then to the first in sort order.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let budget = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .filter(|c| {
            strsim::damerau_levenshtein(word, c) <= budget
                || (word.len() >= 3 && (c.starts_with(word) || word.starts_with(*c)))
        })
        .map(|c| (c, strsim::jaro_winkler(word, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(c, _)| c)
}

/// `; did you mean `x`?` when there is a close candidate, else nothing: to append to an
/// error message.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_likely_intent_and_nothing_far_off() {
        let rules = ["scope-access-method", "scope-name", "scope-unused"];
        assert_eq!(
            closest("scope-acess-method", rules),
            Some("scope-access-method")
        );
        assert_eq!(closest("scope-nmae", rules), Some("scope-name"));
        assert_eq!(closest("warn", ["warning", "error"]), Some("warning"));
        assert_eq!(closest("completely-else", rules), None);
        assert_eq!(closest("pointz", ["points", "customers"]), Some("points"));
        assert_eq!(
            closest("resource", ["application-id", "resource-id"]),
            Some("resource-id")
        );
        // A shared prefix alone is not a typo.
        assert_eq!(closest("loyalty.nope", ["loyalty.points.read"]), None);
        assert_eq!(did_you_mean("zzz", rules), "");
    }
}

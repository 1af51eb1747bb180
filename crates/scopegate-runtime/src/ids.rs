//! Decision ids that cannot be guessed from one another: a counter hashed under two keyed
//! SipHash states chosen at random when the generator is made, 128 bits as 32 hex digits. The
//! decision server and the tower layer both number their decisions with it.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

/// A generator of decision ids, one per decision, for logs and the `X-Decision-Id` header.
pub struct DecisionIds {
    next: AtomicU64,
    keys: (RandomState, RandomState),
}

impl Default for DecisionIds {
    fn default() -> DecisionIds {
        DecisionIds {
            next: AtomicU64::new(0),
            keys: (RandomState::new(), RandomState::new()),
        }
    }
}

impl DecisionIds {
    /// The next id, different from every other this generator gives.
    pub fn next(&self) -> DecisionId {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        // Hex by hand: `format!` cost as much as the decision.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut digits = [0u8; 32];
        for (half, word) in [self.keys.0.hash_one(n), self.keys.1.hash_one(n)]
            .into_iter()
            .enumerate()
        {
            for i in 0..16 {
                digits[half * 16 + i] = HEX[(word >> (60 - 4 * i)) as usize & 0xf];
            }
        }
        DecisionId { digits }
    }
}

/// One decision's id: 32 lower-case hex digits, held inline (making one allocates nothing).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecisionId {
    digits: [u8; 32],
}

impl DecisionId {
    /// The 32 hex digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits).expect("hex digits are ASCII")
    }
}

impl std::ops::Deref for DecisionId {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for DecisionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for DecisionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for DecisionId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_128_bits_and_differ_from_generator_to_generator() {
        let (a, b) = (DecisionIds::default(), DecisionIds::default());
        let (x, y) = (a.next(), a.next());
        assert_eq!((x.len(), y.len()), (32, 32));
        assert_ne!(x, y);
        assert_ne!(x, b.next(), "a second generator has its own keys");
        assert!(x
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

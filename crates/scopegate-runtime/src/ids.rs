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
        self.next_unwritten().id()
    }

    /// The next id's number under this generator's keys, its digits written only when asked
    /// for: the tower layer's allowed requests carry their id, and most services never read it.
    pub(crate) fn next_unwritten(&self) -> UnwrittenId {
        UnwrittenId {
            number: self.next.fetch_add(1, Ordering::Relaxed),
            keys: self.keys.clone(),
        }
    }
}

/// A decision's id before its digits are written: the same id however often it is written.
#[derive(Clone)]
pub(crate) struct UnwrittenId {
    number: u64,
    keys: (RandomState, RandomState),
}

impl UnwrittenId {
    pub(crate) fn id(&self) -> DecisionId {
        let n = self.number;
        let mut digits = [0u8; 32];
        for (at, word) in [(0, self.keys.0.hash_one(n)), (16, self.keys.1.hash_one(n))] {
            digits[at..at + 8].copy_from_slice(&hex((word >> 32) as u32));
            digits[at + 8..at + 16].copy_from_slice(&hex(word as u32));
        }
        DecisionId { digits }
    }
}

impl std::fmt::Debug for UnwrittenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.id(), f)
    }
}

/// The eight lower-case hex digits of `x`, most significant first, eight at once: `format!`
/// cost as much as the decision, and a digit at a time a quarter of the rest of an id.
fn hex(x: u32) -> [u8; 8] {
    const LOW_NIBBLES: u64 = 0x0f0f_0f0f_0f0f_0f0f;
    // Nibble k of `x` (from the least significant) into byte k.
    let mut v = x as u64;
    v = (v | v << 16) & 0x0000_ffff_0000_ffff;
    v = (v | v << 8) & 0x00ff_00ff_00ff_00ff;
    v = (v | v << 4) & LOW_NIBBLES;
    // 1 in each byte whose nibble is 10 or more, which the letters follow.
    let letters = ((v + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    let ascii = v + 0x3030_3030_3030_3030 + letters * (b'a' - b'0' - 10) as u64;
    ascii.to_be_bytes()
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
    fn hex_is_format_x() {
        let mut x = 0x9e37_79b9u32;
        for special in [0, 1, 9, 10, 15, 16, 0xa0a0_a0a0, 0x0909_0909, u32::MAX] {
            assert_eq!(
                hex(special),
                format!("{special:08x}").as_bytes(),
                "{special:#x}"
            );
        }
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            assert_eq!(hex(x), format!("{x:08x}").as_bytes(), "{x:#x}");
        }
    }

    #[test]
    fn ids_are_128_bits_and_differ_from_generator_to_generator() {
        let (a, b) = (DecisionIds::default(), DecisionIds::default());
        let (x, y) = (a.next(), a.next());
        assert_eq!((x.len(), y.len()), (32, 32));
        assert_ne!(x, y);
        assert_ne!(x, b.next(), "a second generator has its own keys");
        let unwritten = a.next_unwritten();
        assert_eq!(unwritten.id(), unwritten.id(), "written twice, the same id");
        assert_ne!(unwritten.id(), y);
        assert_ne!(unwritten.id(), a.next());
        assert!(x
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

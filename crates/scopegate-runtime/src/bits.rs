//! Bitsets over a table's interned scopes, and the hasher of the scope names.
//!
//! A [`Words`] keeps up to [`INLINE_WORDS`] words (512 scopes, far more than any real API
//! has) in place, so that building a principal's grant per request allocates nothing; a table
//! with more scopes spills to the heap and still works.

use std::hash::{BuildHasherDefault, Hasher};

/// Words kept in place.
pub const INLINE_WORDS: usize = 8;

/// A fixed-length run of bits, in place when short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Words {
    Inline { len: u8, words: [u64; INLINE_WORDS] },
    Heap(Vec<u64>),
}

impl Words {
    /// `len` words, all zero.
    pub(crate) fn zeroed(len: usize) -> Words {
        if len <= INLINE_WORDS {
            Words::Inline {
                len: len as u8,
                words: [0; INLINE_WORDS],
            }
        } else {
            Words::Heap(vec![0; len])
        }
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[u64] {
        match self {
            Words::Inline { len, words } => &words[..*len as usize],
            Words::Heap(v) => v,
        }
    }

    #[inline]
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u64] {
        match self {
            Words::Inline { len, words } => &mut words[..*len as usize],
            Words::Heap(v) => v,
        }
    }

    /// Sets bit `bit`.
    #[inline]
    pub(crate) fn set(&mut self, bit: usize) {
        self.as_mut_slice()[bit / 64] |= 1 << (bit % 64);
    }

    /// Whether bit `bit` is set.
    #[inline]
    pub(crate) fn get(&self, bit: usize) -> bool {
        self.as_slice()[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// The Fx hash (rustc's, from Firefox): a multiply and a rotate per 8 bytes. Scope names come
/// from the table, not from clients, and a client's scope that is not one of them misses at
/// the same cost, so the hash needs no resistance to chosen collisions; a per-request grant
/// hashes every scope of the token, where SipHash cost more than the decision.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// `HashMap` with the Fx hash.
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// The table's scope names and their bits, looked up per scope of every token: a name is
/// found by a fingerprint of its length and its first and last eight bytes (one multiply to
/// hash), then compared whole, so that a lookup costs about what comparing the name does.
#[derive(Debug, Default)]
pub(crate) struct ScopeIndex {
    by_print: std::collections::HashMap<u64, Slot, FxBuild>,
    len: usize,
}

/// The names that share a fingerprint (nearly always one).
#[derive(Debug)]
struct Slot {
    name: Box<str>,
    bit: usize,
    more: Vec<(Box<str>, usize)>,
}

fn fingerprint(name: &str) -> u64 {
    let b = name.as_bytes();
    let mut head = [0u8; 8];
    let mut tail = [0u8; 8];
    let n = b.len().min(8);
    head[..n].copy_from_slice(&b[..n]);
    tail[..n].copy_from_slice(&b[b.len() - n..]);
    let mut h = FxHasher::default();
    h.add(b.len() as u64);
    h.add(u64::from_le_bytes(head));
    h.add(u64::from_le_bytes(tail));
    h.hash
}

impl ScopeIndex {
    /// The bit of `name`, given the next free one if it is new.
    pub(crate) fn insert(&mut self, name: &str) -> usize {
        if let Some(bit) = self.get(name) {
            return bit;
        }
        let bit = self.len;
        self.len += 1;
        match self.by_print.entry(fingerprint(name)) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                e.get_mut().more.push((name.into(), bit));
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Slot {
                    name: name.into(),
                    bit,
                    more: Vec::new(),
                });
            }
        }
        bit
    }

    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        let slot = self.by_print.get(&fingerprint(name))?;
        if &*slot.name == name {
            return Some(slot.bit);
        }
        slot.more
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, bit)| *bit)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every name with its bit, in no order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, usize)> {
        self.by_print.values().flat_map(|s| {
            std::iter::once((&*s.name, s.bit)).chain(s.more.iter().map(|(n, b)| (&**n, *b)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_sets_stay_in_place_and_long_ones_spill() {
        let mut short = Words::zeroed(2);
        short.set(70);
        assert!(short.get(70) && !short.get(69));
        assert!(matches!(short, Words::Inline { .. }));
        assert_eq!(short.as_slice(), &[0, 1 << 6]);
        let mut long = Words::zeroed(INLINE_WORDS + 1);
        long.set(64 * INLINE_WORDS);
        assert!(matches!(long, Words::Heap(_)));
        assert!(long.get(64 * INLINE_WORDS));
    }

    #[test]
    fn the_index_finds_every_name_and_no_other_even_when_fingerprints_meet() {
        let mut index = ScopeIndex::default();
        // Same length, first and last eight bytes: one fingerprint.
        let names = ["repos.aaaa.write", "repos.bbbb.write", "uid", "a", ""];
        let bits: Vec<usize> = names.iter().map(|n| index.insert(n)).collect();
        assert_eq!(bits, [0, 1, 2, 3, 4]);
        assert_eq!(index.insert("repos.bbbb.write"), 1);
        for (name, bit) in names.iter().zip(bits) {
            assert_eq!(index.get(name), Some(bit), "{name}");
        }
        assert_eq!(index.get("repos.cccc.write"), None);
        assert_eq!(index.get("repos.aaaa.writ"), None);
        assert_eq!(index.iter().count(), 5);
        assert_eq!(index.len(), 5);
    }

    #[test]
    fn the_hash_tells_names_apart() {
        use std::hash::BuildHasher;
        let hash = |s: &str| FxBuild::default().hash_one(s);
        // Same 8-byte prefix, lengths that share the padding.
        assert_ne!(hash("repo.read"), hash("repo.reads"));
        assert_ne!(hash("repo.rea"), hash("repo.rea\0"));
        assert_ne!(hash("a"), hash("b"));
    }
}

//! Bitsets over a table's interned scopes, and the index of the scope names.
//!
//! A [`Words`] keeps up to [`INLINE_WORDS`] words (512 scopes, far more than any real API
//! has) in place, so that building a principal's grant per request allocates nothing; a table
//! with more scopes spills to the heap and still works.

use crate::words::{head, last, same_middle};

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

/// The table's scope names and their bits, looked up per scope of every token. Open
/// addressing over the names by their length and first and last eight bytes (one multiply to
/// hash); a name is compared a word at a time, so a lookup costs about what reading the name
/// does. Scope names come from the table, not from clients, and a client's scope that is not
/// one of them misses at the same cost, so the hash needs no resistance to chosen collisions.
#[derive(Debug, Default)]
pub(crate) struct ScopeIndex {
    /// Per bit, its name.
    names: Vec<Name>,
    /// An index into `names`, or `EMPTY`; a power of two, at least twice the names.
    slots: Vec<u32>,
    /// The names' text, end to end.
    text: Vec<u8>,
}

#[derive(Debug)]
struct Name {
    head: u64,
    last: u64,
    len: u32,
    start: u32,
}

const EMPTY: u32 = u32::MAX;

fn slot_of(head: u64, last: u64, len: usize, size: usize) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let h = (head.wrapping_mul(K) ^ last ^ len as u64).wrapping_mul(K);
    (h >> 32) as usize & (size - 1)
}

impl ScopeIndex {
    /// The bit of `name`, given the next free one if it is new.
    pub(crate) fn insert(&mut self, name: &str) -> usize {
        if let Some(bit) = self.get(name) {
            return bit;
        }
        let bytes = name.as_bytes();
        self.names.push(Name {
            head: head(bytes),
            last: last(bytes),
            len: bytes.len() as u32,
            start: self.text.len() as u32,
        });
        self.text.extend_from_slice(bytes);
        if self.slots.len() < self.names.len() * 2 {
            let size = (self.names.len() * 2).next_power_of_two().max(16);
            self.slots = vec![EMPTY; size];
            for index in 0..self.names.len() {
                self.place(index);
            }
        } else {
            self.place(self.names.len() - 1);
        }
        self.names.len() - 1
    }

    fn place(&mut self, index: usize) {
        let n = &self.names[index];
        let mask = self.slots.len() - 1;
        let mut slot = slot_of(n.head, n.last, n.len as usize, self.slots.len());
        while self.slots[slot] != EMPTY {
            slot = (slot + 1) & mask;
        }
        self.slots[slot] = index as u32;
    }

    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let bytes = name.as_bytes();
        let (head, last) = (head(bytes), last(bytes));
        let mask = self.slots.len() - 1;
        let mut slot = slot_of(head, last, bytes.len(), self.slots.len());
        loop {
            let index = self.slots[slot];
            if index == EMPTY {
                return None;
            }
            let n = &self.names[index as usize];
            if n.len as usize == bytes.len() && n.head == head && n.last == last {
                let text = &self.text[n.start as usize..n.start as usize + bytes.len()];
                if same_middle(text, bytes) {
                    return Some(index as usize);
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// Every name with its bit, in bit order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, usize)> {
        self.names.iter().enumerate().map(|(bit, n)| {
            let text = &self.text[n.start as usize..(n.start + n.len) as usize];
            (std::str::from_utf8(text).expect("inserted as str"), bit)
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
    fn the_index_finds_every_name_and_no_other_even_when_words_meet() {
        let mut index = ScopeIndex::default();
        // Same length, first and last eight bytes: only the middle differs.
        let names = [
            "github.xx.aaaa.actions.write",
            "github.xx.bbbb.actions.write",
            "uid",
            "a",
            "",
        ];
        let bits: Vec<usize> = names.iter().map(|n| index.insert(n)).collect();
        assert_eq!(bits, [0, 1, 2, 3, 4]);
        assert_eq!(index.insert("github.xx.bbbb.actions.write"), 1);
        for (name, bit) in names.iter().zip(bits) {
            assert_eq!(index.get(name), Some(bit), "{name}");
        }
        assert_eq!(index.get("github.xx.cccc.actions.write"), None);
        assert_eq!(index.get("github.xx.aaaa.actions.writ"), None);
        assert_eq!(index.iter().count(), 5);
        assert_eq!(index.len(), 5);
    }
}

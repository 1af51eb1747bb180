//! Short byte strings a machine word at a time: what the router and the scope index do per
//! request to every path segment and every scope of a token, without a call to `memcmp` or a
//! variable-length copy (each cost more than the rest of a lookup).

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The first eight bytes as a little-endian word, zero padded.
#[inline]
pub(crate) fn head(bytes: &[u8]) -> u64 {
    match bytes.first_chunk::<8>() {
        Some(word) => u64::from_le_bytes(*word),
        None => short(bytes),
    }
}

/// Fewer than eight bytes as a little-endian word, zero padded: two loads that overlap (four
/// to seven bytes) or three single bytes (one to three) instead of a loop over each.
#[inline]
fn short(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let at = |i: usize| u64::from(bytes[i]) << (8 * i);
    match len {
        0 => 0,
        1..=3 => at(0) | at(len / 2) | at(len - 1),
        _ => {
            let four = |i: usize| {
                u64::from(u32::from_le_bytes(
                    bytes[i..i + 4].try_into().expect("four bytes"),
                ))
            };
            four(0) | four(len - 4) << (8 * (len - 4))
        }
    }
}

/// The last eight bytes as a little-endian word when there are more than eight, else 0: with
/// [`head`] and the length, it covers every byte of a string of up to sixteen.
#[inline]
pub(crate) fn last(bytes: &[u8]) -> u64 {
    match bytes.len() {
        0..=8 => 0,
        len => u64::from_le_bytes(bytes[len - 8..].try_into().expect("eight bytes")),
    }
}

/// Whether two strings of the same length, whose [`head`] and [`last`] words are already
/// known to be equal, are equal: compares what lies between, a word at a time.
#[inline]
pub(crate) fn same_middle(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let mut at = 8;
    while at + 8 < a.len() {
        let word = |s: &[u8]| u64::from_le_bytes(s[at..at + 8].try_into().expect("eight bytes"));
        if word(a) != word(b) {
            return false;
        }
        at += 8;
    }
    true
}

/// `to_ascii_lowercase` on each byte of a word at once.
#[inline]
pub(crate) fn fold_ascii(word: u64) -> u64 {
    let low7 = word & !HIGH;
    // High bit set in each byte that is >= 'A' and in each that is > 'Z' (of its low 7 bits).
    let ge_a = low7 + ONES * (0x80 - b'A' as u64);
    let gt_z = low7 + ONES * (0x7f - b'Z' as u64);
    let upper = (ge_a ^ gt_z) & !word & HIGH;
    word | (upper >> 2)
}

/// The first segment of `text` (what precedes its first `/`, or all of it): its length and
/// its [`head`]. The word that finds the `/` is the head when the segment is shorter than
/// eight bytes, as most are.
#[inline]
pub(crate) fn first_segment(text: &[u8]) -> (usize, u64) {
    let Some(word) = text.first_chunk::<8>() else {
        // Fewer than eight bytes, as one zero-padded word (a zero is not a `/`).
        let word = short(text);
        return match first_in_word(word, b'/') {
            Some(len) => (len, word & ((1u64 << (8 * len)) - 1)),
            None => (text.len(), word),
        };
    };
    let word = u64::from_le_bytes(*word);
    if let Some(len) = first_in_word(word, b'/') {
        return (len, word & ((1u64 << (8 * len)) - 1));
    }
    let len = find_byte(b'/', &text[8..]).map_or(text.len(), |i| i + 8);
    (len, word)
}

/// The high bit of each byte of `word` that equals `byte` (exactly: no false hits).
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
#[inline]
fn equal_bytes(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * byte as u64);
    !(((x & !HIGH) + !HIGH) | x) & HIGH
}

/// Over `bytes`, eight at a time: whether a `/` is followed by a `/` or a `.`, and how many
/// `/` there are. The path check's first pass where SSE2 is missing (and its tests' reference).
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
#[inline]
pub(crate) fn slash_pairs(bytes: &[u8]) -> (bool, usize) {
    let (mut pairs, mut count, mut carry) = (0u64, 0u32, 0u64);
    let mut word = |word: u64| {
        let slash = equal_bytes(word, b'/');
        // A byte right after a `/` (the previous word's last byte carried in).
        let after = (slash << 8) | carry;
        pairs |= after & (slash | equal_bytes(word, b'.'));
        carry = slash >> 56;
        // One per `/`, summed by a multiplication (`count_ones` is a dozen instructions on
        // x86-64 without POPCNT, which the baseline target lacks).
        count += ((slash >> 7).wrapping_mul(ONES) >> 56) as u32;
    };
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        word(u64::from_le_bytes(chunk.try_into().expect("eight bytes")));
    }
    let rest = chunks.remainder().len();
    if rest > 0 {
        // The last eight bytes, shifted so that only the ones not read yet remain (zeros,
        // neither `/` nor `.`, fill the top); a short text is read byte by byte.
        let tail = match bytes.len() {
            0..=7 => head(bytes),
            len => {
                let end = u64::from_le_bytes(bytes[len - 8..].try_into().expect("eight bytes"));
                end >> (8 * (8 - rest))
            }
        };
        word(tail);
    }
    (pairs != 0, count as usize)
}

/// Where the first `needle` is in a little-endian word.
#[inline]
fn first_in_word(word: u64, needle: u8) -> Option<usize> {
    first_in_bytes(word, needle, HIGH)
}

/// Where the first `needle` is, eight bytes at a time.
#[inline]
pub(crate) fn find_byte(needle: u8, bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(word) = bytes.get(at..).and_then(|t| t.first_chunk::<8>()) {
        if let Some(i) = first_in_word(u64::from_le_bytes(*word), needle) {
            return Some(at + i);
        }
        at += 8;
    }
    // The fewer than eight bytes left, in one word: the last eight shifted so that only those
    // remain, or a short text's zero-padded word; hits in the padding are masked out.
    let left = bytes.len() - at;
    if left == 0 {
        return None;
    }
    let word = match bytes.len() {
        0..8 => short(bytes),
        len => {
            u64::from_le_bytes(bytes[len - 8..].try_into().expect("eight bytes"))
                >> (8 * (8 - left))
        }
    };
    first_in_low_bytes(word, needle, left).map(|i| at + i)
}

/// Where the first `needle` is among the low `count` (1 to 7) bytes of a little-endian word.
#[inline]
fn first_in_low_bytes(word: u64, needle: u8, count: usize) -> Option<usize> {
    first_in_bytes(word, needle, HIGH & ((1u64 << (8 * count)) - 1))
}

/// Where the first `needle` is among the bytes of `word` whose high bit `bytes` has.
#[inline]
fn first_in_bytes(word: u64, needle: u8, bytes: u64) -> Option<usize> {
    // A zero byte where the word has `needle` (the classic has-zero-byte test): a false hit
    // only ever lies above a real one, so the lowest hit among `bytes` is real.
    let x = word ^ (ONES * needle as u64);
    let found = x.wrapping_sub(ONES) & !x & bytes;
    (found != 0).then(|| (found.trailing_zeros() / 8) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length below eight, every byte value in every place: as a loop over the bytes.
    #[test]
    fn short_texts_are_their_bytes_in_order() {
        for len in 0..8 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut text: Vec<u8> = (1..=len as u8).collect();
                    text[at] = b;
                    let looped = text
                        .iter()
                        .enumerate()
                        .fold(0, |word, (i, &b)| word | (b as u64) << (8 * i));
                    assert_eq!(head(&text), looped, "{text:?}");
                }
            }
        }
    }

    /// Every split of short and long texts into a first segment and the rest gives the
    /// segment's length and its head word as `find_byte` and `head` would.
    #[test]
    fn first_segment_is_find_byte_and_head() {
        let texts = [
            "",
            "/",
            "a",
            "ab/c",
            "abcdefg/",
            "abcdefgh",
            "abcdefgh/i",
            "abcdefghijk/",
            "repos/p1/p1/pulls",
            "x//y",
            "é/ü",
            "abcdefghijklmnopqrstuvwxyz",
        ];
        for text in texts {
            for from in 0..text.len() {
                let bytes = &text.as_bytes()[from..];
                let len = find_byte(b'/', bytes).unwrap_or(bytes.len());
                assert_eq!(
                    first_segment(bytes),
                    (len, head(&bytes[..len])),
                    "{text:?} from {from}"
                );
            }
        }
    }

    /// Texts of every length up to three words, with `/`, `.` and other bytes in every
    /// arrangement the pairs test reads across word boundaries: the same answer byte by byte.
    #[test]
    fn slash_pairs_is_a_byte_by_byte_reading() {
        let alphabet = [b'/', b'.', b'a', 0xff];
        for len in 0..=24 {
            for seed in 0..400u32 {
                let text: Vec<u8> = (0..len)
                    .map(|i| {
                        alphabet[((seed.wrapping_mul(2654435761) >> (i % 16 * 2)) as usize + i) % 4]
                    })
                    .collect();
                let pairs = text
                    .windows(2)
                    .any(|w| w[0] == b'/' && matches!(w[1], b'/' | b'.'));
                let count = text.iter().filter(|&&b| b == b'/').count();
                assert_eq!(slash_pairs(&text), (pairs, count), "{text:?}");
            }
        }
    }

    #[test]
    fn folding_a_word_is_to_ascii_lowercase_on_each_byte() {
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, b'A', b'z', b'@', b'[', 0x80 | b'A', 0xff, b'Z']);
            let want: Vec<u8> = word
                .to_le_bytes()
                .iter()
                .map(u8::to_ascii_lowercase)
                .collect();
            assert_eq!(fold_ascii(word).to_le_bytes().to_vec(), want, "{b:#x}");
        }
    }

    /// Every slice of texts with and without the needle (zero bytes among them, which the
    /// last word's padding must not be taken for), every needle: as a byte loop.
    #[test]
    fn finding_a_byte_eight_at_a_time() {
        let texts: [&[u8]; 3] = [
            b"abcdefgh/ijklmnopqrstuv/w//xyz0123456789/",
            b"a\0bcdefghijklm\0\0nopqrstuvwxyz\0",
            b"\x80\xffabc/\x7f/\x01\x2e\x30\x2f\xff\xfe",
        ];
        for text in texts {
            for needle in [b'/', 0, b'a', 0xff] {
                for from in 0..text.len() {
                    for to in from..=text.len() {
                        let t = &text[from..to];
                        assert_eq!(
                            find_byte(needle, t),
                            t.iter().position(|&b| b == needle),
                            "{needle} in {from}..{to} of {text:?}"
                        );
                    }
                }
            }
        }
    }

    /// Head, last and middle together tell every pair of equal-length strings apart.
    #[test]
    fn words_cover_every_byte() {
        let base: Vec<u8> = (0..40).map(|i| b'a' + i % 26).collect();
        for len in 0..=base.len() {
            let a = &base[..len];
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x01;
                let equal = head(a) == head(&b) && last(a) == last(&b) && same_middle(a, &b);
                assert!(!equal, "len {len}, byte {at}");
            }
            assert!(head(a) == head(a) && last(a) == last(a) && same_middle(a, a));
        }
    }
}

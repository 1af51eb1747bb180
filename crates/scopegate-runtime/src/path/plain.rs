//! The first pass of [`check_plain`](super::check_plain): whether a path holds only plain bytes
//! (see `PLAIN`) and `/`, whether a `/` is followed by a `/` or a `.` (an empty or maybe a
//! dot-segment), and whether it has more `/` than [`MAX_SEGMENTS`]. Most request paths pass,
//! and are not read again.
//!
//! On x86-64, sixteen bytes at a time with SSE2 (part of every x86-64 processor, so no runtime
//! detection; one `unsafe` call, which a `#[target_feature]` function needs even where the build
//! enables the feature); a byte table and eight-byte words elsewhere. Both give the same answer
//! on every byte in every position (the tests compare them).

use super::MAX_SEGMENTS;
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
use {super::UNUSUAL, crate::words};

/// What the first pass says of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Scan {
    /// A byte that is neither plain nor `/`.
    pub unusual: bool,
    /// A `/` followed by a `/` or a `.`.
    pub pairs: bool,
    /// More `/` than [`MAX_SEGMENTS`] (only a longer path can have them: a shorter one is not
    /// counted).
    pub too_many_segments: bool,
}

/// The first pass over `bytes`.
#[inline]
pub(super) fn scan(bytes: &[u8]) -> Scan {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: compiled only where the build enables SSE2 (every x86-64 target does: it is
        // part of the architecture's baseline), so the processor running this has it.
        unsafe { sse2::scan(bytes) }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        scan_bytes(bytes)
    }
}

/// The first pass a byte (and a word) at a time.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
fn scan_bytes(bytes: &[u8]) -> Scan {
    let unusual = bytes.iter().fold(0, |u, &b| u | UNUSUAL[b as usize]);
    let (pairs, slashes) = words::slash_pairs(bytes);
    Scan {
        unusual: unusual != 0,
        pairs,
        too_many_segments: slashes > MAX_SEGMENTS,
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use super::{Scan, MAX_SEGMENTS};
    use crate::words::head;
    use core::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_min_epu8, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8, _mm_set_epi64x, _mm_sub_epi8,
    };

    /// Per byte of sixteen, given as two little-endian words (bit `i` for byte `i`):
    /// unusual, `/`, `.`.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn classify(low: u64, high: u64) -> (u32, u32, u32) {
        let x = _mm_set_epi64x(high as i64, low as i64);
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        let equal = |v: __m128i, b: u8| _mm_cmpeq_epi8(v, splat(b));
        // `v` in `from..=from + span`: `v - from` (wrapping) is at most `span`, unsigned.
        let within = |v: __m128i, from: u8, span: u8| {
            let d = _mm_sub_epi8(v, splat(from));
            _mm_cmpeq_epi8(_mm_min_epu8(d, splat(span)), d)
        };
        let or = _mm_or_si128;
        let low_bit_cleared = _mm_and_si128(x, splat(0xfe));
        // What PLAIN refuses, but `/`: below `!` (controls and space) and 0x80 and up (a
        // signed comparison takes both), DEL, and fifteen in between: `"#` (one bit apart),
        // `%`, `;<`, `>?` (one bit apart), `[\]` and `{|}` (which differ in bit 5 only), `^`
        // and `` ` ``.
        let unusual = or(
            or(
                or(_mm_cmplt_epi8(x, splat(0x21)), equal(x, 0x7f)),
                or(equal(x, b'%'), or(equal(x, b'^'), equal(x, b'`'))),
            ),
            or(
                or(equal(low_bit_cleared, b'"'), equal(low_bit_cleared, b'>')),
                or(within(x, b';', 1), within(or(x, splat(0x20)), b'{', 2)),
            ),
        );
        let mask = |v: __m128i| _mm_movemask_epi8(v) as u32;
        (mask(unusual), mask(equal(x, b'/')), mask(equal(x, b'.')))
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn scan(bytes: &[u8]) -> Scan {
        let (mut unusual, mut pairs, mut slashes) = (0u32, 0u32, 0u32);
        // `count_ones` is a dozen instructions without POPCNT (not in the x86-64 baseline).
        let count = bytes.len() > MAX_SEGMENTS;
        // Whether the byte before the current chunk is a `/`.
        let mut carry = 0u32;
        let mut chunks = bytes.chunks_exact(16);
        for chunk in &mut chunks {
            let (low, high) = chunk.split_at(8);
            let (u, slash, dot) = classify(head(low), head(high));
            unusual |= u;
            pairs |= ((slash << 1) | carry) & (slash | dot);
            carry = slash >> 15;
            if count {
                slashes += slash.count_ones();
            }
        }
        let rest = chunks.remainder().len();
        if rest > 0 {
            // The last sixteen bytes, of which only the top `rest` are new: the byte before
            // them is in the chunk, so no carry. A path shorter than sixteen is zero padded
            // (zeros are unusual, so they are masked out), read as words, not copied.
            let (low, high, new) = match bytes.len() {
                len @ 0..16 => {
                    let (low, high) = bytes.split_at(len.min(8));
                    (head(low), head(high), (1u32 << len) - 1)
                }
                len => {
                    let (low, high) = bytes[len - 16..].split_at(8);
                    (head(low), head(high), 0xffff & !((1u32 << (16 - rest)) - 1))
                }
            };
            let (u, slash, dot) = classify(low, high);
            unusual |= u & new;
            pairs |= (slash << 1) & (slash | dot) & new;
            if count {
                slashes += (slash & new).count_ones();
            }
        }
        Scan {
            unusual: unusual != 0,
            pairs: pairs != 0,
            too_many_segments: slashes as usize > MAX_SEGMENTS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value in every position of paths from 1 to 48 bytes, beside `/` and `.`
    /// (pairs across the sixteen-byte chunks and the overlapping last one): the same answer as
    /// the byte table and the words.
    #[test]
    fn every_byte_in_every_position_reads_as_the_byte_table_does() {
        let mut checked = 0;
        for len in 1..=48 {
            for filler in [b'a', b'/', b'.'] {
                let mut path: Vec<u8> = (0..len)
                    .map(|i| if i % 5 == 0 { b'/' } else { filler })
                    .collect();
                for at in 0..len {
                    let kept = path[at];
                    for b in 0..=255u8 {
                        path[at] = b;
                        assert_eq!(scan(&path), scan_bytes(&path), "{path:?}");
                        checked += 1;
                    }
                    path[at] = kept;
                }
            }
        }
        assert!(checked > 800_000, "{checked}");
    }

    /// Up to the most segments a path may have, and one more, in paths of every length around
    /// the one where slashes start being counted.
    #[test]
    fn too_many_segments_are_counted_alike() {
        for slashes in [MAX_SEGMENTS - 1, MAX_SEGMENTS, MAX_SEGMENTS + 1] {
            for extra in 0..40 {
                let path = format!("{}{}", "/".repeat(slashes), "a".repeat(extra));
                let scan = scan(path.as_bytes());
                assert_eq!(scan, scan_bytes(path.as_bytes()), "{path}");
                assert_eq!(scan.too_many_segments, slashes > MAX_SEGMENTS, "{path}");
            }
        }
    }

    /// Pseudo-random paths of slashes, dots and plain bytes, of every length to 200.
    #[test]
    fn random_paths_read_as_the_byte_table_does() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"//..ab~%?";
        for len in 0..200 {
            for _ in 0..50 {
                let path: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        alphabet[(state % alphabet.len() as u64) as usize]
                    })
                    .collect();
                assert_eq!(scan(&path), scan_bytes(&path), "{path:?}");
            }
        }
    }
}

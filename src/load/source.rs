//! Source files and the line index that turns byte offsets into line and column.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A byte range in one source file, `start..end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    pub fn empty(at: usize) -> Span {
        Span::new(at, at)
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Byte offsets of line starts, so that a position costs a binary search instead of a scan
/// from the start of the file (miette's default source scans from byte 0 for every span,
/// which is milliseconds per diagnostic on a 10 MB file).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    /// The 0-based line that holds `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&(offset as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line.min(self.starts.len() - 1)] as usize
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = count_chars(&text[start..offset]);
        Position {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }
}

/// The characters of `text`, as a column counts them (Unicode scalar values).
pub fn count_chars(text: &str) -> usize {
    bytecount::num_chars(text.as_bytes())
}

/// `offset`, or the start of the character it falls inside.
pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One file's text, shared by the trees, the model and the diagnostics built from it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it or as the walk found it (`-` for stdin).
    pub path: PathBuf,
    /// The text (lossily decoded when the file is not valid UTF-8).
    pub text: String,
    /// Built when the first position is asked for: most files produce no finding.
    lines: OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            path: path.into(),
            text,
            lines: OnceLock::new(),
        })
    }

    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path with `/` separators, as reports print it.
    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }

    pub fn position(&self, offset: usize) -> Position {
        self.lines().position(&self.text, offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length from 0 to 300 bytes (the SIMD paths' blocks and the tails after them) of
    /// texts mixing one- to four-byte characters: counted as `chars()` counts them.
    #[test]
    fn characters_are_counted_as_chars_counts_them() {
        let text = "a é 日本 😀 z".repeat(30);
        for end in (0..=300).filter(|&end| text.is_char_boundary(end)) {
            for start in [0, 1, 2]
                .into_iter()
                .filter(|&s| s <= end && text.is_char_boundary(s))
            {
                let part = &text[start..end];
                assert_eq!(count_chars(part), part.chars().count(), "{start}..{end}");
            }
        }
    }

    #[test]
    fn line_starts_are_found_in_every_place_of_a_chunk() {
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&"x".repeat(i % 70));
            text.push('\n');
        }
        for len in [0, 1, 63, 64, 65, 127, 128, text.len()] {
            let t = &text[..len];
            let want: Vec<u32> = std::iter::once(0)
                .chain(t.match_indices('\n').map(|(i, _)| i as u32 + 1))
                .collect();
            assert_eq!(LineIndex::new(t).starts, want, "{len}");
        }
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd: x\n\nlast";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(index.position(text, 3), Position { line: 2, column: 1 });
        // 'ç' is two bytes; 'd' is the second character of line 2.
        assert_eq!(index.position(text, 5), Position { line: 2, column: 2 });
        assert_eq!(index.position(text, 10), Position { line: 3, column: 1 });
        assert_eq!(index.position(text, 11), Position { line: 4, column: 1 });
        assert_eq!(index.position(text, 999), Position { line: 4, column: 5 });
    }
}

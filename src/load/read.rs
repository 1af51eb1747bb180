//! Reading a file (or standard input) into a [`SourceFile`]: the size limit, a large file in
//! two halves on two cores, and UTF-8.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::tree::{limits, BuildError};
use super::{LoadError, LoadErrorKind, SourceFile, Span};

/// Reads a file, or standard input for `-`, into a [`SourceFile`].
pub fn read_source(path: &Path) -> Result<Arc<SourceFile>, LoadError> {
    read_source_as(path, path)
}

/// Reads `path` (standard input for `-`) into a [`SourceFile`] called `name`.
pub fn read_source_as(path: &Path, name: &Path) -> Result<Arc<SourceFile>, LoadError> {
    let limit = limits::MAX_FILE_BYTES;
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| {
            // Sized once from the file's length (what `fs::read` does; `take` hides it), so
            // a 47 MB file is not copied through doubling buffers of up to 64 MB.
            let expected = f.metadata().map_or(0, |m| m.len()).min(limit);
            read_file(f, expected as usize, limit, &mut bytes)
        })
    };
    if let Err(e) = result {
        return Err(LoadError::io(path, format!("cannot read: {e}")));
    }
    if bytes.len() as u64 > limit {
        return Err(LoadError::io(
            path,
            format!("larger than the {} MiB limit", limit >> 20),
        ));
    }
    source_from_bytes(name, bytes)
}

/// Reads at most `limit + 1` bytes of `file` (one more than the limit says it is too large)
/// into `bytes`, `expected` being its length when it was opened.
fn read_file(
    file: std::fs::File,
    expected: usize,
    limit: u64,
    bytes: &mut Vec<u8>,
) -> std::io::Result<usize> {
    #[cfg(all(unix, feature = "lint"))]
    if expected >= halves::FROM {
        if halves::read(&file, expected, bytes).is_ok() {
            // What was appended since its length was read.
            let rest = limit + 1 - bytes.len() as u64;
            return (&file).take(rest).read_to_end(bytes).map(|n| n + expected);
        }
        // It shrank since: read it again from the start, where positioned reads left the
        // cursor.
        bytes.clear();
    }
    bytes.reserve_exact(expected + 1);
    file.take(limit + 1).read_to_end(bytes)
}

/// A large file read in two halves on two cores: for a 13 MB description, faulting in the
/// fresh buffer's pages and copying into them was a sixth of linting it, on one core.
#[cfg(all(unix, feature = "lint"))]
mod halves {
    use std::io::{Seek, SeekFrom};
    use std::os::unix::fs::FileExt;

    pub const FROM: usize = 1 << 20;

    /// Fills `bytes` with the file's first `len` bytes and leaves the file's cursor after them;
    /// an error when it holds fewer (it shrank since its length was read).
    pub fn read(file: &std::fs::File, len: usize, bytes: &mut Vec<u8>) -> std::io::Result<()> {
        // Zeroed by the allocator's fresh pages (calloc), which each half's thread faults in.
        *bytes = vec![0; len + 1];
        bytes.truncate(len);
        let (first, second) = bytes.split_at_mut(len / 2);
        let (a, b) = rayon::join(
            || file.read_exact_at(first, 0),
            || file.read_exact_at(second, (len / 2) as u64),
        );
        a?;
        b?;
        let mut file = file;
        file.seek(SeekFrom::Start(len as u64)).map(|_| ())
    }
}

/// Decodes bytes read from `path` as UTF-8.
pub fn source_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Arc<SourceFile>, LoadError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let source = SourceFile::new(path, String::from_utf8_lossy(e.as_bytes()).into_owned());
            Err(LoadError::at(
                LoadErrorKind::Invalid,
                &source,
                BuildError::new("invalid UTF-8", Span::new(at, at + 1)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files of every size around the one from which they are read in two halves (and a
    /// half that splits a multi-byte character) read as the bytes `fs::read` gives.
    #[test]
    fn files_read_whole_at_every_size() {
        let dir = tempfile::tempdir().unwrap();
        let line = "é line of text {}\n";
        let big: String = line.repeat((3 << 20) / line.len() + 1);
        for len in [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (3 << 20) + 7] {
            let mut text = big[..big.floor_char_boundary(len)].to_string();
            while text.len() < len {
                text.push('x');
            }
            let path = dir.path().join(format!("{len}.json"));
            std::fs::write(&path, &text).unwrap();
            let read = read_source(&path).unwrap();
            assert!(read.text == text, "{len} bytes read as {}", read.text.len());
        }
    }

    /// A file shorter than its length said (it shrank after it was opened) is read again from
    /// the start; one that grew is read to its new end.
    #[test]
    fn a_file_that_changed_length_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changing.json");
        let text = "x".repeat((2 << 20) + 3);
        std::fs::write(&path, &text).unwrap();
        for said in [text.len() + 4096, text.len() - 4096] {
            let mut bytes = Vec::new();
            let file = std::fs::File::open(&path).unwrap();
            read_file(file, said, limits::MAX_FILE_BYTES, &mut bytes).unwrap();
            assert!(
                bytes == text.as_bytes(),
                "said {said}, read {}",
                bytes.len()
            );
        }
    }
}

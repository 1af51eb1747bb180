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
    use std::io::{self, Seek, SeekFrom};
    use std::mem::MaybeUninit;
    use std::os::fd::AsRawFd;

    pub const FROM: usize = 1 << 20;

    /// Fills `bytes` with the file's first `len` bytes and leaves the file's cursor after them;
    /// an error when it holds fewer (it shrank since its length was read).
    pub fn read(file: &std::fs::File, len: usize, bytes: &mut Vec<u8>) -> io::Result<()> {
        // Read into the buffer's spare capacity, never initialised: zeroing it first (a
        // `vec![0; len]`, which the allocator fills with memset) was one more pass over every
        // large file, on one core, which also took the page faults the halves' threads share.
        bytes.clear();
        bytes.reserve_exact(len + 1);
        huge_pages(bytes.spare_capacity_mut());
        let (first, second) = bytes.spare_capacity_mut()[..len].split_at_mut(len / 2);
        let (a, b) = rayon::join(
            || read_exact_at(file, first, 0),
            || read_exact_at(file, second, (len / 2) as u64),
        );
        a?;
        b?;
        // SAFETY: both halves, the first `len` bytes of the capacity reserved above, were
        // written whole by `read_exact_at` (each returned Ok).
        unsafe { bytes.set_len(len) };
        let mut file = file;
        file.seek(SeekFrom::Start(len as u64)).map(|_| ())
    }

    /// Asks Linux to back the buffer with 2 MiB pages where it can (transparent huge pages,
    /// when the system leaves them to `madvise`): a fresh buffer's 4 KiB pages were faulted in
    /// one at a time, a trap each (tens of thousands of them for the corpus's large files).
    /// Only a hint: where it is refused, or elsewhere than Linux, nothing changes.
    fn huge_pages(buffer: &mut [MaybeUninit<u8>]) {
        #[cfg(target_os = "linux")]
        {
            const HUGE: usize = 2 << 20;
            let start = buffer.as_mut_ptr() as usize;
            let first = start.next_multiple_of(HUGE);
            let end = (start + buffer.len()) / HUGE * HUGE;
            if first < end {
                // SAFETY: the range lies inside `buffer`, which this process owns; MADV_HUGEPAGE
                // changes how its pages are backed, never what they hold.
                unsafe {
                    libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = buffer;
    }

    /// `FileExt::read_exact_at` into memory that need not be initialised (std's takes an
    /// initialised slice): all of `to` from the file at `offset`, or an error.
    fn read_exact_at(
        file: &std::fs::File,
        to: &mut [MaybeUninit<u8>],
        mut offset: u64,
    ) -> io::Result<()> {
        let mut done = 0;
        while done < to.len() {
            let rest = &mut to[done..];
            let at = libc::off_t::try_from(offset)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
            // SAFETY: `rest` is valid for writes of `rest.len()` bytes, and pread writes at
            // most that many; writing needs no initialised memory.
            let n =
                unsafe { libc::pread(file.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), at) };
            match n {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n if n < 0 => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
                n => {
                    done += n as usize;
                    offset += n as u64;
                }
            }
        }
        Ok(())
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

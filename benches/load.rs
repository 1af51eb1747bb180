//! Load throughput: reads, parses and models every file under the given paths, in parallel
//! (rayon, one thread per core), and prints files, megabytes, seconds and MB/s. Run under
//! `/usr/bin/time -v` for peak memory:
//!
//!     cargo bench --bench load -- ~/.cache/scopegate-corpus/directory
//!     cargo bench --bench load -- ~/.cache/scopegate-corpus/github/api.github.com.json
//!
//! Each file's tree is dropped once its model is built, as lint will do.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use scopegate::load::{self, walk, Workspace};
use scopegate::model;

fn main() {
    let paths: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        eprintln!("usage: cargo bench --bench load -- PATH...");
        std::process::exit(2);
    }
    let files = walk::discover(&paths, &[], std::path::Path::new(".")).expect("walk");
    let bytes = AtomicUsize::new(0);
    let operations = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let start = Instant::now();
    files
        .par_iter()
        .for_each(|input| match load::load(&input.path) {
            Ok(loaded) => {
                bytes.fetch_add(loaded.document.source.text.len(), Ordering::Relaxed);
                let mut workspace = Workspace::new(&loaded.document);
                let model = model::build(&loaded, &mut workspace);
                operations.fetch_add(model.operations.len(), Ordering::Relaxed);
            }
            Err(_) => {
                failed.fetch_add(1, Ordering::Relaxed);
            }
        });
    let seconds = start.elapsed().as_secs_f64();
    let mb = bytes.load(Ordering::Relaxed) as f64 / 1e6;
    println!(
        "load: {} files ({} refused), {:.1} MB, {} operations, {:.3} s, {:.0} MB/s, {} threads",
        files.len(),
        failed.load(Ordering::Relaxed),
        mb,
        operations.load(Ordering::Relaxed),
        seconds,
        mb / seconds,
        rayon::current_num_threads()
    );
}

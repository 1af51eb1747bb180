//! The `scopegate` command line.

mod cli;

fn main() {
    std::process::exit(cli::run());
}

/// See Cargo.toml for why the command line allocates with mimalloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

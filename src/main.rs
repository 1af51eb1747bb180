//! The `scopegate` command line.

mod cli;

fn main() {
    // mimalloc's `purge_delay` (option 15 of its v2 header, which the bindings name no constant
    // for): freed memory goes back to the system after 5 ms, not 10 (see Cargo.toml). An
    // environment's `MIMALLOC_PURGE_DELAY` still wins: options set here are defaults.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets the default of an integer option of the allocator, which any thread may do
    // at any time; this runs before the command starts a thread.
    unsafe { libmimalloc_sys::mi_option_set_default(PURGE_DELAY, 5) };
    std::process::exit(cli::run());
}

/// See Cargo.toml for why the command line allocates with mimalloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

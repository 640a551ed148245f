use std::process::ExitCode;

/// glibc's allocator was a sixth of a home read (many small, short-lived rows and
/// strings, freed on other threads); mimalloc serves them from per-thread pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tessera::cli::main()
}

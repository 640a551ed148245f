use std::process::ExitCode;

/// glibc's allocator was a sixth of a home read (many small, short-lived rows and
/// strings, freed on other threads); mimalloc serves them from per-thread pages. Built
/// without transparent huge pages (`no_thp`): with them, faulting in 2 MiB pages made the
/// streaming fan-out 40 % slower and doubled the idle resident size.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tessera::cli::main()
}

//! The `cicada` binary: everything happens in `cicada_cli::run`.

/// mimalloc instead of the C library's malloc: a request allocates and frees dozens of small
/// blocks (Lua values and coroutines go through Rust's allocator too), and glibc's malloc
/// took a fifth of the instructions per request. Its arenas are not committed eagerly (see
/// `.cargo/config.toml`), which keeps idle users as small as with glibc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cicada_cli::main());
}

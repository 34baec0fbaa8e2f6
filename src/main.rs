//! The `cicada` binary: everything happens in `cicada_cli::run`.

fn main() {
    std::process::exit(cicada_cli::main());
}

//! cicada-scripting's tests: one binary (see `Cargo.toml`), one module per subject.

mod load;
mod run;
mod util;

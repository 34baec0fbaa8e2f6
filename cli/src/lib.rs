//! cicada's command line: Locust's flags, config files and `LOCUST_*` variables become one
//! validated [`settings::Settings`]; the run is driven through the engine's `Control`, and
//! the console shows Locust's tables. Exit codes follow Locust's (see `exit.rs`).

mod app;
mod check;
mod console;
mod csv_writer;
mod demo;
mod exit;
mod headless;
mod json_output;
mod limits;
mod listing;
mod localtime;
mod locustfiles;
mod logging;
mod master;
mod outputs;
mod run_handle;
mod settings;
mod shape;
mod single_user;
mod summary;
#[cfg(test)]
mod test_support;
mod thresholds;
mod verdict;
mod worker;

/// Run cicada with the process's arguments; returns the exit code.
pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    app::run(&args)
}

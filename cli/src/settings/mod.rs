//! Raw arguments → one validated [`Settings`], the way Locust 2.47 reads its command line.
//!
//! Sources, highest precedence first: the command line, `LOCUST_*` environment variables,
//! the `--config` file, `./pyproject.toml` (`[tool.locust]`), `./locust.conf`,
//! `~/.locust.conf`, then the defaults. Each flag is one row of `table.rs`; from it come the
//! clap argument (`flags.rs`), the variable (`env.rs`), the config key (`config_file.rs`,
//! `config_key.rs`, `ini.rs`, `toml_file.rs`), the help entry (`help.rs`) and the `parsed_options` entry
//! (`validate.rs`). `merge.rs` picks each flag's winning source. Errors are argparse's
//! (`cicada: error: ...`, exit 2); clap's types never leave `flags.rs`.

mod config_file;
mod config_key;
mod env;
mod errors;
mod flags;
mod help;
mod ini;
mod merge;
mod pytext;
mod source;
mod suggest;
mod table;
mod toml_file;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cicada_engine::OptionValue;

use crate::logging::Level;
use errors::{UsageError, USAGE_EXIT};
use flags::Cli;

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// A normal run.
    Run(Box<Settings>),
    /// `cicada demo [flags]`: the built-in demo, with the same flags.
    Demo(Box<Settings>),
    /// Print these and exit with `code`: `--help` and `--version` (0), or a usage or config
    /// error (2, `cicada: error: ...` on stderr).
    Exit { code: i32, stdout: String, stderr: String },
}

/// Every setting of a run, validated. Field docs name the flag, variable and config key.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The Lua scenario: `-f/--locustfile`, `LOCUST_LOCUSTFILE`, `locustfile`; default
    /// `locustfile.lua` (relative to the working directory).
    pub(crate) locustfile: PathBuf,
    /// Base URL of the system under test: `-H/--host`, `LOCUST_HOST`, `host`. An empty value
    /// counts as unset, as Locust treats it.
    pub(crate) host: Option<String>,
    /// Peak concurrent users: `-u/--users`, `LOCUST_USERS`, `users`.
    pub(crate) users: Option<u32>,
    /// Users started per second, finite and > 0: `-r/--spawn-rate`, `LOCUST_SPAWN_RATE`.
    pub(crate) spawn_rate: Option<f64>,
    /// Stop after this long (whole seconds): `-t/--run-time`, `LOCUST_RUN_TIME`, `run-time`.
    pub(crate) run_time: Option<Duration>,
    /// No web UI, start at once: `--headless`, `LOCUST_HEADLESS`; `--headful` cancels it.
    pub(crate) headless: bool,
    /// Shard count, -1 or >= 1 (-1 = every usable core): `--processes`, `LOCUST_PROCESSES`.
    pub(crate) processes: Option<i64>,
    /// Run as one worker under a Locust master: `--worker`, `LOCUST_MODE_WORKER`.
    pub(crate) worker: bool,
    /// The master to join: `--master-host` (`LOCUST_MASTER_NODE_HOST`, default 127.0.0.1)
    /// and `--master-port` (`LOCUST_MASTER_NODE_PORT`, default 5557).
    pub(crate) master_host: String,
    pub(crate) master_port: u16,
    /// Run as a master that Locust workers join: `--master`, `LOCUST_MODE_MASTER`.
    pub(crate) master: bool,
    /// Where the master listens: `--master-bind-host` (default `*`) and
    /// `--master-bind-port` (default 5557).
    pub(crate) master_bind_host: String,
    pub(crate) master_bind_port: u16,
    /// Ready workers a headless master waits for: `--expect-workers` (default 1; a master
    /// refuses one below 1).
    pub(crate) expect_workers: i64,
    /// Give up waiting for them after this long: `--expect-workers-max-wait` (None: never).
    pub(crate) expect_workers_max_wait: Option<Duration>,
    /// `--enable-rebalancing`.
    pub(crate) enable_rebalancing: bool,
    /// Run only tasks with one of these tags: `-T/--tags`, `LOCUST_TAGS` (`[a, b]`), `tags`.
    pub(crate) tags: Option<Vec<String>>,
    /// Skip tasks with any of these tags: `-E/--exclude-tags`, `LOCUST_EXCLUDE_TAGS`.
    pub(crate) exclude_tags: Option<Vec<String>>,
    /// Print the user classes and exit: `-l/--list` (`list_commands` in Locust).
    pub(crate) list: bool,
    /// Print the task ratio tables and exit: `--show-task-ratio`.
    pub(crate) show_task_ratio: bool,
    /// Print the task ratios as JSON and exit: `--show-task-ratio-json`.
    pub(crate) show_task_ratio_json: bool,
    /// Load and validate the scenario, print a summary and exit: `--check`.
    pub(crate) check: bool,
    /// Run one user and print each request: `--single-user`.
    pub(crate) single_user: bool,
    /// `--single-user`'s extra columns (`time,length,context`): `--single-user-include`.
    pub(crate) single_user_include: Option<String>,
    /// How long stopping users may finish their task: `-s/--stop-timeout`; default 0.
    pub(crate) stop_timeout: Duration,
    /// Reset the stats when ramp-up ends: `--reset-stats`, `LOCUST_RESET_STATS`.
    pub(crate) reset_stats: bool,
    /// Every class and task weight 1: `--equal-weights` (no env var, as in Locust).
    pub(crate) equal_weights: bool,
    /// Final summary only, no periodic table: `--only-summary`, `LOCUST_ONLY_SUMMARY`.
    pub(crate) only_summary: bool,
    /// Periodic table in UI runs too: `--print-stats`, `LOCUST_PRINT_STATS`.
    #[allow(dead_code, reason = "only UI runs read it, and there is no web UI yet")]
    pub(crate) print_stats: bool,
    /// Minimum log level: `-L/--loglevel`, `LOCUST_LOGLEVEL` (case-insensitive); default INFO.
    pub(crate) loglevel: Level,
    /// Log to this file instead of stderr: `--logfile`, `LOCUST_LOGFILE` (empty = unset).
    pub(crate) logfile: Option<PathBuf>,
    /// Exit code when there were failures: `--exit-code-on-error`; default 1.
    pub(crate) exit_code_on_error: i32,
    /// Run only these user classes (positionals, else `LOCUST_USER_CLASSES`); empty = all.
    pub(crate) user_classes: Vec<String>,
    /// Don't set up logging: `--skip-log-setup`, `LOCUST_SKIP_LOG_SETUP`.
    pub(crate) skip_log_setup: bool,
    /// Write the CSV files `<prefix>_stats.csv` etc.: `--csv`, `LOCUST_CSV`, `csv`
    /// (`csv_prefix` in Locust; empty = unset).
    pub(crate) csv_prefix: Option<PathBuf>,
    /// One history row per entry too: `--csv-full-history`, `LOCUST_CSV_FULL_HISTORY`
    /// (`stats_history_enabled`); needs `--csv`.
    pub(crate) csv_full_history: bool,
    /// Print the final stats as JSON on stdout: `--json`, config key `json`.
    pub(crate) json: bool,
    /// Write the final stats as JSON to this file: `--json-file`, config key `json-file`.
    pub(crate) json_file: Option<PathBuf>,
    /// Pass/fail conditions checked at the end: `--threshold` (repeatable),
    /// `LOCUST_THRESHOLD` (`[a, b]`), `threshold` (a list in config files). See docs/ci.md.
    pub(crate) thresholds: Vec<crate::thresholds::Threshold>,
    /// Markdown summary file: `--summary-md`, `LOCUST_SUMMARY_MD`, `summary-md`.
    pub(crate) summary_md: Option<PathBuf>,
    /// JSON summary file: `--summary-json`, `LOCUST_SUMMARY_JSON`, `summary-json`.
    pub(crate) summary_json: Option<PathBuf>,
    /// Every option by its Locust `dest` (`num_users`, `run_time` in whole seconds,
    /// `list_commands`, `user_classes`, ...), defaults included, for scripts'
    /// `environment.parsed_options`.
    pub(crate) options: BTreeMap<String, OptionValue>,
}

/// Read the arguments (without the program name, e.g. `args_os().skip(1)`), the environment
/// (through `env`), and the config files in `cwd` and `home` into settings, or the text to
/// print and the exit code.
pub(crate) fn parse(
    args: &[OsString],
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    home: Option<&Path>,
) -> Parsed {
    let (demo, args) = match args.split_first() {
        Some((first, rest)) if first == "demo" => (true, rest),
        _ => (false, args),
    };
    match resolve(args, env, cwd, home) {
        Ok(Resolved::Settings(s)) if demo => Parsed::Demo(s),
        Ok(Resolved::Settings(s)) => Parsed::Run(s),
        Ok(Resolved::Help) => Parsed::Exit { code: 0, stdout: help::text(), stderr: String::new() },
        Ok(Resolved::Version) => Parsed::Exit {
            code: 0,
            stdout: format!("cicada {} (Locust 2.47 compatible)\n", env!("CARGO_PKG_VERSION")),
            stderr: String::new(),
        },
        Err(e) => Parsed::Exit { code: USAGE_EXIT, stdout: String::new(), stderr: e.render() },
    }
}

enum Resolved {
    Settings(Box<Settings>),
    Help,
    Version,
}

fn resolve(
    args: &[OsString],
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    home: Option<&Path>,
) -> Result<Resolved, UsageError> {
    let cli = match flags::parse(args)? {
        Cli::Help => return Ok(Resolved::Help),
        Cli::Version => return Ok(Resolved::Version),
        Cli::Args(cli) => cli,
    };
    let from_env = env::read(env);
    let files = config_file::read_all(cli.config_path(), cwd, home)?;
    let picked = merge::pick(&cli.given, &from_env, &files)?;
    let user_classes =
        if cli.user_classes.is_empty() { env::user_classes(env) } else { cli.user_classes };
    let options = validate::options(&picked, user_classes)?;
    validate::csv_full_history_needs_csv(&options)?;
    Ok(Resolved::Settings(Box::new(Settings::from_options(options))))
}

impl Settings {
    /// The typed fields, read from the validated options (which hold only values that passed
    /// their checks, so the fallbacks below are the defaults, never a hidden error).
    fn from_options(options: BTreeMap<String, OptionValue>) -> Settings {
        let o = &options;
        let seconds = |key: &str| int(o, key).map(|s| Duration::from_secs(s.max(0).unsigned_abs()));
        Settings {
            locustfile: PathBuf::from(text(o, "locustfile").unwrap_or("locustfile.lua")),
            host: text(o, "host").filter(|h| !h.is_empty()).map(str::to_string),
            users: int(o, "num_users").and_then(|n| u32::try_from(n).ok()),
            spawn_rate: match o.get("spawn_rate") {
                Some(OptionValue::Float(r)) => Some(*r),
                _ => None,
            },
            run_time: seconds("run_time"),
            headless: switch(o, "headless"),
            processes: int(o, "processes"),
            worker: switch(o, "worker"),
            master_host: text(o, "master_host").unwrap_or("127.0.0.1").to_owned(),
            master_port: int(o, "master_port").and_then(|p| u16::try_from(p).ok()).unwrap_or(5557),
            master: switch(o, "master"),
            master_bind_host: text(o, "master_bind_host").unwrap_or("*").to_owned(),
            master_bind_port: int(o, "master_bind_port")
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(5557),
            expect_workers: int(o, "expect_workers").unwrap_or(1),
            expect_workers_max_wait: seconds("expect_workers_max_wait").filter(|d| !d.is_zero()),
            enable_rebalancing: switch(o, "enable_rebalancing"),
            tags: list(o, "tags"),
            exclude_tags: list(o, "exclude_tags"),
            list: switch(o, "list_commands"),
            show_task_ratio: switch(o, "show_task_ratio"),
            show_task_ratio_json: switch(o, "show_task_ratio_json"),
            check: switch(o, "check"),
            single_user: switch(o, "single_user"),
            single_user_include: text(o, "single_user_include").map(str::to_string),
            stop_timeout: seconds("stop_timeout").unwrap_or(Duration::ZERO),
            reset_stats: switch(o, "reset_stats"),
            equal_weights: switch(o, "equal_weights"),
            only_summary: switch(o, "only_summary"),
            print_stats: switch(o, "print_stats"),
            loglevel: level(text(o, "loglevel").unwrap_or("INFO")),
            logfile: text(o, "logfile").filter(|f| !f.is_empty()).map(PathBuf::from),
            exit_code_on_error: int(o, "exit_code_on_error")
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(1),
            user_classes: list(o, table::USER_CLASSES_DEST).unwrap_or_default(),
            skip_log_setup: switch(o, "skip_log_setup"),
            // Each item passed the same parse in validation, so none is dropped here.
            thresholds: list(o, "threshold")
                .unwrap_or_default()
                .iter()
                .filter_map(|t| crate::thresholds::parse(t).ok())
                .collect(),
            summary_md: text(o, "summary_md").filter(|p| !p.is_empty()).map(PathBuf::from),
            summary_json: text(o, "summary_json").filter(|p| !p.is_empty()).map(PathBuf::from),
            csv_prefix: text(o, "csv_prefix").filter(|p| !p.is_empty()).map(PathBuf::from),
            csv_full_history: switch(o, "stats_history_enabled"),
            json: switch(o, "json"),
            json_file: text(o, "json_file").filter(|p| !p.is_empty()).map(PathBuf::from),
            options,
        }
    }
}

fn text<'a>(options: &'a BTreeMap<String, OptionValue>, key: &str) -> Option<&'a str> {
    match options.get(key) {
        Some(OptionValue::Str(s)) => Some(s),
        _ => None,
    }
}

fn int(options: &BTreeMap<String, OptionValue>, key: &str) -> Option<i64> {
    match options.get(key) {
        Some(OptionValue::Int(n)) => Some(*n),
        _ => None,
    }
}

fn switch(options: &BTreeMap<String, OptionValue>, key: &str) -> bool {
    matches!(options.get(key), Some(OptionValue::Bool(true)))
}

fn list(options: &BTreeMap<String, OptionValue>, key: &str) -> Option<Vec<String>> {
    match options.get(key) {
        Some(OptionValue::List(items)) => Some(items.clone()),
        _ => None,
    }
}

fn level(name: &str) -> Level {
    match name {
        "DEBUG" => Level::Debug,
        "WARNING" => Level::Warning,
        "ERROR" => Level::Error,
        "CRITICAL" => Level::Critical,
        _ => Level::Info,
    }
}

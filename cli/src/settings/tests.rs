//! The settings pipeline end to end, in-process: arguments, a fake environment and config
//! files in a fresh temporary directory. Expected texts are Locust 2.47's where it has one.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cicada_engine::OptionValue;

use super::{parse, Parsed, Settings};
use crate::logging::Level;

/// A directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("cicada-settings-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn write(&self, name: &str, text: &str) -> &TempDir {
        std::fs::write(self.0.join(name), text).expect("write config file");
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One invocation: arguments, environment, and the directories config files are read from.
struct Case<'a> {
    args: &'a [&'a str],
    env: &'a [(&'a str, &'a str)],
    cwd: &'a TempDir,
    home: Option<&'a TempDir>,
}

impl Case<'_> {
    fn parse(&self) -> Parsed {
        let args: Vec<OsString> = self.args.iter().map(OsString::from).collect();
        let env: HashMap<String, String> =
            self.env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = |key: &str| env.get(key).cloned();
        parse(&args, &lookup, self.cwd.path(), self.home.map(TempDir::path))
    }
}

fn with(args: &[&str], env: &[(&str, &str)], cwd: &TempDir) -> Parsed {
    Case { args, env, cwd, home: None }.parse()
}

fn settings_in(args: &[&str], env: &[(&str, &str)], cwd: &TempDir) -> Settings {
    match with(args, env, cwd) {
        Parsed::Run(s) => *s,
        other => panic!("expected a run for {args:?}, got {other:?}"),
    }
}

fn settings(args: &[&str]) -> Settings {
    settings_in(args, &[], &TempDir::new())
}

fn settings_env(args: &[&str], env: &[(&str, &str)]) -> Settings {
    settings_in(args, env, &TempDir::new())
}

/// The stderr of a usage error (asserting exit code 2 and nothing on stdout).
fn error_in(args: &[&str], env: &[(&str, &str)], cwd: &TempDir) -> String {
    match with(args, env, cwd) {
        Parsed::Exit { code: 2, stdout, stderr } if stdout.is_empty() => stderr,
        other => panic!("expected a usage error for {args:?}, got {other:?}"),
    }
}

fn error(args: &[&str]) -> String {
    error_in(args, &[], &TempDir::new())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn defaults() {
    let s = settings(&[]);
    assert_eq!(s.locustfile, PathBuf::from("locustfile.lua"));
    assert_eq!(s.host, None);
    assert_eq!(s.users, None);
    assert_eq!(s.spawn_rate, None);
    assert_eq!(s.run_time, None);
    assert!(!s.headless);
    assert_eq!(s.processes, None);
    assert_eq!(s.tags, None);
    assert_eq!(s.exclude_tags, None);
    assert!(!s.list && !s.show_task_ratio && !s.show_task_ratio_json);
    assert_eq!(s.stop_timeout, Duration::ZERO);
    assert!(!s.reset_stats && !s.only_summary && !s.print_stats && !s.skip_log_setup);
    assert_eq!(s.loglevel, Level::Info);
    assert_eq!(s.logfile, None);
    assert_eq!(s.exit_code_on_error, 1);
    assert!(s.user_classes.is_empty());
}

#[test]
fn long_flags() {
    let s = settings(&[
        "--locustfile",
        "x.lua",
        "--host",
        "http://h",
        "--users",
        "7",
        "--spawn-rate",
        "2.5",
        "--run-time",
        "1h30m",
        "--headless",
        "--processes",
        "4",
        "--tags",
        "a",
        "b",
        "--exclude-tags",
        "c",
        "--list",
        "--show-task-ratio",
        "--show-task-ratio-json",
        "--stop-timeout",
        "1m",
        "--reset-stats",
        "--only-summary",
        "--print-stats",
        "--loglevel",
        "warning",
        "--logfile",
        "cicada.log",
        "--exit-code-on-error",
        "3",
        "--skip-log-setup",
    ]);
    assert_eq!(s.locustfile, PathBuf::from("x.lua"));
    assert_eq!(s.host.as_deref(), Some("http://h"));
    assert_eq!(s.users, Some(7));
    assert_eq!(s.spawn_rate, Some(2.5));
    assert_eq!(s.run_time, Some(Duration::from_secs(5400)));
    assert!(s.headless);
    assert_eq!(s.processes, Some(4));
    assert_eq!(s.tags, Some(strings(&["a", "b"])));
    assert_eq!(s.exclude_tags, Some(strings(&["c"])));
    assert!(s.list && s.show_task_ratio && s.show_task_ratio_json);
    assert_eq!(s.stop_timeout, Duration::from_secs(60));
    assert!(s.reset_stats && s.only_summary && s.print_stats && s.skip_log_setup);
    assert_eq!(s.loglevel, Level::Warning);
    assert_eq!(s.logfile, Some(PathBuf::from("cicada.log")));
    assert_eq!(s.exit_code_on_error, 3);
}

#[test]
fn short_flags_and_attached_values() {
    let s = settings(&[
        "-f", "x.lua", "-H", "http://h", "-u", "7", "-r", "3", "-t", "20", "-T", "a", "-E", "b",
        "-l", "-s", "5", "-L", "error",
    ]);
    assert_eq!(s.locustfile, PathBuf::from("x.lua"));
    assert_eq!(s.host.as_deref(), Some("http://h"));
    assert_eq!(s.users, Some(7));
    assert_eq!(s.spawn_rate, Some(3.0));
    assert_eq!(s.run_time, Some(Duration::from_secs(20)));
    assert_eq!(s.tags, Some(strings(&["a"])));
    assert_eq!(s.exclude_tags, Some(strings(&["b"])));
    assert!(s.list);
    assert_eq!(s.stop_timeout, Duration::from_secs(5));
    assert_eq!(s.loglevel, Level::Error);

    // `--flag=value`, `-u10`, a cluster ending in a flag that takes a value.
    let s = settings(&["--users=12", "-r5", "--run-time=3m", "-lT", "x", "y"]);
    assert_eq!(s.users, Some(12));
    assert_eq!(s.spawn_rate, Some(5.0));
    assert_eq!(s.run_time, Some(Duration::from_secs(180)));
    assert!(s.list);
    assert_eq!(s.tags, Some(strings(&["x", "y"])));
}

#[test]
fn repeated_flags_keep_the_last_value() {
    let s = settings(&["-u", "1", "-u", "2", "-T", "a", "-T", "b"]);
    assert_eq!(s.users, Some(2));
    assert_eq!(s.tags, Some(strings(&["b"])));
    // A bare `-T` is an empty list, not "no tags given".
    assert_eq!(settings(&["-T"]).tags, Some(Vec::new()));
}

#[test]
fn long_options_abbreviate_to_a_unique_prefix() {
    let s = settings(&["--headl", "--us", "3", "--spawn", "2", "--run-tim", "5s", "--lis"]);
    assert!(s.headless && s.list);
    assert_eq!(s.users, Some(3));
    assert_eq!(s.spawn_rate, Some(2.0));
    assert_eq!(s.run_time, Some(Duration::from_secs(5)));
    // An exact name wins over a longer one it prefixes.
    let s = settings(&["--show-task-ratio"]);
    assert!(s.show_task_ratio && !s.show_task_ratio_json);
}

#[test]
fn ambiguous_prefixes_are_errors() {
    assert_eq!(
        error(&["--he"]),
        "cicada: error: ambiguous option: --he could match --help, --headless, --headful\n"
    );
    assert_eq!(
        error(&["--s", "5"]),
        "cicada: error: ambiguous option: --s could match --spawn-rate, --skip-log-setup, \
         --show-task-ratio, --show-task-ratio-json, --single-user, --single-user-include, \
         --stop-timeout, --summary-md, --summary-json\n"
    );
}

#[test]
fn bad_run_time_has_locusts_message() {
    assert_eq!(
        error(&["-f", "locustfile_ok.lua", "--headless", "-t", "1x"]),
        "cicada: error: argument -t/--run-time: Invalid time span format. Valid formats: 20, \
         20s, 3m, 2h, 1h20m, 3h30m10s, etc.\n"
    );
    assert_eq!(
        error(&["--run-time="]),
        "cicada: error: argument -t/--run-time: Invalid time span format\n"
    );
    assert_eq!(
        error(&["-s", "1m1h"]),
        "cicada: error: argument -s/--stop-timeout: Invalid time span format. Valid formats: \
         20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.\n"
    );
}

#[test]
fn bad_users() {
    assert_eq!(error(&["-u", "x"]), "cicada: error: argument -u/--users: invalid int value: 'x'\n");
    assert_eq!(
        error(&["--users", "1.5"]),
        "cicada: error: argument -u/--users: invalid int value: '1.5'\n"
    );
    assert_eq!(error(&["-u"]), "cicada: error: argument -u/--users: expected one argument\n");
    assert!(error(&["-u", "-5"]).starts_with("cicada: error: argument -u/--users: must be"));
    // Python's int() grammar: whitespace, sign, digit separators.
    assert_eq!(settings(&["-u", " +1_000 "]).users, Some(1000));
}

#[test]
fn spawn_rate_must_be_finite_and_positive() {
    let msg = |v: &str| error(&["-r", v]);
    assert_eq!(msg("0"), "cicada: error: argument -r/--spawn-rate: must be > 0\n");
    assert_eq!(msg("-1"), "cicada: error: argument -r/--spawn-rate: must be > 0\n");
    assert_eq!(msg("nan"), "cicada: error: argument -r/--spawn-rate: must be a finite number\n");
    assert_eq!(msg("inf"), "cicada: error: argument -r/--spawn-rate: must be a finite number\n");
    assert_eq!(msg("1e400"), "cicada: error: argument -r/--spawn-rate: must be a finite number\n");
    assert_eq!(msg("x"), "cicada: error: argument -r/--spawn-rate: invalid float value: 'x'\n");
    assert_eq!(settings(&["-r", "0.5"]).spawn_rate, Some(0.5));
}

#[test]
fn unknown_flags_are_unrecognized_with_a_suggestion() {
    assert_eq!(
        error(&["-f", "locustfile_ok.lua", "--headlesss"]),
        "cicada: error: unrecognized arguments: --headlesss\nDid you mean '--headless'?\n"
    );
    assert_eq!(
        error(&["--headless", "--run-tim", "5s", "--nosuch"]),
        "cicada: error: unrecognized arguments: --nosuch\n"
    );
    // Flags of Locust that this version does not have yet are unknown too, all listed.
    assert_eq!(
        error(&["--autostart", "--web-port=9000"]),
        "cicada: error: unrecognized arguments: --autostart --web-port=9000\nDid you mean '--master'?\n"
    );
    assert_eq!(
        error(&["--headless=1"]),
        "cicada: error: argument --headless: ignored explicit argument '1'\n"
    );
    assert_eq!(
        error(&["-lx"]),
        "cicada: error: argument -l/--list: ignored explicit argument 'x'\n"
    );
}

#[test]
fn loglevel_is_case_insensitive_and_checked() {
    assert_eq!(settings(&["-L", "debug"]).loglevel, Level::Debug);
    assert_eq!(settings(&["--loglevel", "Critical"]).loglevel, Level::Critical);
    assert_eq!(
        error(&["-L", "trace"]),
        "cicada: error: argument --loglevel/-L: invalid choice: 'TRACE' (choose from 'DEBUG', \
         'INFO', 'WARNING', 'ERROR', 'CRITICAL')\n"
    );
}

#[test]
fn processes_is_minus_one_or_a_count() {
    assert_eq!(settings(&["--processes", "-1"]).processes, Some(-1));
    assert_eq!(settings(&["--processes", "2"]).processes, Some(2));
    for bad in ["0", "-2"] {
        let msg = error(&["--processes", bad]);
        assert!(msg.starts_with("cicada: error: argument --processes: invalid count"), "{msg}");
    }
    assert_eq!(
        error(&["--processes", "x"]),
        "cicada: error: argument --processes: invalid int value: 'x'\n"
    );
}

#[test]
fn worker_flags_and_their_variables() {
    let s = settings(&[]);
    assert!(!s.worker);
    assert_eq!((s.master_host.as_str(), s.master_port), ("127.0.0.1", 5557));
    let s = settings(&["--worker", "--master-host", "m.example", "--master-port", "6000"]);
    assert!(s.worker);
    assert_eq!((s.master_host.as_str(), s.master_port), ("m.example", 6000));
    let env = [
        ("LOCUST_MODE_WORKER", "true"),
        ("LOCUST_MASTER_NODE_HOST", "env.example"),
        ("LOCUST_MASTER_NODE_PORT", "7000"),
    ];
    let s = settings_env(&[], &env);
    assert!(s.worker);
    assert_eq!((s.master_host.as_str(), s.master_port), ("env.example", 7000));
    assert_eq!(
        error(&["--master-port", "70000"]),
        "cicada: error: argument --master-port: invalid port 70000 (use 1 to 65535)\n"
    );
}

#[test]
fn help_and_version() {
    match with(&["--help"], &[], &TempDir::new()) {
        Parsed::Exit { code: 0, stdout, stderr } => {
            assert!(stdout.starts_with("Usage: cicada [options] [UserClass ...]\n"));
            assert!(stdout.contains("cicada demo"));
            assert!(stdout.contains("  -f <filename>, --locustfile <filename>\n"));
            assert!(stdout.ends_with(
                "Examples: cicada -f locustfile.lua --headless -u 100 -r 10 -t 1m; cicada demo\n"
            ));
            assert!(stderr.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let version = format!("cicada {} (Locust 2.47 compatible)\n", env!("CARGO_PKG_VERSION"));
    for args in [&["-V"][..], &["--version"], &["--version", "--bogus"], &["demo", "-V"]] {
        match with(args, &[], &TempDir::new()) {
            Parsed::Exit { code: 0, stdout, .. } => assert_eq!(stdout, version),
            other => panic!("{args:?}: {other:?}"),
        }
    }
    // Help wins over unknown arguments, as argparse acts on it first.
    assert!(matches!(with(&["--bogus", "-h"], &[], &TempDir::new()), Parsed::Exit { code: 0, .. }));
}

#[test]
fn env_vars_set_options() {
    let s = settings_env(
        &[],
        &[
            ("LOCUST_LOCUSTFILE", "e.lua"),
            ("LOCUST_HOST", "http://env"),
            ("LOCUST_USERS", "5"),
            ("LOCUST_SPAWN_RATE", "1.5"),
            ("LOCUST_RUN_TIME", "2m"),
            ("LOCUST_HEADLESS", "yes"),
            ("LOCUST_PROCESSES", "-1"),
            ("LOCUST_EXCLUDE_TAGS", "[x]"),
            ("LOCUST_STOP_TIMEOUT", "7"),
            ("LOCUST_RESET_STATS", "on"),
            ("LOCUST_ONLY_SUMMARY", "1"),
            ("LOCUST_PRINT_STATS", "TRUE"),
            ("LOCUST_LOGLEVEL", "error"),
            ("LOCUST_LOGFILE", "e.log"),
            ("LOCUST_EXIT_CODE_ON_ERROR", "9"),
            ("LOCUST_SKIP_LOG_SETUP", "true"),
        ],
    );
    assert_eq!(s.locustfile, PathBuf::from("e.lua"));
    assert_eq!(s.host.as_deref(), Some("http://env"));
    assert_eq!(s.users, Some(5));
    assert_eq!(s.spawn_rate, Some(1.5));
    assert_eq!(s.run_time, Some(Duration::from_secs(120)));
    assert!(s.headless && s.reset_stats && s.only_summary && s.print_stats && s.skip_log_setup);
    assert_eq!(s.processes, Some(-1));
    assert_eq!(s.exclude_tags, Some(strings(&["x"])));
    assert_eq!(s.stop_timeout, Duration::from_secs(7));
    assert_eq!(s.loglevel, Level::Error);
    assert_eq!(s.logfile, Some(PathBuf::from("e.log")));
    assert_eq!(s.exit_code_on_error, 9);
}

#[test]
fn env_errors_name_the_variable() {
    let dir = TempDir::new();
    assert_eq!(
        error_in(&[], &[("LOCUST_HEADLESS", "maybe")], &dir),
        "cicada: error: Unexpected value for LOCUST_HEADLESS: 'maybe'. Expecting 'true', \
         'false', 'yes', 'no', 'on', 'off', '1' or '0'\n"
    );
    assert_eq!(
        error_in(&[], &[("LOCUST_USERS", "x")], &dir),
        "cicada: error: argument -u/--users: invalid int value: 'x' (from LOCUST_USERS)\n"
    );
    // A value the command line overrides is never read.
    assert!(settings_in(&["--headless"], &[("LOCUST_HEADLESS", "maybe")], &dir).headless);
}

#[test]
fn tags_env_uses_list_syntax() {
    let tags = |v: &str| settings_env(&[], &[("LOCUST_TAGS", v)]).tags;
    assert_eq!(tags("[a, b]"), Some(strings(&["a", "b"])));
    assert_eq!(tags("[\"a b\", 1]"), Some(strings(&["a b", "1"])));
    assert_eq!(tags("a b"), Some(strings(&["a b"])));
    assert_eq!(tags("[]"), Some(Vec::new()));
    // An empty value counts as unset.
    assert_eq!(tags(""), None);
}

#[test]
fn cli_overrides_env() {
    let env = [("LOCUST_USERS", "5"), ("LOCUST_HOST", "http://env"), ("LOCUST_TAGS", "[e]")];
    let s = settings_env(&["-u", "6", "--tags", "c"], &env);
    assert_eq!(s.users, Some(6));
    assert_eq!(s.tags, Some(strings(&["c"])));
    assert_eq!(s.host.as_deref(), Some("http://env"));
    // An abbreviated flag overrides too.
    assert_eq!(settings_env(&["--use", "8"], &env).users, Some(8));
}

#[test]
fn env_overrides_config_files() {
    let dir = TempDir::new();
    dir.write("locust.conf", "users = 11\nhost = http://conf\n");
    let s = settings_in(&[], &[("LOCUST_USERS", "44")], &dir);
    assert_eq!(s.users, Some(44));
    assert_eq!(s.host.as_deref(), Some("http://conf"));
}

/// Locust 2.47's observed precedence with the reference sample (`config_precedence/`).
#[test]
fn pyproject_beats_locust_conf_as_observed() {
    let dir = TempDir::new();
    dir.write(
        "locust.conf",
        "users = 11\nspawn-rate = 2\nrun-time = 1h30m\nhost = http://from-locust-conf\n\
         tags = [a, b]\nheadless = true\n",
    )
    .write(
        "pyproject.toml",
        "[tool.locust]\nusers = 22\nrun-time = \"90\"\nhost = \"http://from-pyproject\"\n\
         exclude-tags = [\"x\", \"y\"]\n",
    )
    .write("custom.conf", "users = 33\n");
    let s = settings_in(&[], &[], &dir);
    assert_eq!(s.users, Some(22));
    assert_eq!(s.spawn_rate, Some(2.0));
    assert_eq!(s.run_time, Some(Duration::from_secs(90)));
    assert_eq!(s.host.as_deref(), Some("http://from-pyproject"));
    assert_eq!(s.tags, Some(strings(&["a", "b"])));
    assert_eq!(s.exclude_tags, Some(strings(&["x", "y"])));
    assert!(s.headless);

    // --config beats both.
    let s = settings_in(&["--config", "custom.conf"], &[], &dir);
    assert_eq!(s.users, Some(33));
    assert_eq!(s.host.as_deref(), Some("http://from-pyproject"));
    assert_eq!(s.options.get("config"), Some(&OptionValue::Str("custom.conf".into())));
}

#[test]
fn home_config_is_the_lowest_file() {
    let cwd = TempDir::new();
    let home = TempDir::new();
    home.write(".locust.conf", "users = 1\nhost = http://home\n");
    cwd.write("locust.conf", "users = 2\n");
    let Parsed::Run(s) = (Case { args: &[], env: &[], cwd: &cwd, home: Some(&home) }).parse()
    else {
        panic!("expected a run");
    };
    assert_eq!(s.users, Some(2));
    assert_eq!(s.host.as_deref(), Some("http://home"));
}

/// Sets one option in any subset of the six sources (lowest first): home, locust.conf,
/// pyproject.toml, --config, env, command line. `values[i]` is what source `i` writes, in
/// its own syntax; the result is what the settings hold.
fn from_sources<T>(
    mask: u32,
    key: &str,
    var: &str,
    flag: &str,
    values: [&str; 6],
    read: impl Fn(&Settings) -> T,
) -> T {
    let (cwd, home) = (TempDir::new(), TempDir::new());
    let mut args: Vec<&str> = Vec::new();
    let mut env = Vec::new();
    let on = |i: u32| mask & (1 << i) != 0;
    if on(0) {
        home.write(".locust.conf", &format!("{key} = {}\n", values[0]));
    }
    if on(1) {
        cwd.write("locust.conf", &format!("{key} = {}\n", values[1]));
    }
    if on(2) {
        cwd.write("pyproject.toml", &format!("[tool.locust]\n{key} = \"{}\"\n", values[2]));
    }
    if on(3) {
        cwd.write("custom.conf", &format!("{key} = {}\n", values[3]));
        args.extend(["--config", "custom.conf"]);
    }
    if on(4) {
        env.push((var, values[4]));
    }
    if on(5) {
        args.extend([flag, values[5]]);
    }
    let case = Case { args: &args, env: &env, cwd: &cwd, home: Some(&home) };
    match case.parse() {
        Parsed::Run(s) => read(&s),
        other => panic!("sources {mask:06b}: {other:?}"),
    }
}

/// Every combination of the six sources: the highest one present wins (Locust 2.47's
/// observed order), and with none the default holds.
#[test]
fn precedence_across_every_combination_of_sources() {
    for mask in 0u32..64 {
        let highest = (0..6).rev().find(|i| mask & (1 << i) != 0);
        let users = ["1", "2", "3", "4", "5", "6"];
        let got = from_sources(mask, "users", "LOCUST_USERS", "-u", users, |s| s.users);
        assert_eq!(got, highest.map(|i| i + 1), "sources {mask:06b}");
        let spans = ["1s", "2m", "3", "1h", "1m30s", "6s"];
        let got = from_sources(mask, "run-time", "LOCUST_RUN_TIME", "-t", spans, |s| s.run_time);
        let seconds = [1, 120, 3, 3600, 90, 6];
        assert_eq!(got, highest.map(|i| Duration::from_secs(seconds[i as usize])));
    }
}

/// A switch from env or a file: `true/yes/on/1` set it, `false/no/off/0` leave it off and
/// hide a `true` in every lower source; the words are case-insensitive.
#[test]
fn switch_words_from_env_and_files() {
    let dir = TempDir::new();
    for word in ["true", "yes", "on", "1", "TRUE", "Yes"] {
        dir.write("locust.conf", &format!("headless = {word}\n"));
        assert!(settings_in(&[], &[], &dir).headless, "{word}");
        assert!(settings_env(&[], &[("LOCUST_HEADLESS", word)]).headless, "{word}");
    }
    for word in ["false", "no", "off", "0", "FALSE", "Off"] {
        dir.write("locust.conf", "headless = true\n");
        assert!(!settings_in(&[], &[("LOCUST_HEADLESS", word)], &dir).headless, "{word}");
        dir.write("custom.conf", &format!("headless = {word}\n"));
        assert!(!settings_in(&["--config", "custom.conf"], &[], &dir).headless, "{word}");
    }
    // TOML booleans arrive as Python's `True`/`False`.
    dir.write("locust.conf", "headless = true\n")
        .write("pyproject.toml", "[tool.locust]\nheadless = false\n");
    assert!(!settings_in(&[], &[], &dir).headless);
    dir.write("pyproject.toml", "[tool.locust]\nheadless = true\n").write("locust.conf", "");
    assert!(settings_in(&[], &[], &dir).headless);
    // Any other word is an error, even an empty one.
    let file = dir.path().join("locust.conf").display().to_string();
    dir.write("locust.conf", "only-summary = \n").write("pyproject.toml", "");
    assert_eq!(
        error_in(&[], &[], &dir),
        format!(
            "cicada: error: Unexpected value for only-summary: ''. Expecting 'true', 'false', \
             'yes', 'no', 'on', 'off', '1' or '0' (in config file {file})\n"
        )
    );
}

/// Durations in files and env use Locust's grammar (reference §10) and its error text.
#[test]
fn durations_from_files_and_env() {
    let dir = TempDir::new();
    dir.write("locust.conf", "run-time = 1m30s\nstop-timeout = 01m\n");
    let s = settings_in(&[], &[], &dir);
    assert_eq!(s.run_time, Some(Duration::from_secs(90)));
    assert_eq!(s.stop_timeout, Duration::from_secs(60));
    dir.write("locust.conf", "").write("pyproject.toml", "[tool.locust]\nrun-time = 90\n");
    assert_eq!(settings_in(&[], &[], &dir).run_time, Some(Duration::from_secs(90)));
    let file = dir.path().join("locust.conf").display().to_string();
    dir.write("pyproject.toml", "");
    for bad in ["1m1h", "1.5h", "1d", "30S", "h", "1h2"] {
        dir.write("locust.conf", &format!("run-time = {bad}\n"));
        assert_eq!(
            error_in(&[], &[], &dir),
            format!(
                "cicada: error: argument -t/--run-time: Invalid time span format. Valid formats: \
                 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc. (from 'run-time' in config file {file})\n"
            ),
            "{bad}"
        );
    }
    dir.write("locust.conf", "run-time =\n");
    assert_eq!(
        error_in(&[], &[], &dir),
        format!(
            "cicada: error: argument -t/--run-time: Invalid time span format (from 'run-time' in \
             config file {file})\n"
        )
    );
}

/// List values in a locust.conf: `[a, b]`, JSON, and a plain value as one item.
#[test]
fn lists_in_config_files() {
    let dir = TempDir::new();
    let tags = |line: &str| {
        dir.write("locust.conf", &format!("{line}\n"));
        settings_in(&[], &[], &dir).tags
    };
    assert_eq!(tags("tags = [a, b]"), Some(strings(&["a", "b"])));
    assert_eq!(tags("tags = [\"a b\", \"c\"]"), Some(strings(&["a b", "c"])));
    assert_eq!(tags("tags = a"), Some(strings(&["a"])));
    assert_eq!(tags("tags = a b"), Some(strings(&["a b"])));
    assert_eq!(tags("tags = []"), Some(Vec::new()));
    // Not JSON, so split on commas with quotes kept, as configargparse does.
    assert_eq!(tags("tags = [a, \"b\"]"), Some(strings(&["a", "\"b\""])));
    // `config` is a key like any other; it names no further file to read.
    dir.write("locust.conf", "config = other.conf\n");
    let s = settings_in(&[], &[], &dir);
    assert_eq!(s.options.get("config"), Some(&OptionValue::Str("other.conf".into())));
}

#[test]
fn headless_false_in_env_beats_true_in_a_file() {
    let dir = TempDir::new();
    dir.write("locust.conf", "headless = true\n");
    assert!(settings_in(&[], &[], &dir).headless);
    assert!(!settings_in(&[], &[("LOCUST_HEADLESS", "false")], &dir).headless);
    // --headful cancels it too, in parsed_options as well.
    let s = settings_in(&["--headful"], &[], &dir);
    assert!(!s.headless);
    assert_eq!(s.options.get("headless"), Some(&OptionValue::Bool(false)));
}

#[test]
fn config_file_syntax() {
    let dir = TempDir::new();
    dir.write(
        "locust.conf",
        "[locust]\n# comment\n; comment\nusers: 7 # trailing\nhost = \"http://q\"\n\
         only-summary\n--reset-stats = yes\nexclude-tags = [a, b c]\ntags =\nlogfile = x.log\n",
    );
    let s = settings_in(&[], &[], &dir);
    assert_eq!(s.users, Some(7));
    assert_eq!(s.host.as_deref(), Some("http://q"));
    assert!(s.only_summary && s.reset_stats);
    assert_eq!(s.exclude_tags, Some(strings(&["a", "b c"])));
    assert_eq!(s.tags, None);
    assert_eq!(s.logfile, Some(PathBuf::from("x.log")));
}

#[test]
fn toml_values_become_python_text() {
    let dir = TempDir::new();
    dir.write(
        "pyproject.toml",
        "[tool.other]\nusers = 1\n[tool.locust]\nheadless = true\nspawn-rate = 2.5\n\
         users = 3\ntags = [1, \"b\"]\n",
    );
    let s = settings_in(&[], &[], &dir);
    assert!(s.headless);
    assert_eq!(s.spawn_rate, Some(2.5));
    assert_eq!(s.users, Some(3));
    assert_eq!(s.tags, Some(strings(&["1", "b"])));

    let bad = TempDir::new();
    bad.write("pyproject.toml", "[tool.locust\n");
    let msg = error_in(&[], &[], &bad);
    assert!(msg.starts_with("cicada: error: Couldn't parse TOML file "), "{msg}");
    assert!(msg.contains("pyproject.toml"), "{msg}");
}

#[test]
fn unknown_config_key_names_the_file_and_key() {
    let dir = TempDir::new();
    dir.write("locust.conf", "users = 3\nrun_time = 5\n");
    let file = dir.path().join("locust.conf").display().to_string();
    // Locust's words for the argument configargparse makes of the key, then the source.
    assert_eq!(
        error_in(&[], &[], &dir),
        format!(
            "cicada: error: unrecognized arguments: --run_time=5 (from 'run_time' in config \
             file {file})\nDid you mean '--run-time'?\n"
        )
    );
    let list = TempDir::new();
    list.write("locust.conf", "nosuch = [a, b]\n");
    let file = list.path().join("locust.conf").display().to_string();
    assert_eq!(
        error_in(&[], &[], &list),
        format!(
            "cicada: error: unrecognized arguments: --nosuch=a --nosuch=b (from 'nosuch' in \
             config file {file})\n"
        )
    );
}

#[test]
fn config_keys_are_argparse_options() {
    let dir = TempDir::new();
    // `--key`, a unique prefix, and a value taken by a key that only prefixes a flag.
    dir.write("locust.conf", "--users = 4\nspawn = 3\nrun-t = 1m\ntag = a\n");
    let s = settings_in(&[], &[], &dir);
    assert_eq!(s.users, Some(4));
    assert_eq!(s.spawn_rate, Some(3.0));
    assert_eq!(s.run_time, Some(Duration::from_secs(60)));
    assert_eq!(s.tags, Some(strings(&["a"])));

    let file = |d: &TempDir| d.path().join("locust.conf").display().to_string();
    let ambiguous = TempDir::new();
    ambiguous.write("locust.conf", "he = 1\n");
    assert_eq!(
        error_in(&[], &[], &ambiguous),
        format!(
            "cicada: error: ambiguous option: --he=1 could match --help, --headless, --headful \
             (from 'he' in config file {})\n",
            file(&ambiguous)
        )
    );
    // `--headl=true` carries a value, which a switch refuses (argparse).
    let switch = TempDir::new();
    switch.write("locust.conf", "headl = true\n");
    assert_eq!(
        error_in(&[], &[], &switch),
        format!(
            "cicada: error: argument --headless: ignored explicit argument 'true' (from 'headl' \
             in config file {})\n",
            file(&switch)
        )
    );
    let help = TempDir::new();
    help.write("locust.conf", "help\n");
    assert!(error_in(&[], &[], &help)
        .starts_with("cicada: error: argument -h/--help: ignored explicit argument 'true' (from"));
    // argparse would keep only the last item of `--tag=a --tag=b`; refused instead.
    let list = TempDir::new();
    list.write("locust.conf", "tag = [a, b]\n");
    assert_eq!(
        error_in(&[], &[], &list),
        format!(
            "cicada: error: argument -T/--tags: a list needs the full key 'tags', not 'tag' \
             (from 'tag' in config file {})\n",
            file(&list)
        )
    );
}

#[test]
fn bad_config_values_name_the_file_and_key() {
    let dir = TempDir::new();
    dir.write("locust.conf", "users = x\n");
    let file = dir.path().join("locust.conf").display().to_string();
    assert_eq!(
        error_in(&[], &[], &dir),
        format!(
            "cicada: error: argument -u/--users: invalid int value: 'x' (from 'users' in \
             config file {file})\n"
        )
    );
    let flag = TempDir::new();
    flag.write("locust.conf", "headless = maybe\n");
    assert!(error_in(&[], &[], &flag).contains(
        "Unexpected value for headless: 'maybe'. Expecting 'true', 'false', 'yes', 'no', 'on', \
         'off', '1' or '0' (in config file"
    ));
    let list = TempDir::new();
    list.write("locust.conf", "users = [1, 2]\n");
    assert!(error_in(&[], &[], &list).contains("users can't be set to a list '[1, 2]'"));
    // A bad value the command line overrides is never read.
    assert_eq!(settings_in(&["-u", "4"], &[], &dir).users, Some(4));
}

#[test]
fn missing_config_file_names_the_path() {
    // Python's text for the failed open().
    assert_eq!(
        error(&["--config", "nope.conf"]),
        "cicada: error: Unable to open config file: nope.conf. Error: [Errno 2] No such file or \
         directory: 'nope.conf'\n"
    );
}

#[test]
fn user_classes_from_positionals_or_env() {
    let s = settings(&["-f", "x.lua", "--headless", "WebsiteUser", "Other"]);
    assert_eq!(s.user_classes, strings(&["WebsiteUser", "Other"]));
    let env = [("LOCUST_USER_CLASSES", "A  B")];
    assert_eq!(settings_env(&[], &env).user_classes, strings(&["A", "B"]));
    assert_eq!(settings_env(&["C"], &env).user_classes, strings(&["C"]));
    // After `--` everything is a class name.
    assert_eq!(settings(&["--", "A", "--headless"]).user_classes, strings(&["A", "--headless"]));
}

#[test]
fn demo_takes_the_same_flags() {
    match with(&["demo", "-u", "3", "--headless", "-t", "5s"], &[], &TempDir::new()) {
        Parsed::Demo(s) => {
            assert_eq!(s.users, Some(3));
            assert!(s.headless);
            assert_eq!(s.run_time, Some(Duration::from_secs(5)));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(with(&["demo"], &[], &TempDir::new()), Parsed::Demo(_)));
    assert!(error_in(&["demo", "--bogus"], &[], &TempDir::new())
        .starts_with("cicada: error: unrecognized arguments: --bogus"));
    // Only the first argument is the subcommand; elsewhere `demo` is a user class.
    let s = settings(&["--headless", "demo"]);
    assert_eq!(s.user_classes, strings(&["demo"]));
}

#[test]
fn options_map_holds_every_dest() {
    let s = settings(&["-u", "10", "-r", "2", "-t", "1m", "-T", "a", "-L", "debug", "Web"]);
    let o = &s.options;
    let expect = [
        ("num_users", OptionValue::Int(10)),
        ("spawn_rate", OptionValue::Float(2.0)),
        ("run_time", OptionValue::Int(60)),
        ("host", OptionValue::None),
        ("locustfile", OptionValue::Str("locustfile.lua".into())),
        ("headless", OptionValue::Bool(false)),
        ("tags", OptionValue::List(strings(&["a"]))),
        ("exclude_tags", OptionValue::None),
        ("stop_timeout", OptionValue::Int(0)),
        ("equal_weights", OptionValue::Bool(false)),
        ("reset_stats", OptionValue::Bool(false)),
        ("only_summary", OptionValue::Bool(false)),
        ("print_stats", OptionValue::Bool(false)),
        ("loglevel", OptionValue::Str("DEBUG".into())),
        ("logfile", OptionValue::None),
        ("exit_code_on_error", OptionValue::Int(1)),
        ("processes", OptionValue::None),
        ("master", OptionValue::Bool(false)),
        ("master_bind_host", OptionValue::Str("*".into())),
        ("master_bind_port", OptionValue::Int(5557)),
        ("expect_workers", OptionValue::Int(1)),
        ("expect_workers_max_wait", OptionValue::Int(0)),
        ("enable_rebalancing", OptionValue::Bool(false)),
        ("worker", OptionValue::Bool(false)),
        ("master_host", OptionValue::Str("127.0.0.1".into())),
        ("master_port", OptionValue::Int(5557)),
        ("list_commands", OptionValue::Bool(false)),
        ("show_task_ratio", OptionValue::Bool(false)),
        ("show_task_ratio_json", OptionValue::Bool(false)),
        ("skip_log_setup", OptionValue::Bool(false)),
        ("headful", OptionValue::Bool(false)),
        ("csv_prefix", OptionValue::None),
        ("stats_history_enabled", OptionValue::Bool(false)),
        ("json", OptionValue::Bool(false)),
        ("json_file", OptionValue::None),
        ("config", OptionValue::None),
        ("threshold", OptionValue::None),
        ("summary_md", OptionValue::None),
        ("summary_json", OptionValue::None),
        ("check", OptionValue::Bool(false)),
        ("single_user", OptionValue::Bool(false)),
        ("single_user_include", OptionValue::None),
        ("user_classes", OptionValue::List(strings(&["Web"]))),
    ];
    for (key, value) in &expect {
        assert_eq!(o.get(*key), Some(value), "{key}");
    }
    assert_eq!(o.len(), expect.len(), "{o:?}");
}

#[test]
fn thresholds_append_and_come_from_every_source() {
    let expressions =
        |s: Settings| -> Vec<String> { s.thresholds.into_iter().map(|t| t.expression).collect() };
    let s = settings(&["--threshold", "p95<500", "--thresh", "GET /a:rps>1"]);
    assert_eq!(expressions(s), strings(&["p95<500", "GET /a:rps>1"]));
    let env = [("LOCUST_THRESHOLD", "[p95<500, fail_ratio<0.01]")];
    assert_eq!(expressions(settings_env(&[], &env)), strings(&["p95<500", "fail_ratio<0.01"]));
    assert_eq!(
        expressions(settings_env(&[], &[("LOCUST_THRESHOLD", "rps>5")])),
        strings(&["rps>5"])
    );
    // The command line replaces the other sources' lists, as for --tags.
    assert_eq!(expressions(settings_env(&["--threshold", "max<1s"], &env)), strings(&["max<1s"]));
    let conf = TempDir::new();
    conf.write("locust.conf", "threshold = [\"p99<300\", \"/x:requests>=1\"]\n");
    assert_eq!(expressions(settings_in(&[], &[], &conf)), strings(&["p99<300", "/x:requests>=1"]));
    let toml = TempDir::new();
    toml.write(
        "pyproject.toml",
        "[tool.locust]\nthreshold = [\"avg<20ms\"]\nsummary-md = \"s.md\"\n",
    );
    let s = settings_in(&[], &[], &toml);
    assert_eq!(s.summary_md, Some(PathBuf::from("s.md")));
    assert_eq!(expressions(s), strings(&["avg<20ms"]));
    assert_eq!(settings(&[]).thresholds, Vec::new());
}

#[test]
fn bad_thresholds_name_the_expression_and_the_source() {
    assert_eq!(
        error(&["--threshold", "p95<=fast"]),
        "cicada: error: argument --threshold: invalid threshold 'p95<=fast': 'fast' is not a \
         number (a time in ms, or with a unit: 500ms, 1.5s)\n"
    );
    let env = [("LOCUST_THRESHOLD", "[p95<500, p95=>1]")];
    let msg = error_in(&[], &env, &TempDir::new());
    assert!(msg.contains("invalid threshold 'p95=>1': unsupported comparison '=>'"), "{msg}");
    assert!(msg.ends_with(" (from LOCUST_THRESHOLD)\n"), "{msg}");
    let dir = TempDir::new();
    dir.write("locust.conf", "threshold = [\"bogus<1\"]\n");
    let file = dir.path().join("locust.conf").display().to_string();
    let msg = error_in(&[], &[], &dir);
    assert!(msg.contains("unknown metric 'bogus'"), "{msg}");
    assert!(msg.ends_with(&format!(" (from 'threshold' in config file {file})\n")), "{msg}");
}

#[test]
fn csv_and_json_outputs_from_every_source() {
    let s = settings(&["--csv", "out/run", "--csv-full-history", "--json", "--json-file", "f"]);
    assert_eq!(s.csv_prefix.as_deref(), Some(Path::new("out/run")));
    assert!(s.csv_full_history && s.json);
    assert_eq!(s.json_file.as_deref(), Some(Path::new("f")));
    assert_eq!(s.options["csv_prefix"], OptionValue::Str("out/run".into()));
    assert_eq!(s.options["stats_history_enabled"], OptionValue::Bool(true));
    let s = settings_env(&[], &[("LOCUST_CSV", "e"), ("LOCUST_CSV_FULL_HISTORY", "true")]);
    assert_eq!((s.csv_prefix.as_deref(), s.csv_full_history), (Some(Path::new("e")), true));
    let dir = TempDir::new();
    dir.write("locust.conf", "json = true\njson-file = from-conf\n");
    let s = settings_in(&[], &[], &dir);
    assert!(s.json);
    assert_eq!(s.json_file.as_deref(), Some(Path::new("from-conf")));
    let s = settings(&[]);
    assert_eq!((s.csv_prefix, s.csv_full_history, s.json, s.json_file), (None, false, false, None));
}

#[test]
fn csv_full_history_requires_csv() {
    let want = "cicada: error: '--csv-full-history' requires '--csv'.\n";
    assert_eq!(error(&["--csv-full-history"]), want);
    assert_eq!(error_in(&[], &[("LOCUST_CSV_FULL_HISTORY", "1")], &TempDir::new()), want);
}

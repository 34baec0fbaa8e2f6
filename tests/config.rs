//! Configuration end to end: the `cicada` binary run in a working directory of its own, with
//! `HOME` pointed at another, so `~/.locust.conf`, `./locust.conf`, `./pyproject.toml`,
//! `--config`, `LOCUST_*` variables and flags are all real. The user count is read back
//! through `--show-task-ratio-json`: with one `fixed_count = 1` class, that class's share of
//! the users is `1 / users`.

use std::process::Command;

use serde_json::Value;

use crate::util::{lua, CliOutput, CliProcess, TempDir, CLI_TIMEOUT};

/// One `fixed_count = 1` class beside a weighted one whose tasks are tagged `a` and `b`.
const SCENARIO: &str = r#"
local Fixed = cicada.HttpUser:extend("Fixed", { fixed_count = 1 })
Fixed:task(1, { name = "fixed" }, function(self) end)
local Other = cicada.HttpUser:extend("Other")
Other:task(1, { name = "a", tags = { "a" } }, function(self) end)
Other:task(1, { name = "b", tags = { "b" } }, function(self) end)
"#;

/// A working directory holding `locustfile.lua`, and a home directory beside it.
struct Place {
    cwd: TempDir,
    home: TempDir,
}

impl Place {
    fn new() -> Place {
        let place = Place { cwd: TempDir::new(), home: TempDir::new() };
        place.cwd.write("locustfile.lua", &lua(SCENARIO, &[]));
        place
    }

    /// `cicada args…` run in the working directory, with `HOME` set to the home directory
    /// and no `LOCUST_*` variable but those given (the test's own would leak in otherwise).
    fn run(&self, env: &[(&str, &str)], args: &[&str]) -> CliOutput {
        let (cwd, home) = (self.cwd.path().to_owned(), self.home.path().to_owned());
        CliProcess::spawn_with(args, |cmd: &mut Command| {
            cmd.current_dir(cwd).env("HOME", home);
            for (name, _) in std::env::vars_os() {
                if name.to_string_lossy().starts_with("LOCUST_") {
                    cmd.env_remove(name);
                }
            }
            cmd.envs(env.iter().copied());
        })
        .wait(CLI_TIMEOUT)
    }

    /// The stderr of a run that must fail with a usage error (exit 2, nothing on stdout).
    fn error(&self, env: &[(&str, &str)], args: &[&str]) -> String {
        let out = self.run(env, args);
        assert_eq!(out.code, Some(2), "{}", out.dump());
        assert!(out.stdout.is_empty(), "{}", out.dump());
        out.stderr
    }

    /// The `--show-task-ratio-json` document of a run that must succeed.
    fn ratios(&self, env: &[(&str, &str)], args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--show-task-ratio-json");
        let out = self.run(env, &all);
        assert_eq!(out.code, Some(0), "{}", out.dump());
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.dump()))
    }

    /// The user count the run settled on (1 when nothing sets it and a class is fixed).
    fn users(&self, env: &[(&str, &str)], args: &[&str]) -> u32 {
        let doc = self.ratios(env, args);
        let share = doc["total"]["Fixed"]["ratio"].as_f64().unwrap_or_else(|| panic!("{doc}"));
        (1.0 / share).round() as u32
    }

    /// The tasks of the class `Other` that the run keeps (tags filter them).
    fn other_tasks(&self, env: &[(&str, &str)], args: &[&str]) -> Vec<String> {
        let doc = self.ratios(env, args);
        match &doc["per_class"]["Other"]["tasks"] {
            Value::Object(tasks) => tasks.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// The sources, lowest first, each setting `users` to its own number.
#[derive(Clone, Copy, Debug)]
enum Source {
    Home,
    LocustConf,
    Pyproject,
    Config,
    Env,
    Flag,
}

const SOURCES: [(Source, u32); 6] = [
    (Source::Home, 2),
    (Source::LocustConf, 3),
    (Source::Pyproject, 4),
    (Source::Config, 5),
    (Source::Env, 6),
    (Source::Flag, 7),
];

/// Every combination of the six sources (and none, the default): the highest one present
/// wins, in Locust 2.47's observed order.
#[test]
fn precedence_across_every_combination_of_sources() {
    for mask in 0u32..(1 << SOURCES.len()) {
        let place = Place::new();
        let mut env = Vec::new();
        let mut args = Vec::new();
        let mut expected = 1;
        let mut present = Vec::new();
        for (i, &(source, users)) in SOURCES.iter().enumerate() {
            if mask & (1 << i) == 0 {
                continue;
            }
            present.push(source);
            expected = users;
            let line = format!("users = {users}\n");
            match source {
                Source::Home => {
                    place.home.write(".locust.conf", &line);
                }
                Source::LocustConf => {
                    place.cwd.write("locust.conf", &line);
                }
                Source::Pyproject => {
                    place.cwd.write("pyproject.toml", &format!("[tool.locust]\n{line}"));
                }
                Source::Config => {
                    place.cwd.write("custom.conf", &line);
                    args.extend(["--config".to_string(), "custom.conf".to_string()]);
                }
                Source::Env => env.push(("LOCUST_USERS", users.to_string())),
                Source::Flag => args.extend(["-u".to_string(), users.to_string()]),
            }
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(place.users(&env, &args), expected, "sources {present:?}");
    }
}

/// The reference sample (`config_precedence/`): pyproject.toml beats locust.conf, keys
/// a higher file does not set come from the lower one, lists parse in both syntaxes.
#[test]
fn the_reference_sample_resolves_as_locust_did() {
    let place = Place::new();
    place.cwd.write("locust.conf", "users = 11\nspawn-rate = 2\nrun-time = 1h30m\ntags = [a, b]\n");
    place.cwd.write("pyproject.toml", "[tool.locust]\nusers = 22\nexclude-tags = [\"x\", \"y\"]\n");
    place.cwd.write("custom.conf", "users = 33\n");
    assert_eq!(place.users(&[], &[]), 22);
    assert_eq!(place.users(&[], &["--config", "custom.conf"]), 33);
    // An abbreviated flag still names the option.
    assert_eq!(place.users(&[], &["--conf", "custom.conf"]), 33);
}

#[test]
fn tags_lists_from_files_and_env() {
    let place = Place::new();
    place.cwd.write("locust.conf", "tags = [a, b]\n");
    assert_eq!(place.other_tasks(&[], &[]), ["a", "b"]);
    // A plain value is one item.
    place.cwd.write("locust.conf", "tags = b\n");
    assert_eq!(place.other_tasks(&[], &[]), ["b"]);
    // The environment beats the file, in list syntax (JSON too).
    assert_eq!(place.other_tasks(&[("LOCUST_TAGS", "[a]")], &[]), ["a"]);
    assert_eq!(place.other_tasks(&[("LOCUST_TAGS", "[\"a\", \"b\"]")], &[]), ["a", "b"]);
    // And the command line beats both.
    assert_eq!(place.other_tasks(&[("LOCUST_TAGS", "[a]")], &["-T", "b"]), ["b"]);
}

#[test]
fn a_pyproject_without_a_locust_table_is_ignored() {
    let place = Place::new();
    place.cwd.write("pyproject.toml", "[tool.other]\nusers = 9\n[project]\nname = \"x\"\n");
    place.cwd.write("locust.conf", "users = 3\n");
    assert_eq!(place.users(&[], &[]), 3);
}

/// Locust's message for a bad time span.
const SPAN: &str =
    "Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.";

/// Every bad value in a config file: exit 2 and a message naming the file (`{file}` below),
/// the key and the value.
#[test]
fn bad_values_in_files_name_the_file_key_and_value() {
    let cases = [
        ("locust.conf", "users = abc", "argument -u/--users: invalid int value: 'abc' (from 'users' in config file {file})"),
        ("pyproject.toml", "[tool.locust]\nspawn-rate = \"fast\"", "argument -r/--spawn-rate: invalid float value: 'fast' (from 'spawn-rate' in config file {file})"),
        ("~/.locust.conf", "headless = maybe", "Unexpected value for headless: 'maybe'. Expecting 'true', 'false', 'yes', 'no', 'on', 'off', '1' or '0' (in config file {file})"),
        ("locust.conf", "run-time = 1m1h", "argument -t/--run-time: {span} (from 'run-time' in config file {file})"),
        ("custom.conf", "stop-timeout = 1.5h", "argument -s/--stop-timeout: {span} (from 'stop-timeout' in config file {file})"),
        ("locust.conf", "users = [1, 2]", "users can't be set to a list '[1, 2]' (in config file {file})"),
        ("locust.conf", "run_time = 5", "unrecognized arguments: --run_time=5 (from 'run_time' in config file {file})\nDid you mean '--run-time'?"),
        ("pyproject.toml", "[tool.locust\nusers = 1", "Couldn't parse TOML file {file}: "),
    ];
    for (name, text, template) in cases {
        let place = Place::new();
        let (path, args): (_, &[&str]) = match name.strip_prefix("~/") {
            Some(rest) => (place.home.write(rest, text), &[]),
            None if name == "custom.conf" => (place.cwd.write(name, text), &["--config", name]),
            None => (place.cwd.write(name, text), &[]),
        };
        // A `--config` file is named as given, the others by their full path.
        let file = if args.is_empty() { path.display().to_string() } else { name.to_string() };
        let expected =
            format!("cicada: error: {}", template.replace("{file}", &file).replace("{span}", SPAN));
        let stderr = place.error(&[], args);
        assert!(stderr.starts_with(&expected), "{name}: {text}\nwant: {expected}\ngot:  {stderr}");
    }
}

#[test]
fn bad_values_in_the_environment_name_the_variable() {
    let place = Place::new();
    let cases = [
        ("LOCUST_USERS", "abc", "argument -u/--users: invalid int value: 'abc' (from LOCUST_USERS)"),
        ("LOCUST_SPAWN_RATE", "0", "argument -r/--spawn-rate: must be > 0 (from LOCUST_SPAWN_RATE)"),
        ("LOCUST_RUN_TIME", "1d", "argument -t/--run-time: {span} (from LOCUST_RUN_TIME)"),
        ("LOCUST_HEADLESS", "maybe", "Unexpected value for LOCUST_HEADLESS: 'maybe'. Expecting 'true', 'false', 'yes', 'no', 'on', 'off', '1' or '0'"),
    ];
    for (var, value, template) in cases {
        let expected = format!("cicada: error: {}\n", template.replace("{span}", SPAN));
        assert_eq!(place.error(&[(var, value)], &[]), expected, "{var}={value}");
    }
}

#[test]
fn an_unreadable_config_file_is_named() {
    let place = Place::new();
    assert_eq!(
        place.error(&[], &["--config", "nope.conf"]),
        "cicada: error: Unable to open config file: nope.conf. Error: [Errno 2] No such file or \
         directory: 'nope.conf'\n"
    );
    std::fs::create_dir(place.cwd.path().join("adir")).expect("create a directory");
    assert_eq!(
        place.error(&[], &["--config", "adir"]),
        "cicada: error: Unable to open config file: adir. Error: [Errno 21] Is a directory: \
         'adir'\n"
    );
}

/// `~` in `--config` is the home directory, as configargparse expands it.
#[test]
fn config_expands_the_home_directory() {
    let place = Place::new();
    place.home.write("mine.conf", "users = 6\n");
    assert_eq!(place.users(&[], &["--config", "~/mine.conf"]), 6);
}

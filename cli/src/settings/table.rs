//! The flag table: every option this version of cicada accepts, in Locust's order, with its
//! Locust `dest`, its spellings, its `LOCUST_*` variable, its help text and how its value is
//! read.
//!
//! Adding a flag is one row here (plus a `Settings` field if the run needs it typed): the
//! command line (`flags.rs`), the environment (`env.rs`), the config-file key
//! (`config_file.rs`), `--help` (`help.rs`) and `parsed_options` (`validate.rs`) all follow
//! from the row. Anything not in the table is an unrecognized argument, as in Locust.

use super::validate::{
    check_bind_port, check_exit_code, check_expect_workers, check_max_wait, check_port,
    check_processes, check_users,
};
use crate::thresholds::check_expression;

/// One option.
pub(super) struct Flag {
    /// Locust's `dest`: the key in `parsed_options` and the clap id.
    pub(super) dest: &'static str,
    /// The option strings in Locust's order; `argument -u/--users: ...` names them joined.
    pub(super) names: &'static [&'static str],
    pub(super) kind: Kind,
    /// The value's placeholder in `--help` (`<int>`); empty for switches.
    pub(super) metavar: &'static str,
    /// The `LOCUST_*` variable that sets it, if any.
    pub(super) env: Option<&'static str>,
    /// The value when no source sets it.
    pub(super) default: Initial,
    pub(super) group: Group,
    /// `None` hides the flag from `--help` (it still works, like Locust's `SUPPRESS`).
    pub(super) help: Option<&'static str>,
}

/// What a flag takes and how its value is read.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    /// `-h/--help`: print the help and exit 0.
    Help,
    /// `-V/--version`: print the version and exit 0.
    Version,
    /// `--config <file>`: one more config file (command line only).
    Config,
    /// A store-true flag; from env/config `true/yes/on/1` or `false/no/off/0`.
    Switch,
    /// One value, checked and converted as described.
    Value(Parse),
    /// `nargs="*"`: zero or more values; `[a, b]` list syntax in env and config files.
    List,
    /// `action="append"`: one value per use, repeatable (`--threshold a --threshold b`);
    /// `[a, b]` list syntax in env and config files. Each item is checked by the function,
    /// which returns what is wrong with it.
    Append(fn(&str) -> Result<(), String>),
}

/// How a single value is checked and converted.
#[derive(Clone, Copy)]
pub(super) enum Parse {
    /// Any text.
    Text,
    /// A Python-style `int`, then a range check returning argparse's message.
    Int(fn(i64) -> Result<(), String>),
    /// A finite float greater than zero (`gt_zero(float)` in Locust).
    PositiveFloat,
    /// Locust's time span grammar, stored as whole seconds.
    Timespan,
    /// One of Locust's log level names, case-insensitive.
    LogLevel,
}

/// A flag's value when nothing sets it.
#[derive(Clone, Copy)]
pub(super) enum Initial {
    None,
    False,
    Text(&'static str),
    Int(i64),
}

/// A section of `--help`, in Locust's order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Group {
    Common,
    WebUi,
    Master,
    Worker,
    Tags,
    Stats,
    Logging,
    Other,
}

impl std::fmt::Debug for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Flag({})", self.display())
    }
}

impl Flag {
    /// The long spelling without dashes (`spawn-rate`), which is also the config-file key.
    pub(super) fn long(&self) -> Option<&'static str> {
        self.names.iter().find_map(|n| n.strip_prefix("--"))
    }

    /// The one-letter spelling (`'u'`), if any.
    pub(super) fn short(&self) -> Option<char> {
        self.names.iter().find(|n| !n.starts_with("--")).and_then(|n| n.chars().nth(1))
    }

    /// How argparse names the option in errors: `-u/--users`.
    pub(super) fn display(&self) -> String {
        self.names.join("/")
    }

    /// Whether the flag is an actual setting (not `--help` / `--version`).
    pub(super) fn is_setting(&self) -> bool {
        !matches!(self.kind, Kind::Help | Kind::Version)
    }
}

/// Every option, in the order Locust registers them (which is the order argparse lists
/// ambiguous matches in, and the order of `--help`).
pub(super) const FLAGS: &[Flag] = &[
    Flag {
        dest: "help",
        names: &["-h", "--help"],
        kind: Kind::Help,
        metavar: "",
        env: None,
        default: Initial::None,
        group: Group::Common,
        help: Some("show this help message and exit"),
    },
    Flag {
        dest: "locustfile",
        names: &["-f", "--locustfile"],
        kind: Kind::Value(Parse::Text),
        metavar: "<filename>",
        env: Some("LOCUST_LOCUSTFILE"),
        default: Initial::Text("locustfile.lua"),
        group: Group::Common,
        help: Some(
            "The Lua file that contains your test, e.g. 'my_test.lua'. Defaults to \
             'locustfile.lua'. On a worker, '-' downloads it from the master.",
        ),
    },
    Flag {
        dest: "config",
        names: &["--config"],
        kind: Kind::Config,
        metavar: "<filename>",
        env: None,
        default: Initial::None,
        group: Group::Common,
        help: Some(
            "File to read additional configuration from (key = value lines, the long option \
             names without '--'; see docs/cli.md for the order files are read in).",
        ),
    },
    Flag {
        dest: "host",
        names: &["-H", "--host"],
        kind: Kind::Value(Parse::Text),
        metavar: "<base url>",
        env: Some("LOCUST_HOST"),
        default: Initial::None,
        group: Group::Common,
        help: Some("Host to load test, in the following format: https://www.example.com"),
    },
    Flag {
        dest: "num_users",
        names: &["-u", "--users"],
        kind: Kind::Value(Parse::Int(check_users)),
        metavar: "<int>",
        env: Some("LOCUST_USERS"),
        default: Initial::None,
        group: Group::Common,
        help: Some("Peak number of concurrent users. Primarily used together with --headless."),
    },
    Flag {
        dest: "spawn_rate",
        names: &["-r", "--spawn-rate"],
        kind: Kind::Value(Parse::PositiveFloat),
        metavar: "<float>",
        env: Some("LOCUST_SPAWN_RATE"),
        default: Initial::None,
        group: Group::Common,
        help: Some(
            "Rate to spawn users at (users per second). Primarily used together with --headless",
        ),
    },
    Flag {
        dest: "run_time",
        names: &["-t", "--run-time"],
        kind: Kind::Value(Parse::Timespan),
        metavar: "<time string>",
        env: Some("LOCUST_RUN_TIME"),
        default: Initial::None,
        group: Group::Common,
        help: Some(
            "Stop after the specified amount of time, e.g. (300s, 20m, 3h, 1h30m, etc.). Only \
             used together with --headless. Defaults to run forever.",
        ),
    },
    Flag {
        dest: "list_commands",
        names: &["-l", "--list"],
        kind: Kind::Switch,
        metavar: "",
        env: None,
        default: Initial::False,
        group: Group::Common,
        help: Some("Show list of possible User classes and exit"),
    },
    Flag {
        dest: "headless",
        names: &["--headless"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_HEADLESS"),
        default: Initial::False,
        group: Group::WebUi,
        help: Some(
            "Disable the web interface, and start the test immediately. Use -u and -t to \
             control user count and run time. This version of cicada has no web interface \
             yet, so runs need --headless.",
        ),
    },
    // Cancels --headless set by a config file (a store-true flag cannot be unset there).
    Flag {
        dest: "headful",
        names: &["--headful"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_HEADFUL"),
        default: Initial::False,
        group: Group::WebUi,
        help: None,
    },
    Flag {
        dest: "master",
        names: &["--master"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_MODE_MASTER"),
        default: Initial::False,
        group: Group::Master,
        help: Some("Launch locust as a master node, to which worker nodes connect."),
    },
    Flag {
        dest: "master_bind_host",
        names: &["--master-bind-host"],
        kind: Kind::Value(Parse::Text),
        metavar: "<ip>",
        env: Some("LOCUST_MASTER_BIND_HOST"),
        default: Initial::Text("*"),
        group: Group::Master,
        help: Some(
            "IP address for the master to listen on, e.g '192.168.1.1'. Defaults to * (all \
             available interfaces).",
        ),
    },
    Flag {
        dest: "master_bind_port",
        names: &["--master-bind-port"],
        kind: Kind::Value(Parse::Int(check_bind_port)),
        metavar: "<port number>",
        env: Some("LOCUST_MASTER_BIND_PORT"),
        default: Initial::Int(5557),
        group: Group::Master,
        help: Some("Port for the master to listen on. Defaults to 5557."),
    },
    Flag {
        dest: "expect_workers",
        names: &["--expect-workers"],
        kind: Kind::Value(Parse::Int(check_expect_workers)),
        metavar: "<int>",
        env: Some("LOCUST_EXPECT_WORKERS"),
        default: Initial::Int(1),
        group: Group::Master,
        help: Some(
            "Delay starting the test until this number of workers have connected (only used \
             in combination with --headless/--autostart).",
        ),
    },
    Flag {
        dest: "expect_workers_max_wait",
        names: &["--expect-workers-max-wait"],
        kind: Kind::Value(Parse::Int(check_max_wait)),
        metavar: "<int>",
        env: Some("LOCUST_EXPECT_WORKERS_MAX_WAIT"),
        default: Initial::Int(0),
        group: Group::Master,
        help: Some(
            "How long should the master wait for workers to connect before giving up. \
             Defaults to wait forever",
        ),
    },
    Flag {
        dest: "enable_rebalancing",
        names: &["--enable-rebalancing"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_ENABLE_REBALANCING"),
        default: Initial::False,
        group: Group::Master,
        help: Some(
            "Re-distribute users if new workers are added or removed during a test run. \
             Experimental.",
        ),
    },
    Flag {
        dest: "worker",
        names: &["--worker"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_MODE_WORKER"),
        default: Initial::False,
        group: Group::Worker,
        help: Some(
            "Set cicada to run in distributed mode with this process as worker: one worker \
             (using every core) under a Locust master. See docs/distributed.md.",
        ),
    },
    Flag {
        dest: "processes",
        names: &["--processes"],
        kind: Kind::Value(Parse::Int(check_processes)),
        metavar: "<int>",
        env: Some("LOCUST_PROCESSES"),
        default: Initial::None,
        group: Group::Worker,
        help: Some(
            "Number of shards to run the test on: threads pinned to a core, each with its own \
             event loop and its own share of the users. -1 (and the default) uses every core \
             this process may run on.",
        ),
    },
    Flag {
        dest: "master_host",
        names: &["--master-host"],
        kind: Kind::Value(Parse::Text),
        metavar: "<hostname>",
        env: Some("LOCUST_MASTER_NODE_HOST"),
        default: Initial::Text("127.0.0.1"),
        group: Group::Worker,
        help: Some("Hostname of locust master node to connect to. Defaults to 127.0.0.1."),
    },
    Flag {
        dest: "master_port",
        names: &["--master-port"],
        kind: Kind::Value(Parse::Int(check_port)),
        metavar: "<port number>",
        env: Some("LOCUST_MASTER_NODE_PORT"),
        default: Initial::Int(5557),
        group: Group::Worker,
        help: Some("Port to connect to on master node. Defaults to 5557."),
    },
    Flag {
        dest: "tags",
        names: &["-T", "--tags"],
        kind: Kind::List,
        metavar: "<tag>",
        env: Some("LOCUST_TAGS"),
        default: Initial::None,
        group: Group::Tags,
        help: Some(
            "List of tags to include in the test, so only tasks with at least one matching \
             tag will be executed",
        ),
    },
    Flag {
        dest: "exclude_tags",
        names: &["-E", "--exclude-tags"],
        kind: Kind::List,
        metavar: "<tag>",
        env: Some("LOCUST_EXCLUDE_TAGS"),
        default: Initial::None,
        group: Group::Tags,
        help: Some(
            "List of tags to exclude from the test, so only tasks with no matching tags will \
             be executed",
        ),
    },
    Flag {
        dest: "csv_prefix",
        names: &["--csv"],
        kind: Kind::Value(Parse::Text),
        metavar: "<filename>",
        env: Some("LOCUST_CSV"),
        default: Initial::None,
        group: Group::Stats,
        help: Some(
            "Store request stats to files in CSV format. Setting this option will generate \
             four files: <filename>_stats.csv, <filename>_stats_history.csv, \
             <filename>_failures.csv and <filename>_exceptions.csv. Any folders part of the \
             prefix will be automatically created",
        ),
    },
    Flag {
        dest: "stats_history_enabled",
        names: &["--csv-full-history"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_CSV_FULL_HISTORY"),
        default: Initial::False,
        group: Group::Stats,
        help: Some(
            "Store each stats entry in CSV format to _stats_history.csv file. You must also \
             specify the '--csv' argument to enable this.",
        ),
    },
    Flag {
        dest: "print_stats",
        names: &["--print-stats"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_PRINT_STATS"),
        default: Initial::False,
        group: Group::Stats,
        help: Some("Enable periodic printing of request stats in UI runs"),
    },
    Flag {
        dest: "only_summary",
        names: &["--only-summary"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_ONLY_SUMMARY"),
        default: Initial::False,
        group: Group::Stats,
        help: Some("Disable periodic printing of request stats during --headless run"),
    },
    Flag {
        dest: "reset_stats",
        names: &["--reset-stats"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_RESET_STATS"),
        default: Initial::False,
        group: Group::Stats,
        help: Some("Reset statistics once spawning has been completed."),
    },
    Flag {
        dest: "json",
        names: &["--json"],
        kind: Kind::Switch,
        metavar: "",
        env: None,
        default: Initial::False,
        group: Group::Stats,
        help: Some(
            "Prints the final stats in JSON format to stdout. Useful for parsing the results \
             in other programs/scripts. Use together with --headless and --skip-log for an \
             output only with the json data.",
        ),
    },
    Flag {
        dest: "json_file",
        names: &["--json-file"],
        kind: Kind::Value(Parse::Text),
        metavar: "<filename>",
        env: None,
        default: Initial::None,
        group: Group::Stats,
        help: Some(
            "Prints the final stats in JSON format to file path specified (.json is added \
             unless the name ends with it).",
        ),
    },
    Flag {
        dest: "skip_log_setup",
        names: &["--skip-log-setup"],
        kind: Kind::Switch,
        metavar: "",
        env: Some("LOCUST_SKIP_LOG_SETUP"),
        default: Initial::False,
        group: Group::Logging,
        help: Some(
            "Disable cicada's logging setup: no log lines, and so no periodic stats tables, \
             as with Locust and Python's default logging.",
        ),
    },
    Flag {
        dest: "loglevel",
        names: &["--loglevel", "-L"],
        kind: Kind::Value(Parse::LogLevel),
        metavar: "<level>",
        env: Some("LOCUST_LOGLEVEL"),
        default: Initial::Text("INFO"),
        group: Group::Logging,
        help: Some("Choose between DEBUG/INFO/WARNING/ERROR/CRITICAL. Default is INFO."),
    },
    Flag {
        dest: "logfile",
        names: &["--logfile"],
        kind: Kind::Value(Parse::Text),
        metavar: "<filename>",
        env: Some("LOCUST_LOGFILE"),
        default: Initial::None,
        group: Group::Logging,
        help: Some("Path to log file. If not set, log will go to stderr"),
    },
    Flag {
        dest: "show_task_ratio",
        names: &["--show-task-ratio"],
        kind: Kind::Switch,
        metavar: "",
        env: None,
        default: Initial::False,
        group: Group::Other,
        help: Some(
            "Print table of the User classes' task execution ratio. Use this with non-zero \
             --user option if some classes define non-zero fixed_count attribute.",
        ),
    },
    Flag {
        dest: "show_task_ratio_json",
        names: &["--show-task-ratio-json"],
        kind: Kind::Switch,
        metavar: "",
        env: None,
        default: Initial::False,
        group: Group::Other,
        help: Some(
            "Print json data of the User classes' task execution ratio. Use this with non-zero \
             --user option if some classes define non-zero fixed_count attribute.",
        ),
    },
    Flag {
        dest: "check",
        names: &["--check"],
        kind: Kind::Switch,
        metavar: "",
        env: None,
        default: Initial::False,
        group: Group::Other,
        help: Some(
            "Load the locustfile, apply --tags, --exclude-tags and the User classes given, \
             print the classes and their tasks and exit (1 if the script has an error). \
             Nothing is started.",
        ),
    },
    Flag {
        dest: "single_user",
        names: &["--single-user"],
        kind: Kind::Switch,
        metavar: "",
        env: None,
        default: Initial::False,
        group: Group::Other,
        help: Some(
            "Debug a scenario: run one user of the first (or the given) User class on one \
             shard until it stops, --run-time or Ctrl-C, printing every request to stdout as \
             Locust's run_single_user does and user code errors to stderr with their \
             traceback. Needs no --headless.",
        ),
    },
    Flag {
        dest: "single_user_include",
        names: &["--single-user-include"],
        kind: Kind::Value(Parse::Text),
        metavar: "<columns>",
        env: None,
        default: Initial::None,
        group: Group::Other,
        help: Some(
            "Extra columns for --single-user, comma-separated: time, length, context \
             (run_single_user's include_time, include_length, include_context).",
        ),
    },
    Flag {
        dest: "version",
        names: &["--version", "-V"],
        kind: Kind::Version,
        metavar: "",
        env: None,
        default: Initial::None,
        group: Group::Other,
        help: Some("Show program's version number and exit"),
    },
    Flag {
        dest: "exit_code_on_error",
        names: &["--exit-code-on-error"],
        kind: Kind::Value(Parse::Int(check_exit_code)),
        metavar: "<int>",
        env: Some("LOCUST_EXIT_CODE_ON_ERROR"),
        default: Initial::Int(1),
        group: Group::Other,
        help: Some(
            "Sets the process exit code to use when a test result contain any failure or \
             error. Defaults to 1.",
        ),
    },
    Flag {
        dest: "stop_timeout",
        names: &["-s", "--stop-timeout"],
        kind: Kind::Value(Parse::Timespan),
        metavar: "<number>",
        env: Some("LOCUST_STOP_TIMEOUT"),
        default: Initial::Int(0),
        group: Group::Other,
        help: Some(
            "Number of seconds to wait for a simulated user to complete any executing task \
             before exiting. Default is to terminate immediately.",
        ),
    },
    Flag {
        dest: "equal_weights",
        names: &["--equal-weights"],
        kind: Kind::Switch,
        metavar: "",
        env: None,
        default: Initial::False,
        group: Group::Other,
        help: Some(
            "Use equally distributed task weights, overriding the weights specified in the \
             locustfile.",
        ),
    },
    Flag {
        dest: "threshold",
        names: &["--threshold"],
        kind: Kind::Append(check_expression),
        metavar: "<expr>",
        env: Some("LOCUST_THRESHOLD"),
        default: Initial::None,
        group: Group::Other,
        help: Some(
            "A pass/fail condition checked at the end, repeatable: [NAME:]METRIC OP VALUE, \
             e.g. 'p95<500', 'fail_ratio<0.01', 'rps>1000', 'GET /api:p99<300ms'. A breach \
             exits with code 3. See docs/ci.md.",
        ),
    },
    Flag {
        dest: "summary_md",
        names: &["--summary-md"],
        kind: Kind::Value(Parse::Text),
        metavar: "<filename>",
        env: Some("LOCUST_SUMMARY_MD"),
        default: Initial::None,
        group: Group::Stats,
        help: Some(
            "Write a Markdown summary (verdict, thresholds, requests, failures) at the end, \
             e.g. for a pull-request comment.",
        ),
    },
    Flag {
        dest: "summary_json",
        names: &["--summary-json"],
        kind: Kind::Value(Parse::Text),
        metavar: "<filename>",
        env: Some("LOCUST_SUMMARY_JSON"),
        default: Initial::None,
        group: Group::Stats,
        help: Some(
            "Write a JSON summary (verdict, exit code, threshold results, key numbers) at the \
             end.",
        ),
    },
];

/// The positional `UserClass ...` arguments (Locust's `user_classes`).
pub(super) const USER_CLASSES_DEST: &str = "user_classes";
/// Their default, space-separated, when none are given on the command line.
pub(super) const USER_CLASSES_ENV: &str = "LOCUST_USER_CLASSES";
/// Their placeholder and help text in `--help`.
pub(super) const USER_CLASSES_METAVAR: &str = "<UserClass1 UserClass2>";
pub(super) const USER_CLASSES_HELP: &str =
    "At the end of the command line, you can list User classes to be used (available User \
     classes can be listed with --list). LOCUST_USER_CLASSES environment variable can also be \
     used to specify User classes. Default is to use all available User classes";

/// What a long option name (without `--`) refers to, with argparse's abbreviations.
pub(super) enum Lookup {
    Found(&'static Flag),
    /// A prefix of several long names, in table order.
    Ambiguous(Vec<&'static Flag>),
    Unknown,
}

/// Resolve a long name the way argparse does: an exact name, else a unique prefix.
pub(super) fn lookup_long(name: &str) -> Lookup {
    if name.is_empty() {
        return Lookup::Unknown;
    }
    if let Some(flag) = FLAGS.iter().find(|f| f.long() == Some(name)) {
        return Lookup::Found(flag);
    }
    let matches: Vec<&'static Flag> =
        FLAGS.iter().filter(|f| f.long().is_some_and(|l| l.starts_with(name))).collect();
    match matches.len() {
        0 => Lookup::Unknown,
        1 => Lookup::Found(matches[0]),
        _ => Lookup::Ambiguous(matches),
    }
}

/// The flag with this one-letter spelling.
pub(super) fn lookup_short(letter: char) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.short() == Some(letter))
}

/// Every option string (`-u`, `--users`, ...), for "Did you mean" suggestions.
pub(super) fn all_option_strings() -> impl Iterator<Item = &'static str> {
    FLAGS.iter().flat_map(|f| f.names.iter().copied())
}

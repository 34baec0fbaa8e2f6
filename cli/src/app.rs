//! From settings to a finished run: load the scenario, answer `--list` and friends, start
//! the engine, run headless, and map every failure to a message and an exit code.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cicada_engine::master::LocustfileText;
use cicada_engine::{
    usable_cores, Control, EngineError, OptionValue, RunConfig, Runner, UserClassSpec,
};
use cicada_scripting::{LuaScenario, ScenarioLimits, ScriptError};
use crossbeam_channel::Receiver;

use crate::demo::DemoTarget;
use crate::exit;
use crate::headless::{self, HeadlessPlan};
use crate::listing;
use crate::logging::Log;
use crate::outputs::Outputs;
use crate::settings::{self, Parsed, Settings};
use crate::summary;
use crate::verdict::VerdictPlan;

/// The scenario `cicada demo` runs when no `-f` is given: the repository's quickstart.
const QUICKSTART: &str = include_str!("../../examples/quickstart.lua");
/// Defaults of `cicada demo`, each overridden by the matching flag.
const DEMO_USERS: u32 = 50;
const DEMO_SPAWN_RATE: f64 = 25.0;
const DEMO_RUN_TIME: Duration = Duration::from_secs(10);

pub(crate) fn run(args: &[OsString]) -> i32 {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let env = |k: &str| std::env::var(k).ok();
    match settings::parse(args, &env, &cwd, home.as_deref()) {
        Parsed::Exit { code, stdout, stderr } => {
            print!("{stdout}");
            eprint!("{stderr}");
            code
        }
        Parsed::Run(s) => run_settings(*s, None),
        Parsed::Demo(s) => run_demo(*s),
    }
}

fn run_demo(mut s: Settings) -> i32 {
    let target = match DemoTarget::start() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cicada: cannot start the demo target on 127.0.0.1: {e}");
            return exit::STARTUP;
        }
    };
    if s.host.is_none() {
        s.host = Some(target.base_url());
    }
    s.headless = true;
    s.users = s.users.or(Some(DEMO_USERS));
    s.spawn_rate = s.spawn_rate.or(Some(DEMO_SPAWN_RATE));
    s.run_time = s.run_time.or(Some(DEMO_RUN_TIME));
    // Scripts see the demo's choices in parsed_options, as if they had been flags.
    let opts = &mut s.options;
    opts.insert("host".into(), OptionValue::Str(s.host.clone().unwrap_or_default()));
    opts.insert("headless".into(), OptionValue::Bool(true));
    opts.insert("num_users".into(), OptionValue::Int(i64::from(s.users.unwrap_or(DEMO_USERS))));
    opts.insert("spawn_rate".into(), OptionValue::Float(s.spawn_rate.unwrap_or(DEMO_SPAWN_RATE)));
    opts.insert(
        "run_time".into(),
        OptionValue::Int(s.run_time.unwrap_or(DEMO_RUN_TIME).as_secs() as i64),
    );
    let explicit_file = s.locustfile != Path::new("locustfile.lua");
    let source = (!explicit_file).then_some(("quickstart.lua", QUICKSTART));
    let code = run_settings(s, source);
    eprintln!(
        "The demo target at {} served {} requests.",
        target.base_url(),
        target.requests_served()
    );
    code
}

/// Run with validated settings; `source` replaces reading the locustfile (for the demo).
fn run_settings(s: Settings, source: Option<(&str, &str)>) -> i32 {
    let log = match open_log(&s) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let loaded = match source {
        Some((name, text)) => LuaScenario::from_source(name, text),
        // `-f -`: a worker runs its master's locustfile, named as the master names it.
        None if s.locustfile == Path::new("-") => {
            match crate::worker::fetch_locustfile(&s, &log, &interrupt_channel()) {
                Ok(file) => LuaScenario::from_source(&file.filename, &file.contents),
                Err(code) => return code,
            }
        }
        None => match crate::locustfiles::resolve(&s.locustfile) {
            Ok(paths) => LuaScenario::load_files(&paths, ScenarioLimits::default()),
            Err(message) => {
                eprintln!("{message}");
                return exit::STARTUP;
            }
        },
    };
    let mut scenario = match loaded {
        Ok(sc) => sc,
        Err(ScriptError::Read { path, source })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            eprintln!(
                "Could not find '{}'. Ensure your locustfile ends with '.lua'. See --help for available options.",
                path.display()
            );
            return exit::STARTUP;
        }
        Err(e) => {
            log.error("cicada.main", &e.to_string());
            if s.skip_log_setup {
                eprintln!("{e}");
            }
            return exit::STARTUP;
        }
    };
    // Before anything reads the weights: the listings show what the run will do. (Locust
    // applies it in an `init` listener, after `--show-task-ratio` has printed.)
    if s.equal_weights {
        scenario.set_equal_weights();
    }
    let classes: Vec<&UserClassSpec> = scenario.classes().iter().collect();
    let selected = match select_classes(&classes, &s.user_classes) {
        Ok(sel) => sel,
        Err(unknown) => {
            log.error("cicada.main", &format!("Unknown User(s): {}\n", unknown.join(", ")));
            return exit::STARTUP;
        }
    };
    if s.list {
        print!("{}", listing::list_classes(&classes));
        return 0;
    }
    if s.show_task_ratio || s.show_task_ratio_json {
        let allowed: Vec<Vec<(usize, u32)>> =
            selected.iter().map(|c| allowed_tasks(c, &s)).collect();
        if s.show_task_ratio_json {
            print!("{}", listing::task_ratio_json(&selected, &allowed, s.users));
        } else {
            print!("{}", listing::task_ratio_text(&selected, &allowed, s.users));
        }
        return 0;
    }
    if s.check {
        let allowed: Vec<Vec<(usize, u32)>> =
            selected.iter().map(|c| allowed_tasks(c, &s)).collect();
        return match crate::check::summary(scenario.name(), &selected, &allowed) {
            Ok(text) => {
                print!("{text}");
                0
            }
            Err(message) => {
                log.error("cicada.main", message);
                exit::STARTUP
            }
        };
    }
    if s.single_user {
        // Locust's run_single_user takes one class: the first one named, else the first.
        let class = selected.first().map(|c| c.name.clone()).unwrap_or_default();
        return crate::single_user::run(&s, scenario, class, &log, &interrupt_channel());
    }
    if s.master && s.worker {
        log.error("cicada.main", "The --master argument cannot be combined with --worker");
        return exit::BAD_ROLE;
    }
    if s.worker && s.run_time.is_some() {
        log.error(
            "cicada.main",
            "--run-time should be specified on the master node, and not on worker nodes",
        );
        return exit::STARTUP;
    }
    // A worker has no web UI and no ramp of its own: the master drives it.
    if !s.headless && !s.worker {
        eprintln!(
            "cicada: error: this version of cicada has no web UI yet; run with --headless \
             (and -u, -r, -t) to start a test from the command line"
        );
        return exit::USAGE;
    }
    log.info("cicada.main", &format!("Starting cicada {}", env!("CARGO_PKG_VERSION")));
    if let Some(limit) = crate::limits::raise_open_files() {
        if let Some(warning) = crate::limits::check_users(s.users.unwrap_or(1), limit) {
            log.warning("cicada.main", &warning);
        }
    }
    if let Some(n) = s.processes.filter(|&n| n > usable_cores() as i64) {
        log.warning(
            "cicada.main",
            &format!(
                "--processes {n} is more than the {} cores this process may use: shards will share cores",
                usable_cores()
            ),
        );
    }
    let config = RunConfig {
        shards: match s.processes {
            Some(n) if n > 0 => n as usize,
            _ => usable_cores(),
        },
        pin_threads: true,
        host: s.host.clone(),
        stop_timeout: s.stop_timeout,
        tags: s.tags.clone(),
        exclude_tags: s.exclude_tags.clone().unwrap_or_default(),
        user_classes: (!s.user_classes.is_empty()).then(|| s.user_classes.clone()),
        reset_stats: s.reset_stats,
        options: s.options.clone(),
    };
    if let Some(host) = &s.host {
        if let Err(message) = check_host(host) {
            log.error("cicada.main", &message);
            return exit::STARTUP;
        }
    }
    if s.worker {
        let signals = interrupt_channel();
        return match start_engine(config, scenario, &log) {
            Ok(control) => crate::worker::run(&control, &s, log, &signals),
            Err(code) => code,
        };
    }
    let verdict = VerdictPlan {
        exit_code_on_error: s.exit_code_on_error,
        thresholds: s.thresholds.clone(),
        summary: summary::Plan { md: s.summary_md.clone(), json: s.summary_json.clone() },
        host: s.host.clone(),
        users: s.users.unwrap_or(1),
    };
    // Before any load: a typo in a summary path must not cost a whole run.
    if let Err(message) = summary::prepare(&verdict.summary) {
        log.error("cicada.main", &message);
        return exit::STARTUP;
    }
    // Before any load too: the CSV files are created now, so a path that cannot be written
    // fails the start, with its name.
    let outputs = match Outputs::open(&s) {
        Ok(o) => o,
        Err(message) => {
            log.error("cicada.main", &message);
            if s.skip_log_setup {
                eprintln!("{message}");
            }
            return exit::STARTUP;
        }
    };
    let signals = interrupt_channel();
    // A shape sets the users and ends the run itself (as in Locust, -u, -r and -t are then
    // only for the shape to read).
    let shape = match crate::shape::load(&scenario, &s, &log) {
        Ok(shape) => shape,
        Err(code) => return code,
    };
    let plan = HeadlessPlan {
        users: s.users.unwrap_or(1),
        spawn_rate: s.spawn_rate.unwrap_or(1.0),
        run_time: if shape.is_some() { None } else { s.run_time },
        shape,
        periodic_tables: !s.only_summary,
        verdict,
        reset_stats: s.reset_stats,
    };
    // A master runs no users: its workers do, and it reads their merged stats.
    if s.master {
        // The download protocol carries the one file `-f -` workers run (engine's
        // `LocustfileText`): with several, they get the first, so say so.
        if scenario.file_count() > 1 {
            log.warning(
                "cicada.main",
                &format!(
                    "-f names {} files: workers started with -f - get only {}; give them the \
                     same -f instead",
                    scenario.file_count(),
                    scenario.name()
                ),
            );
        }
        let served = LocustfileText {
            filename: Path::new(scenario.name())
                .file_name()
                .map_or_else(|| "locustfile.lua".to_owned(), |n| n.to_string_lossy().into_owned()),
            contents: scenario.source_text().to_owned(),
        };
        return crate::master::run(&s, &selected, plan, served, outputs, log, &signals);
    }
    let control = match start_engine(config, scenario, &log) {
        Ok(c) => c,
        Err(code) => return code,
    };
    headless::run(&control, plan, outputs, &log, &signals)
}

/// Start the shards, or log why they cannot start and return the exit code.
pub(crate) fn start_engine(
    config: RunConfig,
    scenario: LuaScenario,
    log: &Log,
) -> Result<Control, i32> {
    match Runner::start(config, Arc::new(scenario)) {
        Ok(c) => Ok(c),
        Err(EngineError::NoUserClass) => {
            log.error("cicada.main", crate::check::NO_TASK_LEFT);
            Err(exit::STARTUP)
        }
        Err(e) => {
            log.error("cicada.main", &e.to_string());
            Err(exit::STARTUP)
        }
    }
}

fn open_log(s: &Settings) -> Result<Log, i32> {
    let file = match &s.logfile {
        Some(path) => match OpenOptions::new().create(true).append(true).open(path) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("cicada: error: cannot open --logfile {}: {e}", path.display());
                return Err(exit::USAGE);
            }
        },
        None => None,
    };
    Ok(Log::new(s.loglevel, file, !s.skip_log_setup))
}

/// The classes named on the command line (all when none are), or the unknown names.
fn select_classes<'a>(
    classes: &[&'a UserClassSpec],
    names: &[String],
) -> Result<Vec<&'a UserClassSpec>, Vec<String>> {
    if names.is_empty() {
        return Ok(classes.to_vec());
    }
    let unknown: Vec<String> =
        names.iter().filter(|n| !classes.iter().any(|c| &c.name == *n)).cloned().collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(classes.iter().copied().filter(|c| names.contains(&c.name)).collect())
}

/// A class's tasks left by `--tags` / `--exclude-tags`, as (index, weight).
fn allowed_tasks(class: &UserClassSpec, s: &Settings) -> Vec<(usize, u32)> {
    let excluded = s.exclude_tags.clone().unwrap_or_default();
    class
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| s.tags.as_ref().is_none_or(|tags| t.tags.iter().any(|x| tags.contains(x))))
        .filter(|(_, t)| !t.tags.iter().any(|x| excluded.contains(x)))
        .map(|(i, t)| (i, t.weight))
        .collect()
}

/// Resolve `--host` before any shard starts, so a typo fails now with the name at fault and
/// shards never block on DNS.
pub(crate) fn check_host(host: &str) -> Result<(), String> {
    let url = url::Url::parse(host).map_err(|e| {
        format!("Invalid --host {host:?}: {e} (expected a base URL like http://127.0.0.1:8080)")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("Invalid --host {host:?}: the scheme must be http or https"));
    }
    let name = url.host_str().ok_or_else(|| format!("Invalid --host {host:?}: no host name"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    cicada_engine::http::resolve_ahead(name, port)
        .map_err(|e| format!("Cannot resolve --host {host:?}: {e}"))
}

/// Ctrl-C and SIGTERM as a channel. The second one ends the process at once. The handler
/// is installed once and every call shares its channel: a `-f -` worker listens during the
/// download and again once it runs.
fn interrupt_channel() -> Receiver<()> {
    static SIGNALS: OnceLock<Receiver<()>> = OnceLock::new();
    SIGNALS.get_or_init(install_interrupt_handler).clone()
}

fn install_interrupt_handler() -> Receiver<()> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let mut count = 0u32;
    let installed = ctrlc::set_handler(move || {
        count += 1;
        if count > 1 {
            std::process::exit(exit::FORCED);
        }
        let _ = tx.send(());
    });
    if installed.is_err() {
        // Only possible if a handler exists already (in-process reuse): runs then end only
        // by --run-time or the script.
    }
    rx
}

//! `--single-user`: one user of one class on one shard, every request printed to stdout as
//! Locust's `run_single_user` prints it and every error of user code printed to stderr with
//! its traceback the moment it happens — for debugging a scenario, not for load.
//!
//! Locust's `run_single_user` returns when its user ends (`StopUser`, or `on_start`
//! failing); cicada also stops at `--run-time` and on Ctrl-C. The printing is a debug hook
//! of the scenario ([`DebugHooks`]), which normal runs never install.

mod format;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use cicada_engine::{RunConfig, RunEvent};
use cicada_scripting::{DebugHooks, LuaScenario};
use crossbeam_channel::{after, never, select, tick, Receiver};

use crate::exit;
use crate::logging::Log;
use crate::settings::Settings;
use format::Columns;

/// How often the user count is read to learn that the user ended. The engine announces no
/// such event, and a user's end need not be seen sooner than a person would notice.
const USER_POLL: Duration = Duration::from_millis(20);

/// Run `class` of `scenario` as a single user until it ends; returns the exit code (Locust's
/// rule: `--exit-code-on-error` if a request failed or user code raised).
pub(crate) fn run(
    s: &Settings,
    mut scenario: LuaScenario,
    class: String,
    log: &Log,
    signals: &Receiver<()>,
) -> i32 {
    let columns = match Columns::parse(s.single_user_include.as_deref().unwrap_or("")) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("cicada: error: argument --single-user-include: {message}");
            return exit::USAGE;
        }
    };
    if let Some(host) = &s.host {
        if let Err(message) = crate::app::check_host(host) {
            log.error("cicada.main", &message);
            return exit::STARTUP;
        }
    }
    scenario.set_debug_hooks(hooks(columns));
    let config = RunConfig {
        shards: 1,
        pin_threads: false,
        host: s.host.clone(),
        stop_timeout: s.stop_timeout,
        tags: s.tags.clone(),
        exclude_tags: s.exclude_tags.clone().unwrap_or_default(),
        user_classes: Some(vec![class]),
        reset_stats: false,
        options: s.options.clone(),
    };
    print_stdout(&format::header(columns));
    let control = match crate::app::start_engine(config, scenario, log) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The rate only matters for the first user, which starts at once whatever it is.
    if let Err(e) = control.swarm(1, 1.0) {
        log.error("cicada.main", &e.to_string());
        return exit::STARTUP;
    }
    let deadline = s.run_time.map(after).unwrap_or_else(never);
    let poll = tick(USER_POLL);
    // The user counts as running from the moment the ramp is applied; only after that does
    // a count of zero mean it ended.
    let mut spawned = false;
    loop {
        select! {
            recv(control.events()) -> ev => match ev {
                Ok(RunEvent::SpawningComplete(_)) => spawned = true,
                Ok(RunEvent::Stopped) => {}
                Ok(RunEvent::QuitRequested) | Err(_) => break,
            },
            recv(deadline) -> _ => break,
            recv(signals) -> _ => break,
            recv(poll) -> _ => if spawned && control.user_count() == 0 { break },
        }
    }
    control.shutdown();
    let snap = control.snapshot();
    let failures: u64 = snap.errors.iter().map(|e| e.occurrences).sum();
    let exceptions: u64 = snap.exceptions.iter().map(|e| e.count).sum();
    exit::for_run(false, failures, exceptions, s.exit_code_on_error)
}

/// Requests to stdout as table lines; errors to stderr with their traceback.
fn hooks(columns: Columns) -> DebugHooks {
    DebugHooks {
        on_request: Arc::new(move |r| {
            print_stdout(&format::line(columns, r, cicada_engine::stats::unix_now()));
        }),
        on_error: Arc::new(|message, traceback| {
            let mut err = std::io::stderr().lock();
            let _ = if traceback.is_empty() {
                writeln!(err, "{message}")
            } else {
                writeln!(err, "{message}\n{traceback}")
            };
        }),
    }
}

/// Write and flush at once, so a line shows while the user waits for its next task.
fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

//! A headless run: ramp up, print the stats table every 2 seconds, stop at `--run-time`, on
//! Ctrl-C/SIGTERM or when a script quits, then print the final report. With a load shape the
//! shape sets the users instead of `-u`/`-r`, and ends the run by returning nil.

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

use cicada_engine::RunEvent;
use crossbeam_channel::{after, never, select, tick, Receiver};

use crate::console;
use crate::exit;
use crate::logging::Log;
use crate::outputs::Outputs;
use crate::run_handle::RunHandle;
use crate::shape::{ShapeDriver, Step};
use crate::verdict::{self, VerdictPlan};

/// How often the periodic table prints (Locust's `CONSOLE_STATS_INTERVAL_SEC`).
const CONSOLE_INTERVAL: Duration = Duration::from_secs(2);
/// How often new kinds of task errors are looked for, to log each once.
const EXCEPTION_SCAN: Duration = Duration::from_millis(500);
/// How often a load shape is ticked (Locust's shape worker: about once a second).
const SHAPE_TICK: Duration = Duration::from_secs(1);

/// What a headless run needs from the settings.
pub(crate) struct HeadlessPlan {
    pub(crate) users: u32,
    pub(crate) spawn_rate: f64,
    pub(crate) run_time: Option<Duration>,
    pub(crate) periodic_tables: bool,
    /// Thresholds, exit codes and summary files.
    pub(crate) verdict: VerdictPlan,
    /// The engine resets the stats when the ramp ends (`--reset-stats`); say so in the log.
    pub(crate) reset_stats: bool,
    /// The locustfile's load shape: it sets the users instead of `users` and `spawn_rate`.
    pub(crate) shape: Option<ShapeDriver>,
}

/// Why the run ended.
enum End {
    RunTime,
    Interrupted,
    Quit,
    /// The load shape's tick returned nil.
    ShapeDone,
    /// The load shape's tick raised.
    ShapeFailed,
}

/// Run to the end and return the exit code. `signals` delivers Ctrl-C and SIGTERM;
/// `outputs` (the CSV and JSON files) are kept current and written a last time at the end.
pub(crate) fn run(
    control: &impl RunHandle,
    mut plan: HeadlessPlan,
    mut outputs: Outputs,
    log: &Log,
    signals: &Receiver<()>,
) -> i32 {
    let mut shape = plan.shape.take();
    match plan.run_time {
        Some(t) => {
            log.info("cicada.main", &format!("Run time limit set to {} seconds", t.as_secs()))
        }
        // A shape ends the run itself: Locust logs nothing about a time limit then.
        None if shape.is_some() => {}
        None => log.info("cicada.main", "No run time limit set, use CTRL+C to interrupt"),
    }
    if plan.periodic_tables {
        eprint_table(&console::stats_table(&control.snapshot(), true, console::name_width()));
    }
    if let Err(e) = outputs.start(control) {
        log.error("cicada.main", &e);
    }
    // The shape's first tick comes at once, as Locust's shape worker ticks before it sleeps.
    let first = match shape.as_mut() {
        Some(driver) => match driver.start(log) {
            Step::Continue => driver.tick(control, log),
            other => other,
        },
        None => {
            log.info(
                "cicada.runners",
                &format!(
                    "Ramping to {} users at a rate of {:.2} per second",
                    plan.users, plan.spawn_rate
                ),
            );
            if let Err(e) = control.swarm(plan.users, plan.spawn_rate) {
                log.error("cicada.main", &e.to_string());
                return exit::USAGE;
            }
            Step::Continue
        }
    };
    let started = Instant::now();
    let deadline =
        plan.run_time.map(|t| after(t.saturating_sub(started.elapsed()))).unwrap_or_else(never);
    let console_tick = if plan.periodic_tables { tick(CONSOLE_INTERVAL) } else { never() };
    let exception_tick = tick(EXCEPTION_SCAN);
    let shape_tick = if shape.is_some() { tick(SHAPE_TICK) } else { never() };
    let mut logged = HashSet::new();
    let end = match first {
        Step::Done => End::ShapeDone,
        Step::Failed => End::ShapeFailed,
        Step::Continue => loop {
            select! {
                recv(control.events()) -> ev => match ev {
                    Ok(RunEvent::SpawningComplete(counts)) => {
                        log_spawned(log, &counts);
                        if plan.reset_stats {
                            log.info("cicada.runners", "Resetting stats\n");
                        }
                    }
                    Ok(RunEvent::QuitRequested) => break End::Quit,
                    Ok(RunEvent::Stopped) => {}
                    Err(_) => break End::Quit,
                },
                recv(deadline) -> _ => break End::RunTime,
                recv(signals) -> _ => break End::Interrupted,
                // The width is read again each time, so a resized terminal is followed.
                recv(console_tick) -> _ => eprint_table(&console::stats_table(&control.snapshot(), true, console::name_width())),
                recv(exception_tick) -> _ => log_new_exceptions(control, log, &mut logged),
                recv(shape_tick) -> _ => {
                    if let Some(driver) = shape.as_mut() {
                        match driver.tick(control, log) {
                            Step::Continue => {}
                            Step::Done => break End::ShapeDone,
                            Step::Failed => break End::ShapeFailed,
                        }
                    }
                }
            }
        },
    };
    match end {
        End::RunTime => log.info("cicada.main", "--run-time limit reached, shutting down"),
        End::Interrupted => log.info("cicada.main", "Got interrupt signal, shutting down"),
        End::Quit => log.info("cicada.main", "Runner quit, shutting down"),
        End::ShapeDone => log.info("cicada.main", "Shape test completed, shutting down"),
        End::ShapeFailed => log.info("cicada.main", "Shape test failed, shutting down"),
    }
    let script_failed = matches!(end, End::ShapeFailed);
    finish(control, &plan.verdict, outputs, log, Some(&mut logged), script_failed)
}

/// Stop the users, shut the shards down, print the final report and write the outputs from
/// the stats merged after the shards stopped. Returns the exit code. `script_failed`: code
/// outside the users failed (a load shape's tick), which counts as a task error would.
pub(crate) fn finish(
    control: &impl RunHandle,
    verdict_plan: &VerdictPlan,
    outputs: Outputs,
    log: &Log,
    logged: Option<&mut HashSet<(String, String)>>,
    script_failed: bool,
) -> i32 {
    let nw = console::name_width();
    control.shutdown();
    let snap = control.snapshot();
    if let Some(logged) = logged {
        log_exceptions_from(&snap.exceptions, log, logged);
    }
    let mut verdict = verdict::decide(&snap, verdict_plan);
    if script_failed && verdict.code == 0 {
        verdict.code = verdict_plan.exit_code_on_error;
    }
    let code = verdict.code;
    log.info("cicada.main", &format!("Shutting down (exit code {code})"));
    eprint_table(&console::stats_table(&snap, false, nw));
    eprint_table(&console::percentile_table(&snap, nw));
    if let Some(report) = console::error_report(&snap, nw) {
        eprint_table(&report);
    }
    verdict::report(&snap, verdict_plan, &verdict, log);
    outputs.finish(&snap, log);
    code
}

fn log_spawned(log: &Log, counts: &[(String, u32)]) {
    let mut sorted: Vec<&(String, u32)> = counts.iter().collect();
    sorted.sort();
    let body: Vec<String> = sorted
        .iter()
        .map(|(name, n)| format!("{}: {n}", serde_json::Value::String(name.clone())))
        .collect();
    let total: u32 = counts.iter().map(|(_, n)| n).sum();
    log.info(
        "cicada.runners",
        &format!("All users spawned: {{{}}} ({total} total users)", body.join(", ")),
    );
}

/// Log each distinct task error once, with its traceback, as Locust logs task errors.
fn log_new_exceptions(control: &impl RunHandle, log: &Log, logged: &mut HashSet<(String, String)>) {
    log_exceptions_from(&control.exceptions(), log, logged);
}

fn log_exceptions_from(
    exceptions: &[cicada_engine::stats::ExceptionStats],
    log: &Log,
    logged: &mut HashSet<(String, String)>,
) {
    for e in exceptions {
        if logged.insert((e.message.clone(), e.traceback.clone())) {
            let text = if e.traceback.is_empty() {
                e.message.clone()
            } else {
                format!("{}\n{}\n", e.message, e.traceback)
            };
            log.error("cicada.user.task", &text);
        }
    }
}

fn eprint_table(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

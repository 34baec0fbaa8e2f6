//! `cicada --master`: the process around the engine's master role — flags to options, the
//! wait for `--expect-workers`, then the same headless run as a local one, reading the
//! workers' merged stats. The protocol itself is `cicada_engine::master`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cicada_engine::locust_dispatch::UserClass;
use cicada_engine::master::{self, LocustfileText, LogLevel, Master, MasterOptions};
use cicada_engine::UserClassSpec;
use crossbeam_channel::{after, select, Receiver};

use crate::exit;
use crate::headless::{self, HeadlessPlan};
use crate::logging::{Level, Log};
use crate::outputs::Outputs;
use crate::settings::Settings;

/// How often the wait for workers looks again (Locust sleeps 1 s).
const WAIT_STEP: Duration = Duration::from_secs(1);
/// Locust logs the wait at debug level for this long, then at info.
const QUIET_WAIT: Duration = Duration::from_secs(5);

/// Serve the workers through a headless run, and `locustfile` to `-f -` workers; returns the
/// exit code.
pub(crate) fn run(
    s: &Settings,
    classes: &[&UserClassSpec],
    plan: HeadlessPlan,
    locustfile: LocustfileText,
    outputs: Outputs,
    log: Log,
    signals: &Receiver<()>,
) -> i32 {
    if s.expect_workers < 1 {
        log.error(
            "cicada.main",
            &format!(
                "Invalid --expect-workers argument ({}), must be a positive number",
                s.expect_workers
            ),
        );
        return exit::BAD_ROLE;
    }
    let log = Arc::new(log);
    let sink = Arc::clone(&log);
    let options = MasterOptions {
        bind: bind_address(&s.master_bind_host, s.master_bind_port),
        classes: classes
            .iter()
            .map(|c| UserClass {
                name: c.name.clone(),
                weight: c.weight,
                fixed_count: c.fixed_count.unwrap_or(0),
            })
            .collect(),
        host: s.host.clone(),
        stop_timeout: s.stop_timeout,
        parsed_options: master::parsed_options(&s.options),
        enable_rebalancing: s.enable_rebalancing,
        reset_stats: s.reset_stats,
        // For `cicada --worker -f -`.
        locustfile: Some(locustfile),
        timings: Default::default(),
        log: Arc::new(move |level, message| sink.write(level_of(level), "cicada.runners", message)),
    };
    let master = match master::start(options) {
        Ok(m) => m,
        Err(e) => {
            log.error("cicada.main", &e.to_string());
            return exit::STARTUP;
        }
    };
    let expect = usize::try_from(s.expect_workers).unwrap_or(usize::MAX);
    match wait_for_workers(&master, expect, s.expect_workers_max_wait, &log, signals) {
        Waited::Ready => headless::run(&master, plan, outputs, &log, signals),
        Waited::GaveUp => {
            log.error("cicada.main", "Gave up waiting for workers to connect");
            master.shutdown();
            exit::STARTUP
        }
        Waited::Interrupted => {
            log.info("cicada.main", "Got interrupt signal, shutting down");
            master.shutdown();
            log.info("cicada.main", "Shutting down (exit code 0)");
            0
        }
    }
}

enum Waited {
    Ready,
    GaveUp,
    Interrupted,
}

/// Locust's headless master loop: until `expect` workers are ready, look once a second.
fn wait_for_workers(
    master: &Master,
    expect: usize,
    max_wait: Option<Duration>,
    log: &Log,
    signals: &Receiver<()>,
) -> Waited {
    let started = Instant::now();
    loop {
        let ready = master.ready_workers();
        if ready >= expect {
            return Waited::Ready;
        }
        if max_wait.is_some_and(|m| started.elapsed() > m) {
            return Waited::GaveUp;
        }
        let line = format!("Waiting for workers to be ready, {ready} of {expect} connected");
        if started.elapsed() > QUIET_WAIT {
            log.info("root", &line);
        } else {
            log.write(Level::Debug, "root", &line);
        }
        select! {
            recv(signals) -> _ => return Waited::Interrupted,
            recv(after(WAIT_STEP)) -> _ => {}
        }
    }
}

/// `host:port` for the socket: `*` stays (every interface), an IPv6 literal gets brackets.
fn bind_address(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn level_of(level: LogLevel) -> Level {
    match level {
        LogLevel::Debug => Level::Debug,
        LogLevel::Info => Level::Info,
        LogLevel::Warning => Level::Warning,
        LogLevel::Error => Level::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::bind_address;

    #[test]
    fn bind_addresses() {
        assert_eq!(bind_address("*", 5557), "*:5557");
        assert_eq!(bind_address("127.0.0.1", 0), "127.0.0.1:0");
        assert_eq!(bind_address("::1", 5557), "[::1]:5557");
        assert_eq!(bind_address("[::1]", 5557), "[::1]:5557");
    }
}

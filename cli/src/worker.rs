//! `cicada --worker`: the process around the engine's worker role — flags to options, the
//! log, signals and the exit code. The protocol itself is `cicada_engine::worker`.

use std::sync::Arc;
use std::time::Duration;

use cicada_engine::worker::{
    self, DownloadError, DownloadTimings, LocustfileText, WorkerEnd, WorkerError, WorkerLogLevel,
    WorkerOptions,
};
use cicada_engine::Control;
use crossbeam_channel::Receiver;

use crate::exit;
use crate::logging::{Level, Log};
use crate::settings::Settings;

/// Locust's extra wait between `client_stopped` and `client_ready`, in seconds.
const READY_AFTER_STOP_ENV: &str = "LOCUST_WORKER_ADDITIONAL_WAIT_BEFORE_READY_AFTER_STOP";

/// Serve the master until it quits (or goes silent, or a signal comes), then shut the
/// engine down. Returns the exit code: 0, or Locust's 255 when the master never answered.
pub(crate) fn run(control: &Control, s: &Settings, log: Log, signals: &Receiver<()>) -> i32 {
    let log = Arc::new(log);
    let master = format!("{}:{}", s.master_host, s.master_port);
    let sink = Arc::clone(&log);
    let options = WorkerOptions {
        master: master.clone(),
        connect: worker::dealer(master),
        stop_timeout: s.stop_timeout,
        ready_after_stop: ready_after_stop(std::env::var(READY_AFTER_STOP_ENV).ok().as_deref()),
        reset_stats: s.reset_stats,
        timings: Default::default(),
        log: Arc::new(move |level, message| sink.write(level_of(level), "cicada.runners", message)),
    };
    let ended = worker::run_worker(control, options, signals);
    control.shutdown();
    let code = match ended {
        Ok(end) => {
            if end == WorkerEnd::Interrupted {
                log.info("cicada.main", "Got interrupt signal, shutting down");
            }
            0
        }
        Err(e @ (WorkerError::NoAck { .. } | WorkerError::Connect { .. })) => {
            log.error("cicada.main", &format!("{e}"));
            exit::WORKER_CONNECT
        }
        Err(e) => {
            log.error("cicada.main", &format!("{e}"));
            exit::STARTUP
        }
    };
    log.info("cicada.main", &format!("Shutting down (exit code {code})"));
    code
}

/// `-f -`: the master's locustfile, or the exit code after saying why there is none (1 as
/// in Locust; 255 for an address that cannot be used, as for the worker's own connection).
pub(crate) fn fetch_locustfile(
    s: &Settings,
    log: &Log,
    signals: &Receiver<()>,
) -> Result<LocustfileText, i32> {
    let fail = |message: &str| {
        log.error("cicada.main", message);
        if s.skip_log_setup {
            eprintln!("{message}");
        }
    };
    if !s.worker {
        fail("locustfile was set to '-' (meaning to download from master) but --worker was not specified.");
        return Err(exit::STARTUP);
    }
    let master = format!("{}:{}", s.master_host, s.master_port);
    log.info("cicada.main", &format!("Downloading the locustfile from the master at {master}"));
    let connect = worker::dealer(master.clone());
    match worker::download_locustfile(&connect, &master, DownloadTimings::default(), signals) {
        Ok(file) => {
            log.info(
                "cicada.main",
                &format!("Got locustfile {} ({} bytes)", file.filename, file.contents.len()),
            );
            Ok(file)
        }
        Err(DownloadError::Interrupted) => {
            log.info("cicada.main", "Got interrupt signal, shutting down");
            Err(0)
        }
        Err(e @ DownloadError::Connect { .. }) => {
            fail(&e.to_string());
            Err(exit::WORKER_CONNECT)
        }
        Err(e) => {
            fail(&e.to_string());
            Err(exit::STARTUP)
        }
    }
}

fn level_of(level: WorkerLogLevel) -> Level {
    match level {
        WorkerLogLevel::Debug => Level::Debug,
        WorkerLogLevel::Info => Level::Info,
        WorkerLogLevel::Warning => Level::Warning,
        WorkerLogLevel::Error => Level::Error,
    }
}

/// The extra wait, as Python reads it (`float(os.environ.get(..., 0))`); a bad value is 0.
fn ready_after_stop(value: Option<&str>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_after_stop_reads_seconds() {
        assert_eq!(ready_after_stop(None), Duration::ZERO);
        assert_eq!(ready_after_stop(Some("1.5")), Duration::from_millis(1500));
        assert_eq!(ready_after_stop(Some("-1")), Duration::ZERO);
        assert_eq!(ready_after_stop(Some("x")), Duration::ZERO);
    }
}

//! The worker role: this process joins a Locust master (Python Locust 2.47, or cicada) as
//! **one** worker that runs its users on every shard.
//!
//! The master paces the ramp: each `spawn` carries this worker's absolute user count per
//! class, applied at once across the shards ([`Control::set_class_targets`]). The worker
//! reports what a Python worker reports — a heartbeat every second with its state, CPU and
//! memory; a stats delta every 3 s ([`Control::take_report_delta`]); each task error as an
//! `exception` — and follows `stop`, `quit` and `reconnect`. The protocol reference (§3, §4,
//! §7) is the spec; `docs/distributed.md` says what differs from a Python worker.
//!
//! Threads: the caller's thread runs the message loop (`session.rs`); the heartbeat and the
//! reports have a thread each (`background.rs`), never a shard, so a busy shard cannot make
//! the master think this worker is gone.
//!
//! `-f -` fetches the locustfile from the master first, on a temporary connection of its
//! own ([`download_locustfile`]).

mod background;
mod download;
mod identity;
mod link;
mod messages;
mod process;
mod session;
mod zmtp;

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::Receiver;

use crate::control::Control;

pub use download::{download_locustfile, DownloadError, DownloadTimings, LocustfileText};
pub use link::{Connect, MasterLink};
pub use zmtp::dealer;

/// How important a worker log line is (the CLI maps these onto its log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerLogLevel {
    Debug,
    Info,
    Warning,
    Error,
}

/// Where the worker's log lines go.
pub type WorkerLog = Arc<dyn Fn(WorkerLogLevel, &str) + Send + Sync>;

/// Locust's timings (protocol reference §4); tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct WorkerTimings {
    /// `HEARTBEAT_INTERVAL`.
    pub heartbeat: Duration,
    /// `WORKER_REPORT_INTERVAL`.
    pub report: Duration,
    /// `CONNECT_TIMEOUT`: how long to wait for an `ack` before resending `client_ready`.
    pub connect_timeout: Duration,
    /// `CONNECT_RETRY_COUNT`: resends before giving up (61 sends in all, about 305 s).
    pub connect_retries: u32,
    /// `MASTER_HEARTBEAT_TIMEOUT`: quit after this long without a master heartbeat (counted
    /// from the first one).
    pub master_timeout: Duration,
}

impl Default for WorkerTimings {
    fn default() -> Self {
        WorkerTimings {
            heartbeat: Duration::from_secs(1),
            report: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(5),
            connect_retries: 60,
            master_timeout: Duration::from_secs(60),
        }
    }
}

/// What a worker run needs besides the engine.
pub struct WorkerOptions {
    /// The master's address as the user gave it (`host:port`), for messages.
    pub master: String,
    /// Opens a link to the master with a given identity.
    pub connect: Connect,
    /// The stop timeout until a `spawn` brings the master's.
    pub stop_timeout: Duration,
    /// Extra wait after `client_stopped` before `client_ready`
    /// (`LOCUST_WORKER_ADDITIONAL_WAIT_BEFORE_READY_AFTER_STOP`).
    pub ready_after_stop: Duration,
    /// Reset the stats when the master says the ramp is complete (`--reset-stats`).
    pub reset_stats: bool,
    pub timings: WorkerTimings,
    pub log: WorkerLog,
}

/// Why a worker run ended normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerEnd {
    /// The master sent `quit`.
    MasterQuit,
    /// No master heartbeat for [`WorkerTimings::master_timeout`].
    MasterGone,
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// A script asked the run to end.
    ScriptQuit,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("cannot connect to the Locust master at {master}: {reason}")]
    Connect { master: String, reason: String },
    #[error(
        "failed to connect to the Locust master at {master}: no ack after {attempts} \
         client_ready messages over {waited:?}; is a master running there (--master)?"
    )]
    NoAck { master: String, attempts: u32, waited: Duration },
    #[error("could not start a thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Join the master and serve it until it quits, goes silent, or `interrupts` fires. The
/// users are stopped and the last report and `quit` are sent before this returns.
pub fn run_worker(
    control: &Control,
    options: WorkerOptions,
    interrupts: &Receiver<()>,
) -> Result<WorkerEnd, WorkerError> {
    let id = identity::client_id(&identity::hostname());
    session::Session::new(control, options, id)?.run(interrupts)
}

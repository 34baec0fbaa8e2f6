//! The master role: this process binds Locust's ROUTER socket and drives Locust workers —
//! Python Locust 2.47 or `cicada --worker` — as a Locust 2.47 master does. It runs no users
//! itself.
//!
//! - **Registry** (`registry.rs`): every worker's state, heartbeat liveness, stable index and
//!   reported users (Locust's `clients`).
//! - **Ramp** (`ramp.rs`): Locust's `start()` over the
//!   [`UsersDispatcher`](crate::locust_dispatch::UsersDispatcher): every iteration sends
//!   each worker a `spawn` with its absolute per-class targets, then the master waits up to
//!   1 s for the reported counts before broadcasting `spawning_complete`.
//! - **Receive** (`receive.rs`): each worker message as Locust's `handle_message` treats it;
//!   stats reports and exceptions are merged into an aggregator, so [`Master::snapshot`]
//!   is the same view a local run gives its console, CSV and web UI.
//! - **Liveness** (`liveness.rs`): the 1 s heartbeat tick that marks silent workers
//!   missing and deletes them after 60 more seconds.
//!
//! Threads: one master thread owns the socket, the registry and the dispatcher, so no state
//! is shared but a status copy for readers; the ramp is a state machine, so the master keeps
//! receiving while a ramp pauses (Locust's master blocks its receive greenlet instead).
//! Nothing a worker sends can panic or block it: bad frames are logged (and the worker told
//! to `reconnect`), and sends never wait on a slow worker.

mod handle;
mod liveness;
mod master_loop;
mod ramp;
mod receive;
mod registry;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cicada_proto::{TransportError, Value};

use crate::config::OptionValue;
use crate::locust_dispatch::UserClass;

pub use crate::worker::LocustfileText;
pub use crate::worker::WorkerLogLevel as LogLevel;
pub use handle::{Master, WorkerInfo};

/// Where the master's log lines go (the CLI maps them onto its log, as `locust.runners`).
pub type MasterLog = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// Locust's master timings (protocol reference §4); tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct MasterTimings {
    /// `HEARTBEAT_INTERVAL`: the liveness tick.
    pub heartbeat: Duration,
    /// How long `quit` waits for the workers' final stats.
    pub quit_grace: Duration,
    /// Extra time a `stop` waits for every worker's `client_stopped`, on top of the stop
    /// timeout.
    pub stop_wait: Duration,
}

impl Default for MasterTimings {
    fn default() -> Self {
        MasterTimings {
            heartbeat: Duration::from_secs(1),
            quit_grace: Duration::from_millis(500),
            stop_wait: Duration::from_secs(60),
        }
    }
}

/// What a master needs to start.
pub struct MasterOptions {
    /// `host:port` to bind (`--master-bind-host`, `--master-bind-port`); `*` is every
    /// interface, port 0 picks one.
    pub bind: String,
    /// The user classes to dispatch, as the locustfile declares them. Workers must have
    /// classes of the same names.
    pub classes: Vec<UserClass>,
    /// Sent with every `spawn` (`-H`).
    pub host: Option<String>,
    /// Sent with every `spawn`.
    pub stop_timeout: Duration,
    /// The master's options, sent with every `spawn` as `parsed_options` (a Python worker
    /// takes `tags`, `exclude_tags` and custom options from it).
    pub parsed_options: Vec<(String, Value)>,
    /// `--enable-rebalancing`: re-dispatch at once when a worker joins or goes missing.
    pub enable_rebalancing: bool,
    /// `--reset-stats`: zero the merged stats when a ramp completes.
    pub reset_stats: bool,
    /// Served to workers started with `-f -` (protocol reference §3 W10/M8); without one
    /// they get an error reply.
    pub locustfile: Option<LocustfileText>,
    pub timings: MasterTimings,
    pub log: MasterLog,
}

#[derive(Debug, thiserror::Error)]
pub enum MasterError {
    #[error("no user class to dispatch")]
    NoUserClass,
    #[error("cannot listen for workers: {0}")]
    Bind(#[from] TransportError),
    #[error("could not start a thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Bind the socket and start the master thread. Workers may connect from now on; users are
/// dispatched once [`Master::swarm`] is called.
pub fn start(options: MasterOptions) -> Result<Master, MasterError> {
    handle::start(options)
}

/// The options as a `parsed_options` map (Python's `vars(options)`), sorted by key.
pub fn parsed_options(options: &BTreeMap<String, OptionValue>) -> Vec<(String, Value)> {
    options.iter().map(|(k, v)| (k.clone(), option_value(v))).collect()
}

fn option_value(v: &OptionValue) -> Value {
    match v {
        OptionValue::None => Value::Nil,
        OptionValue::Bool(b) => Value::from(*b),
        OptionValue::Int(i) => Value::from(*i),
        OptionValue::Float(f) => Value::from(*f),
        OptionValue::Str(s) => Value::from(s.as_str()),
        OptionValue::List(items) => {
            Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_become_msgpack_values() {
        let mut o = BTreeMap::new();
        o.insert("tags".to_owned(), OptionValue::List(vec!["a".into()]));
        o.insert("exclude_tags".to_owned(), OptionValue::None);
        o.insert("num_users".to_owned(), OptionValue::Int(4));
        let v = parsed_options(&o);
        assert_eq!(
            v,
            vec![
                ("exclude_tags".to_owned(), Value::Nil),
                ("num_users".to_owned(), Value::from(4)),
                ("tags".to_owned(), Value::Array(vec![Value::from("a")])),
            ]
        );
    }
}

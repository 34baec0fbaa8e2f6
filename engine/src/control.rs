//! The handle everything else drives the engine through: the CLI, the web UI, a master.

use std::sync::Arc;

use cicada_proto::Message;
use crossbeam_channel::Receiver;

use crate::config::RunConfig;
use crate::coordinator::Coordinator;
use crate::custom_message::{Delivery, MessageOutlet};
use crate::scenario::{Scenario, UserClassSpec};
use crate::stats::{ExceptionStats, ShardStats, StatsSnapshot};

/// Where a run is, in Locust's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Ready,
    Spawning,
    Running,
    Stopping,
    Stopped,
}

impl RunState {
    /// The name Locust's REST API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Ready => "ready",
            RunState::Spawning => "spawning",
            RunState::Running => "running",
            RunState::Stopping => "stopping",
            RunState::Stopped => "stopped",
        }
    }
}

/// Things that happen during a run, for whoever drives it.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// The ramp reached its target; the user count per class, in class order.
    SpawningComplete(Vec<(String, u32)>),
    /// A script asked the run to end (`runner:quit()`).
    QuitRequested,
    /// Every user has stopped after [`Control::stop`].
    Stopped,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no user class to run")]
    NoUserClass,
    #[error("unknown user class: {0}")]
    UnknownUserClass(String),
    #[error("spawn rate must be a finite number > 0 (got {0})")]
    BadSpawnRate(f64),
    #[error("shard {index} failed to start: {message}")]
    Shard { index: usize, message: String },
    #[error("could not start a thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Starts the engine.
pub struct Runner;

impl Runner {
    /// Start the shards (idle, with no users) and the coordinator. Each shard builds its half
    /// of the scenario before this returns, so a broken scenario fails here, not mid-run.
    pub fn start(config: RunConfig, scenario: Arc<dyn Scenario>) -> Result<Control, EngineError> {
        let coordinator = Coordinator::start(config, scenario)?;
        Ok(Control { inner: Arc::new(coordinator) })
    }
}

/// Drives a running engine. Cheap to clone; every method is safe from any thread.
#[derive(Clone)]
pub struct Control {
    inner: Arc<Coordinator>,
}

impl Control {
    /// Ramp to `users` at `spawn_rate` users per second (up or down). Starting from `Ready`
    /// or `Stopped` clears the stats first, as Locust does.
    pub fn swarm(&self, users: u32, spawn_rate: f64) -> Result<(), EngineError> {
        if !(spawn_rate.is_finite() && spawn_rate > 0.0) {
            return Err(EngineError::BadSpawnRate(spawn_rate));
        }
        self.inner.swarm(users, spawn_rate);
        Ok(())
    }

    /// Run exactly these many users of each named class, started (or stopped) at once, as a
    /// Locust worker applies its master's `spawn`: the master paces the ramp. Classes not
    /// named keep their count; users are spread evenly over the shards; missing users start
    /// before surplus ones stop. [`RunEvent::SpawningComplete`] follows once every shard has
    /// applied the targets (only for the latest targets, if several arrive quickly). Starting
    /// from `Ready` or `Stopped` clears the stats first. A name that is not one of
    /// [`Control::classes`] is an error, and nothing changes.
    pub fn set_class_targets(&self, targets: &[(String, u32)]) -> Result<(), EngineError> {
        self.inner.set_class_targets(targets)
    }

    /// How long users stopped from now on may finish their task (`--stop-timeout`, or what
    /// a master sends with each `spawn`).
    pub fn set_stop_timeout(&self, timeout: std::time::Duration) {
        self.inner.set_stop_timeout(timeout);
    }

    /// Every stats delta since the previous call, for a worker's report to its master (Locust
    /// reports deltas). The shards flush first, so it holds every request recorded before the
    /// call. The first call returns all the stats since they were last cleared; clearing or
    /// resetting the stats also empties what has not been taken.
    pub fn take_report_delta(&self) -> ShardStats {
        self.inner.take_report()
    }

    /// Stop every user (each gets the configured stop timeout to finish its task) and wait
    /// until they have all run `on_stop`. Stats are kept.
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// Stop every user, end the shards (firing `test_stop` and `quitting`) and merge the last
    /// stats. Later calls do nothing.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }

    pub fn state(&self) -> RunState {
        self.inner.state()
    }

    /// Users running now, over all shards.
    pub fn user_count(&self) -> u32 {
        self.inner.user_counts().iter().map(|(_, n)| n).sum()
    }

    /// Users running now per class, in class order.
    pub fn user_counts(&self) -> Vec<(String, u32)> {
        self.inner.user_counts()
    }

    /// The merged stats as of the last shard deltas (at most about a second old).
    pub fn snapshot(&self) -> StatsSnapshot {
        self.inner.snapshot()
    }

    /// Only the task errors of the merged stats: cheaper than a whole snapshot for a
    /// caller polling for new errors (a snapshot copies every entry).
    pub fn exceptions(&self) -> Vec<ExceptionStats> {
        self.inner.exceptions()
    }

    /// Have every shard send what it has recorded and wait until it is merged, so the next
    /// snapshot is exact. For final reports.
    pub fn flush_stats(&self) {
        self.inner.flush_stats();
    }

    /// Zero the stats but keep their rows (Locust's reset).
    pub fn reset_stats(&self) {
        self.inner.reset_stats();
    }

    /// Events of this run. Each event goes to one receiver; clone the `Control` freely, but
    /// let one owner read events.
    pub fn events(&self) -> &Receiver<RunEvent> {
        self.inner.events()
    }

    /// The classes this run uses (after filtering by name), as the scenario declared them.
    pub fn classes(&self) -> &[UserClassSpec] {
        self.inner.classes()
    }

    /// Send the custom messages scripts send through `outlet` (a worker's link to its
    /// master) instead of back to this run's own handlers; `None` restores the local
    /// delivery, Locust's `LocalRunner` behaviour.
    pub fn set_message_outlet(&self, outlet: Option<MessageOutlet>) {
        self.inner.messages().set_outlet(outlet);
    }

    /// Hand a custom message that arrived (from a master, say) to the handlers of its type,
    /// one per shard; each shard runs its handler as a task of its own.
    pub fn deliver_message(&self, msg: Message) -> Delivery {
        self.inner.messages().deliver(msg)
    }

    /// Shards (event-loop threads) in this run.
    pub fn shards(&self) -> usize {
        self.inner.shard_count()
    }
}

//! What a headless run drives: the local engine ([`Control`]) or a master ([`Master`]) whose
//! workers run the users. The console, the CSV and JSON outputs, thresholds and summaries
//! read the same merged stats from either, so they work unchanged for a master.

use cicada_engine::master::Master;
use cicada_engine::stats::ExceptionStats;
use cicada_engine::{Control, EngineError, RunEvent, StatsSnapshot};
use crossbeam_channel::Receiver;

pub(crate) trait RunHandle: Clone + Send + 'static {
    /// Ramp to `users` at `spawn_rate` users per second.
    fn swarm(&self, users: u32, spawn_rate: f64) -> Result<(), EngineError>;
    /// Users running now (what a load shape's `get_current_user_count()` returns).
    fn user_count(&self) -> u32;
    /// The merged stats now.
    fn snapshot(&self) -> StatsSnapshot;
    /// Only the task errors of the merged stats.
    fn exceptions(&self) -> Vec<ExceptionStats>;
    /// `SpawningComplete`, `QuitRequested`, `Stopped`.
    fn events(&self) -> &Receiver<RunEvent>;
    /// End the run; the next snapshot holds everything that will ever be merged.
    fn shutdown(&self);
}

impl RunHandle for Control {
    fn swarm(&self, users: u32, spawn_rate: f64) -> Result<(), EngineError> {
        Control::swarm(self, users, spawn_rate)
    }
    fn user_count(&self) -> u32 {
        Control::user_count(self)
    }
    fn snapshot(&self) -> StatsSnapshot {
        Control::snapshot(self)
    }
    fn exceptions(&self) -> Vec<ExceptionStats> {
        Control::exceptions(self)
    }
    fn events(&self) -> &Receiver<RunEvent> {
        Control::events(self)
    }
    fn shutdown(&self) {
        Control::shutdown(self);
    }
}

impl RunHandle for Master {
    fn swarm(&self, users: u32, spawn_rate: f64) -> Result<(), EngineError> {
        Master::swarm(self, users, spawn_rate)
    }
    fn user_count(&self) -> u32 {
        Master::user_count(self)
    }
    fn snapshot(&self) -> StatsSnapshot {
        Master::snapshot(self)
    }
    fn exceptions(&self) -> Vec<ExceptionStats> {
        Master::exceptions(self)
    }
    fn events(&self) -> &Receiver<RunEvent> {
        Master::events(self)
    }
    /// `quit` to every worker and 0.5 s for their final stats.
    fn shutdown(&self) {
        Master::shutdown(self);
    }
}

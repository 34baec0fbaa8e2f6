//! The master's 1 s heartbeat tick (Locust's `heartbeat_worker`): a worker that has not
//! sent a heartbeat for about 4 s is `missing` — its users no longer count and it leaves the
//! dispatcher — and one missing for 60 more seconds is deleted.

use super::master_loop::MasterLoop;
use super::registry::{NodeState, HEARTBEAT_DEAD};
use super::LogLevel;
use crate::control::RunState;

impl MasterLoop {
    pub(super) fn liveness_tick(&mut self) {
        let mut dead = Vec::new();
        let mut newly_missing = Vec::new();
        for (id, node) in self.registry.iter_mut() {
            if node.state == NodeState::Missing && node.heartbeat <= HEARTBEAT_DEAD {
                dead.push(id.to_owned());
            }
            if node.heartbeat < 0 && node.state != NodeState::Missing {
                node.state = NodeState::Missing;
                node.user_classes_count.clear();
                newly_missing.push(id.to_owned());
            } else {
                node.heartbeat -= 1;
            }
        }
        for id in newly_missing {
            self.log(
                LogLevel::Info,
                &format!("Worker {id} failed to send heartbeat, setting state to missing."),
            );
            if let Some(dispatcher) = self.ramp.dispatcher_mut() {
                dispatcher.remove_worker(&id);
                if self.rebalancing_now() {
                    self.start(self.ramp.target, self.ramp.spawn_rate);
                }
            }
            if self.registry.active_count() == 0 {
                self.log(LogLevel::Info, "The last worker went missing, stopping test.");
                self.stop(true);
            }
        }
        if dead.is_empty() {
            return;
        }
        for id in &dead {
            self.log(
                LogLevel::Info,
                &format!("Worker {id} has been missing for too long, removing it."),
            );
            self.registry.remove(id);
        }
        if matches!(self.state, RunState::Running | RunState::Spawning) {
            // A new dispatcher, so the dead are not dealt users again.
            self.ramp.discard();
            self.start(self.ramp.target, self.ramp.spawn_rate);
        }
    }
}

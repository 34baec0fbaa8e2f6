//! Each worker message as Locust 2.47's master handles it (`handle_message`, protocol
//! reference §3). Nothing here can fail on what a worker sends: a frame that does not
//! decode is logged, and a known worker is told to `reconnect`.

use cicada_proto::{
    Ack, ClientReady, LocustfileItem, LocustfileReply, MasterMessage, WorkerHeartbeat,
    WorkerMessage,
};

use super::master_loop::MasterLoop;
use super::registry::NodeState;
use super::LogLevel;
use crate::control::RunState;
use crate::stats::{from_locust_exception, from_locust_report, StatsMessage};

/// The Locust version whose protocol this master speaks; workers of other versions are
/// logged, never refused, as Locust does.
const LOCUST_VERSION: &str = "2.47.0";

impl MasterLoop {
    pub(super) fn on_frame(&mut self, identity: &[u8], frame: &[u8]) {
        let client_id = String::from_utf8_lossy(identity).into_owned();
        let (msg, node_id) = match WorkerMessage::decode(frame) {
            Ok(decoded) => decoded,
            Err(e) if self.registry.contains(&client_id) => {
                self.log(
                    LogLevel::Error,
                    &format!(
                        "RPCError when receiving from client: {e}. Will reset client {client_id}."
                    ),
                );
                self.send(&client_id, MasterMessage::Reconnect);
                return;
            }
            Err(e) => {
                self.log(
                    LogLevel::Error,
                    &format!("Unrecognized message detected: {e} from {client_id}"),
                );
                return;
            }
        };
        match msg {
            // Registered under the socket identity; everything else by the node id.
            WorkerMessage::ClientReady(version) => self.client_ready(&client_id, &version),
            WorkerMessage::Heartbeat(hb) => self.heartbeat(&node_id, &hb),
            WorkerMessage::Stats(report) => {
                // Merged even from unknown workers, as Locust's listener does.
                let _ = self.stats.send(StatsMessage::Delta(Box::new(from_locust_report(&report))));
                match self.registry.get_mut(&node_id) {
                    Some(node) => node.user_classes_count = report.user_classes_count.clone(),
                    None => self.log(
                        LogLevel::Info,
                        &format!("Discarded report from unrecognized worker {node_id}"),
                    ),
                }
            }
            WorkerMessage::Spawning => match self.registry.get_mut(&node_id) {
                Some(node) => node.state = NodeState::Spawning,
                None => self.unknown_asks_to_quit("spawning", &node_id),
            },
            WorkerMessage::SpawningComplete(done) => match self.registry.get_mut(&node_id) {
                Some(node) => {
                    node.state = NodeState::Running;
                    node.user_classes_count = done.user_classes_count;
                }
                None => self.unknown_asks_to_quit("spawning_complete", &node_id),
            },
            WorkerMessage::ClientStopped => self.client_stopped(&client_id, &node_id),
            WorkerMessage::Quit => self.worker_quit(&node_id),
            WorkerMessage::Exception(e) => {
                let delta = from_locust_exception(&e, &node_id);
                let _ = self.stats.send(StatsMessage::Delta(Box::new(delta)));
            }
            // Kept by Locust for its web UI's log view; this master has no such view.
            WorkerMessage::Logs(_) => {}
            // Answered to the temporary id and never registered, as Locust does.
            WorkerMessage::Locustfile(req) => self.serve_locustfile(&node_id, &req.version),
            WorkerMessage::Custom(m) => {
                let index = self.registry.known_index(&node_id);
                self.log(
                    LogLevel::Warning,
                    &format!(
                        "Unknown message type received from worker {node_id} (index {index}): {}",
                        m.kind
                    ),
                );
            }
        }
    }

    /// A `-f -` worker asks for the locustfile: the whole Lua file, never the modules it
    /// `require`s (docs/distributed.md).
    fn serve_locustfile(&mut self, id: &str, version: &str) {
        self.log(
            LogLevel::Debug,
            &format!("Worker {id} (version {version}) requested the locustfile"),
        );
        let reply = match &self.opts.locustfile {
            Some(file) => LocustfileReply::Files(vec![LocustfileItem::File {
                filename: file.filename.clone(),
                contents: file.contents.clone(),
            }]),
            None => LocustfileReply::Error("this master has no locustfile to serve".into()),
        };
        self.send(id, MasterMessage::Locustfile(reply));
    }

    fn client_ready(&mut self, id: &str, version: &ClientReady) {
        if let ClientReady::Version(v) = version {
            if v.is_empty() {
                self.log(
                    LogLevel::Error,
                    &format!("An old (pre 2.0) worker tried to connect ({id}). That's not going to work."),
                );
                return;
            }
            if v != LOCUST_VERSION {
                let same_minor = v.get(0..4) == LOCUST_VERSION.get(0..4);
                let (level, what) = if same_minor {
                    (LogLevel::Debug, "a different patch version")
                } else {
                    (LogLevel::Warning, "a different version")
                };
                self.log(
                    level,
                    &format!(
                        "A worker ({id}) running {what} ({v}) connected, master version is {LOCUST_VERSION}"
                    ),
                );
            }
        }
        let index = self.registry.index(id);
        self.send(id, MasterMessage::Ack(Ack { index: Some(index) }));
        let already = self.registry.insert_ready(id);
        if let Some(dispatcher) = self.ramp.dispatcher_mut() {
            dispatcher.add_worker(id);
            self.redispatch_if_idle();
        }
        let connected = self.registry.active_count();
        let duplicate = if already { " (duplicate message)" } else { "" };
        let level = if already { LogLevel::Debug } else { LogLevel::Info };
        self.log(
            level,
            &format!(
                "{id} (index {index}) reported as ready{duplicate}. {connected} workers connected."
            ),
        );
        if self.rebalancing_now() {
            self.start(self.ramp.target, self.ramp.spawn_rate);
        }
    }

    fn heartbeat(&mut self, id: &str, hb: &WorkerHeartbeat) {
        let index = self.registry.known_index(id);
        let Some(node) = self.registry.get_mut(id) else {
            self.log(LogLevel::Debug, &format!("Got heartbeat message from unknown worker {id}"));
            return;
        };
        node.heartbeat = super::registry::HEARTBEAT_LIVENESS;
        let was_missing = node.state == NodeState::Missing;
        node.state = NodeState::from_reported(hb.state.as_str());
        let cpu_warning = node.note_cpu(hb.current_cpu_usage);
        if let Some(m) = hb.current_memory_usage {
            node.memory_usage = m;
        }
        if was_missing {
            self.log(
                LogLevel::Info,
                &format!(
                    "Worker {id} self-healed with heartbeat, setting state to {}.",
                    hb.state.as_str()
                ),
            );
            if let Some(dispatcher) = self.ramp.dispatcher_mut() {
                dispatcher.add_worker(id);
                self.redispatch_if_idle();
            }
        }
        if cpu_warning {
            self.log(
                LogLevel::Warning,
                &format!(
                    "Worker {id} (index {index}) exceeded cpu threshold (will only log this once per worker)"
                ),
            );
        }
        self.send(id, MasterMessage::Heartbeat);
    }

    fn client_stopped(&mut self, client_id: &str, node_id: &str) {
        if self.registry.remove(node_id).is_none() {
            self.log(
                LogLevel::Warning,
                &format!("Received client_stopped message from an unknown worker: {node_id}."),
            );
            return;
        }
        self.leave_dispatcher(node_id);
        let index = self.registry.known_index(client_id);
        self.log(
            LogLevel::Info,
            &format!("{node_id} (index {index}) reported that it has stopped"),
        );
    }

    fn worker_quit(&mut self, id: &str) {
        if self.registry.remove(id).is_none() {
            return;
        }
        self.leave_dispatcher(id);
        let index = self.registry.known_index(id);
        let ready = self.registry.ready_count();
        self.log(
            LogLevel::Info,
            &format!("Worker '{id}' (index {index}) quit. {ready} workers ready."),
        );
        if self.registry.active_count() == 0 {
            self.log(LogLevel::Info, "The last worker quit, stopping test.");
            self.no_workers_left();
        }
    }

    /// A worker left for good: re-deal its users if no cycle is under way.
    fn leave_dispatcher(&mut self, id: &str) {
        if let Some(dispatcher) = self.ramp.dispatcher_mut() {
            dispatcher.remove_worker(id);
            self.redispatch_if_idle();
        }
    }

    fn unknown_asks_to_quit(&mut self, kind: &str, id: &str) {
        self.log(
            LogLevel::Warning,
            &format!("Got {kind} message from unknown worker {id}. Asking worker to quit."),
        );
        self.send(id, MasterMessage::Quit);
    }

    /// `--enable-rebalancing` re-runs the dispatch once a ramp has completed.
    pub(super) fn rebalancing_now(&self) -> bool {
        self.opts.enable_rebalancing && self.state == RunState::Running && self.ramp.completed
    }
}

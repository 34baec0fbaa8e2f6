//! The master thread: one loop over commands, worker messages, the liveness tick and the
//! ramp's clock, owning every piece of master state. Locust's `start`, `stop` and `quit`
//! live here; `receive.rs` and `liveness.rs` add the message and heartbeat handling.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use cicada_proto::{MasterMessage, MasterSpawningComplete, Router, RouterEvent};
use crossbeam_channel::{at, never, select, tick, Receiver, Sender};

use super::handle::{Status, WorkerInfo};
use super::ramp::{Phase, Ramp, SpawnContext};
use super::registry::Registry;
use super::{LogLevel, MasterOptions};
use crate::control::{RunEvent, RunState};
use crate::stats::{Aggregator, StatsMessage};

/// What the handle asks of the master thread.
pub(super) enum Command {
    Swarm {
        users: u64,
        spawn_rate: f64,
    },
    /// Reply once every worker has stopped.
    Stop(Sender<()>),
    /// Reply once the quit grace is over; the thread then ends.
    Quit(Sender<()>),
}

/// A `stop` waiting for the workers' `client_stopped`.
struct Stopping {
    deadline: Instant,
    waiters: Vec<Sender<()>>,
}

/// A `quit` waiting out its grace for final stats.
struct Quitting {
    until: Instant,
    waiters: Vec<Sender<()>>,
}

pub(super) struct MasterLoop {
    pub(super) opts: MasterOptions,
    router: Router,
    pub(super) registry: Registry,
    pub(super) ramp: Ramp,
    aggregator: Aggregator,
    pub(super) stats: Sender<StatsMessage>,
    status: Arc<Mutex<Status>>,
    events: Sender<RunEvent>,
    pub(super) state: RunState,
    stopping: Option<Stopping>,
    quitting: Option<Quitting>,
    /// `QuitRequested` was sent (once per run).
    quit_requested: bool,
}

impl MasterLoop {
    pub(super) fn new(
        mut opts: MasterOptions,
        router: Router,
        aggregator: Aggregator,
        status: Arc<Mutex<Status>>,
        events: Sender<RunEvent>,
    ) -> MasterLoop {
        let classes = std::mem::take(&mut opts.classes);
        MasterLoop {
            opts,
            router,
            registry: Registry::default(),
            ramp: Ramp::new(classes),
            stats: aggregator.sender(),
            aggregator,
            status,
            events,
            state: RunState::Ready,
            stopping: None,
            quitting: None,
            quit_requested: false,
        }
    }

    pub(super) fn run(mut self, commands: &Receiver<Command>) {
        let heartbeat = tick(self.opts.timings.heartbeat);
        let socket = self.router.receiver().clone();
        loop {
            let timer = self.next_wake().map(at).unwrap_or_else(never);
            select! {
                recv(commands) -> cmd => match cmd {
                    Ok(cmd) => self.command(cmd),
                    // Every handle is gone: nobody can read the results; quit the workers.
                    Err(_) => self.quit(None),
                },
                recv(socket) -> event => match event {
                    Ok(RouterEvent::Message { identity, frame }) => self.on_frame(&identity, &frame),
                    Ok(RouterEvent::Connected { identity }) => self.log(
                        LogLevel::Debug,
                        &format!("Connection from {}", String::from_utf8_lossy(&identity)),
                    ),
                    Ok(RouterEvent::Disconnected { identity }) => self.log(
                        LogLevel::Debug,
                        &format!("Connection closed: {}", String::from_utf8_lossy(&identity)),
                    ),
                    Err(_) => {}
                },
                recv(heartbeat) -> _ => self.liveness_tick(),
                recv(timer) -> _ => {}
            }
            self.drive();
            self.check_reports();
            self.check_stopped();
            self.publish();
            if let Some(q) = self.quitting.as_ref().filter(|q| Instant::now() >= q.until) {
                for w in &q.waiters {
                    let _ = w.send(());
                }
                return;
            }
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Swarm { users, spawn_rate } => {
                if self.quitting.is_none() {
                    self.start(users, spawn_rate);
                }
            }
            Command::Stop(reply) => {
                self.stop(true);
                match &mut self.stopping {
                    Some(s) => s.waiters.push(reply),
                    None => {
                        let _ = reply.send(());
                    }
                }
            }
            Command::Quit(reply) => self.quit(Some(reply)),
        }
    }

    /// The earliest moment something is due besides messages and the liveness tick.
    fn next_wake(&self) -> Option<Instant> {
        [
            self.ramp.wake_at(),
            self.stopping.as_ref().map(|s| s.deadline),
            self.quitting.as_ref().map(|q| q.until),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Locust's `start()`: dispatch `target` users over the active workers at `rate`.
    pub(super) fn start(&mut self, target: u64, rate: f64) {
        let active = self.registry.active_ids();
        if active.is_empty() {
            self.log(
                LogLevel::Warning,
                "You can't start a distributed test before at least one worker processes has connected",
            );
            return;
        }
        self.log(
            LogLevel::Info,
            &format!(
                "Sending spawn jobs of {target} users at {rate:.2} spawn rate to {} ready workers",
                active.len()
            ),
        );
        if rate / active.len() as f64 > 100.0 {
            self.log(
                LogLevel::Warning,
                "Your selected spawn rate is very high (>100/worker), and this is known to \
                 sometimes cause issues. Do you really need to ramp up that fast?",
            );
        }
        if !matches!(self.state, RunState::Running | RunState::Spawning) {
            // A new test: forget the last one's stats, as Locust's `clear_all`.
            self.aggregator.clear();
        }
        if let Err(e) = self.ramp.begin(&active, target, rate) {
            self.log(LogLevel::Error, &format!("Cannot dispatch users: {e}"));
            return;
        }
        self.state = RunState::Spawning;
        self.stopping = None;
        self.drive();
    }

    /// Send what the ramp has due now.
    fn drive(&mut self) {
        let ctx = SpawnContext {
            host: self.opts.host.as_deref(),
            stop_timeout: self.opts.stop_timeout.as_secs_f64(),
            parsed_options: &self.opts.parsed_options,
        };
        let advance = self.ramp.advance(Instant::now(), &ctx);
        if !advance.spawns.is_empty() {
            let total: u64 = advance
                .spawns
                .iter()
                .flat_map(|(_, s)| &s.user_classes_count)
                .map(|(_, n)| n)
                .sum();
            self.log(LogLevel::Debug, &format!("Sending spawn messages for {total} total users"));
        }
        for (worker, spawn) in advance.spawns {
            self.send(&worker, MasterMessage::Spawn(spawn));
        }
    }

    /// After the last iteration: once the reports add up to the target (or a second has
    /// passed), the ramp is complete.
    pub(super) fn check_reports(&mut self) {
        let Phase::AwaitingReports(deadline) = self.ramp.phase else { return };
        let reported = self.registry.user_count();
        if reported != self.ramp.target && Instant::now() < deadline {
            return;
        }
        if reported != self.ramp.target {
            self.log(
                LogLevel::Debug,
                "Spawning is complete and report waittime is expired, but not all reports \
                 received from workers",
            );
        }
        self.ramp.finish_cycle();
        self.state = RunState::Running;
        if self.opts.reset_stats {
            self.aggregator.reset();
        }
        let reported = self.registry.user_classes_count();
        let counts = self
            .ramp
            .target_classes
            .iter()
            .map(|(class, _)| {
                let n = reported.iter().find(|(c, _)| c == class).map_or(0, |(_, n)| *n);
                (class.clone(), u32::try_from(n).unwrap_or(u32::MAX))
            })
            .collect();
        // Readers that react to the event or to the broadcast must see the new state.
        self.publish();
        let _ = self.events.send(RunEvent::SpawningComplete(counts));
        let user_count = self.ramp.target_classes.iter().map(|(_, n)| n).sum();
        self.broadcast(&MasterMessage::SpawningComplete(MasterSpawningComplete { user_count }));
    }

    /// Locust's `stop()`: tell every worker (when `send`) and wait for their users to end.
    pub(super) fn stop(&mut self, send: bool) {
        if matches!(self.state, RunState::Ready | RunState::Stopped | RunState::Stopping) {
            return;
        }
        self.state = RunState::Stopping;
        self.ramp.discard();
        if send {
            self.broadcast(&MasterMessage::Stop);
            let deadline = Instant::now() + self.opts.stop_timeout + self.opts.timings.stop_wait;
            self.stopping = Some(Stopping { deadline, waiters: Vec::new() });
        } else {
            self.finish_stop();
        }
    }

    fn check_stopped(&mut self) {
        let Some(stopping) = &self.stopping else { return };
        if self.registry.user_count() == 0 {
            self.finish_stop();
        } else if Instant::now() >= stopping.deadline {
            self.log(LogLevel::Error, "Timeout waiting for all workers to stop");
            self.finish_stop();
        }
    }

    fn finish_stop(&mut self) {
        self.state = RunState::Stopped;
        if let Some(s) = self.stopping.take() {
            for w in s.waiters {
                let _ = w.send(());
            }
        }
        let _ = self.events.send(RunEvent::Stopped);
    }

    /// Locust's `quit()`: `quit` to every worker, missing ones included, then a grace for
    /// their final stats before the thread ends.
    pub(super) fn quit(&mut self, reply: Option<Sender<()>>) {
        if self.quitting.is_none() {
            self.stop(false);
            self.broadcast(&MasterMessage::Quit);
            let until = Instant::now() + self.opts.timings.quit_grace;
            self.quitting = Some(Quitting { until, waiters: Vec::new() });
        }
        if let (Some(q), Some(reply)) = (&mut self.quitting, reply) {
            q.waiters.push(reply);
        }
    }

    /// No active worker is left: stop, and ask the driver to quit (a headless Locust master
    /// quits then).
    pub(super) fn no_workers_left(&mut self) {
        self.stop(true);
        if !self.quit_requested && self.quitting.is_none() {
            self.quit_requested = true;
            let _ = self.events.send(RunEvent::QuitRequested);
        }
    }

    /// A worker joined or left the dispatcher: Locust re-dispatches when no cycle is under
    /// way and the test is running.
    pub(super) fn redispatch_if_idle(&mut self) {
        if !self.ramp.in_progress() && self.state == RunState::Running {
            self.start(self.ramp.target, self.ramp.spawn_rate);
        }
    }

    pub(super) fn send(&self, id: &str, msg: MasterMessage) {
        if let Err(e) = self.router.send(id.as_bytes(), msg.encode(id)) {
            self.log(LogLevel::Warning, &format!("Could not send to worker {id}: {e}"));
        }
    }

    /// To every known worker, missing ones included, as Locust broadcasts.
    fn broadcast(&self, msg: &MasterMessage) {
        for id in self.registry.ids() {
            self.send(&id, msg.clone());
        }
    }

    pub(super) fn log(&self, level: LogLevel, message: &str) {
        (self.opts.log)(level, message);
    }

    /// Copy what readers of the handle see.
    fn publish(&self) {
        let workers = self
            .registry
            .iter()
            .map(|(id, n)| WorkerInfo {
                id: id.to_owned(),
                index: self.registry.known_index(id),
                state: n.state.as_str().to_owned(),
                user_count: n.user_count(),
                cpu_usage: n.cpu_usage,
                memory_usage: n.memory_usage,
            })
            .collect();
        let status = Status {
            state: self.state,
            workers,
            user_classes_count: self.registry.user_classes_count(),
        };
        *self.status.lock().unwrap_or_else(PoisonError::into_inner) = status;
    }
}

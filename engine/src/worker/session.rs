//! The worker's message loop: register with `client_ready` until acked, then obey the
//! master's messages, forward the engine's events, and watch the master's heartbeat.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cicada_proto::{ClientReady, MasterMessage, Message, Spawn, WorkerMessage, WorkerState};
use crossbeam_channel::{after, select, tick, Receiver};

use super::background::{send_report, Background, SharedState};
use super::link::Link;
use super::messages;
use super::{WorkerEnd, WorkerError, WorkerLog, WorkerLogLevel, WorkerOptions, WorkerTimings};
use crate::control::{Control, RunEvent};
use crate::custom_message::{Delivery, MessageOutlet};

/// How often the loop checks its clocks (ack wait, master heartbeat).
const CHECK: Duration = Duration::from_millis(100);

pub(super) struct Session<'a> {
    control: &'a Control,
    master: String,
    timings: WorkerTimings,
    ready_after_stop: Duration,
    reset_stats: bool,
    log: WorkerLog,
    link: Arc<Link>,
    state: SharedState,
    background: Option<Background>,
    /// `client_ready` messages sent while waiting for the first ack.
    attempts: u32,
    acked: bool,
    last_master_heartbeat: Option<Instant>,
    /// The newest accepted `spawn` timestamp; older or equal ones are ignored, as Python does.
    last_spawn: f64,
    /// A spawn was applied and its `spawning_complete` is not sent yet.
    spawning: bool,
    stop_timeout: Duration,
    /// Class names from the master this worker does not have, warned about once each.
    unknown_classes: HashSet<String>,
    warned_host: bool,
}

impl<'a> Session<'a> {
    pub(super) fn new(
        control: &'a Control,
        opts: WorkerOptions,
        id: String,
    ) -> Result<Self, WorkerError> {
        let master = opts.master;
        let link = Link::open(id, opts.connect)
            .map_err(|reason| WorkerError::Connect { master: master.clone(), reason })?;
        control.set_stop_timeout(opts.stop_timeout);
        let link = Arc::new(link);
        control.set_message_outlet(Some(custom_outlet(&link)));
        Ok(Session {
            control,
            master,
            timings: opts.timings,
            ready_after_stop: opts.ready_after_stop,
            reset_stats: opts.reset_stats,
            log: opts.log,
            link,
            state: Arc::new(Mutex::new(WorkerState::Ready)),
            background: None,
            attempts: 0,
            acked: false,
            last_master_heartbeat: None,
            last_spawn: 0.0,
            spawning: false,
            stop_timeout: opts.stop_timeout,
            unknown_classes: HashSet::new(),
            warned_host: false,
        })
    }

    pub(super) fn run(mut self, interrupts: &Receiver<()>) -> Result<WorkerEnd, WorkerError> {
        self.log(
            WorkerLogLevel::Info,
            &format!("Connecting to master {} as worker {}", self.master, self.link.id()),
        );
        self.send(&WorkerMessage::ClientReady(ClientReady::Unversioned));
        self.attempts = 1;
        let mut next_ready = Instant::now() + self.timings.connect_timeout;
        let check = tick(CHECK);
        let mut frames = self.link.receiver();
        let ended = loop {
            let step = select! {
                recv(frames) -> frame => match frame {
                    Ok(frame) => self.on_frame(&frame, interrupts, &mut frames),
                    // The transport ended for good: nothing more will come from the master.
                    Err(_) => Step::End(WorkerEnd::MasterGone),
                },
                recv(self.control.events()) -> ev => match ev {
                    Ok(ev) => self.on_event(ev),
                    Err(_) => Step::End(WorkerEnd::ScriptQuit),
                },
                recv(interrupts) -> _ => Step::End(WorkerEnd::Interrupted),
                recv(check) -> _ => self.on_check(&mut next_ready),
            };
            match step {
                Step::Go => {}
                Step::End(end) => break Ok(end),
                Step::Fail(e) => break Err(e),
            }
        };
        self.finish();
        ended
    }

    fn on_check(&mut self, next_ready: &mut Instant) -> Step {
        let now = Instant::now();
        if !self.acked && now >= *next_ready {
            if self.attempts > self.timings.connect_retries {
                return Step::Fail(WorkerError::NoAck {
                    master: self.master.clone(),
                    attempts: self.attempts,
                    waited: self.timings.connect_timeout * self.attempts,
                });
            }
            // Quiet at first, as Python is: a master started a moment later is normal.
            let level =
                if self.attempts < 3 { WorkerLogLevel::Debug } else { WorkerLogLevel::Warning };
            self.log(
                level,
                &format!(
                    "Failed to connect to master {}, retry {}/{}.",
                    self.master, self.attempts, self.timings.connect_retries
                ),
            );
            self.send(&WorkerMessage::ClientReady(ClientReady::Unversioned));
            self.attempts += 1;
            *next_ready = now + self.timings.connect_timeout;
        }
        if let Some(last) = self.last_master_heartbeat {
            if last.elapsed() > self.timings.master_timeout {
                self.log(
                    WorkerLogLevel::Error,
                    &format!(
                        "Didn't get heartbeat from master in over {}s, quitting",
                        self.timings.master_timeout.as_secs()
                    ),
                );
                return Step::End(WorkerEnd::MasterGone);
            }
        }
        Step::Go
    }

    fn on_frame(
        &mut self,
        frame: &[u8],
        interrupts: &Receiver<()>,
        frames: &mut Receiver<Vec<u8>>,
    ) -> Step {
        let msg = match MasterMessage::decode(frame) {
            Ok((msg, _)) => msg,
            Err(e) => {
                self.log(
                    WorkerLogLevel::Warning,
                    &format!("Ignored a bad message from the master: {e}"),
                );
                return Step::Go;
            }
        };
        match msg {
            MasterMessage::Ack(ack) => self.on_ack(ack.index),
            MasterMessage::Heartbeat => {
                self.last_master_heartbeat = Some(Instant::now());
                Step::Go
            }
            MasterMessage::Spawn(spawn) => {
                self.on_spawn(spawn);
                Step::Go
            }
            MasterMessage::Stop => self.on_stop(interrupts),
            MasterMessage::Quit => {
                self.log(WorkerLogLevel::Info, "Got quit message from master, shutting down...");
                Step::End(WorkerEnd::MasterQuit)
            }
            MasterMessage::Reconnect => {
                self.log(WorkerLogLevel::Info, "Reconnecting to master (it asked to)");
                if let Err(reason) = self.link.reconnect() {
                    return Step::Fail(WorkerError::Connect {
                        master: self.master.clone(),
                        reason,
                    });
                }
                *frames = self.link.receiver();
                Step::Go
            }
            MasterMessage::SpawningComplete(_) => {
                if self.reset_stats {
                    self.log(WorkerLogLevel::Info, "Resetting stats\n");
                    self.control.reset_stats();
                }
                Step::Go
            }
            MasterMessage::UpdateUserClass(_) => {
                self.log(WorkerLogLevel::Warning, "Ignored update_user_class: a cicada worker's classes come from its Lua scenario");
                Step::Go
            }
            MasterMessage::Locustfile(_) => Step::Go,
            MasterMessage::Custom(m) => {
                let kind = m.kind.clone();
                match self.control.deliver_message(m) {
                    Delivery::Queued => self.log(
                        WorkerLogLevel::Debug,
                        &format!("Received {kind} message from master"),
                    ),
                    Delivery::Unhandled => self.log(
                        WorkerLogLevel::Warning,
                        &format!("Unknown message type received: {kind}"),
                    ),
                    Delivery::NotStarted => self.log(
                        WorkerLogLevel::Warning,
                        &format!("Dropped a {kind} message from master: the shards have ended"),
                    ),
                }
                Step::Go
            }
        }
    }

    fn on_ack(&mut self, index: Option<u64>) -> Step {
        if self.acked {
            // Each client_ready gets an ack (queued resends, and after every stop).
            return Step::Go;
        }
        self.acked = true;
        let index = index.map_or_else(|| "-1".to_owned(), |i| i.to_string());
        self.log(
            WorkerLogLevel::Info,
            &format!("Connected to master {} (worker index {index})", self.master),
        );
        match Background::start(
            Arc::clone(&self.link),
            Arc::clone(&self.state),
            self.control.clone(),
            self.timings.heartbeat,
            self.timings.report,
        ) {
            Ok(b) => {
                self.background = Some(b);
                Step::Go
            }
            Err(e) => Step::Fail(e.into()),
        }
    }

    fn on_spawn(&mut self, spawn: Spawn) {
        self.send(&WorkerMessage::Spawning);
        if spawn.timestamp <= self.last_spawn {
            self.log(WorkerLogLevel::Debug, "Discarded a spawn message older than the last one");
            return;
        }
        self.last_spawn = spawn.timestamp;
        let seconds = spawn.stop_timeout.map_or(0.0, |n| n.as_f64());
        self.stop_timeout = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::ZERO);
        self.control.set_stop_timeout(self.stop_timeout);
        if let Some(host) = spawn.host.filter(|h| !h.is_empty()) {
            if !self.warned_host {
                self.warned_host = true;
                self.log(
                    WorkerLogLevel::Warning,
                    &format!("The master's host {host:?} is not applied: a cicada worker uses its own --host or the classes' host"),
                );
            }
        }
        let ours: Vec<&str> = self.control.classes().iter().map(|c| c.name.as_str()).collect();
        let mut targets = Vec::new();
        for (name, n) in spawn.user_classes_count {
            if ours.contains(&name.as_str()) {
                targets.push((name, u32::try_from(n).unwrap_or(u32::MAX)));
            } else if n > 0 && self.unknown_classes.insert(name.clone()) {
                self.log(
                    WorkerLogLevel::Warning,
                    &format!("The master asked for users of class {name:?}, which this worker's scenario does not have; skipped"),
                );
            }
        }
        self.set_state(WorkerState::Spawning);
        match self.control.set_class_targets(&targets) {
            Ok(()) => self.spawning = true,
            Err(e) => {
                self.log(WorkerLogLevel::Error, &format!("Cannot apply the master's spawn: {e}"))
            }
        }
    }

    fn on_stop(&mut self, interrupts: &Receiver<()>) -> Step {
        self.spawning = false;
        self.control.stop();
        self.send(&WorkerMessage::ClientStopped);
        // Python's worker sleeps here too, so the master has dropped it before it re-registers.
        select! {
            recv(interrupts) -> _ => return Step::End(WorkerEnd::Interrupted),
            recv(after(self.stop_timeout + self.ready_after_stop)) -> _ => {}
        }
        self.send(&WorkerMessage::ClientReady(ClientReady::Unversioned));
        self.set_state(WorkerState::Ready);
        Step::Go
    }

    fn on_event(&mut self, ev: RunEvent) -> Step {
        match ev {
            RunEvent::SpawningComplete(counts) if self.spawning => {
                self.spawning = false;
                self.send(&messages::spawning_complete(&counts));
                self.set_state(WorkerState::Running);
                Step::Go
            }
            RunEvent::QuitRequested => Step::End(WorkerEnd::ScriptQuit),
            _ => Step::Go,
        }
    }

    /// Stop the clocks and the users, send the last report and `quit`, close the link.
    fn finish(&mut self) {
        if let Some(b) = self.background.take() {
            b.stop();
        }
        self.control.stop();
        if self.acked {
            send_report(&self.link, self.control);
        }
        self.send(&WorkerMessage::Quit);
        self.link.close();
    }

    fn send(&self, msg: &WorkerMessage) {
        if !self.link.send(msg) {
            self.log(WorkerLogLevel::Debug, "A message to the master could not be queued");
        }
    }

    fn set_state(&self, state: WorkerState) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = state;
    }

    fn log(&self, level: WorkerLogLevel, message: &str) {
        (self.log)(level, message);
    }
}

/// Where scripts' custom messages go on a worker: to the master, with this worker's id as
/// the node id whatever the script asked for (a Python worker ignores its `client_id` too).
/// The link queues, so the sending shard never waits for the network.
fn custom_outlet(link: &Arc<Link>) -> MessageOutlet {
    let link = Arc::clone(link);
    Box::new(move |msg: Message| {
        let msg = Message { node_id: link.id().to_owned(), ..msg };
        link.send(&WorkerMessage::Custom(msg));
    })
}

/// What the loop does after handling one thing.
enum Step {
    Go,
    End(WorkerEnd),
    Fail(WorkerError),
}

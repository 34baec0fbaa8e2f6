//! The coordinator: one thread that ramps users up and down at the spawn rate, tells each
//! shard its share, and carries out stop and shutdown. Local shards get their targets the way
//! a remote worker would get spawn messages, through a channel.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::config::RunConfig;
use crate::control::{EngineError, RunEvent, RunState};
use crate::custom_message::MessageHub;
use crate::dispatch::{class_counts, shard_targets, spread_class_totals, ClassShare, StartOrder};
use crate::scenario::{Scenario, UserClassSpec};
use crate::shard::{self, ShardCommand, ShardHandle, ShardSetup};
use crate::signal::QuitHandle;
use crate::stats::{Aggregator, ExceptionStats, ShardStats, StatsSnapshot};

/// How often the ramp moves while spawning.
const RAMP_TICK: Duration = Duration::from_millis(10);

enum Command {
    Swarm {
        users: u32,
        rate: f64,
    },
    /// Absolute users per class (by scenario index), applied at once; other classes keep
    /// their count.
    ClassTargets(Vec<(usize, u32)>),
    Stop(Sender<()>),
    Flush(Sender<()>),
    Reset(Sender<()>),
    Shutdown(Sender<()>),
}

pub(crate) struct Coordinator {
    commands: Sender<Command>,
    events: Receiver<RunEvent>,
    state: Arc<Mutex<RunState>>,
    shards: Arc<Vec<ShardHandle>>,
    /// Every class of the scenario; shards count users by these indices.
    all_classes: Vec<UserClassSpec>,
    /// Indices of the classes this run uses, and those classes.
    selected: Vec<usize>,
    classes: Vec<UserClassSpec>,
    aggregator: Aggregator,
    messages: Arc<MessageHub>,
    thread: Mutex<Option<thread::JoinHandle<()>>>,
}

impl Coordinator {
    pub(crate) fn start(
        config: RunConfig,
        scenario: Arc<dyn Scenario>,
    ) -> Result<Coordinator, EngineError> {
        let all = scenario.classes().to_vec();
        let selected = select_classes(&all, config.user_classes.as_deref())?;
        let allowed = allowed_tasks(&all, &config);
        let shares: Vec<ClassShare> = selected
            .iter()
            .filter(|&&c| !allowed[c].is_empty())
            .map(|&c| ClassShare {
                class: c,
                weight: all[c].weight,
                fixed_count: all[c].fixed_count,
            })
            .collect();
        if shares.is_empty() {
            return Err(EngineError::NoUserClass);
        }
        let (events_tx, events) = crossbeam_channel::unbounded();
        let quit = QuitHandle::new(events_tx.clone());
        let aggregator = Aggregator::spawn()?;
        let config = Arc::new(RunConfig { shards: config.shards.max(1), ..config });
        let cores = if config.pin_threads { core_affinity::get_core_ids() } else { None };
        let allowed = Arc::new(allowed);
        let messages = Arc::new(MessageHub::default());
        let mut shards = Vec::with_capacity(config.shards);
        let mut threads = Vec::with_capacity(config.shards);
        for index in 0..config.shards {
            let setup = ShardSetup {
                index,
                count: config.shards,
                core: cores.as_ref().filter(|c| !c.is_empty()).map(|c| c[index % c.len()]),
                config: Arc::clone(&config),
                scenario: Arc::clone(&scenario),
                allowed_tasks: Arc::clone(&allowed),
                stats: aggregator.sender(),
                quit: quit.clone(),
                messages: Arc::clone(&messages),
            };
            match shard::spawn(setup) {
                Ok((handle, thread)) => {
                    shards.push(handle);
                    threads.push(thread);
                }
                Err(message) => {
                    shutdown_shards(&shards, threads);
                    return Err(EngineError::Shard { index, message });
                }
            }
        }
        let shards = Arc::new(shards);
        messages.set_shards(&shards);
        let state = Arc::new(Mutex::new(RunState::Ready));
        let (commands, rx) = crossbeam_channel::unbounded();
        let ramp = Ramp {
            order: StartOrder::new(shares),
            class_total: all.len(),
            classes: all.clone(),
            selected: selected.clone(),
            shards: Arc::clone(&shards),
            threads,
            state: Arc::clone(&state),
            events: events_tx,
            aggregator: aggregator.clone(),
            reset_stats: config.reset_stats,
            class_totals: None,
            assigned: 0,
            target: 0,
            rate: 1.0,
            from: 0,
            since: Instant::now(),
            version: 0,
        };
        let thread =
            thread::Builder::new().name("cicada-coordinator".into()).spawn(move || ramp.run(rx))?;
        Ok(Coordinator {
            commands,
            events,
            state,
            shards,
            classes: selected.iter().map(|&c| all[c].clone()).collect(),
            all_classes: all,
            selected,
            aggregator,
            messages,
            thread: Mutex::new(Some(thread)),
        })
    }

    pub(crate) fn swarm(&self, users: u32, rate: f64) {
        let _ = self.commands.send(Command::Swarm { users, rate });
    }

    pub(crate) fn set_class_targets(&self, targets: &[(String, u32)]) -> Result<(), EngineError> {
        let by_index = targets
            .iter()
            .map(|(name, n)| {
                self.selected
                    .iter()
                    .copied()
                    .find(|&c| &self.all_classes[c].name == name)
                    .map(|c| (c, *n))
                    .ok_or_else(|| EngineError::UnknownUserClass(name.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let _ = self.commands.send(Command::ClassTargets(by_index));
        Ok(())
    }

    /// Straight to the shards, not through the coordinator thread: a stop that waits for
    /// users must not hold up a setting that applies to the next stop.
    pub(crate) fn set_stop_timeout(&self, timeout: Duration) {
        for shard in self.shards.iter() {
            shard.send(ShardCommand::StopTimeout(timeout));
        }
    }

    /// Also straight to the shards and the aggregator, so a report is never late because
    /// the coordinator thread is waiting for users to stop.
    pub(crate) fn take_report(&self) -> ShardStats {
        shard::ask_all(&self.shards, ShardCommand::Flush);
        self.aggregator.take_report()
    }

    pub(crate) fn stop(&self) {
        self.round_trip(Command::Stop);
    }

    pub(crate) fn flush_stats(&self) {
        self.round_trip(Command::Flush);
    }

    pub(crate) fn reset_stats(&self) {
        self.round_trip(Command::Reset);
    }

    pub(crate) fn shutdown(&self) {
        self.round_trip(Command::Shutdown);
        let handle = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    pub(crate) fn state(&self) -> RunState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn user_counts(&self) -> Vec<(String, u32)> {
        let mut counts = vec![0u32; self.all_classes.len()];
        for shard in self.shards.iter() {
            for (c, live) in counts.iter_mut().zip(shard.live.iter()) {
                *c += live.load(Ordering::Relaxed);
            }
        }
        self.selected.iter().map(|&c| (self.all_classes[c].name.clone(), counts[c])).collect()
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        self.aggregator.snapshot(self.user_counts().iter().map(|(_, n)| n).sum())
    }

    pub(crate) fn exceptions(&self) -> Vec<ExceptionStats> {
        self.aggregator.exceptions()
    }

    pub(crate) fn events(&self) -> &Receiver<RunEvent> {
        &self.events
    }

    pub(crate) fn classes(&self) -> &[UserClassSpec] {
        &self.classes
    }

    pub(crate) fn messages(&self) -> &MessageHub {
        &self.messages
    }

    pub(crate) fn shard_count(&self) -> usize {
        self.shards.len()
    }

    fn round_trip(&self, make: impl FnOnce(Sender<()>) -> Command) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.commands.send(make(tx)).is_ok() {
            let _ = rx.recv();
        }
    }
}

impl Drop for Coordinator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The coordinator thread's state: where the ramp is and what each shard was told.
struct Ramp {
    order: StartOrder,
    class_total: usize,
    classes: Vec<UserClassSpec>,
    selected: Vec<usize>,
    shards: Arc<Vec<ShardHandle>>,
    threads: Vec<thread::JoinHandle<()>>,
    state: Arc<Mutex<RunState>>,
    events: Sender<RunEvent>,
    aggregator: Aggregator,
    reset_stats: bool,
    /// The per-class totals last set with absolute targets (a master's `spawn`), while
    /// they, not the ramp, drive the shards.
    class_totals: Option<Vec<u32>>,
    /// Users handed to shards now.
    assigned: usize,
    target: usize,
    rate: f64,
    /// Where the current ramp started, and when.
    from: usize,
    since: Instant,
    /// Version of the targets last sent; shards publish the version they have applied.
    version: u64,
}

impl Ramp {
    fn run(mut self, rx: Receiver<Command>) {
        let mut shutdown_reply = None;
        loop {
            let wait = if self.state() == RunState::Spawning {
                RAMP_TICK
            } else {
                Duration::from_secs(3600)
            };
            match rx.recv_timeout(wait) {
                Ok(Command::Swarm { users, rate }) => self.swarm(users, rate),
                Ok(Command::ClassTargets(targets)) => self.set_class_targets(targets),
                Ok(Command::Stop(reply)) => {
                    self.stop();
                    let _ = reply.send(());
                }
                Ok(Command::Flush(reply)) => {
                    self.flush();
                    let _ = reply.send(());
                }
                Ok(Command::Reset(reply)) => {
                    self.reset();
                    let _ = reply.send(());
                }
                Ok(Command::Shutdown(reply)) => {
                    shutdown_reply = Some(reply);
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.state() == RunState::Spawning {
                self.step();
            }
        }
        if matches!(self.state(), RunState::Spawning | RunState::Running) {
            self.stop();
        }
        // Each shard queues its last delta before its thread ends; sync after joining.
        shutdown_shards(&self.shards, std::mem::take(&mut self.threads));
        self.aggregator.sync();
        if let Some(reply) = shutdown_reply {
            let _ = reply.send(());
        }
    }

    fn state(&self) -> RunState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_state(&self, s: RunState) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = s;
    }

    fn swarm(&mut self, users: u32, rate: f64) {
        if matches!(self.state(), RunState::Ready | RunState::Stopped) {
            self.aggregator.clear();
        }
        let capacity = usize::try_from(self.order.capacity()).unwrap_or(usize::MAX);
        self.target = (users as usize).min(capacity);
        self.rate = rate;
        self.from = self.assigned;
        self.since = Instant::now();
        self.class_totals = None;
        self.set_state(RunState::Spawning);
    }

    fn set_class_targets(&mut self, targets: Vec<(usize, u32)>) {
        if matches!(self.state(), RunState::Ready | RunState::Stopped) {
            self.aggregator.clear();
        }
        let mut totals = self.class_totals.take().unwrap_or_else(|| {
            // From the ramp (or nothing): what the ramp handed out is the starting point.
            class_counts(self.order.prefix(self.assigned), self.class_total)
        });
        for (class, n) in targets {
            totals[class] = n;
        }
        self.version += 1;
        for (i, t) in spread_class_totals(&totals, self.shards.len()).into_iter().enumerate() {
            self.shards[i].send(ShardCommand::Targets(t, self.version));
        }
        let sum = totals.iter().map(|&n| n as usize).sum();
        (self.assigned, self.target, self.from) = (sum, sum, sum);
        self.class_totals = Some(totals);
        self.set_state(RunState::Spawning);
    }

    fn step(&mut self) {
        if let Some(totals) = &self.class_totals {
            // Absolute targets were sent whole: spawning is complete once shards applied them.
            if self.shards.iter().all(|s| s.applied.load(Ordering::Acquire) >= self.version) {
                self.set_state(RunState::Running);
                let named = self
                    .selected
                    .iter()
                    .map(|&c| (self.classes[c].name.clone(), totals[c]))
                    .collect();
                let _ = self.events.send(RunEvent::SpawningComplete(named));
            }
            return;
        }
        let moved = (self.rate * self.since.elapsed().as_secs_f64()).floor() as usize + 1;
        let next = if self.target >= self.from {
            (self.from + moved).min(self.target)
        } else {
            self.from.saturating_sub(moved).max(self.target)
        };
        if next != self.assigned {
            self.assign(next);
        }
        // Like Locust, spawning is complete once the users have been started, not just sent.
        let applied = self.shards.iter().all(|s| s.applied.load(Ordering::Acquire) >= self.version);
        if self.assigned == self.target && applied {
            self.set_state(RunState::Running);
            let counts = class_counts(self.order.prefix(self.assigned), self.class_total);
            let named =
                self.selected.iter().map(|&c| (self.classes[c].name.clone(), counts[c])).collect();
            let _ = self.events.send(RunEvent::SpawningComplete(named));
            if self.reset_stats {
                self.reset();
            }
        }
    }

    fn assign(&mut self, users: usize) {
        let targets = shard_targets(self.order.prefix(users), self.shards.len(), self.class_total);
        self.version += 1;
        for (i, t) in targets.into_iter().enumerate() {
            // Unchanged shards get the new version too, so all of them can confirm it.
            self.shards[i].send(ShardCommand::Targets(t, self.version));
        }
        self.assigned = users;
    }

    fn stop(&mut self) {
        if matches!(self.state(), RunState::Ready | RunState::Stopped) {
            return;
        }
        self.set_state(RunState::Stopping);
        shard::ask_all(&self.shards, ShardCommand::StopAll);
        self.assigned = 0;
        self.target = 0;
        self.class_totals = None;
        self.aggregator.sync();
        self.set_state(RunState::Stopped);
        let _ = self.events.send(RunEvent::Stopped);
    }

    fn flush(&self) {
        shard::ask_all(&self.shards, ShardCommand::Flush);
        self.aggregator.sync();
    }

    fn reset(&self) {
        for s in self.shards.iter() {
            s.send(ShardCommand::DiscardStats);
        }
        self.flush();
        self.aggregator.reset();
    }
}

/// End shard threads that were started, waiting for each.
fn shutdown_shards(shards: &[ShardHandle], threads: Vec<thread::JoinHandle<()>>) {
    for s in shards {
        s.send(ShardCommand::Exit);
    }
    for t in threads {
        let _ = t.join();
    }
}

/// The classes a run uses: all of them, or the ones named (each must exist).
fn select_classes(
    all: &[UserClassSpec],
    names: Option<&[String]>,
) -> Result<Vec<usize>, EngineError> {
    let Some(names) = names.filter(|n| !n.is_empty()) else {
        return Ok((0..all.len()).collect());
    };
    names
        .iter()
        .map(|n| {
            all.iter()
                .position(|c| &c.name == n)
                .ok_or_else(|| EngineError::UnknownUserClass(n.clone()))
        })
        .collect()
}

/// Per class, the tasks `--tags` and `--exclude-tags` leave, with their weights.
fn allowed_tasks(all: &[UserClassSpec], config: &RunConfig) -> Vec<Vec<(usize, u32)>> {
    all.iter()
        .map(|class| {
            class
                .tasks
                .iter()
                .enumerate()
                .filter(|(_, t)| {
                    let included = config
                        .tags
                        .as_ref()
                        .is_none_or(|tags| t.tags.iter().any(|tag| tags.contains(tag)));
                    let excluded = t.tags.iter().any(|tag| config.exclude_tags.contains(tag));
                    included && !excluded
                })
                .map(|(i, t)| (i, t.weight))
                .collect()
        })
        .collect()
}

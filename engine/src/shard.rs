//! A shard: one thread, one event loop, its users, its half of the scenario, its stats.
//!
//! The shard obeys a few commands from the coordinator — how many users of each class to
//! run, stop them all, send stats, exit — and otherwise runs its users. Between commands it
//! ticks every few milliseconds to reap ended users, let the scenario do upkeep (Lua GC) and
//! send its stats delta about once a second.

use std::cell::{Cell, RefCell};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender};
use futures_util::future::{select, Either};
use futures_util::StreamExt;

use crate::config::RunConfig;
use crate::custom_message::MessageHub;
use crate::http::HttpShard;
use crate::scenario::{Scenario, ShardScenario, UserClassSpec};
use crate::signal::{QuitHandle, StopSignal};
use crate::stats::{ShardStats, StatsMessage};
use crate::user::{run_user, TaskPicker, UserPlan};
use crate::user_context::{ShardContext, ShardShared, UserContext};

const TICK: Duration = Duration::from_millis(10);
const STATS_INTERVAL: Duration = Duration::from_secs(1);

pub(crate) enum ShardCommand {
    /// Run this many users of each class (indexed like the scenario's classes). The number
    /// is the coordinator's version of the targets, published once they are applied.
    Targets(Vec<u32>, u64),
    /// Stop every user; reply once all have ended and `test_stop` has run.
    StopAll(Sender<()>),
    /// Send the stats delta now; reply once it is sent.
    Flush(Sender<()>),
    /// Drop the stats recorded but not yet sent (the aggregator is being reset).
    DiscardStats,
    /// How long users stopped from now on may finish their task (a master's `spawn` sets it).
    StopTimeout(Duration),
    /// Run the script's handler for this custom message, as a task of its own.
    Message(Arc<cicada_proto::Message>),
    /// Run `quitting`, send the last stats and end the thread.
    Exit,
}

/// The coordinator's side of a shard.
pub(crate) struct ShardHandle {
    pub(crate) commands: UnboundedSender<ShardCommand>,
    /// Live users per class, updated by the shard on each tick.
    pub(crate) live: Arc<[AtomicU32]>,
    /// The version of the last targets whose users have all been started.
    pub(crate) applied: Arc<AtomicU64>,
}

impl ShardHandle {
    pub(crate) fn send(&self, cmd: ShardCommand) {
        // A shard that has exited cannot take commands; the coordinator notices on join.
        let _ = self.commands.unbounded_send(cmd);
    }
}

/// Send every shard the command `make` builds around a reply channel, then wait until each
/// has replied (a shard that has exited counts as done: its reply channel is dropped).
pub(crate) fn ask_all(shards: &[ShardHandle], make: impl Fn(Sender<()>) -> ShardCommand) {
    let replies: Vec<_> = shards
        .iter()
        .map(|s| {
            let (tx, rx) = crossbeam_channel::bounded(1);
            s.send(make(tx));
            rx
        })
        .collect();
    for r in replies {
        let _ = r.recv();
    }
}

/// Everything a shard thread starts from.
pub(crate) struct ShardSetup {
    pub(crate) index: usize,
    pub(crate) count: usize,
    pub(crate) core: Option<core_affinity::CoreId>,
    pub(crate) config: Arc<RunConfig>,
    pub(crate) scenario: Arc<dyn Scenario>,
    /// Allowed tasks per class after `--tags` / `--exclude-tags`: (task index, weight).
    pub(crate) allowed_tasks: Arc<Vec<Vec<(usize, u32)>>>,
    pub(crate) stats: Sender<StatsMessage>,
    pub(crate) quit: QuitHandle,
    pub(crate) messages: Arc<MessageHub>,
}

/// Start a shard thread; returns once its scenario half is built (or failed to build), with
/// the thread to join after sending [`ShardCommand::Exit`].
pub(crate) fn spawn(setup: ShardSetup) -> Result<(ShardHandle, thread::JoinHandle<()>), String> {
    let (tx, rx) = futures_channel::mpsc::unbounded();
    let classes = setup.scenario.classes().len();
    let live: Arc<[AtomicU32]> = (0..classes).map(|_| AtomicU32::new(0)).collect();
    let (ready_tx, ready_rx) = mpsc::channel();
    let applied = Arc::new(AtomicU64::new(0));
    let live_for_shard = (Arc::clone(&live), Arc::clone(&applied));
    let index = setup.index;
    let thread = thread::Builder::new()
        .name(format!("cicada-shard-{index}"))
        .spawn(move || {
            if let Some(core) = setup.core {
                core_affinity::set_for_current(core);
            }
            let ready = ready_tx.clone();
            let ran = crate::runtime::block_on(shard_main(setup, rx, live_for_shard, ready));
            if let Err(e) = ran {
                let _ = ready_tx.send(Err(format!("cannot start its event loop: {e}")));
            }
        })
        .map_err(|e| format!("cannot start its thread: {e}"))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok((ShardHandle { commands: tx, live, applied }, thread)),
        Ok(Err(message)) => {
            let _ = thread.join();
            Err(message)
        }
        Err(_) => {
            let _ = thread.join();
            Err("its thread ended while starting".into())
        }
    }
}

/// One running user as the shard tracks it.
struct Slot {
    class: usize,
    stop: Rc<StopSignal>,
    ended: Rc<Cell<bool>>,
    /// Stopped by the shard (ramp-down or stop), as opposed to ending on its own.
    stopping: bool,
}

struct Shard {
    ctx: ShardContext,
    scenario: Box<dyn ShardScenario>,
    classes: Vec<UserClassSpec>,
    plans: Vec<Rc<TaskPicker>>,
    stop_timeout: Duration,
    slots: Vec<Slot>,
    /// Users per class that run and are not being stopped: what targets are compared with.
    assigned: Vec<usize>,
    /// Users per class whose future has not ended, kept by the users themselves.
    running: Rc<[Cell<u32>]>,
    /// Users that ended since the last reap.
    ended_since_reap: Rc<Cell<u32>>,
    next_user: u64,
    live: Arc<[AtomicU32]>,
    stats_tx: Sender<StatsMessage>,
    /// Replies owed for `StopAll`, sent once every user has ended.
    stop_replies: Vec<Sender<()>>,
    test_running: bool,
}

async fn shard_main(
    setup: ShardSetup,
    mut commands: UnboundedReceiver<ShardCommand>,
    (live, applied): (Arc<[AtomicU32]>, Arc<AtomicU64>),
    ready: mpsc::Sender<Result<(), String>>,
) {
    let ctx = ShardContext {
        inner: Rc::new(ShardShared {
            index: setup.index,
            count: setup.count,
            host: setup.config.host.clone(),
            options: Arc::new(setup.config.options.clone()),
            stats: RefCell::new(ShardStats::default()),
            http: HttpShard::new(),
            quit: setup.quit.clone(),
            messages: Arc::clone(&setup.messages),
        }),
    };
    let scenario = match setup.scenario.shard(ctx.clone()) {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(e.0));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    let classes = setup.scenario.classes().to_vec();
    let plans = setup.allowed_tasks.iter().map(|a| Rc::new(TaskPicker::new(a.clone()))).collect();
    let class_count = classes.len();
    let mut shard = Shard {
        ctx,
        scenario,
        classes,
        plans,
        stop_timeout: setup.config.stop_timeout,
        slots: Vec::new(),
        assigned: vec![0; class_count],
        running: (0..class_count).map(|_| Cell::new(0)).collect(),
        ended_since_reap: Rc::new(Cell::new(0)),
        next_user: setup.index as u64,
        live,
        stats_tx: setup.stats,
        stop_replies: Vec::new(),
        test_running: false,
    };
    let mut next_flush = Instant::now() + STATS_INTERVAL;
    loop {
        let cmd = {
            let tick = pin!(crate::runtime::sleep(TICK));
            match select(commands.next(), tick).await {
                Either::Left((Some(cmd), _)) => Some(cmd),
                // The coordinator is gone: nothing will ever ask this shard for anything.
                Either::Left((None, _)) => Some(ShardCommand::Exit),
                Either::Right(_) => None,
            }
        };
        match cmd {
            Some(ShardCommand::Targets(targets, version)) => {
                shard.set_targets(&targets).await;
                shard.publish_live();
                applied.store(version, Ordering::Release);
            }
            Some(ShardCommand::StopAll(reply)) => {
                shard.stop_all();
                shard.stop_replies.push(reply);
            }
            Some(ShardCommand::Flush(reply)) => {
                shard.flush();
                let _ = reply.send(());
            }
            Some(ShardCommand::DiscardStats) => {
                shard.ctx.inner.stats.borrow_mut().take();
            }
            Some(ShardCommand::StopTimeout(timeout)) => shard.stop_timeout = timeout,
            Some(ShardCommand::Message(msg)) => {
                // A task, so a handler that sleeps or makes requests never holds up commands.
                drop(crate::runtime::spawn(shard.scenario.message(&msg)));
            }
            Some(ShardCommand::Exit) => {
                shard.stop_all();
                while !shard.reap() {
                    crate::runtime::sleep(TICK).await;
                }
                shard.finish_stop().await;
                shard.scenario.quitting();
                shard.flush();
                return;
            }
            None => {}
        }
        shard.scenario.maintenance();
        if shard.reap() && !shard.stop_replies.is_empty() {
            shard.finish_stop().await;
        }
        if Instant::now() >= next_flush {
            shard.flush();
            next_flush = Instant::now() + STATS_INTERVAL;
        }
    }
}

impl Shard {
    async fn set_targets(&mut self, targets: &[u32]) {
        if !self.test_running && targets.iter().any(|&n| n > 0) {
            self.test_running = true;
            self.scenario.test_start().await;
        }
        // Start missing users before stopping surplus ones, as a Locust worker does.
        for (class, &target) in targets.iter().enumerate().take(self.assigned.len()) {
            for _ in self.assigned[class]..target as usize {
                self.start_user(class);
            }
        }
        for (class, &target) in targets.iter().enumerate().take(self.assigned.len()) {
            let (current, target) = (self.assigned[class], target as usize);
            if target < current {
                // Remove the users started last first, as Locust does.
                let mut excess = current - target;
                for slot in self.slots.iter_mut().rev() {
                    if excess == 0 {
                        break;
                    }
                    if slot.class == class && !slot.stopping {
                        slot.stopping = true;
                        self.assigned[class] -= 1;
                        excess -= 1;
                        stop_user(&slot.stop, self.stop_timeout);
                    }
                }
            }
        }
    }

    fn start_user(&mut self, class: usize) {
        let user_id = self.next_user;
        self.next_user += self.ctx.count() as u64;
        let stop = Rc::new(StopSignal::default());
        let ended = Rc::new(Cell::new(false));
        let user_ctx =
            UserContext { shard: self.ctx.clone(), class, user_id, stopping: Rc::clone(&stop) };
        let plan =
            UserPlan { tasks: Rc::clone(&self.plans[class]), wait: self.classes[class].wait_time };
        self.assigned[class] += 1;
        match self.scenario.new_user(class, user_ctx) {
            Ok(behavior) => {
                let (stop2, ended2, ctx) = (Rc::clone(&stop), Rc::clone(&ended), self.ctx.clone());
                let (running, ended_count) =
                    (Rc::clone(&self.running), Rc::clone(&self.ended_since_reap));
                running[class].set(running[class].get() + 1);
                drop(crate::runtime::spawn(async move {
                    run_user(behavior, plan, stop2, ctx).await;
                    ended2.set(true);
                    running[class].set(running[class].get() - 1);
                    ended_count.set(ended_count.get() + 1);
                }));
            }
            Err(e) => {
                // The slot stays, ended, so the shard does not retry a failing class forever.
                self.ctx.record_exception(&format!("could not create user: {}", e.0), "");
                ended.set(true);
            }
        }
        self.slots.push(Slot { class, stop, ended, stopping: false });
    }

    fn stop_all(&mut self) {
        for slot in &mut self.slots {
            if !slot.stopping {
                slot.stopping = true;
                stop_user(&slot.stop, self.stop_timeout);
            }
        }
        self.assigned.iter_mut().for_each(|n| *n = 0);
    }

    /// Forget users that were stopped and have ended, and publish the live counts.
    /// True when no user is running.
    fn reap(&mut self) -> bool {
        if self.ended_since_reap.replace(0) > 0 {
            self.slots.retain(|s| !(s.stopping && s.ended.get()));
        }
        self.publish_live();
        self.running.iter().all(|n| n.get() == 0)
    }

    async fn finish_stop(&mut self) {
        self.slots.clear();
        self.assigned.iter_mut().for_each(|n| *n = 0);
        self.publish_live();
        if self.test_running {
            self.test_running = false;
            self.scenario.test_stop().await;
        }
        self.flush();
        for reply in self.stop_replies.drain(..) {
            let _ = reply.send(());
        }
    }

    fn publish_live(&self) {
        for (counter, n) in self.live.iter().zip(self.running.iter()) {
            counter.store(n.get(), Ordering::Relaxed);
        }
    }

    fn flush(&self) {
        let delta = self.ctx.inner.stats.borrow_mut().take();
        if !delta.is_empty() {
            let _ = self.stats_tx.send(StatsMessage::Delta(Box::new(delta)));
        }
    }
}

/// Ask a user to stop: at once with no stop timeout, else after the timeout at the latest.
fn stop_user(stop: &Rc<StopSignal>, timeout: Duration) {
    stop.request_stop();
    if timeout.is_zero() {
        stop.kill();
    } else {
        let stop = Rc::clone(stop);
        drop(crate::runtime::spawn(async move {
            let killed = pin!(stop.killed());
            let deadline = pin!(crate::runtime::sleep(timeout));
            if let Either::Right(_) = select(killed, deadline).await {
                stop.kill();
            }
        }));
    }
}

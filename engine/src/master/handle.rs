//! [`Master`]: the handle to a running master, with the operations a run's driver uses on a
//! local [`Control`](crate::Control) — swarm, snapshot, events, stop, shutdown — plus what
//! only a master has (its address, its workers).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use cicada_proto::Router;
use crossbeam_channel::{bounded, unbounded, Receiver, Sender};

use super::master_loop::{Command, MasterLoop};
use super::{MasterError, MasterOptions};
use crate::control::{EngineError, RunEvent, RunState};
use crate::stats::{Aggregator, ExceptionStats, StatsSnapshot};

/// One worker as the master sees it (Locust's `/stats/requests` `workers` rows).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerInfo {
    pub id: String,
    pub index: u64,
    /// `ready`, `spawning`, `running`, `missing`, or what the worker reported.
    pub state: String,
    pub user_count: u64,
    pub cpu_usage: f64,
    pub memory_usage: u64,
}

/// What the master thread publishes for readers after every change.
#[derive(Debug, Clone)]
pub(super) struct Status {
    pub(super) state: RunState,
    pub(super) workers: Vec<WorkerInfo>,
    /// Users per class over all workers, as reported, sorted by class.
    pub(super) user_classes_count: Vec<(String, u64)>,
}

/// Drives a running master. Cheap to clone; every method is safe from any thread.
#[derive(Clone)]
pub struct Master {
    inner: Arc<Inner>,
}

struct Inner {
    commands: Sender<Command>,
    status: Arc<Mutex<Status>>,
    aggregator: Aggregator,
    events: Receiver<RunEvent>,
    local_addr: SocketAddr,
    thread: Mutex<Option<JoinHandle<()>>>,
}

pub(super) fn start(options: MasterOptions) -> Result<Master, MasterError> {
    if options.classes.is_empty() {
        return Err(MasterError::NoUserClass);
    }
    let router = Router::bind(&options.bind)?;
    let local_addr = router.local_addr();
    let aggregator = Aggregator::spawn()?;
    let status = Arc::new(Mutex::new(Status {
        state: RunState::Ready,
        workers: Vec::new(),
        user_classes_count: Vec::new(),
    }));
    let (commands_tx, commands_rx) = unbounded();
    let (events_tx, events_rx) = unbounded();
    let master_loop =
        MasterLoop::new(options, router, aggregator.clone(), Arc::clone(&status), events_tx);
    let thread = thread::Builder::new()
        .name("cicada-master".into())
        .spawn(move || master_loop.run(&commands_rx))?;
    Ok(Master {
        inner: Arc::new(Inner {
            commands: commands_tx,
            status,
            aggregator,
            events: events_rx,
            local_addr,
            thread: Mutex::new(Some(thread)),
        }),
    })
}

impl Master {
    /// The address the workers connect to (with the port picked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// Dispatch `users` over the active workers at `spawn_rate` users per second in total
    /// (up or down). Starting from `Ready` or `Stopped` clears the stats first, as Locust
    /// does. With no active worker, nothing starts (logged, as Locust logs it).
    pub fn swarm(&self, users: u32, spawn_rate: f64) -> Result<(), EngineError> {
        if !(spawn_rate.is_finite() && spawn_rate > 0.0) {
            return Err(EngineError::BadSpawnRate(spawn_rate));
        }
        let _ = self.inner.commands.send(Command::Swarm { users: u64::from(users), spawn_rate });
        Ok(())
    }

    /// Send every worker `stop` and wait until they have all reported stopped (or the stop
    /// timeout plus 60 s passed). Stats are kept.
    pub fn stop(&self) {
        self.round_trip(Command::Stop);
    }

    /// Send every worker `quit`, wait 0.5 s for their final stats, close the socket and end
    /// the master thread. Later calls do nothing.
    pub fn shutdown(&self) {
        self.round_trip(Command::Quit);
        let thread = self.inner.thread.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
        self.inner.aggregator.sync();
    }

    pub fn state(&self) -> RunState {
        self.status().state
    }

    /// Users the workers report running now.
    pub fn user_count(&self) -> u32 {
        let total: u64 = self.status().user_classes_count.iter().map(|(_, n)| n).sum();
        u32::try_from(total).unwrap_or(u32::MAX)
    }

    /// Users the workers report per class, sorted by class name.
    pub fn user_counts(&self) -> Vec<(String, u64)> {
        self.status().user_classes_count
    }

    /// Every known worker, missing ones included, sorted by id.
    pub fn workers(&self) -> Vec<WorkerInfo> {
        self.status().workers
    }

    /// Workers whose state is `ready` (what `--expect-workers` counts).
    pub fn ready_workers(&self) -> usize {
        self.status().workers.iter().filter(|w| w.state == "ready").count()
    }

    /// The workers' stats, merged, as of their last reports (every 3 s).
    pub fn snapshot(&self) -> StatsSnapshot {
        self.inner.aggregator.snapshot(self.user_count())
    }

    pub fn exceptions(&self) -> Vec<ExceptionStats> {
        self.inner.aggregator.exceptions()
    }

    /// Events of this run: `SpawningComplete` after each ramp, `QuitRequested` when the last
    /// worker has quit (Locust's headless master then quits), `Stopped` after a stop.
    pub fn events(&self) -> &Receiver<RunEvent> {
        &self.inner.events
    }

    fn status(&self) -> Status {
        self.inner.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn round_trip(&self, make: impl FnOnce(Sender<()>) -> Command) {
        let (tx, rx) = bounded(1);
        if self.inner.commands.send(make(tx)).is_ok() {
            // The master thread ends only after replying, or drops the sender.
            let _ = rx.recv();
        }
    }
}

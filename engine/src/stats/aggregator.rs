//! The aggregator thread: it owns the merged view and adds each shard's delta into it.
//! Shards never wait on it; readers take short locks to copy a snapshot.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::exceptions::ExceptionStats;
use super::shard_stats::ShardStats;
use super::snapshot::StatsSnapshot;
use super::unix_now;
use super::window::RecentWindows;

pub(crate) enum StatsMessage {
    /// What a shard recorded since its last delta.
    Delta(Box<ShardStats>),
    /// Zero the entries but keep them (Locust's reset); the reply says it is done.
    Reset(Sender<()>),
    /// Forget everything: a new test starts.
    Clear(Sender<()>),
    /// Only reply: everything sent before it has been merged.
    Sync(Sender<()>),
    /// Reply with every delta merged since the previous `TakeReport` (a worker's report to
    /// its master), and start the next one empty.
    TakeReport(Sender<ShardStats>),
}

/// The merged stats and the once-a-second copies behind the "current" percentiles.
struct Merged {
    stats: ShardStats,
    windows: RecentWindows,
    /// The deltas since the last report to a master: a second sum of the same deltas.
    /// `None` until the first report is taken, so a run that never reports pays nothing.
    report: Option<ShardStats>,
}

/// The handle to the merged view; the thread ends when every sender is dropped.
#[derive(Clone)]
pub(crate) struct Aggregator {
    merged: Arc<Mutex<Merged>>,
    tx: Sender<StatsMessage>,
}

impl Aggregator {
    pub(crate) fn spawn() -> std::io::Result<Aggregator> {
        let merged = Arc::new(Mutex::new(Merged {
            stats: ShardStats::new(unix_now()),
            windows: RecentWindows::default(),
            report: None,
        }));
        let (tx, rx) = crossbeam_channel::unbounded();
        let view = Arc::clone(&merged);
        thread::Builder::new().name("cicada-stats".into()).spawn(move || run(rx, view))?;
        Ok(Aggregator { merged, tx })
    }

    pub(crate) fn sender(&self) -> Sender<StatsMessage> {
        self.tx.clone()
    }

    /// Zero the stats and wait until the aggregator has done it.
    pub(crate) fn reset(&self) {
        self.round_trip(StatsMessage::Reset);
    }

    /// Drop all stats and wait until the aggregator has done it.
    pub(crate) fn clear(&self) {
        self.round_trip(StatsMessage::Clear);
    }

    /// Wait until every delta sent so far has been merged (messages are handled in order).
    pub(crate) fn sync(&self) {
        self.round_trip(StatsMessage::Sync);
    }

    /// Every delta merged since the previous call; the first call returns everything merged
    /// since the stats were last cleared. What shards hold but have not sent is not in it:
    /// have them flush first.
    pub(crate) fn take_report(&self) -> ShardStats {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.tx.send(StatsMessage::TakeReport(tx)).is_ok() {
            if let Ok(report) = rx.recv() {
                return report;
            }
        }
        ShardStats::new(unix_now())
    }

    pub(crate) fn snapshot(&self, user_count: u32) -> StatsSnapshot {
        let m = self.merged.lock().unwrap_or_else(PoisonError::into_inner);
        let mut entries: Vec<_> = m.stats.entries.values().cloned().collect();
        let mut total = m.stats.total.clone();
        m.windows.fill(unix_now() as u64, &mut entries, &mut total);
        StatsSnapshot {
            entries,
            total,
            errors: m.stats.errors.values().cloned().collect(),
            exceptions: m.stats.exceptions.values().cloned().collect(),
            user_count,
        }
    }

    pub(crate) fn exceptions(&self) -> Vec<ExceptionStats> {
        let m = self.merged.lock().unwrap_or_else(PoisonError::into_inner);
        m.stats.exceptions.values().cloned().collect()
    }

    fn round_trip(&self, make: impl FnOnce(Sender<()>) -> StatsMessage) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.tx.send(make(tx)).is_ok() {
            let _ = rx.recv();
        }
    }
}

fn run(rx: Receiver<StatsMessage>, merged: Arc<Mutex<Merged>>) {
    let mut remembered = unix_now() as u64;
    loop {
        // Wake at each new second even when no shard sends, to keep the window's copies.
        let now = unix_now();
        let to_next_second = Duration::from_secs_f64((now.floor() + 1.0 - now).max(0.001));
        let msg = match rx.recv_timeout(to_next_second) {
            Ok(msg) => Some(msg),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut m = merged.lock().unwrap_or_else(PoisonError::into_inner);
        let second = unix_now() as u64;
        if second > remembered {
            // The state at the start of this second is the end of the one before (Locust
            // files it under t - 1 the same way).
            let Merged { stats, windows, .. } = &mut *m;
            windows.remember(second - 1, stats);
            remembered = second;
        }
        match msg {
            None => {}
            Some(StatsMessage::Delta(delta)) => {
                m.stats += &*delta;
                if let Some(report) = &mut m.report {
                    *report += &*delta;
                }
            }
            Some(StatsMessage::Reset(done)) => {
                let now = unix_now();
                m.stats.reset(now);
                m.windows.clear();
                // A Python worker's reset empties what it has not reported yet, too.
                if let Some(report) = &mut m.report {
                    *report = ShardStats::new(now);
                }
                let _ = done.send(());
            }
            Some(StatsMessage::Clear(done)) => {
                let now = unix_now();
                m.stats = ShardStats::new(now);
                m.windows.clear();
                if let Some(report) = &mut m.report {
                    *report = ShardStats::new(now);
                }
                let _ = done.send(());
            }
            Some(StatsMessage::TakeReport(reply)) => {
                let fresh = ShardStats::new(unix_now());
                let report = match m.report.replace(fresh) {
                    Some(report) => report,
                    None => m.stats.clone(),
                };
                let _ = reply.send(report);
            }
            Some(StatsMessage::Sync(done)) => {
                let _ = done.send(());
            }
        }
    }
}

//! The aggregator thread: it owns the merged view and adds each shard's delta into it.
//! Shards never wait on it; readers take short locks to copy a snapshot.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use crossbeam_channel::{Receiver, Sender};

use super::shard_stats::ShardStats;
use super::snapshot::StatsSnapshot;
use super::unix_now;

pub(crate) enum StatsMessage {
    /// What a shard recorded since its last delta.
    Delta(Box<ShardStats>),
    /// Zero the entries but keep them (Locust's reset); the reply says it is done.
    Reset(Sender<()>),
    /// Forget everything: a new test starts.
    Clear(Sender<()>),
    /// Only reply: everything sent before it has been merged.
    Sync(Sender<()>),
}

/// The handle to the merged view; the thread ends when every sender is dropped.
#[derive(Clone)]
pub(crate) struct Aggregator {
    merged: Arc<Mutex<ShardStats>>,
    tx: Sender<StatsMessage>,
}

impl Aggregator {
    pub(crate) fn spawn() -> std::io::Result<Aggregator> {
        let merged = Arc::new(Mutex::new(ShardStats::new(unix_now())));
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

    pub(crate) fn snapshot(&self, user_count: u32) -> StatsSnapshot {
        let m = self.merged.lock().unwrap_or_else(PoisonError::into_inner);
        StatsSnapshot {
            entries: m.entries.values().cloned().collect(),
            total: m.total.clone(),
            errors: m.errors.values().cloned().collect(),
            exceptions: m.exceptions.values().cloned().collect(),
            user_count,
        }
    }

    fn round_trip(&self, make: impl FnOnce(Sender<()>) -> StatsMessage) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.tx.send(make(tx)).is_ok() {
            let _ = rx.recv();
        }
    }
}

fn run(rx: Receiver<StatsMessage>, merged: Arc<Mutex<ShardStats>>) {
    for msg in rx {
        let mut m = merged.lock().unwrap_or_else(PoisonError::into_inner);
        match msg {
            StatsMessage::Delta(delta) => *m += &*delta,
            StatsMessage::Reset(done) => {
                m.reset(unix_now());
                let _ = done.send(());
            }
            StatsMessage::Clear(done) => {
                *m = ShardStats::new(unix_now());
                let _ = done.send(());
            }
            StatsMessage::Sync(done) => {
                let _ = done.send(());
            }
        }
    }
}

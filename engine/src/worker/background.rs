//! The worker's two clocks, each on its own thread so neither a busy shard nor a stop that
//! waits for users can delay the other or the message loop: the heartbeat (1 s) and the
//! stats report (3 s). Both start at the master's first `ack`, each sending at once.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use cicada_proto::WorkerState;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::link::Link;
use super::messages;
use super::process::{rss_bytes, CpuSampler};
use crate::control::Control;

/// What the heartbeat reports; the message loop sets it.
pub(crate) type SharedState = Arc<Mutex<WorkerState>>;

pub(crate) struct Background {
    done: Option<Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Background {
    pub(crate) fn start(
        link: Arc<Link>,
        state: SharedState,
        control: Control,
        heartbeat: Duration,
        report: Duration,
    ) -> std::io::Result<Background> {
        let (done, rx) = crossbeam_channel::bounded::<()>(0);
        let mut threads = Vec::new();
        let (link2, rx2) = (Arc::clone(&link), rx.clone());
        threads.push(thread::Builder::new().name("cicada-heartbeat".into()).spawn(move || {
            let mut cpu = CpuSampler::default();
            every(heartbeat, &rx2, || {
                let now = state.lock().unwrap_or_else(PoisonError::into_inner).clone();
                link2.send(&messages::heartbeat(now, cpu.sample(), rss_bytes()));
            });
        })?);
        threads.push(thread::Builder::new().name("cicada-report".into()).spawn(move || {
            every(report, &rx, || send_report(&link, &control));
        })?);
        Ok(Background { done: Some(done), threads })
    }

    /// End both threads, waiting for a report being sent to go out first.
    pub(crate) fn stop(mut self) {
        self.done.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Send the stats (and task errors) recorded since the last report.
pub(crate) fn send_report(link: &Link, control: &Control) {
    let delta = control.take_report_delta();
    for msg in messages::report(&delta, &control.user_counts()) {
        link.send(&msg);
    }
}

/// Run `work` now and then every `period` until `done` is dropped.
fn every(period: Duration, done: &Receiver<()>, mut work: impl FnMut()) {
    loop {
        work();
        match done.recv_timeout(period) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

//! Small shard-local and cross-thread signals: asking one user to stop, and asking the whole
//! run to quit.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};

use crossbeam_channel::Sender;

use crate::control::RunEvent;

/// A user's stop state, shard-local: running (0) until asked to stop. `Stopping` lets the current task finish; `Killed`
/// cancels whatever the user is doing.
#[derive(Default)]
pub(crate) struct StopSignal {
    level: Cell<u8>,
    wakers: RefCell<Vec<Waker>>,
}

const STOPPING: u8 = 1;
const KILLED: u8 = 2;

impl StopSignal {
    pub(crate) fn is_requested(&self) -> bool {
        self.level.get() >= STOPPING
    }

    pub(crate) fn request_stop(&self) {
        self.raise(STOPPING);
    }

    pub(crate) fn kill(&self) {
        self.raise(KILLED);
    }

    fn raise(&self, level: u8) {
        if self.level.get() < level {
            self.level.set(level);
            for w in self.wakers.borrow_mut().drain(..) {
                w.wake();
            }
        }
    }

    /// Resolves once a stop has been requested.
    pub(crate) async fn requested(&self) {
        self.reached(STOPPING).await
    }

    /// Resolves once the user is killed.
    pub(crate) async fn killed(&self) {
        self.reached(KILLED).await
    }

    async fn reached(&self, level: u8) {
        poll_fn(|cx| {
            if self.level.get() >= level {
                Poll::Ready(())
            } else {
                let mut wakers = self.wakers.borrow_mut();
                if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        })
        .await
    }
}

/// Lets any shard (a script calling `runner:quit()`) ask the run to end. Cheap to clone.
#[derive(Clone)]
pub(crate) struct QuitHandle {
    requested: Arc<AtomicBool>,
    events: Sender<RunEvent>,
}

impl QuitHandle {
    pub(crate) fn new(events: Sender<RunEvent>) -> Self {
        QuitHandle { requested: Arc::new(AtomicBool::new(false)), events }
    }

    /// The first request sends one `QuitRequested` event; later ones do nothing.
    pub(crate) fn request(&self) {
        if !self.requested.swap(true, Ordering::SeqCst) {
            let _ = self.events.send(RunEvent::QuitRequested);
        }
    }
}

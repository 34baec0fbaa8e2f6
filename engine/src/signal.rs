//! Small shard-local and cross-thread signals: asking one user to stop, and asking the whole
//! run to quit.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};

use crossbeam_channel::Sender;

use crate::control::RunEvent;

/// A user's stop state, shard-local: running (0) until asked to stop. `Stopping` lets the
/// current task finish; `Killed` cancels whatever the user is doing.
#[derive(Default)]
pub(crate) struct StopSignal {
    level: Cell<u8>,
    /// One slot per waiting future: (its id, the level it waits for, its latest waker). A
    /// future replaces its own
    /// waker when polled again and removes its slot when dropped, so the list never holds
    /// more than the futures alive now, however often they are polled with new wakers.
    waiters: RefCell<Vec<(u64, u8, Waker)>>,
    next_id: Cell<u64>,
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
            // Wake without removing: each future removes its own slot when it ends.
            let wakers: Vec<Waker> = self
                .waiters
                .borrow()
                .iter()
                .filter(|(_, wanted, _)| *wanted <= level)
                .map(|(_, _, w)| w.clone())
                .collect();
            for w in wakers {
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
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let _slot = Slot { signal: self, id };
        poll_fn(|cx| {
            if self.level.get() >= level {
                return Poll::Ready(());
            }
            let mut waiters = self.waiters.borrow_mut();
            match waiters.iter_mut().find(|(i, _, _)| *i == id) {
                Some((_, _, w)) if w.will_wake(cx.waker()) => {}
                Some((_, _, w)) => *w = cx.waker().clone(),
                None => waiters.push((id, level, cx.waker().clone())),
            }
            Poll::Pending
        })
        .await
    }

    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.waiters.borrow().len()
    }
}

/// Removes a waiting future's slot when the future ends or is dropped.
struct Slot<'a> {
    signal: &'a StopSignal,
    id: u64,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.signal.waiters.borrow_mut().retain(|(i, _, _)| *i != self.id);
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

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use super::StopSignal;

    struct Counting(AtomicUsize);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Counting>, Waker) {
        let c = Arc::new(Counting(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn repolling_with_new_wakers_keeps_one_slot_and_dropping_frees_it() {
        let signal = StopSignal::default();
        {
            let mut fut = pin!(signal.killed());
            let mut last = None;
            for _ in 0..1000 {
                let (count, w) = waker();
                assert!(fut.as_mut().poll(&mut Context::from_waker(&w)).is_pending());
                last = Some(count);
            }
            assert_eq!(signal.waiting(), 1);
            signal.request_stop();
            assert!(signal.is_requested());
            signal.kill();
            assert_eq!(last.unwrap().0.load(Ordering::SeqCst), 1, "the latest waker is woken");
            let (_, w) = waker();
            assert_eq!(fut.as_mut().poll(&mut Context::from_waker(&w)), Poll::Ready(()));
        }
        assert_eq!(signal.waiting(), 0);
        let dropped = StopSignal::default();
        {
            let mut fut = pin!(dropped.requested());
            let (_, w) = waker();
            assert!(fut.as_mut().poll(&mut Context::from_waker(&w)).is_pending());
            assert_eq!(dropped.waiting(), 1);
        }
        assert_eq!(dropped.waiting(), 0, "a dropped waiter leaves nothing behind");
    }
}

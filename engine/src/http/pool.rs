//! Keep-alive connections, per (scheme, host, port, verify), and for a class's shared pool
//! a limit on how many may be open at once.
//!
//! A limited pool counts every connection it has lent out or holds idle. A request that
//! finds no idle connection and no free slot waits its turn (first come, first served) until
//! a connection comes back or closes: 100,000 users sharing a pool must not open 100,000
//! connections, which would exhaust the open-file limit of both sides.
//!
//! A user's pool usually holds one key, a class's shared pool a handful, so keys live in a
//! small vector searched by comparison: a lookup allocates nothing. The most recently used
//! connection is reused first (it is the least likely to have been closed by the server),
//! and past the idle limit the oldest is dropped.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::poll_fn;
use std::task::{Poll, Waker};

use super::url::Target;

/// Idle connections kept per key by one user's own pool: a user mostly has one request in
/// flight, a few if its script runs requests concurrently.
pub(crate) const PER_USER_MAX_IDLE: usize = 4;
/// Idle connections kept per key by a class's shared pool. Large, because every user of the
/// class on the shard draws from it: a small limit would close and reopen connections
/// whenever more users than that finish a request at once.
pub(crate) const SHARED_MAX_IDLE: usize = 256;

struct Key {
    https: bool,
    host: String,
    port: u16,
    verify: bool,
}

impl Key {
    fn matches(&self, target: &Target, verify: bool) -> bool {
        self.port == target.port()
            && self.https == target.is_https()
            && self.verify == verify
            && self.host == target.host_str()
    }
}

/// A pool of connections `C` (generic so the bookkeeping is testable without sockets).
pub(crate) struct Pool<C> {
    idle: RefCell<Vec<(Key, Vec<C>)>>,
    max_idle: usize,
    /// Connections that may be open at once (lent out or idle); None for no limit.
    limit: Option<usize>,
    open: Cell<usize>,
    /// Requests waiting for a slot, by arrival (ids only grow), so the first is the oldest.
    /// A waiting future removes its entry when it is dropped, so the first entry is always
    /// someone still waiting. A map, not a list: tens of thousands may wait at once.
    waiters: RefCell<BTreeMap<u64, Waker>>,
    next_waiter: Cell<u64>,
}

impl<C> Pool<C> {
    pub(crate) fn new(max_idle: usize) -> Pool<C> {
        Pool::limited(max_idle, None)
    }

    pub(crate) fn limited(max_idle: usize, limit: Option<usize>) -> Pool<C> {
        Pool {
            idle: RefCell::new(Vec::new()),
            max_idle,
            limit: limit.map(|n| n.max(1)),
            open: Cell::new(0),
            waiters: RefCell::new(BTreeMap::new()),
            next_waiter: Cell::new(0),
        }
    }

    /// Count a connection about to be opened: false when the pool is at its limit.
    pub(crate) fn reserve(&self) -> bool {
        match self.limit {
            Some(limit) if self.open.get() >= limit => false,
            _ => {
                self.open.set(self.open.get() + 1);
                true
            }
        }
    }

    /// A connection counted by `reserve` is gone (closed, failed, or never opened).
    pub(crate) fn release(&self) {
        self.open.set(self.open.get().saturating_sub(1));
        self.wake_next();
    }

    /// Close one idle connection (of any key) to free its slot for another key.
    pub(crate) fn evict_idle(&self) -> bool {
        let evicted = {
            let mut idle = self.idle.borrow_mut();
            idle.iter_mut().find_map(|(_, conns)| (!conns.is_empty()).then(|| conns.remove(0)))
        };
        match evicted {
            Some(conn) => {
                drop(conn);
                self.release();
                true
            }
            None => false,
        }
    }

    /// Resolves when this request's turn comes: a slot was freed or a connection returned.
    pub(crate) async fn wait_turn(&self) {
        let id = self.next_waiter.get();
        self.next_waiter.set(id + 1);
        let mut entry = WaiterEntry { pool: self, id, done: false };
        let mut registered = false;
        poll_fn(|cx| {
            let mut waiters = self.waiters.borrow_mut();
            match waiters.get_mut(&id) {
                Some(w) => {
                    if !w.will_wake(cx.waker()) {
                        *w = cx.waker().clone();
                    }
                    Poll::Pending
                }
                // Registered before and now gone from the map: `wake_next` picked us.
                None if registered => Poll::Ready(()),
                None => {
                    registered = true;
                    waiters.insert(id, cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await;
        entry.done = true;
    }

    fn wake_next(&self) {
        let next = self.waiters.borrow_mut().pop_first();
        if let Some((_, waker)) = next {
            waker.wake();
        }
    }

    /// Takes an idle connection out; the caller owns it until it `put`s it back.
    pub(crate) fn take(&self, target: &Target, verify: bool) -> Option<C> {
        let mut idle = self.idle.borrow_mut();
        idle.iter_mut()
            .find(|(key, _)| key.matches(target, verify))
            .and_then(|(_, conns)| conns.pop())
    }

    pub(crate) fn put(&self, target: &Target, verify: bool, conn: C) {
        if self.max_idle == 0 {
            drop(conn);
            self.release();
            return;
        }
        let mut idle = self.idle.borrow_mut();
        let at = match idle.iter().position(|(key, _)| key.matches(target, verify)) {
            Some(at) => at,
            None => {
                let key = Key {
                    https: target.is_https(),
                    host: target.host_str().to_owned(),
                    port: target.port(),
                    verify,
                };
                idle.push((key, Vec::new()));
                idle.len() - 1
            }
        };
        let mut evicted = None;
        if let Some((_, conns)) = idle.get_mut(at) {
            if conns.len() >= self.max_idle {
                evicted = Some(conns.remove(0));
            }
            conns.push(conn);
        }
        drop(idle);
        match evicted {
            Some(old) => {
                drop(old);
                self.release();
            }
            None => self.wake_next(),
        }
    }

    /// Close every idle connection, freeing their slots.
    pub(crate) fn clear_idle(&self) {
        let closed: Vec<(Key, Vec<C>)> = std::mem::take(&mut *self.idle.borrow_mut());
        for conn in closed.into_iter().flat_map(|(_, conns)| conns) {
            drop(conn);
            self.release();
        }
    }

    /// Idle connections across all keys.
    pub(crate) fn idle_count(&self) -> usize {
        self.idle.borrow().iter().map(|(_, conns)| conns.len()).sum()
    }
}

/// Removes a waiting request's entry when its wait is abandoned, and passes its turn on if
/// it had already been given one: a woken waiter dropped before using its turn (its user was
/// stopped) must not leave a free connection unused while others wait.
struct WaiterEntry<'a, C> {
    pool: &'a Pool<C>,
    id: u64,
    done: bool,
}

impl<C> Drop for WaiterEntry<'_, C> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let was_waiting = self.pool.waiters.borrow_mut().remove(&self.id).is_some();
        if !was_waiting {
            self.pool.wake_next();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn connections_are_kept_per_scheme_host_port_and_verify() {
        let pool = Pool::new(4);
        pool.put(&t("http://a/"), true, 1);
        pool.put(&t("http://a:81/"), true, 2);
        pool.put(&t("https://a/"), true, 3);
        pool.put(&t("https://a/"), false, 4);
        pool.put(&t("http://b/"), true, 5);
        assert_eq!(pool.idle_count(), 5);
        assert_eq!(pool.take(&t("http://a:80/x"), true), Some(1));
        assert_eq!(pool.take(&t("http://a/"), true), None);
        assert_eq!(pool.take(&t("https://a/"), false), Some(4));
        assert_eq!(pool.take(&t("https://a:443/"), true), Some(3));
        assert_eq!(pool.take(&t("http://a:81/"), true), Some(2));
        assert_eq!(pool.take(&t("http://b/"), true), Some(5));
        assert_eq!(pool.idle_count(), 0);
    }

    #[test]
    fn a_limited_pool_counts_slots_and_serves_waiters_in_order() {
        use std::future::Future;
        use std::pin::pin;
        use std::task::{Context, Waker};

        let pool: Pool<u32> = Pool::limited(4, Some(2));
        assert!(pool.reserve() && pool.reserve());
        assert!(!pool.reserve(), "at the limit");
        let cx = &mut Context::from_waker(Waker::noop());
        let mut first = pin!(pool.wait_turn());
        let mut second = pin!(pool.wait_turn());
        assert!(first.as_mut().poll(cx).is_pending());
        assert!(second.as_mut().poll(cx).is_pending());
        // A connection comes back: the first waiter's turn, not the second's.
        pool.put(&t("http://a/"), true, 7);
        assert!(first.as_mut().poll(cx).is_ready());
        assert!(second.as_mut().poll(cx).is_pending());
        assert_eq!(pool.take(&t("http://a/"), true), Some(7));
        // A connection closes: its slot goes to the next waiter.
        pool.release();
        assert!(second.as_mut().poll(cx).is_ready());
        assert!(pool.reserve());
        assert!(!pool.reserve());
        // An abandoned wait leaves nothing behind.
        {
            let mut gone = pin!(pool.wait_turn());
            assert!(gone.as_mut().poll(cx).is_pending());
        }
        assert!(pool.waiters.borrow().is_empty());
        // A waiter given its turn but dropped before using it passes the turn on.
        {
            let mut next = pin!(pool.wait_turn());
            {
                let mut given = pin!(pool.wait_turn());
                assert!(given.as_mut().poll(cx).is_pending());
                assert!(next.as_mut().poll(cx).is_pending());
                pool.release();
                pool.reserve();
            }
            assert!(next.as_mut().poll(cx).is_ready(), "the turn went on to the next waiter");
        }
        // Idle connections of another key can be closed to make room.
        pool.put(&t("http://b/"), true, 8);
        assert!(pool.evict_idle());
        assert!(pool.reserve());
    }

    #[test]
    fn clearing_closes_idle_connections_and_frees_their_slots() {
        let pool: Pool<u32> = Pool::limited(4, Some(2));
        assert!(pool.reserve() && pool.reserve());
        pool.put(&t("http://a/"), true, 1);
        pool.put(&t("http://b/"), true, 2);
        pool.clear_idle();
        assert_eq!(pool.idle_count(), 0);
        assert!(pool.reserve() && pool.reserve(), "both slots are free again");
    }

    #[test]
    fn most_recent_first_and_oldest_dropped_past_the_limit() {
        let pool = Pool::new(2);
        let a = t("http://a/");
        pool.put(&a, true, 1);
        pool.put(&a, true, 2);
        pool.put(&a, true, 3);
        assert_eq!(pool.idle_count(), 2);
        assert_eq!(pool.take(&a, true), Some(3));
        assert_eq!(pool.take(&a, true), Some(2));
        assert_eq!(pool.take(&a, true), None);
    }
}

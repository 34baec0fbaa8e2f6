//! Idle keep-alive connections, per (scheme, host, port, verify).
//!
//! A user's pool usually holds one key, a class's shared pool a handful, so keys live in a
//! small vector searched by comparison: a lookup allocates nothing. The most recently used
//! connection is reused first (it is the least likely to have been closed by the server),
//! and past the idle limit the oldest is dropped.

use std::cell::RefCell;

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

/// A pool of idle connections `C` (generic so the bookkeeping is testable without sockets).
pub(crate) struct Pool<C> {
    idle: RefCell<Vec<(Key, Vec<C>)>>,
    max_idle: usize,
}

impl<C> Pool<C> {
    pub(crate) fn new(max_idle: usize) -> Pool<C> {
        Pool { idle: RefCell::new(Vec::new()), max_idle }
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
        if let Some((_, conns)) = idle.get_mut(at) {
            if conns.len() >= self.max_idle {
                conns.remove(0);
            }
            conns.push(conn);
        }
    }

    /// Idle connections across all keys.
    pub(crate) fn idle_count(&self) -> usize {
        self.idle.borrow().iter().map(|(_, conns)| conns.len()).sum()
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

//! What the HTTP clients of one shard share: the DNS cache, the TLS configs, the last parsed
//! origin, and the pools
//! of user classes that share connections. Single-threaded by construction (`Rc`, `RefCell`):
//! a shard's state is never touched from another thread.

use std::cell::RefCell;
use std::rc::Rc;

use super::conn::Conn;
use super::dns::DnsCache;
use super::pool::{Pool, SHARED_MAX_IDLE};
use super::tls::TlsConfigs;
use super::url::OriginCache;

pub(crate) struct ShardHttpState {
    pub(crate) dns: DnsCache,
    pub(crate) tls: TlsConfigs,
    pub(crate) origins: OriginCache,
    /// Indexed by user class; created when a class's first client asks.
    shared: RefCell<Vec<Option<Rc<Pool<Conn>>>>>,
}

impl ShardHttpState {
    pub(crate) fn new() -> ShardHttpState {
        ShardHttpState {
            dns: DnsCache::default(),
            tls: TlsConfigs::default(),
            origins: OriginCache::default(),
            shared: RefCell::new(Vec::new()),
        }
    }

    /// The pool shared by every client of user class `class` on this shard; the first call
    /// for a class sets its limit of open connections.
    pub(crate) fn shared_pool(&self, class: usize, limit: usize) -> Rc<Pool<Conn>> {
        let mut shared = self.shared.borrow_mut();
        if shared.len() <= class {
            shared.resize_with(class + 1, || None);
        }
        match shared.get_mut(class) {
            Some(Some(pool)) => pool.clone(),
            Some(slot) => slot.insert(Rc::new(Pool::limited(SHARED_MAX_IDLE, Some(limit)))).clone(),
            None => Rc::new(Pool::limited(SHARED_MAX_IDLE, Some(limit))),
        }
    }
}

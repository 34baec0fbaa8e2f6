//! Name resolution that never blocks a shard on the hot path.
//!
//! monoio has no async resolver, and a blocking `getaddrinfo` on a shard stalls every user of
//! that shard. So: the run's host is resolved once on the main thread (`resolve_ahead`) into
//! a process-wide table; each shard keeps its own lock-free cache and reads the process-wide
//! table only on a miss. A name nobody resolved ahead (e.g. a redirect to another host) is
//! resolved once, blocking, then cached for the shard's life. IP literals never resolve.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::sync::{Mutex, OnceLock};

use super::api::HttpError;
use super::url::HostKind;

type Table = HashMap<(String, u16), Vec<SocketAddr>>;

/// Filled from the main thread before shards start; shards only read it, on a miss.
fn process_table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Resolves `host` on the calling thread and remembers the addresses for every shard, so the
/// first request of each user does not block its shard on DNS. `host` may be a name, an IP
/// address or a bracketed IPv6 address (the latter two need no resolving and are accepted).
pub fn resolve_ahead(host: &str, port: u16) -> Result<(), HttpError> {
    // Normalised as the url crate normalises request URLs (lowercase, IDNA), so the shards'
    // lookups find this entry.
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let host = match url::Host::parse(host) {
        Ok(url::Host::Domain(name)) => name,
        Ok(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => return Ok(()),
        Err(_) => return Err(HttpError::Dns(host.to_owned())),
    };
    let addrs = resolve_blocking(&host, port)?;
    let mut table = process_table().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    table.insert((host, port), addrs);
    Ok(())
}

fn resolve_blocking(host: &str, port: u16) -> Result<Vec<SocketAddr>, HttpError> {
    match (host, port).to_socket_addrs() {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(HttpError::Dns(host.to_owned()))
            } else {
                Ok(addrs)
            }
        }
        Err(_) => Err(HttpError::Dns(host.to_owned())),
    }
}

/// One shard's resolved names. Failed lookups are not cached: the next connection retries.
#[derive(Default)]
pub(crate) struct DnsCache {
    map: Rc<RefCell<Table>>,
}

impl DnsCache {
    /// The addresses to try, in order. Names come lowercased from the url crate.
    pub(crate) fn lookup(
        &self,
        host: HostKind<'_>,
        port: u16,
    ) -> Result<Vec<SocketAddr>, HttpError> {
        let name = match host {
            HostKind::Ip(ip) => return Ok(vec![SocketAddr::new(ip, port)]),
            HostKind::Name(name) => name,
        };
        let key = (name.to_owned(), port);
        if let Some(addrs) = self.map.borrow().get(&key) {
            return Ok(addrs.clone());
        }
        let seeded = {
            let table = process_table().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            table.get(&key).cloned()
        };
        let addrs = match seeded {
            Some(addrs) => addrs,
            None => resolve_blocking(name, port)?,
        };
        self.map.borrow_mut().insert(key, addrs.clone());
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_are_not_resolved() {
        use std::net::IpAddr;
        let cache = DnsCache::default();
        let ip: IpAddr = "::1".parse().unwrap();
        assert_eq!(cache.lookup(HostKind::Ip(ip), 80).unwrap(), vec![SocketAddr::new(ip, 80)]);
        assert!(cache.map.borrow().is_empty());
        resolve_ahead("[::1]", 80).unwrap();
        resolve_ahead("10.0.0.1", 80).unwrap();
        resolve_ahead("fe80::1", 80).unwrap();
        assert!(process_table()
            .lock()
            .unwrap()
            .keys()
            .all(|(h, _)| !h.contains(':') && h != "10.0.0.1"));
    }

    #[test]
    fn resolved_ahead_names_are_served_from_the_process_table() {
        let fake: SocketAddr = "192.0.2.7:8080".parse().unwrap();
        let name = "seeded.cicada.invalid";
        process_table().lock().unwrap().insert((name.to_owned(), 8080), vec![fake]);
        let cache = DnsCache::default();
        assert_eq!(cache.lookup(HostKind::Name(name), 8080).unwrap(), vec![fake]);
        assert_eq!(cache.map.borrow().len(), 1);
    }

    #[test]
    fn localhost_resolves_and_unknown_names_fail() {
        resolve_ahead("LocalHost", 80).unwrap();
        assert!(process_table().lock().unwrap().contains_key(&("localhost".to_owned(), 80)));
        let cache = DnsCache::default();
        assert!(!cache.lookup(HostKind::Name("localhost"), 80).unwrap().is_empty());
        let err = cache.lookup(HostKind::Name("nonexistent.invalid"), 80).unwrap_err();
        assert!(matches!(err, HttpError::Dns(ref h) if h == "nonexistent.invalid"), "{err}");
    }
}

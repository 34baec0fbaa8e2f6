//! The order users are dealt to workers in, and the endless walk over it.

use std::collections::HashMap;
use std::sync::Arc;

/// Locust's worker order: by (index within host, id), where a worker's index within its host
/// is how many workers of the same host sort before it by id. Dealing round-robin in this
/// order spreads users over hosts before doubling up on any one.
///
/// The host is the id up to its first `_` (the whole id if there is none), as Locust's
/// `<hostname>_<hex>` ids are cut. Ids compare as bytes, which for UTF-8 is Python's
/// code-point order.
pub(super) fn sort_workers(workers: &[Arc<str>]) -> Vec<Arc<str>> {
    let mut by_id = workers.to_vec();
    by_id.sort();
    let mut seen_per_host: HashMap<&str, usize> = HashMap::new();
    let mut keyed: Vec<(usize, Arc<str>)> = by_id
        .iter()
        .map(|id| {
            let seen = seen_per_host.entry(host_of(id)).or_default();
            let index = *seen;
            *seen += 1;
            (index, id.clone())
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id).collect()
}

fn host_of(id: &str) -> &str {
    id.split_once('_').map_or(id, |(host, _)| host)
}

/// Python's `itertools.cycle` over a snapshot of the worker order. It persists across
/// iterations and dispatch cycles; only a rebalance starts a new one.
#[derive(Debug, Clone)]
pub(super) struct WorkerCycle {
    workers: Vec<Arc<str>>,
    next: usize,
}

impl WorkerCycle {
    pub(super) fn new(workers: Vec<Arc<str>>) -> Self {
        WorkerCycle { workers, next: 0 }
    }

    /// The next worker; `None` only for a cycle over no workers, which the dispatcher never
    /// builds.
    pub(super) fn next(&mut self) -> Option<Arc<str>> {
        let worker = self.workers.get(self.next)?.clone();
        self.next = (self.next + 1) % self.workers.len();
        Some(worker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<Arc<str>> {
        list.iter().map(|&s| Arc::from(s)).collect()
    }

    #[test]
    fn interleaves_hosts() {
        assert_eq!(sort_workers(&ids(&["h1_y", "h2_z", "h1_x"])), ids(&["h1_x", "h2_z", "h1_y"]));
    }

    #[test]
    fn host_is_text_before_first_underscore() {
        // "a_b_c" and "a_d" share host "a"; "ab" (no underscore) is its own host.
        let sorted = sort_workers(&ids(&["a_d", "a_b_c", "ab", "b_x"]));
        assert_eq!(sorted, ids(&["a_b_c", "ab", "b_x", "a_d"]));
    }

    #[test]
    fn cycle_wraps() {
        let mut cycle = WorkerCycle::new(ids(&["a", "b"]));
        let dealt: Vec<_> = (0..5).map(|_| cycle.next().unwrap()).collect();
        assert_eq!(dealt, ids(&["a", "b", "a", "b", "a"]));
        assert_eq!(WorkerCycle::new(Vec::new()).next(), None);
    }
}

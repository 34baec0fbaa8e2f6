//! The workers a master knows (Locust's `clients`): each one's state, heartbeat liveness,
//! stable index and reported users.

use std::collections::{BTreeMap, HashMap};

/// Heartbeats a worker may miss before it is `missing` (Locust's `HEARTBEAT_LIVENESS`): the
/// counter is set to this on every heartbeat and decremented every second.
pub(super) const HEARTBEAT_LIVENESS: i32 = 3;
/// A missing worker whose counter reaches this is deleted (`HEARTBEAT_DEAD_INTERNAL`).
pub(super) const HEARTBEAT_DEAD: i32 = -60;
/// Locust warns once per worker above this CPU percentage.
const CPU_WARNING_THRESHOLD: f64 = 90.0;

/// A worker's state as the master keeps it: the string of its last heartbeat, or one the
/// master set itself. Only `ready`, `spawning` and `running` count as active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum NodeState {
    Ready,
    Spawning,
    Running,
    Missing,
    /// Any other string a worker reported (locust4j sends `stopped`).
    Other(String),
}

impl NodeState {
    pub(super) fn from_reported(s: &str) -> NodeState {
        match s {
            "ready" => NodeState::Ready,
            "spawning" => NodeState::Spawning,
            "running" => NodeState::Running,
            "missing" => NodeState::Missing,
            other => NodeState::Other(other.to_owned()),
        }
    }

    pub(super) fn as_str(&self) -> &str {
        match self {
            NodeState::Ready => "ready",
            NodeState::Spawning => "spawning",
            NodeState::Running => "running",
            NodeState::Missing => "missing",
            NodeState::Other(s) => s,
        }
    }

    pub(super) fn is_active(&self) -> bool {
        matches!(self, NodeState::Ready | NodeState::Spawning | NodeState::Running)
    }
}

/// One worker (Locust's `WorkerNode`).
#[derive(Debug, Clone)]
pub(super) struct WorkerNode {
    pub(super) state: NodeState,
    /// Liveness: reset on each heartbeat, decremented each second; below 0 means missing.
    pub(super) heartbeat: i32,
    /// Users per class as the worker last reported them (`{}` once missing).
    pub(super) user_classes_count: Vec<(String, u64)>,
    pub(super) cpu_usage: f64,
    pub(super) memory_usage: u64,
    cpu_warned: bool,
}

impl WorkerNode {
    pub(super) fn user_count(&self) -> u64 {
        self.user_classes_count.iter().map(|(_, n)| n).sum()
    }
}

/// Every known worker, by id, plus the indexes handed out (stable for the master's life,
/// even across a worker's stop and re-ready).
#[derive(Debug, Default)]
pub(super) struct Registry {
    nodes: BTreeMap<String, WorkerNode>,
    indexes: HashMap<String, u64>,
}

impl Registry {
    /// The worker's ordinal, assigned at its first sighting.
    pub(super) fn index(&mut self, id: &str) -> u64 {
        let next = self.indexes.len() as u64;
        *self.indexes.entry(id.to_owned()).or_insert(next)
    }

    /// The index of a worker seen before (every registered one is); 0 otherwise.
    pub(super) fn known_index(&self, id: &str) -> u64 {
        self.indexes.get(id).copied().unwrap_or(0)
    }

    /// Register (or re-register, wiping its counts) a worker that sent `client_ready`.
    /// Returns whether it was known already.
    pub(super) fn insert_ready(&mut self, id: &str) -> bool {
        let node = WorkerNode {
            state: NodeState::Ready,
            heartbeat: HEARTBEAT_LIVENESS,
            user_classes_count: Vec::new(),
            cpu_usage: 0.0,
            memory_usage: 0,
            cpu_warned: false,
        };
        self.nodes.insert(id.to_owned(), node).is_some()
    }

    pub(super) fn get_mut(&mut self, id: &str) -> Option<&mut WorkerNode> {
        self.nodes.get_mut(id)
    }

    pub(super) fn contains(&self, id: &str) -> bool {
        self.nodes.contains_key(id)
    }

    pub(super) fn remove(&mut self, id: &str) -> Option<WorkerNode> {
        self.nodes.remove(id)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &WorkerNode)> + '_ {
        self.nodes.iter().map(|(id, n)| (id.as_str(), n))
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut WorkerNode)> + '_ {
        self.nodes.iter_mut().map(|(id, n)| (id.as_str(), n))
    }

    /// Every worker id, missing ones included (who gets broadcasts).
    pub(super) fn ids(&self) -> Vec<String> {
        self.nodes.keys().cloned().collect()
    }

    /// Ids of workers in the states a new dispatcher deals to (Locust 2.47 skips missing).
    pub(super) fn active_ids(&self) -> Vec<String> {
        self.iter().filter(|(_, n)| n.state.is_active()).map(|(id, _)| id.to_owned()).collect()
    }

    /// Locust's `worker_count`: ready + spawning + running.
    pub(super) fn active_count(&self) -> usize {
        self.nodes.values().filter(|n| n.state.is_active()).count()
    }

    pub(super) fn ready_count(&self) -> usize {
        self.nodes.values().filter(|n| n.state == NodeState::Ready).count()
    }

    /// Users reported over all workers.
    pub(super) fn user_count(&self) -> u64 {
        self.nodes.values().map(WorkerNode::user_count).sum()
    }

    /// Users reported per class over all workers, sorted by class name.
    pub(super) fn user_classes_count(&self) -> Vec<(String, u64)> {
        let mut sum: BTreeMap<&str, u64> = BTreeMap::new();
        for node in self.nodes.values() {
            for (class, n) in &node.user_classes_count {
                *sum.entry(class).or_default() += n;
            }
        }
        sum.into_iter().map(|(c, n)| (c.to_owned(), n)).collect()
    }
}

impl WorkerNode {
    /// Record a heartbeat's CPU reading; true the first time it is over the threshold, when
    /// the master warns (once per worker, as Locust).
    pub(super) fn note_cpu(&mut self, cpu: f64) -> bool {
        self.cpu_usage = cpu;
        if !self.cpu_warned && cpu > CPU_WARNING_THRESHOLD {
            self.cpu_warned = true;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_stable_and_counts_sum() {
        let mut r = Registry::default();
        assert_eq!(r.index("h_b"), 0);
        assert_eq!(r.index("h_a"), 1);
        assert_eq!(r.index("h_b"), 0);
        assert!(!r.insert_ready("h_a"));
        assert!(!r.insert_ready("h_b"));
        r.get_mut("h_a").unwrap().user_classes_count = vec![("A".into(), 2), ("B".into(), 1)];
        r.get_mut("h_b").unwrap().user_classes_count = vec![("A".into(), 1)];
        r.get_mut("h_b").unwrap().state = NodeState::Missing;
        assert_eq!(r.user_count(), 4);
        assert_eq!(r.user_classes_count(), vec![("A".into(), 3), ("B".into(), 1)]);
        assert_eq!((r.active_count(), r.ready_count()), (1, 1));
        assert_eq!(r.active_ids(), vec!["h_a".to_owned()]);
        assert_eq!(r.ids().len(), 2);
        // A second client_ready wipes the counts.
        assert!(r.insert_ready("h_a"));
        assert_eq!(r.get_mut("h_a").unwrap().user_count(), 0);
    }

    #[test]
    fn cpu_warning_once() {
        let mut r = Registry::default();
        r.insert_ready("w");
        let node = r.get_mut("w").unwrap();
        assert!(!node.note_cpu(50.0));
        assert!(node.note_cpu(95.0));
        assert!(!node.note_cpu(99.0));
    }
}

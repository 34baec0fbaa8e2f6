//! The messages a worker builds from engine state, exactly as a Python worker sends them.

use cicada_proto::{WorkerHeartbeat, WorkerMessage, WorkerSpawningComplete, WorkerState};

use crate::stats::{to_locust_exceptions, to_locust_report, ShardStats};

/// `heartbeat`: all three keys, always (a Python master's receive loop dies without `state`
/// or `current_cpu_usage`).
pub(crate) fn heartbeat(state: WorkerState, cpu: f64, rss: u64) -> WorkerMessage {
    WorkerMessage::Heartbeat(WorkerHeartbeat {
        state,
        current_cpu_usage: if cpu.is_finite() { cpu } else { 0.0 },
        current_memory_usage: Some(rss),
    })
}

/// One report: an `exception` per occurrence of each task error (as a Python worker sends
/// them, so the master counts them), then the `stats` delta with the running users per
/// class, every class included.
pub(crate) fn report(delta: &ShardStats, counts: &[(String, u32)]) -> Vec<WorkerMessage> {
    let mut out = Vec::new();
    for (exception, count) in to_locust_exceptions(delta) {
        for _ in 0..count {
            out.push(WorkerMessage::Exception(exception.clone()));
        }
    }
    let report = to_locust_report(delta, widen(counts));
    out.push(WorkerMessage::Stats(Box::new(report)));
    out
}

/// `spawning_complete`: every class in locustfile order, zeros included, and the sum.
pub(crate) fn spawning_complete(counts: &[(String, u32)]) -> WorkerMessage {
    let user_classes_count = widen(counts);
    let user_count = user_classes_count.iter().map(|(_, n)| n).sum();
    WorkerMessage::SpawningComplete(WorkerSpawningComplete { user_classes_count, user_count })
}

fn widen(counts: &[(String, u32)]) -> Vec<(String, u64)> {
    counts.iter().map(|(name, n)| (name.clone(), u64::from(*n))).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use cicada_proto::{Message, Value};

    use super::*;
    use crate::stats::RequestRecord;

    fn keys(msg: &WorkerMessage) -> Vec<String> {
        let m = Message::decode(&msg.encode("h_1")).unwrap();
        match m.data {
            Value::Map(pairs) => {
                pairs.iter().map(|(k, _)| k.as_str().unwrap().to_owned()).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn heartbeat_has_the_three_keys_in_python_order() {
        let hb = heartbeat(WorkerState::Running, f64::NAN, 1 << 20);
        assert_eq!(keys(&hb), ["state", "current_cpu_usage", "current_memory_usage"]);
        let (decoded, node) = WorkerMessage::decode(&hb.encode("h_1")).unwrap();
        assert_eq!(node, "h_1");
        match decoded {
            WorkerMessage::Heartbeat(h) => {
                assert_eq!(h.state, WorkerState::Running);
                assert_eq!(h.current_cpu_usage, 0.0);
                assert_eq!(h.current_memory_usage, Some(1 << 20));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn idle_report_is_one_empty_stats_with_every_class() {
        let counts = vec![("A".to_owned(), 0), ("B".to_owned(), 0)];
        let msgs = report(&ShardStats::default(), &counts);
        assert_eq!(msgs.len(), 1);
        let WorkerMessage::Stats(r) = &msgs[0] else { panic!("{:?}", msgs[0]) };
        assert!(r.stats.is_empty() && r.errors.is_empty());
        assert_eq!(r.stats_total.num_requests, 0);
        assert_eq!(r.user_classes_count, [("A".to_owned(), 0), ("B".to_owned(), 0)]);
        assert_eq!(r.user_count, 0);
    }

    #[test]
    fn report_sends_each_exception_occurrence_before_the_stats() {
        let mut delta = ShardStats::default();
        delta.record(RequestRecord {
            request_type: "GET",
            name: "/a",
            response_time: Some(Duration::from_millis(3)),
            content_length: 5,
            error: None,
        });
        delta.record_exception("boom", "tb");
        delta.record_exception("boom", "tb");
        let msgs = report(&delta, &[("A".to_owned(), 3)]);
        assert_eq!(msgs.len(), 3);
        for m in &msgs[..2] {
            let WorkerMessage::Exception(e) = m else { panic!("{m:?}") };
            assert_eq!((e.msg.as_str(), e.traceback.as_str()), ("boom", "tb"));
        }
        let WorkerMessage::Stats(r) = &msgs[2] else { panic!("{:?}", msgs[2]) };
        assert_eq!(r.stats_total.num_requests, 1);
        assert_eq!(r.stats[0].name, "/a");
        assert_eq!(r.user_count, 3);
    }

    #[test]
    fn spawning_complete_lists_zeros_and_sums() {
        let msg = spawning_complete(&[("B".to_owned(), 2), ("A".to_owned(), 0)]);
        assert_eq!(keys(&msg), ["user_classes_count", "user_count"]);
        let WorkerMessage::SpawningComplete(s) = msg else { panic!() };
        assert_eq!(s.user_classes_count, [("B".to_owned(), 2), ("A".to_owned(), 0)]);
        assert_eq!(s.user_count, 2);
    }
}

//! Snapshots for the threshold and summary tests, built through the engine's public fields.

use cicada_engine::stats::{ErrorStats, RequestStats, StatsSnapshot};

/// Unix time the test runs start at.
pub(crate) const START: f64 = 1_000.0;

/// An entry with one request per response time (ms), the first `failures` of them failed.
pub(crate) fn entry(method: &str, name: &str, times_ms: &[f64], failures: u64) -> RequestStats {
    let mut e = RequestStats::new(method, name, START);
    for &ms in times_ms {
        let us = (ms * 1000.0).round() as u64;
        e.num_requests += 1;
        e.total_response_time_us += us;
        e.min_response_time_us = e.min_response_time_us.min(us);
        e.max_response_time_us = e.max_response_time_us.max(us);
        e.response_times.record(us);
    }
    e.num_failures = failures;
    e
}

/// A snapshot of `entries` with their sum as the total, over a run of `run_secs` seconds.
pub(crate) fn snapshot(entries: Vec<RequestStats>, run_secs: f64) -> StatsSnapshot {
    let mut total = RequestStats::new("", "Aggregated", START);
    for e in &entries {
        total += e;
    }
    if total.num_requests > 0 {
        total.last_request_timestamp = Some(START + run_secs);
    }
    StatsSnapshot { entries, total, errors: vec![], exceptions: vec![], user_count: 0 }
}

/// One kind of failure seen `occurrences` times.
pub(crate) fn error(method: &str, name: &str, error: &str, occurrences: u64) -> ErrorStats {
    ErrorStats {
        method: method.into(),
        name: name.into(),
        error: error.into(),
        occurrences,
        first_seen: START,
        last_seen: START,
    }
}

//! Snapshots for the console, threshold and summary tests, built through the engine's public fields so the numbers
//! of Locust's recorded samples can be reproduced exactly.

use cicada_engine::stats::{ErrorStats, RequestStats, StatsSnapshot};

/// Unix time the test runs start at.
pub(crate) const START: f64 = 1_000.0;

/// An entry holding one successful request per response time (ms).
pub(crate) fn entry(method: &str, name: &str, times_ms: &[f64]) -> RequestStats {
    let mut e = RequestStats::new(method, name, START);
    for &ms in times_ms {
        let us = (ms * 1000.0).round() as u64;
        e.num_requests += 1;
        e.total_response_time_us += us;
        e.min_response_time_us = e.min_response_time_us.min(us);
        e.max_response_time_us = e.max_response_time_us.max(us);
        e.response_times.record(us);
    }
    e
}

/// Marks the first `n` requests of `e` as failed.
pub(crate) fn failing(mut e: RequestStats, n: u64) -> RequestStats {
    e.num_failures = n;
    e
}

/// A snapshot of `entries`, their sum as the total, and a run lasting `run_secs` (whole-run
/// rates divide by it). Per-second counts stay empty, so windowed rates are 0, as in the
/// first periodic tables of a run.
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

/// The final state of headless_ok/stderr_console.txt (48 requests over 3.219 s).
pub(crate) fn headless_ok_final() -> StatsSnapshot {
    let root = [
        2., 3., 3., 4., 4., 4., 5., 5., 5., 5., 5., 5., 5., 5., 6., 6., 6., 6., 7., 9., 9., 10.,
        11., 12., 13., 16., 78.2,
    ];
    let index = [
        3., 3., 4., 4., 5., 5., 5., 6., 6., 6., 6., 7., 7., 8., 10., 11., 11., 23., 29., 76.6, 76.7,
    ];
    snapshot(vec![entry("GET", "/", &root), entry("GET", "/index.html?x=[id]", &index)], 3.219)
}

/// The final state of headless_failures/stderr_console.txt: `--json` had zeroed every entry
/// but not the total, and two kinds of failure were recorded.
pub(crate) fn headless_failures_final() -> StatsSnapshot {
    let mut times = vec![2.0];
    for (ms, n) in [
        (3., 12),
        (4., 8),
        (5., 3),
        (6., 11),
        (7., 4),
        (8., 6),
        (9., 3),
        (10., 4),
        (11., 1),
        (12., 2),
    ] {
        times.extend(std::iter::repeat_n(ms, n));
    }
    times.extend([13., 14., 15., 16., 17., 18., 18., 19., 19., 30., 31., 32., 34.]);
    let total = failing(entry("", "Aggregated", &times), 27);
    let mut snap = snapshot(
        vec![
            RequestStats::new("GET", "/", START),
            RequestStats::new("GET", "/does-not-exist", START),
            RequestStats::new("POST", "submit-form", START),
        ],
        0.0,
    );
    snap.total = total;
    snap.total.last_request_timestamp = Some(START + 7.165);
    snap.errors = vec![
        error(
            "GET",
            "/does-not-exist",
            "HTTPError('404 Client Error: File not found for url: /does-not-exist')",
            12,
        ),
        error(
            "POST",
            "submit-form",
            "HTTPError(\"501 Server Error: Unsupported method ('POST') for url: submit-form\")",
            15,
        ),
    ];
    snap
}

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

//! A point-in-time copy of the merged stats, with Locust's derived numbers.

use super::entry::RequestStats;
use super::errors::ErrorStats;
use super::exceptions::ExceptionStats;

/// The percentiles Locust's console and CSV report.
pub const PERCENTILES_TO_REPORT: [f64; 11] =
    [0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0];

/// The merged view as readers see it. Entries and errors are in first-seen order.
#[derive(Debug, Clone)]
pub struct StatsSnapshot {
    pub entries: Vec<RequestStats>,
    /// The `Aggregated` row.
    pub total: RequestStats,
    pub errors: Vec<ErrorStats>,
    pub exceptions: Vec<ExceptionStats>,
    /// Users running when the snapshot was taken.
    pub user_count: u32,
}

impl StatsSnapshot {
    /// Entries sorted by (name, method), the order of Locust's tables and CSV files.
    pub fn sorted_entries(&self) -> Vec<&RequestStats> {
        let mut v: Vec<&RequestStats> = self.entries.iter().collect();
        v.sort_by(|a, b| (&a.name, &a.method).cmp(&(&b.name, &b.method)));
        v
    }

    /// Locust's `current_rps`: the mean requests per second of `entry` over the ten whole
    /// seconds ending two seconds before the last request of the run.
    pub fn current_rps(&self, entry: &RequestStats) -> f64 {
        self.windowed_mean(|s| entry.num_reqs_per_sec.get(s))
    }

    /// Locust's `current_fail_per_sec`, over the same window as [`Self::current_rps`].
    pub fn current_fail_per_sec(&self, entry: &RequestStats) -> f64 {
        self.windowed_mean(|s| entry.num_fail_per_sec.get(s))
    }

    /// Requests per second of `entry` over the whole run.
    pub fn total_rps(&self, entry: &RequestStats) -> f64 {
        self.over_run(entry.num_requests)
    }

    /// Failures per second of `entry` over the whole run.
    pub fn total_fail_per_sec(&self, entry: &RequestStats) -> f64 {
        self.over_run(entry.num_failures)
    }

    fn over_run(&self, count: u64) -> f64 {
        match self.total.last_request_timestamp {
            Some(last) if last > self.total.start_time => {
                count as f64 / (last - self.total.start_time)
            }
            _ => 0.0,
        }
    }

    fn windowed_mean(&self, count_at: impl Fn(u64) -> u64) -> f64 {
        let Some(last) = self.total.last_request_timestamp else { return 0.0 };
        let last = last as i64;
        let start = (last - 12).max(self.total.start_time as i64);
        let end = last - 2;
        if end <= start {
            return 0.0;
        }
        let sum: u64 = (start..end).map(|s| count_at(s as u64)).sum();
        sum as f64 / (end - start) as f64
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::stats::{RequestRecord, ShardStats};

    #[test]
    fn rates_follow_locust_windows() {
        let mut s = ShardStats::new(1000.0);
        let rec = RequestRecord {
            request_type: "GET",
            name: "/",
            response_time: Some(Duration::from_millis(1)),
            content_length: 0,
            error: None,
        };
        // Ten requests a second for 20 seconds, recorded with explicit timestamps.
        for sec in 1000..1020u64 {
            for _ in 0..10 {
                s.entries
                    .entry(crate::stats::key::EntryKey("GET".into(), "/".into()))
                    .or_insert_with(|| crate::stats::RequestStats::new("GET", "/", 1000.0))
                    .log(rec.response_time, 0, false, sec as f64 + 0.5);
                s.total.log(rec.response_time, 0, false, sec as f64 + 0.5);
            }
        }
        let snap = StatsSnapshot {
            entries: s.entries.values().cloned().collect(),
            total: s.total.clone(),
            errors: vec![],
            exceptions: vec![],
            user_count: 1,
        };
        assert_eq!(snap.current_rps(&snap.total), 10.0);
        assert_eq!(snap.current_fail_per_sec(&snap.entries[0]), 0.0);
        assert!((snap.total_rps(&snap.total) - 200.0 / 19.5).abs() < 1e-9);
    }
}

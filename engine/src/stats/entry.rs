//! One row of the stats table: every request with the same (method, name), or the total.

use std::ops::AddAssign;
use std::time::Duration;

use super::per_second::PerSecond;
use super::response_times::ResponseTimes;

/// Counters and response times for one (method, name). Adding two entries merges them.
#[derive(Debug, Clone)]
pub struct RequestStats {
    pub method: String,
    pub name: String,
    pub num_requests: u64,
    /// Requests counted without a response time.
    pub num_none_requests: u64,
    pub num_failures: u64,
    pub total_response_time_us: u64,
    /// `u64::MAX` until a timed request arrives.
    pub min_response_time_us: u64,
    pub max_response_time_us: u64,
    pub total_content_length: u64,
    /// Response times in µs, 3 significant digits.
    pub response_times: ResponseTimes,
    /// In snapshots: the response times of about the last 10 seconds (Locust's window for
    /// "current" percentiles); None until the run has such a window, and on live entries.
    pub recent: Option<ResponseTimes>,
    /// Unix seconds: when the entry started counting (the run's start for the total).
    pub start_time: f64,
    /// Unix seconds of the last request, if any.
    pub last_request_timestamp: Option<f64>,
    pub num_reqs_per_sec: PerSecond,
    pub num_fail_per_sec: PerSecond,
}

/// Response times above an hour are clamped: nothing useful is lost, and the histogram stays
/// bounded whatever a broken clock or script reports.
const MAX_TRACKED_US: u64 = 3_600_000_000;

impl RequestStats {
    pub fn new(method: &str, name: &str, start_time: f64) -> Self {
        RequestStats {
            method: method.to_owned(),
            name: name.to_owned(),
            num_requests: 0,
            num_none_requests: 0,
            num_failures: 0,
            total_response_time_us: 0,
            min_response_time_us: u64::MAX,
            max_response_time_us: 0,
            total_content_length: 0,
            response_times: ResponseTimes::default(),
            recent: None,
            start_time,
            last_request_timestamp: None,
            num_reqs_per_sec: PerSecond::default(),
            num_fail_per_sec: PerSecond::default(),
        }
    }

    pub(crate) fn log(
        &mut self,
        response_time: Option<Duration>,
        content_length: u64,
        failed: bool,
        now: f64,
    ) {
        let second = now as u64;
        self.num_requests += 1;
        self.num_reqs_per_sec.add(second, 1);
        if failed {
            self.num_failures += 1;
            self.num_fail_per_sec.add(second, 1);
        }
        self.total_content_length += content_length;
        self.last_request_timestamp = Some(now);
        match response_time {
            Some(t) => {
                let us = (t.as_micros() as u64).min(MAX_TRACKED_US);
                self.total_response_time_us += us;
                self.min_response_time_us = self.min_response_time_us.min(us);
                self.max_response_time_us = self.max_response_time_us.max(us);
                self.response_times.record(us);
            }
            None => self.num_none_requests += 1,
        }
    }

    /// Requests that have a response time.
    pub fn num_timed(&self) -> u64 {
        self.num_requests - self.num_none_requests
    }

    /// Average response time in ms (0.0 with no timed request).
    pub fn avg_response_time(&self) -> f64 {
        match self.num_timed() {
            0 => 0.0,
            n => self.total_response_time_us as f64 / n as f64 / 1000.0,
        }
    }

    /// Minimum response time in ms, None with no timed request.
    pub fn min_response_time(&self) -> Option<f64> {
        (self.min_response_time_us != u64::MAX).then(|| self.min_response_time_us as f64 / 1000.0)
    }

    /// Maximum response time in ms (0.0 with no timed request).
    pub fn max_response_time(&self) -> f64 {
        self.max_response_time_us as f64 / 1000.0
    }

    /// The response time (ms, Locust's bucketed value) that fraction `p` of requests stay
    /// under, computed as Locust computes it. Never above the maximum; 0 with no timed request.
    pub fn percentile(&self, p: f64) -> u64 {
        let n = self.response_times.len();
        self.response_times.locust_percentile(
            p,
            n,
            self.min_response_time_us,
            self.max_response_time_us,
        )
    }

    /// Locust's "current" percentile: over about the last 10 seconds of a snapshot's window.
    /// None when there is no window yet (Locust's `None`, which its CSV writes as 0).
    pub fn current_percentile(&self, p: f64) -> Option<u64> {
        let recent = self.recent.as_ref()?;
        Some(recent.locust_percentile(
            p,
            recent.len(),
            self.min_response_time_us,
            self.max_response_time_us,
        ))
    }

    /// Locust's `response_times` dict: bucketed ms and the count in each, lowest first.
    pub fn response_time_buckets(&self) -> Vec<(u64, u64)> {
        self.response_times.locust_buckets(self.min_response_time_us, self.max_response_time_us)
    }

    /// Locust's median: the 50th percentile clamped into [min, max], so it can be fractional.
    pub fn median_response_time(&self) -> f64 {
        let Some(min) = self.min_response_time() else { return 0.0 };
        (self.percentile(0.5) as f64).clamp(min, self.max_response_time())
    }

    /// Average body size in bytes (0.0 with no request).
    pub fn avg_content_length(&self) -> f64 {
        match self.num_requests {
            0 => 0.0,
            n => self.total_content_length as f64 / n as f64,
        }
    }

    /// Failures over requests; 1.0 when there are failures but no requests.
    pub fn fail_ratio(&self) -> f64 {
        match (self.num_requests, self.num_failures) {
            (0, 0) => 0.0,
            (0, _) => 1.0,
            (r, f) => f as f64 / r as f64,
        }
    }

    /// Zero every counter but keep the entry (Locust's reset keeps the rows).
    pub(crate) fn reset(&mut self, now: f64) {
        *self = RequestStats::new(&self.method, &self.name, now);
    }
}

impl AddAssign<&RequestStats> for RequestStats {
    fn add_assign(&mut self, other: &RequestStats) {
        self.num_requests += other.num_requests;
        self.num_none_requests += other.num_none_requests;
        self.num_failures += other.num_failures;
        self.total_response_time_us += other.total_response_time_us;
        self.min_response_time_us = self.min_response_time_us.min(other.min_response_time_us);
        self.max_response_time_us = self.max_response_time_us.max(other.max_response_time_us);
        self.total_content_length += other.total_content_length;
        self.response_times += &other.response_times;
        self.last_request_timestamp =
            match (self.last_request_timestamp, other.last_request_timestamp) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        self.num_reqs_per_sec += &other.num_reqs_per_sec;
        self.num_fail_per_sec += &other.num_fail_per_sec;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Option<Duration> {
        Some(Duration::from_millis(v))
    }

    #[test]
    fn locust_numbers_from_samples() {
        let mut e = RequestStats::new("GET", "/", 100.0);
        for (i, t) in [3, 5, 8, 10, 31].into_iter().enumerate() {
            e.log(ms(t), 12, i == 4, 100.5);
        }
        assert_eq!(e.num_requests, 5);
        assert_eq!(e.num_failures, 1);
        assert!((e.avg_response_time() - 11.4).abs() < 1e-9);
        assert_eq!(e.min_response_time(), Some(3.0));
        assert_eq!(e.max_response_time(), 31.0);
        assert_eq!(e.median_response_time(), 8.0);
        assert_eq!(e.percentile(1.0), 31);
        assert_eq!(e.avg_content_length(), 12.0);
        assert!((e.fail_ratio() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn percentile_never_exceeds_max() {
        let mut e = RequestStats::new("GET", "/", 0.0);
        e.log(Some(Duration::from_micros(123_456)), 0, false, 1.0);
        assert!(e.percentile(0.99) as f64 <= e.max_response_time() + 1.0);
        assert_eq!(e.percentile(0.99), 120);
    }

    #[test]
    fn merge_adds_counts_and_keeps_extremes() {
        let mut a = RequestStats::new("GET", "/", 0.0);
        a.log(ms(5), 1, false, 1.0);
        let mut b = RequestStats::new("GET", "/", 0.0);
        b.log(ms(50), 3, true, 2.0);
        b.log(None, 0, false, 2.0);
        a += &b;
        assert_eq!((a.num_requests, a.num_failures, a.num_none_requests), (3, 1, 1));
        assert_eq!(a.min_response_time(), Some(5.0));
        assert_eq!(a.max_response_time(), 50.0);
        assert_eq!(a.last_request_timestamp, Some(2.0));
        assert_eq!(a.response_times.len(), 2);
    }

    #[test]
    fn empty_entry_is_all_zero() {
        let e = RequestStats::new("", "Aggregated", 0.0);
        assert_eq!(e.median_response_time(), 0.0);
        assert_eq!(e.percentile(0.5), 0);
        assert_eq!(e.min_response_time(), None);
        assert_eq!(e.fail_ratio(), 0.0);
    }
}

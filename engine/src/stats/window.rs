//! Locust's "current" percentiles: the response times of about the last 10 seconds.
//!
//! Like Locust, the aggregator keeps a copy of every entry's response times once a second
//! (the last 20), and a snapshot takes the difference between now and the copy closest to
//! 10 seconds ago. The copies are on Locust's bucket grid (2 significant digits), which is
//! all a Locust percentile reads: a few hundred keys at most per entry instead of up to
//! thousands, times 20 copies.

use std::collections::VecDeque;

use super::entry::RequestStats;
use super::response_times::ResponseTimes;
use super::shard_stats::ShardStats;

/// Locust's `CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW`.
const WINDOW_SECS: u64 = 10;
/// Copies kept: the window plus the 10 seconds Locust may fall back to.
const KEPT: usize = 20;

/// The response times of every entry and of the total at the end of one second.
struct Copy {
    second: u64,
    /// In the merged view's entry order; entries created later have no copy.
    entries: Vec<ResponseTimes>,
    total: ResponseTimes,
}

#[derive(Default)]
pub(crate) struct RecentWindows {
    copies: VecDeque<Copy>,
}

impl RecentWindows {
    /// Keep a copy of `stats` as it stands at the end of `second`.
    pub(crate) fn remember(&mut self, second: u64, stats: &ShardStats) {
        if self.copies.back().is_some_and(|c| c.second >= second) {
            return;
        }
        self.copies.push_back(Copy {
            second,
            entries: stats.entries.values().map(|e| e.response_times.on_locust_grid()).collect(),
            total: stats.total.response_times.on_locust_grid(),
        });
        while self.copies.len() > KEPT {
            self.copies.pop_front();
        }
    }

    pub(crate) fn clear(&mut self) {
        self.copies.clear();
    }

    /// Fill `recent` on the entries and the total (in the merged view's order) with what
    /// arrived since the copy closest to 10 seconds before `now_second`: Locust looks at
    /// t-10, then t-11, t-9, t-12, t-8 … out to t-18 and t-2.
    pub(crate) fn fill(
        &self,
        now_second: u64,
        entries: &mut [RequestStats],
        total: &mut RequestStats,
    ) {
        let Some(base) = self.baseline(now_second) else { return };
        for (i, entry) in entries.iter_mut().enumerate() {
            entry.recent =
                base.entries.get(i).map(|then| entry.response_times.on_locust_grid().since(then));
        }
        total.recent = Some(total.response_times.on_locust_grid().since(&base.total));
    }

    fn baseline(&self, now_second: u64) -> Option<&Copy> {
        let target = now_second.checked_sub(WINDOW_SECS)?;
        let mut wanted = vec![target];
        for i in 1..9 {
            wanted.push(target.saturating_sub(i));
            wanted.push(target + i);
        }
        wanted.into_iter().find_map(|s| self.copies.iter().find(|c| c.second == s))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::stats::RequestRecord;

    fn record(stats: &mut ShardStats, ms: u64) {
        stats.record(RequestRecord {
            request_type: "GET",
            name: "/",
            response_time: Some(Duration::from_millis(ms)),
            content_length: 0,
            error: None,
        });
    }

    #[test]
    fn window_holds_only_the_last_ten_seconds() {
        let mut stats = ShardStats::new(0.0);
        let mut windows = RecentWindows::default();
        record(&mut stats, 500);
        windows.remember(100, &stats);
        record(&mut stats, 5);
        record(&mut stats, 7);
        let mut entries: Vec<RequestStats> = stats.entries.values().cloned().collect();
        let mut total = stats.total.clone();
        windows.fill(110, &mut entries, &mut total);
        assert_eq!(total.current_percentile(1.0), Some(7));
        assert_eq!(entries[0].current_percentile(0.4), Some(5));
        assert_eq!(total.percentile(1.0), 500);
    }

    #[test]
    fn no_copy_near_ten_seconds_ago_means_no_window() {
        let mut stats = ShardStats::new(0.0);
        let mut windows = RecentWindows::default();
        record(&mut stats, 5);
        windows.remember(100, &stats);
        let mut total = stats.total.clone();
        windows.fill(125, &mut [], &mut total);
        assert_eq!(total.current_percentile(0.5), None);
        windows.fill(118, &mut [], &mut total);
        assert_eq!(total.current_percentile(0.5), Some(0));
    }
}

//! Response times as sparse counts of µs values quantized to 3 significant digits.
//!
//! The buckets are those of an HDR histogram with 3 significant digits (values below 2048 µs
//! are exact, above that each power of two is split into 1024 steps, so a value is off by
//! less than 0.1%). Unlike an HDR histogram, only the buckets that were hit take memory: an
//! entry that saw a handful of requests costs a few dozen bytes, not the ~100 KiB of a
//! histogram spanning a second. That is what keeps a run with thousands of request names as
//! fast as a run with one, on the shards (which start a fresh delta every second) and in the
//! merge.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Values below this are kept exactly; above it, with 10 significant bits.
const EXACT_BELOW: u64 = 2048;

/// Counts per quantized µs value. Adding two merges them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseTimes {
    counts: HashMap<u64, u64, BuildHasherDefault<BucketHasher>>,
    total: u64,
}

impl ResponseTimes {
    /// Count one response time of `us` microseconds.
    pub fn record(&mut self, us: u64) {
        self.record_n(us, 1);
    }

    pub fn record_n(&mut self, us: u64, n: u64) {
        if n == 0 {
            return;
        }
        *self.counts.entry(bucket_of(us)).or_insert(0) += n;
        self.total += n;
    }

    /// How many response times were counted.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// (lowest µs of the bucket, count), lowest first.
    pub fn sorted(&self) -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = self.counts.iter().map(|(&k, &c)| (k, c)).collect();
        v.sort_unstable();
        v
    }

    /// What `self` counted beyond `earlier` (an older copy of the same, growing counts).
    pub fn since(&self, earlier: &ResponseTimes) -> ResponseTimes {
        let mut diff = ResponseTimes::default();
        for (&k, &c) in &self.counts {
            let before = earlier.counts.get(&k).copied().unwrap_or(0);
            diff.record_n(k, c.saturating_sub(before));
        }
        diff
    }

    /// Locust's percentile over these times, in its bucketed ms: walking the buckets from the
    /// slowest down, the first where no more than `int(n * p)` requests remain below, with
    /// `n` the requests counted. Each bucket is represented by its middle value, kept within
    /// `[min_us, max_us]` so that no percentile reads above the slowest request. 0 when empty.
    pub fn locust_percentile(&self, p: f64, n: u64, min_us: u64, max_us: u64) -> u64 {
        let sorted = self.sorted();
        let allowed_below = (n as f64 * p.clamp(0.0, 1.0)) as u64;
        let mut seen = 0u64;
        for &(low, count) in sorted.iter().rev() {
            seen += count;
            if n.saturating_sub(seen) <= allowed_below {
                let us = (low + bucket_width(low) / 2).clamp(min_us.min(max_us), max_us);
                return cicada_proto::bucket_response_time(us as f64 / 1000.0);
            }
        }
        0
    }

    /// The same counts on Locust's coarser grid (each key the µs of its bucketed ms): at most
    /// a few hundred keys whatever the spread, so copies kept for a while stay small.
    pub fn on_locust_grid(&self) -> ResponseTimes {
        let mut grid = ResponseTimes::default();
        for (&low, &count) in &self.counts {
            let ms =
                cicada_proto::bucket_response_time((low + bucket_width(low) / 2) as f64 / 1000.0);
            grid.record_n(ms.saturating_mul(1000), count);
        }
        grid
    }

    /// The counts in Locust's bucketed ms (its `response_times` dict), lowest first.
    pub fn locust_buckets(&self, min_us: u64, max_us: u64) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        for (low, count) in self.sorted() {
            let us = (low + bucket_width(low) / 2).clamp(min_us.min(max_us), max_us);
            let ms = cicada_proto::bucket_response_time(us as f64 / 1000.0);
            match out.last_mut() {
                Some((last, c)) if *last == ms => *c += count,
                _ => out.push((ms, count)),
            }
        }
        out
    }
}

impl std::ops::AddAssign<&ResponseTimes> for ResponseTimes {
    fn add_assign(&mut self, other: &ResponseTimes) {
        self.counts.reserve(other.counts.len());
        for (&k, &c) in &other.counts {
            *self.counts.entry(k).or_insert(0) += c;
        }
        self.total += other.total;
    }
}

/// The lowest value of the bucket `us` falls in.
fn bucket_of(us: u64) -> u64 {
    if us < EXACT_BELOW {
        return us;
    }
    let shift = 63 - us.leading_zeros() - 10;
    (us >> shift) << shift
}

/// How many µs values share the bucket starting at `low`.
fn bucket_width(low: u64) -> u64 {
    if low < EXACT_BELOW {
        return 1;
    }
    1 << (63 - low.leading_zeros() - 10)
}

/// Keys are small integers: one multiply spreads them well enough, far cheaper than SipHash
/// on the path every request takes.
#[derive(Default)]
struct BucketHasher(u64);

impl Hasher for BucketHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_three_significant_digits() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(2047), 2047);
        assert_eq!(bucket_of(2049), 2048);
        assert_eq!(bucket_of(123_457), 123_456);
        for us in [1u64, 999, 2048, 5000, 123_456, 1_000_000, 3_600_000_000] {
            let low = bucket_of(us);
            assert!(low <= us && us < low + bucket_width(low), "{us}");
            assert!((us - low) as f64 / us as f64 <= 0.001, "{us}");
        }
    }

    #[test]
    fn percentiles_follow_locust() {
        // Locust's sample: 3, 5, 8, 10, 31 ms.
        let mut r = ResponseTimes::default();
        for ms in [3u64, 5, 8, 10, 31] {
            r.record(ms * 1000);
        }
        let p = |q| r.locust_percentile(q, 5, 3000, 31_000);
        assert_eq!((p(0.5), p(0.66), p(0.75), p(0.8), p(1.0)), (8, 10, 10, 31, 31));
        assert_eq!(ResponseTimes::default().locust_percentile(0.5, 0, 0, 0), 0);
    }

    #[test]
    fn merge_and_difference() {
        let mut a = ResponseTimes::default();
        a.record(100);
        let earlier = a.clone();
        a.record(100);
        a.record(5000);
        assert_eq!(a.since(&earlier).sorted(), vec![(100, 1), (5000, 1)]);
        let mut b = ResponseTimes::default();
        b.record(5001);
        a += &b;
        assert_eq!(a.len(), 4);
        assert_eq!(a.sorted(), vec![(100, 2), (5000, 2)]);
    }

    #[test]
    fn locust_grid_keeps_locust_percentiles() {
        let mut r = ResponseTimes::default();
        for us in (0..200_000u64).step_by(37) {
            r.record(us);
        }
        let grid = r.on_locust_grid();
        assert!(grid.counts.len() < 200, "{} keys", grid.counts.len());
        assert_eq!(grid.len(), r.len());
        for p in [0.5, 0.9, 0.95, 0.99, 1.0] {
            assert_eq!(
                grid.locust_percentile(p, grid.len(), 0, 200_000),
                r.locust_percentile(p, r.len(), 0, 200_000),
                "p{p}"
            );
        }
    }

    #[test]
    fn locust_buckets_merge_neighbours() {
        let mut r = ResponseTimes::default();
        for us in [1_200, 1_400, 1_600, 150_000, 154_000] {
            r.record(us);
        }
        assert_eq!(r.locust_buckets(0, u64::MAX), vec![(1, 2), (2, 1), (150, 2)]);
    }
}

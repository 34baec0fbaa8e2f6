//! Locust's `bucket_response_time`: response times are stored rounded to about two significant
//! digits, with Python's `round` (ties go to the even neighbour).

/// The bucket a response time of `ms` milliseconds falls into, as Locust 2.47 computes it:
/// below 100 → nearest integer; below 1,000 → nearest 10; below 10,000 → nearest 100;
/// otherwise nearest 1,000.
pub fn bucket_response_time(ms: f64) -> u64 {
    let step = if ms < 100.0 {
        1.0
    } else if ms < 1_000.0 {
        10.0
    } else if ms < 10_000.0 {
        100.0
    } else {
        1_000.0
    };
    let rounded = (ms / step).round_ties_even() * step;
    if rounded.is_finite() && rounded > 0.0 {
        rounded as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::bucket_response_time as b;

    #[test]
    fn matches_locust_rounding() {
        assert_eq!(b(0.4), 0);
        assert_eq!(b(2.5), 2); // ties to even
        assert_eq!(b(3.5), 4);
        assert_eq!(b(99.4), 99);
        assert_eq!(b(99.6), 100);
        assert_eq!(b(145.0), 140);
        assert_eq!(b(155.0), 160);
        assert_eq!(b(1_250.0), 1_200);
        assert_eq!(b(12_345.0), 12_000);
    }
}

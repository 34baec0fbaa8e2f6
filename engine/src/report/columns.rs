//! The per-entry cells the stats and history files share, each written with the Python type
//! Locust's value has: some columns are an int or a float depending on the data (`min or 0`
//! is the int 0 with no timed request, a clamped median is a float), and Python prints
//! `0` and `0.0` differently.

use crate::stats::{RequestStats, PERCENTILES_TO_REPORT};

use super::pytext::float;

/// What the 11 percentile cells say when the entry has no requests.
const NOT_AVAILABLE: &str = "N/A";

/// `median_response_time`: the int bucket, or a float when clamped into [min, max]; int 0
/// with no timed request.
pub(crate) fn median(e: &RequestStats) -> String {
    let Some(min) = e.min_response_time() else { return "0".to_owned() };
    let p = e.percentile(0.5);
    let max = e.max_response_time();
    if p as f64 > max {
        float(max)
    } else if (p as f64) < min {
        float(min)
    } else {
        p.to_string()
    }
}

/// `avg_response_time`: always a float.
pub(crate) fn average(e: &RequestStats) -> String {
    float(e.avg_response_time())
}

/// `min_response_time or 0`: the int 0 when unset (or exactly zero).
pub(crate) fn min(e: &RequestStats) -> String {
    match e.min_response_time() {
        Some(m) if m != 0.0 => float(m),
        _ => "0".to_owned(),
    }
}

/// `max_response_time`: starts as the int 0 in Locust and becomes a float with the first
/// non-zero response time.
pub(crate) fn max(e: &RequestStats) -> String {
    match e.max_response_time_us {
        0 => "0".to_owned(),
        _ => float(e.max_response_time()),
    }
}

/// `avg_content_length`: a float, or the int 0 with no request (Locust's ZeroDivisionError).
pub(crate) fn average_content(e: &RequestStats) -> String {
    match e.num_requests {
        0 => "0".to_owned(),
        _ => float(e.avg_content_length()),
    }
}

/// The 11 reported percentiles as ints: cumulative, or over the ~10 s window when `current`
/// (0 while there is no window yet); `N/A` in all 11 when the entry has no requests.
pub(crate) fn percentiles(e: &RequestStats, current: bool) -> Vec<String> {
    PERCENTILES_TO_REPORT
        .iter()
        .map(|&p| match (e.num_requests, current) {
            (0, _) => NOT_AVAILABLE.to_owned(),
            (_, false) => e.percentile(p).to_string(),
            (_, true) => e.current_percentile(p).unwrap_or(0).to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry with these response times in µs, all at the same second.
    fn entry(times_us: &[u64]) -> RequestStats {
        let mut e = RequestStats::new("GET", "/", 100.0);
        for &us in times_us {
            e.log(Some(std::time::Duration::from_micros(us)), 10, false, 100.5);
        }
        e
    }

    #[test]
    fn an_empty_entry_uses_ints_and_na() {
        let e = RequestStats::new("", "Aggregated", 0.0);
        assert_eq!(
            [median(&e), average(&e), min(&e), max(&e), average_content(&e)],
            ["0", "0.0", "0", "0", "0"]
        );
        assert_eq!(percentiles(&e, false), vec!["N/A"; 11]);
        assert_eq!(percentiles(&e, true), vec!["N/A"; 11]);
    }

    #[test]
    fn a_median_clamped_to_max_is_a_float() {
        // One request of 8.871 ms: the bucket (9) is above the maximum, so Locust clamps.
        let e = entry(&[8_871]);
        assert_eq!(median(&e), "8.871");
        assert_eq!((min(&e), max(&e)), ("8.871".to_owned(), "8.871".to_owned()));
        assert_eq!(average_content(&e), "10.0");
    }

    #[test]
    fn an_unclamped_median_is_an_int() {
        let e = entry(&[3_000, 5_000, 8_000, 10_000, 31_000]);
        assert_eq!(median(&e), "8");
        assert_eq!(average(&e), "11.4");
        assert_eq!(percentiles(&e, false)[..5], ["8", "10", "10", "31", "31"]);
        // No window yet: Locust's None, written as 0.
        assert_eq!(percentiles(&e, true), vec!["0"; 11]);
    }
}

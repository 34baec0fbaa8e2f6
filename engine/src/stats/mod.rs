//! Request statistics: recorded per shard with no locks, merged off the hot path.
//!
//! Each shard owns a [`ShardStats`] and records into it directly. About once a second it hands
//! the accumulated delta to the aggregator thread, which adds it (`+=`) into the merged view.
//! Readers (console, CSV, web UI) take a [`StatsSnapshot`] of that view, which computes
//! Locust's numbers (ms, medians, percentiles, rps) from sparse µs response-time counts.

mod aggregator;
mod entry;
mod errors;
mod exceptions;
mod key;
mod locust_payload;
mod per_second;
mod record;
mod response_times;
mod shard_stats;
mod snapshot;
mod window;

pub(crate) use aggregator::{Aggregator, StatsMessage};
pub use entry::RequestStats;
pub use errors::ErrorStats;
pub use exceptions::ExceptionStats;
pub use locust_payload::{
    from_locust_exception, from_locust_report, to_locust_exceptions, to_locust_report,
};
pub use record::RequestRecord;
pub use response_times::ResponseTimes;
pub use shard_stats::ShardStats;
pub use snapshot::{StatsSnapshot, PERCENTILES_TO_REPORT};

/// Seconds since the Unix epoch, as a float (Locust's `time.time()`).
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

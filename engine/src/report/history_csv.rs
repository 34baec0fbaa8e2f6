//! `<prefix>_stats_history.csv`: append-only, one batch of rows per writer tick, all with the
//! same timestamp: the Aggregated row, preceded with `--csv-full-history` by one row per entry
//! sorted by (name, method).

use crate::stats::{RequestStats, StatsSnapshot};

use super::columns;
use super::pytext::{csv_row, fixed6};

/// Locust 2.47's header, without the row end.
pub const STATS_HISTORY_CSV_HEADER: &str = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,\
50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,\
Total Median Response Time,Total Average Response Time,Total Min Response Time,\
Total Max Response Time,Total Average Content Size";

/// The header line the file starts with.
pub fn stats_history_csv_header() -> String {
    format!("{STATS_HISTORY_CSV_HEADER}\r\n")
}

/// The rows of one tick at `timestamp` (Unix seconds). Rates are the current (windowed)
/// ones; percentiles are cumulative, or current with `full_history`, as in Locust.
pub fn stats_history_csv_rows(snap: &StatsSnapshot, timestamp: u64, full_history: bool) -> String {
    let entries = if full_history { snap.sorted_entries() } else { Vec::new() };
    let mut out = String::new();
    for e in entries.into_iter().chain([&snap.total]) {
        out.push_str(&csv_row(&row(snap, e, timestamp, full_history)));
    }
    out
}

fn row(snap: &StatsSnapshot, e: &RequestStats, timestamp: u64, current: bool) -> Vec<String> {
    let mut cells = vec![
        timestamp.to_string(),
        snap.user_count.to_string(),
        e.method.clone(),
        e.name.clone(),
        fixed6(snap.current_rps(e)),
        fixed6(snap.current_fail_per_sec(e)),
    ];
    cells.extend(columns::percentiles(e, current));
    cells.extend([
        e.num_requests.to_string(),
        e.num_failures.to_string(),
        columns::median(e),
        columns::average(e),
        columns::min(e),
        columns::max(e),
        columns::average_content(e),
    ]);
    cells
}

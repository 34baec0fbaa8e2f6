//! `<prefix>_stats.csv` (and the web UI's `/stats/requests/csv`): one row per entry sorted by
//! (name, method), then the Aggregated row, with whole-run numbers.

use crate::stats::{RequestStats, StatsSnapshot};

use super::columns;
use super::pytext::{csv_row, float};

/// Locust 2.47's header, without the row end.
pub const STATS_CSV_HEADER: &str = "Type,Name,Request Count,Failure Count,Median Response Time,\
Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,\
Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";

/// The whole file: header, entries, Aggregated, each row ending in `\r\n`.
pub fn stats_csv(snap: &StatsSnapshot) -> String {
    let mut out = format!("{STATS_CSV_HEADER}\r\n");
    for e in snap.sorted_entries().into_iter().chain([&snap.total]) {
        out.push_str(&csv_row(&row(snap, e)));
    }
    out
}

fn row(snap: &StatsSnapshot, e: &RequestStats) -> Vec<String> {
    let mut cells = vec![
        e.method.clone(),
        e.name.clone(),
        e.num_requests.to_string(),
        e.num_failures.to_string(),
        columns::median(e),
        columns::average(e),
        columns::min(e),
        columns::max(e),
        columns::average_content(e),
        float(snap.total_rps(e)),
        float(snap.total_fail_per_sec(e)),
    ];
    cells.extend(columns::percentiles(e, false));
    cells
}

//! `<prefix>_failures.csv` (and the web UI's `/stats/failures/csv`): one row per distinct
//! (method, name, error), in Locust's order.

use sha2::{Digest, Sha256};

use crate::stats::{ErrorStats, StatsSnapshot};

use super::pytext::{csv_row, utc_timestamp};

/// Locust 2.47's header, without the row end.
pub const FAILURES_CSV_HEADER: &str = "Method,Name,Error,Occurrences,First Seen,Last Seen";

/// The whole file: header and one row per error.
pub fn failures_csv(snap: &StatsSnapshot) -> String {
    let mut out = format!("{FAILURES_CSV_HEADER}\r\n");
    for e in sorted_errors(snap) {
        out.push_str(&csv_row(&[
            e.method.clone(),
            e.name.clone(),
            e.error.clone(),
            e.occurrences.to_string(),
            utc_timestamp(e.first_seen),
            utc_timestamp(e.last_seen),
        ]));
    }
    out
}

/// Errors in Locust's order: by their key in `stats.errors`, the sha256 hex digest of
/// `f"{method}.{name}.{error!r}"`. It looks arbitrary, but it is what Locust users' diffs of
/// two runs' files expect.
fn sorted_errors(snap: &StatsSnapshot) -> Vec<&ErrorStats> {
    let mut keyed: Vec<(String, &ErrorStats)> = snap.errors.iter().map(|e| (key(e), e)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, e)| e).collect()
}

/// Locust's `StatsError.create_key`.
fn key(e: &ErrorStats) -> String {
    let text = format!("{}.{}.{}", e.method, e.name, cicada_proto::python_repr(&e.error));
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

//! `<prefix>_exceptions.csv` (and the web UI's `/exceptions/csv`): errors raised by user code
//! in tasks, one row per distinct traceback, in first-seen order.

use crate::stats::StatsSnapshot;

use super::pytext::csv_row;

/// Locust 2.47's header, without the row end.
pub const EXCEPTIONS_CSV_HEADER: &str = "Count,Message,Traceback,Nodes";

/// The whole file: header and one row per exception; the multi-line traceback is one quoted
/// cell, and the nodes it happened on are joined with `, `.
pub fn exceptions_csv(snap: &StatsSnapshot) -> String {
    let mut out = format!("{EXCEPTIONS_CSV_HEADER}\r\n");
    for e in &snap.exceptions {
        let nodes: Vec<&str> = e.nodes.iter().map(String::as_str).collect();
        out.push_str(&csv_row(&[
            e.count.to_string(),
            e.message.clone(),
            e.traceback.clone(),
            nodes.join(", "),
        ]));
    }
    out
}

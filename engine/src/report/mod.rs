//! Locust's report files, rendered from a [`StatsSnapshot`](crate::StatsSnapshot): the four
//! CSV files of `--csv` and the JSON of `--json` / `--json-file`.
//!
//! Each renderer is a pure function from a snapshot to the file's text, byte-for-byte what
//! Locust 2.47 writes (headers, column order, Python's number text, `\r\n` row ends and
//! `csv.writer` quoting), so the CLI's files and the web UI's CSV downloads are the same
//! bytes and a Locust user's scripts parse them unchanged. Writing files, and when, is the
//! caller's business.

mod columns;
mod exceptions_csv;
mod failures_csv;
mod history_csv;
mod json;
mod pytext;
mod stats_csv;

#[cfg(test)]
mod tests;

pub use exceptions_csv::{exceptions_csv, EXCEPTIONS_CSV_HEADER};
pub use failures_csv::{failures_csv, FAILURES_CSV_HEADER};
pub use history_csv::{stats_history_csv_header, stats_history_csv_rows, STATS_HISTORY_CSV_HEADER};
pub use json::{stats_json, JSON_KEYS};
pub use pytext::civil_from_days;
pub use stats_csv::{stats_csv, STATS_CSV_HEADER};

//! Locust's console tables, byte for byte: the request table (periodic and final), the
//! percentile table and the error report.
//!
//! Each function returns one table as text, ending with the empty line Locust logs after it,
//! so the caller decides where it goes (stderr, like Locust's `locust.stats_logger`). The
//! layouts are Python `%`-format strings in Locust; each file names the one it reproduces.

mod error_report;
mod percentiles_table;
mod requests_table;
mod width;

pub use error_report::error_report;
pub use percentiles_table::percentile_table;
pub use requests_table::stats_table;
pub use width::name_width;

/// Joins a table's lines the way Locust logs them, one line each, then the empty line Locust
/// logs after every table.
fn render(lines: Vec<String>) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum::<usize>() + 1);
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out
}

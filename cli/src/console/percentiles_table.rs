//! Locust's percentile table (`get_percentile_stats_summary`, `StatsEntry.percentile`),
//! printed once after the final request table.

use cicada_engine::stats::{RequestStats, StatsSnapshot, PERCENTILES_TO_REPORT};

use super::render;

/// The "Response time percentiles (approximated)" block, ending with its empty line. Only
/// entries with at least one timed request get a row; both separators always print.
pub fn percentile_table(snap: &StatsSnapshot, nw: usize) -> String {
    let labels: Vec<String> = PERCENTILES_TO_REPORT.iter().map(|&p| percent_label(p)).collect();
    let first = labels.first().map_or("", String::as_str);
    let rest: Vec<String> = labels
        .iter()
        .skip(1)
        .map(String::as_str)
        .chain(["# reqs"])
        .map(|l| format!("{l:>6}"))
        .collect();
    let mut separator = format!("{}|{}|{}|", "-".repeat(8), "-".repeat(nw), "-".repeat(8));
    separator.push_str(&"------|".repeat(PERCENTILES_TO_REPORT.len()));
    separator.pop();

    let mut lines = Vec::with_capacity(snap.entries.len() + 5);
    lines.push("Response time percentiles (approximated)".to_owned());
    lines.push(format!("{:<8} {:<nw$} {:>8} {}", "Type", "Name", first, rest.join(" ")));
    lines.push(separator.clone());
    for entry in snap.sorted_entries() {
        if entry.num_timed() > 0 {
            lines.push(row(entry, nw));
        }
    }
    lines.push(separator);
    if snap.total.num_timed() > 0 {
        lines.push(row(&snap.total, nw));
    }
    render(lines)
}

/// Unlike the request table, the type column is the bare method here.
fn row(e: &RequestStats, nw: usize) -> String {
    let mut values = PERCENTILES_TO_REPORT.iter().map(|&p| e.percentile(p));
    let first = values.next().unwrap_or(0);
    let rest: Vec<String> = values.chain([e.num_requests]).map(|v| format!("{v:>6}")).collect();
    format!("{:<8} {:<nw$} {:>8} {}", e.method, e.name, first, rest.join(" "))
}

/// Locust's `get_readable_percentiles`: whole percentages print as integers, others as
/// Python prints `round(100 * p, 6)` (`50%`, `99.9%`, `99.99%`, `100%`).
fn percent_label(p: f64) -> String {
    let pct = p * 100.0;
    if pct.fract() == 0.0 {
        return format!("{}%", pct as i64);
    }
    let text = format!("{pct:.6}");
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{entry, headless_failures_final, headless_ok_final, snapshot};

    const HEADER_80: &str = "Type     Name                                                                                  50%    66%    75%    80%    90%    95%    98%    99%  99.9% 99.99%   100% # reqs";
    const SEPARATOR_80: &str = "--------|--------------------------------------------------------------------------------|--------|------|------|------|------|------|------|------|------|------|------|------";

    #[test]
    fn labels_match_locust() {
        let labels: Vec<String> = PERCENTILES_TO_REPORT.iter().map(|&p| percent_label(p)).collect();
        assert_eq!(
            labels,
            ["50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"]
        );
        assert_eq!(percent_label(0.58), "58%");
        assert_eq!(percent_label(0.995), "99.5%");
    }

    #[test]
    fn headless_ok_sample() {
        let expected = [
            "Response time percentiles (approximated)",
            HEADER_80,
            SEPARATOR_80,
            "GET      /                                                                                       5      6      9     10     13     16     78     78     78     78     78     27",
            "GET      /index.html?x=[id]                                                                      6      8     11     11     29     77     77     77     77     77     77     21",
            SEPARATOR_80,
            "         Aggregated                                                                              6      7     10     11     23     77     78     78     78     78     78     48",
            "",
            "",
        ]
        .join("\n");
        assert_eq!(percentile_table(&headless_ok_final(), 80), expected);
    }

    #[test]
    fn entries_without_timed_requests_get_no_row() {
        // headless_failures/stderr_console.txt: the entries were zeroed, the total was not.
        let expected = [
            "Response time percentiles (approximated)",
            HEADER_80,
            SEPARATOR_80,
            SEPARATOR_80,
            "         Aggregated                                                                              6      8     10     12     18     30     32     34     34     34     34     68",
            "",
            "",
        ]
        .join("\n");
        assert_eq!(percentile_table(&headless_failures_final(), 80), expected);
    }

    #[test]
    fn empty_run_has_no_rows_at_all() {
        let expected = [
            "Response time percentiles (approximated)",
            HEADER_80,
            SEPARATOR_80,
            SEPARATOR_80,
            "",
            "",
        ]
        .join("\n");
        assert_eq!(percentile_table(&snapshot(vec![], 0.0), 80), expected);
    }

    #[test]
    fn widths_follow_nw_and_type_has_no_trailing_space() {
        let snap = snapshot(vec![entry("PROPFIND", "/x", &[1.0])], 1.0);
        let table = percentile_table(&snap, 4);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(&lines[1][..23], "Type     Name      50% ");
        assert_eq!(&lines[2][..25], "--------|----|--------|--");
        assert_eq!(&lines[3][..23], "PROPFIND /x          1 ");
        assert_eq!(lines[1].len(), lines[3].len());
        assert_eq!(lines[2].len(), lines[3].len());
    }
}

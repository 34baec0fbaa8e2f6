//! Locust's error report (`get_error_report_summary`): one row per distinct failure, printed
//! once at the end of a run that had any.

use cicada_engine::stats::StatsSnapshot;

use super::render;

/// The "Error report" block, ending with its empty line, or None when nothing failed. Rows
/// keep the order failures were first seen; the header and rows keep Locust's trailing
/// spaces (the Error column is padded to 100).
pub fn error_report(snap: &StatsSnapshot, nw: usize) -> Option<String> {
    if snap.errors.is_empty() {
        return None;
    }
    let separator = format!("{}|{}", "-".repeat(18), "-".repeat(80 + nw - 19));
    let mut lines = Vec::with_capacity(snap.errors.len() + 5);
    lines.push("Error report".to_owned());
    lines.push(format!("{:<18} {:<100}", "# occurrences", "Error"));
    lines.push(separator.clone());
    for e in &snap.errors {
        let what = format!("{} {}: {}", e.method, e.name, e.error);
        lines.push(format!("{:<18} {:<100}", e.occurrences, what));
    }
    lines.push(separator);
    Some(render(lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{error, headless_failures_final, snapshot};

    const HEADER: &str = "# occurrences      Error                                                                                               ";
    const SEPARATOR_80: &str = "------------------|---------------------------------------------------------------------------------------------------------------------------------------------";

    #[test]
    fn none_without_failures() {
        assert_eq!(error_report(&snapshot(vec![], 0.0), 80), None);
    }

    #[test]
    fn headless_failures_sample() {
        let expected = [
            "Error report",
            HEADER,
            SEPARATOR_80,
            "12                 GET /does-not-exist: HTTPError('404 Client Error: File not found for url: /does-not-exist')         ",
            "15                 POST submit-form: HTTPError(\"501 Server Error: Unsupported method ('POST') for url: submit-form\")   ",
            SEPARATOR_80,
            "",
            "",
        ]
        .join("\n");
        assert_eq!(
            error_report(&headless_failures_final(), 80).as_deref(),
            Some(expected.as_str())
        );
    }

    #[test]
    fn connection_refused_sample_keeps_insertion_order() {
        let mut snap = snapshot(vec![], 0.0);
        snap.errors = vec![
            error("GET", "/", "ConnectionRefusedError(111, 'Connection refused')", 5),
            error(
                "GET",
                "/index.html?x=[id]",
                "ConnectionRefusedError(111, 'Connection refused')",
                3,
            ),
        ];
        let report = error_report(&snap, 80).unwrap_or_default();
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[1], HEADER);
        assert_eq!(lines[1].len(), 119);
        assert_eq!(
            lines[3],
            "5                  GET /: ConnectionRefusedError(111, 'Connection refused')                                            "
        );
        assert_eq!(
            lines[4],
            "3                  GET /index.html?x=[id]: ConnectionRefusedError(111, 'Connection refused')                           "
        );
    }

    #[test]
    fn long_errors_are_not_cut_and_separator_follows_nw() {
        let mut snap = snapshot(vec![], 0.0);
        let long = "x".repeat(150);
        snap.errors = vec![error("GET", "/", &long, 1234567)];
        let report = error_report(&snap, 0).unwrap_or_default();
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[2], format!("{}|{}", "-".repeat(18), "-".repeat(61)));
        assert_eq!(lines[3], format!("1234567            GET /: {long}"));
    }
}

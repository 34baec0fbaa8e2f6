//! Locust's request table (`get_stats_summary`, `StatsEntry.to_string`): printed every two
//! seconds during a headless run and once more as the final summary.

use cicada_engine::stats::{RequestStats, StatsSnapshot};

use super::render;

/// The request table for `snap`, ending with its empty line. `current` picks the rates:
/// the recent window for the periodic table, the whole run for the final summary.
pub fn stats_table(snap: &StatsSnapshot, current: bool, nw: usize) -> String {
    let name = NameColumn::new(nw);
    let separator = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        "-".repeat(8),
        "-".repeat(name.dashes),
        "-".repeat(7),
        "-".repeat(13),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(8),
        "-".repeat(11),
    );
    let mut lines = Vec::with_capacity(snap.entries.len() + 5);
    lines.push(format!(
        "{:<8} {:<w$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7} {:>11}",
        "Type",
        "Name",
        "# reqs",
        "# fails",
        "Avg",
        "Min",
        "Max",
        "Med",
        "req/s",
        "failures/s",
        w = name.pad,
    ));
    lines.push(separator.clone());
    for entry in snap.sorted_entries() {
        lines.push(row(snap, entry, current, name.pad));
    }
    lines.push(separator);
    lines.push(row(snap, &snap.total, current, name.pad));
    render(lines)
}

/// Locust builds the Name format as `"%-" + str(NW - 4) + "s"`. Below NW = 4 that becomes
/// `%--4s` and friends, which Python reads as left-aligned with width |NW - 4|, while the
/// separator's `'-' * (NW - 4)` is empty. Narrow terminals (under 84 columns) see this.
struct NameColumn {
    pad: usize,
    dashes: usize,
}

impl NameColumn {
    fn new(nw: usize) -> Self {
        NameColumn { pad: nw.abs_diff(4), dashes: nw.saturating_sub(4) }
    }
}

fn row(snap: &StatsSnapshot, e: &RequestStats, current: bool, pad: usize) -> String {
    let (rps, fail_per_sec) = if current {
        (snap.current_rps(e), snap.current_fail_per_sec(e))
    } else {
        (snap.total_rps(e), snap.total_fail_per_sec(e))
    };
    // Locust writes `method + " "` here, so a method of 8 or more characters still gets a
    // space before the 9th column's separator space.
    let kind = if e.method.is_empty() { String::new() } else { format!("{} ", e.method) };
    let fails = format!("{}({:.2}%)", e.num_failures, e.fail_ratio() * 100.0);
    format!(
        "{:<8} {:<pad$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7.2} {:>11.2}",
        kind,
        e.name,
        e.num_requests,
        fails,
        py_int(e.avg_response_time()),
        py_int(e.min_response_time().unwrap_or(0.0)),
        py_int(e.max_response_time()),
        py_int(e.median_response_time()),
        rps,
        fail_per_sec,
    )
}

/// Python's `%d` on a float: the integer part, cut toward zero (never rounded).
fn py_int(v: f64) -> i64 {
    v.trunc() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{
        entry, failing, headless_failures_final, headless_ok_final, snapshot,
    };

    const HEADER_80: &str = "Type     Name                                                                          # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s";
    const SEPARATOR_80: &str = "--------|----------------------------------------------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------";

    #[test]
    fn empty_run_prints_the_separator_twice() {
        // headless_ok/stderr_console.txt, the table printed at start.
        let expected = [
            HEADER_80,
            SEPARATOR_80,
            SEPARATOR_80,
            "         Aggregated                                                                         0     0(0.00%) |      0       0       0      0 |    0.00        0.00",
            "",
            "",
        ]
        .join("\n");
        assert_eq!(stats_table(&snapshot(vec![], 0.0), true, 80), expected);
    }

    #[test]
    fn lines_are_160_wide_at_nw_80() {
        let snap = snapshot(vec![entry("GET", "/", &[1.0])], 1.0);
        let table = stats_table(&snap, false, 80);
        for line in table.lines().filter(|l| !l.is_empty()) {
            assert_eq!(line.chars().count(), 160, "{line:?}");
        }
        assert!(table.ends_with("\n\n"));
    }

    #[test]
    fn periodic_table_from_headless_ok() {
        // headless_ok/stderr_console.txt, second table (rates are 0.00 in the first seconds).
        let snap = snapshot(
            vec![
                entry(
                    "GET",
                    "/index.html?x=[id]",
                    &[3., 4., 5., 5., 5., 7., 7., 7., 22., 24., 25., 27., 42., 76.],
                ),
                entry(
                    "GET",
                    "/",
                    &[2., 3., 4., 5., 5., 5., 5., 5., 5., 5., 5., 8., 10., 12., 13., 78.],
                ),
            ],
            2.0,
        );
        let expected = [
            HEADER_80,
            SEPARATOR_80,
            "GET      /                                                                                 16     0(0.00%) |     10       2      78      5 |    0.00        0.00",
            "GET      /index.html?x=[id]                                                                14     0(0.00%) |     18       3      76      7 |    0.00        0.00",
            SEPARATOR_80,
            "         Aggregated                                                                        30     0(0.00%) |     14       2      78      5 |    0.00        0.00",
            "",
            "",
        ]
        .join("\n");
        assert_eq!(stats_table(&snap, true, 80), expected);
    }

    #[test]
    fn final_table_from_headless_ok() {
        let snap = headless_ok_final();
        let expected = [
            HEADER_80,
            SEPARATOR_80,
            "GET      /                                                                                 27     0(0.00%) |      9       2      78      5 |    8.39        0.00",
            "GET      /index.html?x=[id]                                                                21     0(0.00%) |     14       3      76      6 |    6.52        0.00",
            SEPARATOR_80,
            "         Aggregated                                                                        48     0(0.00%) |     11       2      78      6 |   14.91        0.00",
            "",
            "",
        ]
        .join("\n");
        assert_eq!(stats_table(&snap, false, 80), expected);
    }

    #[test]
    fn final_table_from_headless_failures() {
        // `--json` had zeroed the entries (a Locust quirk the sample records); the total stays.
        let expected = [
            HEADER_80,
            SEPARATOR_80,
            "GET      /                                                                                  0     0(0.00%) |      0       0       0      0 |    0.00        0.00",
            "GET      /does-not-exist                                                                    0     0(0.00%) |      0       0       0      0 |    0.00        0.00",
            "POST     submit-form                                                                        0     0(0.00%) |      0       0       0      0 |    0.00        0.00",
            SEPARATOR_80,
            "         Aggregated                                                                        68   27(39.71%) |      8       2      34      6 |    9.49        3.77",
            "",
            "",
        ]
        .join("\n");
        assert_eq!(stats_table(&headless_failures_final(), false, 80), expected);
    }

    #[test]
    fn rows_sort_by_name_then_method_and_show_fail_ratio() {
        // The entries of headless_failures/stderr_console.txt, recorded in first-seen order
        // that differs from the table's, with whole-run rates over 4 s.
        let snap = snapshot(
            vec![
                failing(entry("POST", "submit-form", &[11.0; 9]), 9),
                entry("GET", "/", &[10.0; 21]),
                failing(entry("GET", "/does-not-exist", &[13.0; 8]), 8),
            ],
            4.0,
        );
        let expected = [
            HEADER_80,
            SEPARATOR_80,
            "GET      /                                                                                 21     0(0.00%) |     10      10      10     10 |    5.25        0.00",
            "GET      /does-not-exist                                                                    8   8(100.00%) |     13      13      13     13 |    2.00        2.00",
            "POST     submit-form                                                                        9   9(100.00%) |     11      11      11     11 |    2.25        2.25",
            SEPARATOR_80,
            "         Aggregated                                                                        38   17(44.74%) |     10      10      13     10 |    9.50        4.25",
            "",
            "",
        ]
        .join("\n");
        assert_eq!(stats_table(&snap, false, 80), expected);
    }

    #[test]
    fn same_name_sorts_by_method() {
        let snap = snapshot(
            vec![
                entry("POST", "/a", &[1.0]),
                entry("GET", "/b", &[1.0]),
                entry("GET", "/a", &[1.0]),
            ],
            1.0,
        );
        let table = stats_table(&snap, true, 10);
        let kinds: Vec<&str> = table.lines().skip(2).take(3).map(|l| &l[..13]).collect();
        assert_eq!(kinds, ["GET      /a  ", "POST     /a  ", "GET      /b  "]);
    }

    #[test]
    fn long_method_and_name_are_never_cut() {
        let snap = snapshot(vec![entry("PROPFIND", "/a-rather-long-name", &[1.0])], 1.0);
        let table = stats_table(&snap, true, 10);
        let row = table.lines().nth(2).unwrap_or_default();
        assert!(row.starts_with("PROPFIND  /a-rather-long-name       1 "), "{row:?}");
    }

    #[test]
    fn name_column_follows_nw() {
        let table = stats_table(&snapshot(vec![], 0.0), true, 40);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "Type     Name                                  # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s"
        );
        assert_eq!(
            lines[1],
            "--------|------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------"
        );
        assert_eq!(lines[0].len(), 120);
        assert_eq!(lines[1].len(), 120);
    }

    #[test]
    fn narrow_terminal_keeps_python_width_quirk() {
        // NW = 0 formats the name with `%--4s` (width 4) and an empty separator segment;
        // the expected lines are Python's own output for that format.
        let table = stats_table(&snapshot(vec![], 0.0), true, 0);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "Type     Name  # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s"
        );
        assert_eq!(
            lines[1],
            "--------||-------|-------------|-------|-------|-------|-------|--------|-----------"
        );
    }
}

//! `--summary-md`: a GitHub-flavoured Markdown report sized for a pull-request comment: the
//! verdict, the run's parameters, the thresholds, the requests and the most frequent
//! failures.
//!
//! Request names, thresholds and errors come from users and servers, so every cell is
//! escaped: names and expressions go in code spans (fenced with more backticks than they
//! contain), other text gets its Markdown punctuation backslash-escaped, `|` always becomes
//! `\|` (GFM splits cells on it even inside code spans) and newlines become spaces.

use std::fmt::Write;

use super::{Numbers, Report};
use crate::thresholds::{result, show, trimmed};

/// How many kinds of failure the report lists.
const TOP_FAILURES: usize = 10;

/// The report, newline-terminated.
pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### cicada load test: {}",
        if report.passed() { "PASSED" } else { "FAILED" }
    );
    out.push('\n');
    let _ = writeln!(out, "{}", verdict_line(report));
    out.push('\n');
    let run = &report.run;
    let host = run.host.as_deref().map_or_else(|| "(none)".to_string(), code);
    let _ = writeln!(
        out,
        "Host {host}, {} users, {} s",
        run.users,
        trimmed((run.end - run.start).max(0.0), 1)
    );
    if !report.outcomes.is_empty() {
        out.push_str("\n#### Thresholds\n\n| Threshold | Actual | Result |\n|---|---:|---|\n");
        for o in report.outcomes {
            let actual = o.actual.map_or_else(|| "-".to_string(), |v| show(o.threshold.metric, v));
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                code(&o.threshold.expression),
                actual,
                cell(&result(o))
            );
        }
    }
    requests(&mut out, report);
    failures(&mut out, report);
    out
}

/// `**FAILED**: 1 of 3 thresholds breached, 12 of 1520 requests failed (exit code 3)`.
fn verdict_line(report: &Report) -> String {
    let n = report.outcomes.len();
    let breached = report.outcomes.iter().filter(|o| !o.passed).count();
    let thresholds = match (n, breached) {
        (0, _) => "no thresholds".to_string(),
        (n, 0) => format!("all {n} thresholds passed"),
        (n, b) => format!("{b} of {n} thresholds breached"),
    };
    let total = &report.snap.total;
    let mut line = format!(
        "**{}**: {thresholds}, {} of {} requests failed",
        if report.passed() { "PASSED" } else { "FAILED" },
        total.num_failures,
        total.num_requests
    );
    let exceptions: u64 = report.snap.exceptions.iter().map(|e| e.count).sum();
    if exceptions > 0 {
        let _ = write!(line, ", {exceptions} errors in user code");
    }
    let _ = write!(line, " (exit code {})", report.exit_code);
    line
}

fn requests(out: &mut String, report: &Report) {
    let snap = report.snap;
    out.push_str(
        "\n#### Requests\n\n\
         | Method | Name | Requests | Failures | Median (ms) | p95 (ms) | p99 (ms) | Avg (ms) | req/s |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let row = |out: &mut String, method: &str, name: &str, n: &Numbers| {
        let _ = writeln!(
            out,
            "| {method} | {name} | {} | {} | {} | {} | {} | {} | {} |",
            n.requests,
            n.failures,
            trimmed(n.median, 1),
            n.p95,
            n.p99,
            trimmed(n.avg, 1),
            trimmed(n.rps, 2)
        );
    };
    for e in snap.sorted_entries() {
        row(out, &cell(&e.method), &code(&e.name), &Numbers::of(e, snap));
    }
    row(out, "", "**Aggregated**", &Numbers::of(&snap.total, snap));
}

/// The most frequent failures, most first (ties keep the order they were first seen).
fn failures(out: &mut String, report: &Report) {
    let mut errors: Vec<_> = report.snap.errors.iter().collect();
    if errors.is_empty() {
        return;
    }
    errors.sort_by_key(|e| std::cmp::Reverse(e.occurrences));
    out.push_str(
        "\n#### Failures\n\n| Occurrences | Method | Name | Error |\n|---:|---|---|---|\n",
    );
    for e in errors.iter().take(TOP_FAILURES) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            e.occurrences,
            cell(&e.method),
            code(&e.name),
            cell(&e.error)
        );
    }
    if errors.len() > TOP_FAILURES {
        let _ = writeln!(out, "\nand {} more kinds of failure", errors.len() - TOP_FAILURES);
    }
}

/// Text in a code span that survives a table cell: the fence is one backtick longer than the
/// longest run inside, padded when the text starts or ends with a backtick.
fn code(text: &str) -> String {
    let text = one_line(text);
    if text.is_empty() {
        return String::new();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

/// Plain text in a table cell, its inline Markdown punctuation escaped.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        if "\\`*_[]<>|&~#!".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn one_line(text: &str) -> String {
    text.split(['\r', '\n']).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::RunInfo;
    use super::*;
    use crate::test_support::{entry, error, failing, snapshot};
    use crate::thresholds::{evaluate, parse};

    #[test]
    fn code_spans_escape_pipes_and_outgrow_backticks() {
        assert_eq!(code("/a|b"), "`/a\\|b`");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("a\nb"), "`a b`");
        assert_eq!(code(""), "");
    }

    #[test]
    fn cells_escape_markdown_punctuation() {
        assert_eq!(cell("HTTPError('500 *bad* | x')"), "HTTPError('500 \\*bad\\* \\| x')");
        assert_eq!(cell("<b>_a_ [l](u)</b>"), "\\<b\\>\\_a\\_ \\[l\\](u)\\</b\\>");
        assert_eq!(cell("line 1\r\nline 2"), "line 1 line 2");
    }

    #[test]
    fn a_failed_run_report() {
        let mut snap = snapshot(
            vec![
                entry("GET", "/a|b", &[10.0, 20.0]),
                failing(entry("POST", "/login", &[100.0, 100.0, 300.0, 300.0]), 2),
            ],
            3.0,
        );
        snap.errors = vec![
            error("POST", "/login", "HTTPError('401')", 1),
            error("POST", "/login", "HTTPError('500 | boom')", 2),
        ];
        let thresholds = vec![
            parse("p95<200").unwrap_or_else(|e| panic!("{e}")),
            parse("/a|b:max<=20").unwrap_or_else(|e| panic!("{e}")),
        ];
        let outcomes = evaluate(&thresholds, &snap);
        let run = RunInfo {
            host: Some("http://127.0.0.1:8080".into()),
            users: 5,
            start: 10.0,
            end: 13.04,
        };
        let md = render(&Report { snap: &snap, outcomes: &outcomes, exit_code: 3, run });
        let expected = "\
### cicada load test: FAILED

**FAILED**: 1 of 2 thresholds breached, 2 of 6 requests failed (exit code 3)

Host `http://127.0.0.1:8080`, 5 users, 3 s

#### Thresholds

| Threshold | Actual | Result |
|---|---:|---|
| `p95<200` | 300 ms | BREACHED |
| `/a\\|b:max<=20` | 20 ms | passed |

#### Requests

| Method | Name | Requests | Failures | Median (ms) | p95 (ms) | p99 (ms) | Avg (ms) | req/s |
|---|---|---:|---:|---:|---:|---:|---:|---:|
| GET | `/a\\|b` | 2 | 0 | 20 | 20 | 20 | 15 | 0.67 |
| POST | `/login` | 4 | 2 | 300 | 300 | 300 | 200 | 1.33 |
|  | **Aggregated** | 6 | 2 | 100 | 300 | 300 | 138.3 | 2 |

#### Failures

| Occurrences | Method | Name | Error |
|---:|---|---|---|
| 2 | POST | `/login` | HTTPError('500 \\| boom') |
| 1 | POST | `/login` | HTTPError('401') |
";
        assert_eq!(md, expected);
    }

    #[test]
    fn a_passing_run_without_thresholds_or_failures() {
        let snap = snapshot(vec![entry("GET", "/", &[5.0])], 1.0);
        let run = RunInfo { host: None, users: 1, start: 0.0, end: 1.0 };
        let md = render(&Report { snap: &snap, outcomes: &[], exit_code: 0, run });
        assert!(md.starts_with("### cicada load test: PASSED\n\n**PASSED**: no thresholds, 0 of 1 requests failed (exit code 0)\n\nHost (none), 1 users, 1 s\n\n#### Requests\n"), "{md}");
        assert!(!md.contains("#### Thresholds") && !md.contains("#### Failures"), "{md}");
    }

    #[test]
    fn only_the_ten_most_frequent_failures() {
        let mut snap = snapshot(vec![failing(entry("GET", "/", &[5.0]), 1)], 1.0);
        snap.errors = (1..=12).map(|n| error("GET", "/", &format!("e{n}"), n)).collect();
        let run = RunInfo { host: None, users: 1, start: 0.0, end: 1.0 };
        let md = render(&Report { snap: &snap, outcomes: &[], exit_code: 1, run });
        let rows: Vec<&str> =
            md.lines().filter(|l| l.starts_with("| ") && l.contains(" e")).collect();
        assert_eq!(rows.len(), 10, "{md}");
        assert!(rows[0].starts_with("| 12 |") && rows[9].starts_with("| 3 |"), "{md}");
        assert!(md.ends_with("\nand 2 more kinds of failure\n"), "{md}");
    }
}

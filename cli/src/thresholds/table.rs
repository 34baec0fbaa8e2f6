//! The threshold results as the console shows them at the end of a run: one aligned row per
//! threshold, in the order given, after Locust's tables.
//!
//! ```text
//! Threshold          Actual   Result
//! --------------------------------------------------------------
//! p95<500            310 ms   passed
//! GET /api:p99<300   410 ms   BREACHED
//! /nope:p95<100      -        BREACHED: no requests named '/nope'
//! ```

use super::check::Outcome;
use super::parse::Metric;

/// The table, ending with an empty line like the console's other tables.
pub(crate) fn table(outcomes: &[Outcome]) -> String {
    let rows: Vec<[String; 3]> = outcomes
        .iter()
        .map(|o| {
            let actual = o.actual.map_or_else(|| "-".to_string(), |v| show(o.threshold.metric, v));
            [o.threshold.expression.clone(), actual, result(o)]
        })
        .collect();
    let width = |i: usize, header: &str| {
        rows.iter().map(|r| r[i].chars().count()).chain([header.chars().count()]).max().unwrap_or(0)
    };
    let (w0, w1) = (width(0, "Threshold"), width(1, "Actual"));
    let line = |cells: [&str; 3]| {
        format!("{:<w0$}   {:<w1$}   {}", cells[0], cells[1], cells[2]).trim_end().to_string()
    };
    let mut out = line(["Threshold", "Actual", "Result"]);
    out.push('\n');
    out.push_str(&"-".repeat(w0 + w1 + 6 + width(2, "Result")));
    out.push('\n');
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2]]));
        out.push('\n');
    }
    out.push('\n');
    out
}

/// `passed`, `BREACHED`, or `BREACHED: <reason>`.
pub(crate) fn result(o: &Outcome) -> String {
    match (o.passed, &o.reason) {
        (true, _) => "passed".to_string(),
        (false, None) => "BREACHED".to_string(),
        (false, Some(reason)) => format!("BREACHED: {reason}"),
    }
}

/// A measured value with its unit: `312 ms`, `1520.5 req/s`, `0.0133`, `12`.
pub(crate) fn show(metric: Metric, value: f64) -> String {
    match metric {
        Metric::Rps => format!("{} req/s", trimmed(value, 2)),
        Metric::FailRatio => trimmed(value, 4),
        Metric::Failures | Metric::Requests => trimmed(value, 0),
        _ => format!("{} ms", trimmed(value, 2)),
    }
}

/// `value` with at most `decimals` decimals and no trailing zeros.
pub(crate) fn trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::check::evaluate;
    use super::super::parse::parse;
    use super::*;
    use crate::test_support::{entry, failing, snapshot};

    #[test]
    fn rows_are_aligned_with_values_and_reasons() {
        let snap = snapshot(vec![failing(entry("GET", "/api", &[312.0, 12.5]), 1)], 2.0);
        let thresholds: Vec<_> = ["p95<500", "GET /api:avg<100", "fail_ratio<0.01", "/nope:p95<1"]
            .iter()
            .map(|e| parse(e).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let expected = "\
Threshold          Actual      Result
------------------------------------------------------------------
p95<500            310 ms      passed
GET /api:avg<100   162.25 ms   BREACHED
fail_ratio<0.01    0.5         BREACHED
/nope:p95<1        -           BREACHED: no requests named '/nope'

";
        assert_eq!(table(&evaluate(&thresholds, &snap)), expected);
    }

    #[test]
    fn values_carry_their_unit() {
        assert_eq!(show(Metric::Rps, 1520.456), "1520.46 req/s");
        assert_eq!(show(Metric::FailRatio, 0.013333), "0.0133");
        assert_eq!(show(Metric::FailRatio, 0.0), "0");
        assert_eq!(show(Metric::Requests, 12.0), "12");
        assert_eq!(show(Metric::Percentile(95.0), 300.0), "300 ms");
        assert_eq!(show(Metric::Avg, 12.345), "12.35 ms");
    }
}

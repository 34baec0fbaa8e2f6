//! The `--threshold` grammar: `[SELECTOR:]METRIC OP VALUE`, e.g. `p95<500`,
//! `fail_ratio<0.01`, `GET /api:p99<300ms`, `rps>=1000`.
//!
//! A request name may itself contain `:` (`/user:id`), so the selector ends at the last `:`
//! that is followed by a known metric and an operator. Every rejection says what is wrong,
//! so `--threshold` can report it the way argparse reports a bad value.

use std::fmt;

/// One pass/fail condition, checked on the final stats.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Threshold {
    /// The expression as written (trimmed), shown in every report.
    pub(crate) expression: String,
    /// The stats entry it applies to (`/api` or `GET /api`); None = the Aggregated row.
    pub(crate) selector: Option<String>,
    pub(crate) metric: Metric,
    pub(crate) op: Op,
    /// The limit, in ms for time metrics (a `s` unit is converted).
    pub(crate) limit: f64,
}

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Metric {
    /// Locust's bucketed percentile in ms; the field is the percent (95.0, 99.9).
    Percentile(f64),
    Median,
    Avg,
    Min,
    Max,
    /// Requests per second over the whole run.
    Rps,
    /// Failures over requests, 0..1.
    FailRatio,
    Failures,
    Requests,
}

/// The comparison that must hold for the threshold to pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Metric {
    /// Whether values are response times in ms (and so may carry a `ms` or `s` unit).
    pub(crate) fn is_time(self) -> bool {
        matches!(
            self,
            Metric::Percentile(_) | Metric::Median | Metric::Avg | Metric::Min | Metric::Max
        )
    }

    /// The metric's word: the key used in the JSON summary too.
    pub(crate) fn name(self) -> String {
        match self {
            Metric::Percentile(p) => format!("p{p}"),
            Metric::Median => "median".into(),
            Metric::Avg => "avg".into(),
            Metric::Min => "min".into(),
            Metric::Max => "max".into(),
            Metric::Rps => "rps".into(),
            Metric::FailRatio => "fail_ratio".into(),
            Metric::Failures => "failures".into(),
            Metric::Requests => "requests".into(),
        }
    }

    /// Read a metric word, or say why it is not one.
    fn parse(word: &str) -> Result<Metric, String> {
        Ok(match word {
            "median" => Metric::Median,
            "avg" => Metric::Avg,
            "min" => Metric::Min,
            "max" => Metric::Max,
            "rps" => Metric::Rps,
            "fail_ratio" => Metric::FailRatio,
            "failures" => Metric::Failures,
            "requests" => Metric::Requests,
            _ => match word.strip_prefix('p') {
                Some(digits) if is_decimal(digits) => {
                    let p: f64 = digits.parse().map_err(|_| unknown_metric(word))?;
                    if !(0.0..=100.0).contains(&p) {
                        return Err(format!("percentile '{word}' is not between p0 and p100"));
                    }
                    Metric::Percentile(p)
                }
                _ => return Err(unknown_metric(word)),
            },
        })
    }
}

impl Op {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Whether `actual OP limit` holds.
    pub(crate) fn holds(self, actual: f64, limit: f64) -> bool {
        match self {
            Op::Lt => actual < limit,
            Op::Le => actual <= limit,
            Op::Gt => actual > limit,
            Op::Ge => actual >= limit,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

/// The metric words, listed in error messages.
const METRICS: &str = "p50, p90, p95, p99, p99.9 (any pNN between p0 and p100), median, avg, \
                       min, max, rps, fail_ratio, failures, requests";

/// Parse one expression; the error names the expression and what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<Threshold, String> {
    let expression = text.trim();
    parse_trimmed(expression).map_err(|why| format!("invalid threshold '{expression}': {why}"))
}

/// Only the check, for the flag table (which validates every source the same way).
pub(crate) fn check(text: &str) -> Result<(), String> {
    parse(text).map(|_| ())
}

fn parse_trimmed(expression: &str) -> Result<Threshold, String> {
    if expression.is_empty() {
        return Err(format!(
            "empty; expected [NAME:]METRIC OP VALUE, e.g. p95<500 (metrics: {METRICS})"
        ));
    }
    let (selector, condition) = split_selector(expression);
    if let Some(name) = selector {
        if name.is_empty() {
            return Err(
                "no request name before ':' (leave out the ':' for the Aggregated row)".into()
            );
        }
    }
    let metric_end = condition.find(|c: char| c.is_whitespace() || "<>=!".contains(c));
    let Some(metric_end) = metric_end else {
        return Err(format!("no comparison; expected METRIC OP VALUE with OP one of <, <=, >, >= (e.g. {condition}<500)"));
    };
    let metric = Metric::parse(&condition[..metric_end])?;
    let rest = condition[metric_end..].trim_start();
    let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
        (Op::Le, v)
    } else if let Some(v) = rest.strip_prefix(">=") {
        (Op::Ge, v)
    } else if let Some(v) = rest.strip_prefix('<') {
        (Op::Lt, v)
    } else if let Some(v) = rest.strip_prefix('>') {
        (Op::Gt, v)
    } else {
        let got = rest.chars().take_while(|c| !c.is_ascii_alphanumeric()).collect::<String>();
        return Err(format!("unsupported comparison '{}'; use one of <, <=, >, >=", got.trim()));
    };
    let limit = parse_value(metric, value.trim())?;
    Ok(Threshold {
        expression: expression.to_string(),
        selector: selector.map(str::to_string),
        metric,
        op,
        limit,
    })
}

/// Split `NAME:CONDITION` at the last `:` whose right side starts with a metric word and an
/// operator; with no such `:`, the whole text is the condition.
fn split_selector(expression: &str) -> (Option<&str>, &str) {
    for (i, _) in expression.rmatch_indices(':') {
        let condition = expression[i + 1..].trim_start();
        if starts_with_condition(condition) {
            return (Some(expression[..i].trim()), condition);
        }
    }
    (None, expression)
}

fn starts_with_condition(text: &str) -> bool {
    let end = text.find(|c: char| c.is_whitespace() || "<>=!".contains(c));
    match end {
        Some(end) => {
            Metric::parse(&text[..end]).is_ok() && text[end..].trim_start().starts_with(['<', '>'])
        }
        None => false,
    }
}

/// The limit: a finite, non-negative number, with an optional `ms`/`s` unit on time metrics.
fn parse_value(metric: Metric, text: &str) -> Result<f64, String> {
    if text.is_empty() {
        return Err("no value after the comparison".into());
    }
    let (number, scale) = match text.strip_suffix("ms").or_else(|| text.strip_suffix('s')) {
        Some(number) if metric.is_time() => {
            (number.trim_end(), if text.ends_with("ms") { 1.0 } else { 1000.0 })
        }
        Some(_) => {
            return Err(format!(
                "'{}' takes a plain number; units (ms, s) are for response times",
                metric.name()
            ))
        }
        None => (text, 1.0),
    };
    if !is_decimal(number) {
        return Err(format!("'{text}' is not a number{}", unit_hint(metric)));
    }
    let value: f64 = number.parse().map_err(|_| format!("'{text}' is not a number"))?;
    if metric == Metric::FailRatio && value > 1.0 {
        return Err(format!("fail_ratio is a ratio between 0 and 1 (0.01 = 1%), got {number}"));
    }
    Ok(value * scale)
}

fn unit_hint(metric: Metric) -> &'static str {
    if metric.is_time() {
        " (a time in ms, or with a unit: 500ms, 1.5s)"
    } else {
        ""
    }
}

/// Digits with at most one `.` between digits: no sign, no exponent, no `inf`/`nan`, so the
/// value is finite and non-negative by construction.
fn is_decimal(text: &str) -> bool {
    let mut parts = text.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && parts.next().is_none_or(all_digits)
}

fn unknown_metric(word: &str) -> String {
    format!("unknown metric '{word}' (metrics: {METRICS})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Threshold {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> String {
        match parse(text) {
            Ok(t) => panic!("{text} parsed as {t:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn aggregated_thresholds() {
        let t = ok(" p95<500 ");
        assert_eq!(
            t,
            Threshold {
                expression: "p95<500".into(),
                selector: None,
                metric: Metric::Percentile(95.0),
                op: Op::Lt,
                limit: 500.0,
            }
        );
        assert_eq!(ok("fail_ratio < 0.01").metric, Metric::FailRatio);
        assert_eq!((ok("rps>1000").op, ok("rps>1000").limit), (Op::Gt, 1000.0));
        assert_eq!(ok("p99.9<=2s").limit, 2000.0);
        assert_eq!(ok("p99.99>=1.5s").metric, Metric::Percentile(99.99));
        assert_eq!(ok("median<250ms").limit, 250.0);
        assert_eq!(ok("p100 < 3000").metric, Metric::Percentile(100.0));
        assert_eq!(ok("avg<10").metric, Metric::Avg);
        assert_eq!(ok("min<10").metric, Metric::Min);
        assert_eq!(ok("max<10 s").limit, 10_000.0);
        assert_eq!(ok("failures<=0").limit, 0.0);
        assert_eq!(ok("requests>=100").metric, Metric::Requests);
    }

    #[test]
    fn selectors_end_at_the_last_colon_before_a_metric() {
        assert_eq!(ok("GET /api:p99<300").selector.as_deref(), Some("GET /api"));
        assert_eq!(ok("/api : p99<300").selector.as_deref(), Some("/api"));
        assert_eq!(ok("/user:id:p95<10").selector.as_deref(), Some("/user:id"));
        assert_eq!(ok("http://x:80/a:fail_ratio<0.1").selector.as_deref(), Some("http://x:80/a"));
        // A metric word inside the name is part of the name.
        assert_eq!(ok("/p95:avg<1").selector.as_deref(), Some("/p95"));
    }

    #[test]
    fn metric_names_round_trip() {
        for text in [
            "p50",
            "p99.9",
            "median",
            "avg",
            "min",
            "max",
            "rps",
            "fail_ratio",
            "failures",
            "requests",
        ] {
            assert_eq!(Metric::parse(text).map(Metric::name).as_deref(), Ok(text));
        }
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        assert!(err("").contains("empty"), "{}", err(""));
        assert!(err("p95").contains("no comparison"));
        assert!(err("p96.x<5").contains("unknown metric 'p96.x'"));
        assert!(
            err("latency<5").starts_with("invalid threshold 'latency<5': unknown metric 'latency'")
        );
        assert!(err("p101<5").contains("not between p0 and p100"));
        assert!(err("p95==5").contains("unsupported comparison '=='"));
        assert!(err("p95!=5").contains("unsupported comparison '!='"));
        assert!(err("p95=5").contains("unsupported comparison '='"));
        assert!(err("p95<").contains("no value"));
        assert!(err("p95<abc").contains("'abc' is not a number (a time in ms"));
        assert!(err("p95<-5").contains("'-5' is not a number"));
        assert!(err("p95<inf").contains("not a number"));
        assert!(err("p95<1e3").contains("not a number"));
        assert!(err("p95<5 minutes").contains("not a number"));
        assert!(err("rps>5s").contains("'rps' takes a plain number"));
        assert!(err("fail_ratio<5").contains("between 0 and 1"));
        assert!(err(":p95<5").contains("no request name before ':'"));
    }
}

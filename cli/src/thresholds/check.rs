//! Evaluating thresholds on the final stats snapshot.
//!
//! A selector names a request (`/api`, every method of it combined) or a method and a
//! request (`GET /api`); an exact name wins, so names with spaces work. A selector that
//! matches nothing, or a time metric with no timed request to measure, is a breach with its
//! reason: a CI check must not pass because the thing it checks never ran.

use cicada_engine::{RequestStats, StatsSnapshot};

use super::parse::{Metric, Threshold};

/// One threshold's result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) threshold: Threshold,
    /// The measured value (ms for time metrics); None when there was nothing to measure.
    pub(crate) actual: Option<f64>,
    pub(crate) passed: bool,
    /// Why it was breached without a value to compare.
    pub(crate) reason: Option<String>,
}

/// Check every threshold, in the order given.
pub(crate) fn evaluate(thresholds: &[Threshold], snap: &StatsSnapshot) -> Vec<Outcome> {
    thresholds.iter().map(|t| evaluate_one(t, snap)).collect()
}

fn evaluate_one(threshold: &Threshold, snap: &StatsSnapshot) -> Outcome {
    let breach = |reason: String| Outcome {
        threshold: threshold.clone(),
        actual: None,
        passed: false,
        reason: Some(reason),
    };
    let combined;
    let entry = match &threshold.selector {
        None => &snap.total,
        Some(selector) => match combine(&select(snap, selector), selector, snap) {
            Some(e) => {
                combined = e;
                &combined
            }
            None => return breach(format!("no requests named '{selector}'")),
        },
    };
    match measure(threshold.metric, entry, snap) {
        Some(actual) => Outcome {
            threshold: threshold.clone(),
            actual: Some(actual),
            passed: threshold.op.holds(actual, threshold.limit),
            reason: None,
        },
        None => breach(match &threshold.selector {
            None => "no response times recorded".to_string(),
            Some(selector) => format!("no response times recorded for '{selector}'"),
        }),
    }
}

/// The entries a selector names: by exact name first, else as `METHOD NAME`.
fn select<'a>(snap: &'a StatsSnapshot, selector: &str) -> Vec<&'a RequestStats> {
    let by_name: Vec<&RequestStats> = snap.entries.iter().filter(|e| e.name == selector).collect();
    if !by_name.is_empty() {
        return by_name;
    }
    let Some((method, name)) = selector.split_once(char::is_whitespace) else {
        return Vec::new();
    };
    let name = name.trim_start();
    snap.entries
        .iter()
        .filter(|e| e.method.eq_ignore_ascii_case(method) && e.name == name)
        .collect()
}

/// One entry for the selection: itself, or the merge of several methods of one name.
fn combine(found: &[&RequestStats], selector: &str, snap: &StatsSnapshot) -> Option<RequestStats> {
    match found {
        [] => None,
        [one] => Some((*one).clone()),
        many => {
            let mut sum = RequestStats::new("", selector, snap.total.start_time);
            for e in many {
                sum += *e;
            }
            Some(sum)
        }
    }
}

/// The metric's value for `e`, or None for a time metric with no timed request.
fn measure(metric: Metric, e: &RequestStats, snap: &StatsSnapshot) -> Option<f64> {
    let timed = e.num_timed() > 0;
    match metric {
        Metric::Percentile(p) => timed.then(|| e.percentile(p / 100.0) as f64),
        Metric::Median => timed.then(|| e.median_response_time()),
        Metric::Avg => timed.then(|| e.avg_response_time()),
        Metric::Min => e.min_response_time(),
        Metric::Max => timed.then(|| e.max_response_time()),
        Metric::Rps => Some(snap.total_rps(e)),
        Metric::FailRatio => Some(e.fail_ratio()),
        Metric::Failures => Some(e.num_failures as f64),
        Metric::Requests => Some(e.num_requests as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;
    use crate::test_support::{entry, failing, snapshot};

    fn check(expression: &str, snap: &StatsSnapshot) -> Outcome {
        let t = parse(expression).unwrap_or_else(|e| panic!("{e}"));
        evaluate(&[t], snap).remove(0)
    }

    /// `/fast` 10 requests at 10 ms; `GET /slow` 10 at 100 ms, 2 failed; `POST /slow` 10 at
    /// 300 ms; over 10 seconds.
    fn sample() -> StatsSnapshot {
        snapshot(
            vec![
                entry("GET", "/fast", &[10.0; 10]),
                failing(entry("GET", "/slow", &[100.0; 10]), 2),
                entry("POST", "/slow", &[300.0; 10]),
            ],
            10.0,
        )
    }

    #[test]
    fn aggregated_metrics() {
        let snap = sample();
        let actual = |e: &str| check(e, &snap).actual;
        assert_eq!(actual("p50<1"), Some(100.0));
        assert_eq!(actual("p100<1"), Some(300.0));
        assert_eq!(actual("max<1"), Some(300.0));
        assert_eq!(actual("min<1"), Some(10.0));
        assert_eq!(actual("median<1"), Some(100.0));
        assert_eq!(actual("requests<1"), Some(30.0));
        assert_eq!(actual("failures<1"), Some(2.0));
        assert_eq!(actual("rps<1"), Some(3.0));
        let avg = actual("avg<1").unwrap_or_default();
        assert!((avg - 136.666).abs() < 0.01, "{avg}");
        let ratio = actual("fail_ratio<1").unwrap_or_default();
        assert!((ratio - 2.0 / 30.0).abs() < 1e-12);
    }

    #[test]
    fn comparisons_decide_pass_or_breach() {
        let snap = sample();
        assert!(check("p100<=300", &snap).passed);
        assert!(!check("p100<300", &snap).passed);
        assert!(check("rps>=3", &snap).passed);
        assert!(!check("rps>3", &snap).passed);
        assert!(!check("fail_ratio<0.05", &snap).passed);
        assert!(check("failures<=2", &snap).passed);
        assert!(check("p50<0.2s", &snap).passed);
    }

    #[test]
    fn selectors_pick_one_method_or_all_of_a_name() {
        let snap = sample();
        assert_eq!(check("/fast:max<1", &snap).actual, Some(10.0));
        assert_eq!(check("GET /slow:max<1", &snap).actual, Some(100.0));
        assert_eq!(check("post /slow:max<1", &snap).actual, Some(300.0));
        // Both methods of /slow together.
        assert_eq!(check("/slow:requests<1", &snap).actual, Some(20.0));
        assert_eq!(check("/slow:p100<1", &snap).actual, Some(300.0));
        assert_eq!(check("/slow:rps<1", &snap).actual, Some(2.0));
        assert_eq!(check("GET /slow:failures<1", &snap).actual, Some(2.0));
    }

    #[test]
    fn names_with_spaces_and_colons_match_exactly() {
        let snap = snapshot(vec![entry("GET", "log in: step 1", &[5.0])], 1.0);
        let out = check("log in: step 1:p95<10", &snap);
        assert_eq!((out.actual, out.passed), (Some(5.0), true));
    }

    #[test]
    fn nothing_to_measure_is_a_breach_with_a_reason() {
        let snap = sample();
        let missing = check("/nope:p95<500", &snap);
        assert_eq!((missing.passed, missing.actual), (false, None));
        assert_eq!(missing.reason.as_deref(), Some("no requests named '/nope'"));
        assert_eq!(
            check("DELETE /fast:requests>=0", &snap).reason.as_deref(),
            Some("no requests named 'DELETE /fast'")
        );
        let empty = snapshot(vec![], 0.0);
        let out = check("p95<500", &empty);
        assert_eq!(
            (out.passed, out.reason.as_deref()),
            (false, Some("no response times recorded"))
        );
        // Counts need no response time: zero requests is a value.
        let out = check("failures<1", &empty);
        assert_eq!((out.passed, out.actual), (true, Some(0.0)));
    }
}

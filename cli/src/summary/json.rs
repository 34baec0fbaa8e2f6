//! `--summary-json`: one JSON document with the verdict, every threshold's result and the key
//! numbers. Times are ms, timestamps Unix seconds.
//!
//! ```json
//! { "verdict": "failed", "exit_code": 3,
//!   "thresholds": [{ "expression": "p95<500", "selector": null, "metric": "p95", "op": "<",
//!                    "limit": 500.0, "actual": 612.0, "passed": false }],
//!   "totals": { "requests": 120, "failures": 0, ... },
//!   "entries": [{ "method": "GET", "name": "/", "requests": 120, ... }],
//!   "run": { "host": "...", "users": 10, "start_time": ..., "end_time": ..., "duration_s": ... } }
//! ```

use serde_json::{json, Map, Value};

use super::{Numbers, Report};
use crate::thresholds::Outcome;

/// The document, pretty-printed, newline-terminated.
pub(super) fn render(report: &Report) -> String {
    let snap = report.snap;
    let entries: Vec<Value> = snap
        .sorted_entries()
        .into_iter()
        .map(|e| {
            let mut row = Map::new();
            row.insert("method".into(), json!(e.method));
            row.insert("name".into(), json!(e.name));
            row.extend(numbers(&Numbers::of(e, snap)));
            Value::Object(row)
        })
        .collect();
    let run = &report.run;
    let doc = json!({
        "verdict": if report.passed() { "passed" } else { "failed" },
        "exit_code": report.exit_code,
        "thresholds": report.outcomes.iter().map(threshold).collect::<Vec<_>>(),
        "totals": Value::Object(numbers(&Numbers::of(&snap.total, snap))),
        "entries": entries,
        "run": {
            "host": run.host,
            "users": run.users,
            "start_time": run.start,
            "end_time": run.end,
            "duration_s": (run.end - run.start).max(0.0),
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn threshold(o: &Outcome) -> Value {
    let t = &o.threshold;
    let mut v = json!({
        "expression": t.expression,
        "selector": t.selector,
        "metric": t.metric.name(),
        "op": t.op.symbol(),
        "limit": t.limit,
        "actual": o.actual,
        "passed": o.passed,
    });
    if let (Some(reason), Value::Object(map)) = (&o.reason, &mut v) {
        map.insert("reason".into(), json!(reason));
    }
    v
}

fn numbers(n: &Numbers) -> Map<String, Value> {
    let v = json!({
        "requests": n.requests,
        "failures": n.failures,
        "fail_ratio": n.fail_ratio,
        "rps": n.rps,
        "avg": n.avg,
        "median": n.median,
        "p95": n.p95,
        "p99": n.p99,
        "max": n.max,
    });
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::RunInfo;
    use super::*;
    use crate::test_support::{entry, failing, snapshot};
    use crate::thresholds::{evaluate, parse};

    #[test]
    fn verdict_thresholds_totals_and_entries() {
        let snap = snapshot(
            vec![failing(entry("POST", "/b", &[20.0, 40.0]), 1), entry("GET", "/a", &[10.0; 3])],
            5.0,
        );
        let thresholds = vec![
            parse("p95<30").unwrap_or_else(|e| panic!("{e}")),
            parse("/x:rps>1").unwrap_or_else(|e| panic!("{e}")),
        ];
        let outcomes = evaluate(&thresholds, &snap);
        let run = RunInfo { host: Some("http://h".into()), users: 4, start: 100.0, end: 105.5 };
        let text = render(&Report { snap: &snap, outcomes: &outcomes, exit_code: 3, run });
        let doc: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(doc["verdict"], "failed");
        assert_eq!(doc["exit_code"], 3);
        assert_eq!(
            doc["thresholds"][0],
            json!({"expression": "p95<30", "selector": null, "metric": "p95", "op": "<",
                   "limit": 30.0, "actual": 40.0, "passed": false})
        );
        assert_eq!(doc["thresholds"][1]["selector"], "/x");
        assert_eq!(doc["thresholds"][1]["actual"], Value::Null);
        assert_eq!(doc["thresholds"][1]["reason"], "no requests named '/x'");
        assert_eq!(doc["totals"]["requests"], 5);
        assert_eq!(doc["totals"]["failures"], 1);
        assert_eq!(doc["totals"]["rps"], 1.0);
        assert_eq!(doc["totals"]["max"], 40.0);
        let names: Vec<&Value> = doc["entries"]
            .as_array()
            .map(|a| a.iter().map(|e| &e["name"]).collect())
            .unwrap_or_default();
        assert_eq!(names, [&json!("/a"), &json!("/b")]);
        assert_eq!(doc["entries"][1]["method"], "POST");
        assert_eq!(doc["entries"][1]["fail_ratio"], 0.5);
        assert_eq!(
            doc["run"],
            json!({"host": "http://h", "users": 4, "start_time": 100.0,
                                      "end_time": 105.5, "duration_s": 5.5})
        );
        assert!(text.ends_with("}\n"));
    }
}

//! The renderers against Locust 2.47's own files (`shared/reference/samples`, beside the
//! repository; a checkout without them still runs every check that needs no file) and
//! against crafted snapshots whose exact text is known.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::stats::{ErrorStats, ExceptionStats, RequestStats, StatsSnapshot};

use super::*;

/// A sample file's text, or None when the reference folder is not beside the repository.
fn sample(path: &str) -> Option<String> {
    let full = format!("{}/../../shared/reference/samples/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(full).ok()
}

fn first_line(text: &str) -> &str {
    text.split("\r\n").next().unwrap_or_default()
}

fn snapshot(entries: Vec<RequestStats>) -> StatsSnapshot {
    let mut total = RequestStats::new("", "Aggregated", 1_795_692_167.0);
    for e in &entries {
        total += e;
    }
    StatsSnapshot { entries, total, errors: vec![], exceptions: vec![], user_count: 5 }
}

/// An entry with one request per (µs, content length, failed), at `second` + 0.5.
fn entry(method: &str, name: &str, requests: &[(u64, u64, bool)], second: f64) -> RequestStats {
    let mut e = RequestStats::new(method, name, second);
    for &(us, len, failed) in requests {
        e.log(Some(Duration::from_micros(us)), len, failed, second + 0.5);
    }
    e
}

fn error(method: &str, name: &str, text: &str, n: u64, first: f64, last: f64) -> ErrorStats {
    ErrorStats {
        method: method.into(),
        name: name.into(),
        error: text.into(),
        occurrences: n,
        first_seen: first,
        last_seen: last,
    }
}

const HTTP_501: &str =
    "HTTPError(\"501 Server Error: Unsupported method ('POST') for url: submit-form\")";
const HTTP_404: &str = "HTTPError('404 Client Error: File not found for url: /does-not-exist')";
const REFUSED: &str = "ConnectionRefusedError(111, 'Connection refused')";

#[test]
fn csv_headers_are_locusts() {
    let headers = [
        ("headless_failures/x_stats.csv", STATS_CSV_HEADER),
        ("headless_failures/x_stats_history.csv", STATS_HISTORY_CSV_HEADER),
        ("headless_failures/x_failures.csv", FAILURES_CSV_HEADER),
        ("headless_failures/x_exceptions.csv", EXCEPTIONS_CSV_HEADER),
        ("headless_full_history/x_stats_history.csv", STATS_HISTORY_CSV_HEADER),
        ("connection_refused/x_stats.csv", STATS_CSV_HEADER),
    ];
    for (path, header) in headers {
        if let Some(text) = sample(path) {
            assert_eq!(first_line(&text), header, "{path}");
        }
    }
    let empty = snapshot(vec![]);
    for (text, header) in [
        (stats_csv(&empty), STATS_CSV_HEADER),
        (stats_history_csv_header(), STATS_HISTORY_CSV_HEADER),
        (failures_csv(&empty), FAILURES_CSV_HEADER),
        (exceptions_csv(&empty), EXCEPTIONS_CSV_HEADER),
    ] {
        assert!(text.starts_with(&format!("{header}\r\n")), "{text}");
    }
    assert_eq!(STATS_CSV_HEADER.split(',').count(), 22);
    assert_eq!(STATS_HISTORY_CSV_HEADER.split(',').count(), 24);
}

#[test]
fn json_keys_are_locusts() {
    for path in ["headless_failures/stdout_from_--json.json", "headless_full_history/final.json"] {
        let Some(text) = sample(path) else { continue };
        // The first object's own keys: the lines indented by exactly 8 spaces.
        let keys: Vec<&str> = text
            .lines()
            .skip(2)
            .take_while(|l| *l != "    },")
            .filter(|l| l.starts_with("        \"") && !l.starts_with("         "))
            .filter_map(|l| l.trim_start().strip_prefix('"')?.split('"').next())
            .collect();
        assert_eq!(keys, JSON_KEYS, "{path}");
    }
}

#[test]
fn an_empty_run_renders_like_locusts() {
    let snap = snapshot(vec![]);
    assert_eq!(
        stats_csv(&snap).split_once("\r\n").map(|(_, rows)| rows),
        Some(",Aggregated,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\r\n")
    );
    let mut idle = snap.clone();
    idle.user_count = 0;
    let row = stats_history_csv_rows(&idle, 1_795_692_167, false);
    assert_eq!(
        row,
        "1795692167,0,,Aggregated,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,\
         0,0,0,0.0,0,0,0\r\n"
    );
    if let Some(text) = sample("headless_failures/x_stats_history.csv") {
        assert_eq!(text.split("\r\n").nth(1).map(|l| format!("{l}\r\n")), Some(row));
    }
    assert_eq!(failures_csv(&snap), format!("{FAILURES_CSV_HEADER}\r\n"));
    assert_eq!(exceptions_csv(&snap), format!("{EXCEPTIONS_CSV_HEADER}\r\n"));
    assert_eq!(stats_json(&snap), "[]");
}

#[test]
fn stats_rows_use_pythons_types_and_order() {
    let root =
        entry("GET", "/", &[(3_000, 12, false), (5_000, 12, false), (31_000, 12, true)], 0.0);
    let post = entry("POST", "submit-form", &[(8_871, 357, true)], 0.0);
    let quoted = entry("GET", "/a,\"b\"", &[], 0.0);
    let mut snap = snapshot(vec![post, root, quoted]);
    snap.total.start_time = 1000.0;
    snap.total.last_request_timestamp = Some(1002.0);
    let text = stats_csv(&snap);
    let rows: Vec<&str> = text.split("\r\n").skip(1).collect();
    assert_eq!(
        rows,
        [
            "GET,/,3,1,5,13.0,3.0,31.0,12.0,1.5,0.5,5,5,31,31,31,31,31,31,31,31,31",
            // Sorted by (name, method); no requests: `min or 0`, int 0 sizes and N/A.
            "GET,\"/a,\"\"b\"\"\",0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
            // One 8.871 ms request: the median bucket (9) is clamped to the max, a float.
            "POST,submit-form,1,1,8.871,8.871,8.871,8.871,357.0,0.5,0.5,9,9,9,9,9,9,9,9,9,9,9",
            ",Aggregated,4,2,9,11.96775,3.0,31.0,98.25,2.0,1.0,9,9,31,31,31,31,31,31,31,31,31",
            "",
        ]
    );
}

#[test]
fn history_rows_carry_one_timestamp_and_current_percentiles_with_full_history() {
    let get = entry("GET", "/", &[(10_000, 1, false)], 1_795_692_195.0);
    let snap = snapshot(vec![get]);
    let plain = stats_history_csv_rows(&snap, 1_795_692_196, false);
    assert_eq!(
        plain,
        "1795692196,5,,Aggregated,0.000000,0.000000,10,10,10,10,10,10,10,10,10,10,10,\
         1,0,10,10.0,10.0,10.0,1.0\r\n"
    );
    let full = stats_history_csv_rows(&snap, 1_795_692_196, true);
    assert_eq!(
        full,
        "1795692196,5,GET,/,0.000000,0.000000,0,0,0,0,0,0,0,0,0,0,0,1,0,10,10.0,10.0,10.0,1.0\r\n\
         1795692196,5,,Aggregated,0.000000,0.000000,0,0,0,0,0,0,0,0,0,0,0,\
         1,0,10,10.0,10.0,10.0,1.0\r\n"
    );
}

#[test]
fn failures_are_in_locusts_sha256_order_with_utc_times() {
    // Locust's keys: 2936c55d… (POST 501), 38525224… (refused /), 81d69a0b… (refused
    // /index.html?x=[id]), e54c7239… (404).
    let snap = |errors| StatsSnapshot { errors, ..snapshot(vec![]) };
    let all = snap(vec![
        error("GET", "/does-not-exist", HTTP_404, 12, 1_795_692_167.4, 1_795_692_173.5),
        error("GET", "/index.html?x=[id]", REFUSED, 2, 1_795_693_021.0, 1_795_693_021.0),
        error("GET", "/", REFUSED, 3, 1_795_693_020.0, 1_795_693_021.0),
        error("POST", "submit-form", HTTP_501, 15, 1_795_692_167.4, 1_795_692_174.9),
    ]);
    let names: Vec<String> = failures_csv(&all)
        .split("\r\n")
        .skip(1)
        .filter_map(|r| r.split(',').nth(1).map(str::to_owned))
        .collect();
    assert_eq!(names, ["submit-form", "/", "/index.html?x=[id]", "/does-not-exist"]);

    let headless = snap(vec![
        error("GET", "/does-not-exist", HTTP_404, 12, 1_795_692_167.4, 1_795_692_173.5),
        error("POST", "submit-form", HTTP_501, 15, 1_795_692_167.4, 1_795_692_174.9),
    ]);
    let want = "Method,Name,Error,Occurrences,First Seen,Last Seen\r\n\
        POST,submit-form,\"HTTPError(\"\"501 Server Error: Unsupported method ('POST') for url: \
        submit-form\"\")\",15,2026-11-26T11:22:47Z,2026-11-26T11:22:54Z\r\n\
        GET,/does-not-exist,HTTPError('404 Client Error: File not found for url: \
        /does-not-exist'),12,2026-11-26T11:22:47Z,2026-11-26T11:22:53Z\r\n";
    assert_eq!(failures_csv(&headless), want);
    if let Some(text) = sample("headless_failures/x_failures.csv") {
        assert_eq!(failures_csv(&headless), text);
    }
}

#[test]
fn exceptions_match_the_sample_byte_for_byte() {
    let traceback = "  File \"/opt/venv/lib/python3.11/site-packages/locust/user/task.py\", line 363, in run\n    self.execute_next_task()\n  File \"/opt/venv/lib/python3.11/site-packages/locust/user/task.py\", line 396, in execute_next_task\n    self.execute_task(self._task_queue.popleft())\n  File \"/opt/venv/lib/python3.11/site-packages/locust/user/task.py\", line 513, in execute_task\n    task(self.user)\n  File \"/srv/loadtest/locustfile.py\", line 21, in boom\n    raise ValueError(\"boom from task\")\n";
    let exception = |nodes: &[&str]| ExceptionStats {
        count: 7,
        message: "boom from task".into(),
        traceback: traceback.into(),
        nodes: nodes.iter().map(|n| n.to_string()).collect::<BTreeSet<_>>(),
    };
    let snap = StatsSnapshot { exceptions: vec![exception(&["local"])], ..snapshot(vec![]) };
    let text = exceptions_csv(&snap);
    assert!(text.ends_with("    raise ValueError(\"\"boom from task\"\")\n\",local\r\n"), "{text}");
    if let Some(want) = sample("headless_failures/x_exceptions.csv") {
        assert_eq!(text, want);
    }
    let two = StatsSnapshot { exceptions: vec![exception(&["w2", "w1"])], ..snapshot(vec![]) };
    assert!(exceptions_csv(&two).ends_with(",\"w1, w2\"\r\n"));
}

#[test]
fn json_has_pythons_layout_and_types() {
    let mut e = entry("GET", "/does-not-exist", &[(4_000, 335, true), (22_000, 335, true)], 100.0);
    e.start_time = 1_795_692_167.4234264;
    e.last_request_timestamp = Some(1_795_692_173.5553696);
    let idle = RequestStats::new("GET", "/never", 100.0);
    let mut untimed = RequestStats::new("GET", "é", 5.0);
    untimed.log(None, 0, false, 6.0);
    let snap = snapshot(vec![e, idle, untimed]);
    let want = r#"[
    {
        "name": "/does-not-exist",
        "method": "GET",
        "last_request_timestamp": 1795692173.5553696,
        "start_time": 1795692167.4234264,
        "num_requests": 2,
        "num_none_requests": 0,
        "num_failures": 2,
        "total_response_time": 26.0,
        "max_response_time": 22.0,
        "min_response_time": 4.0,
        "total_content_length": 670,
        "response_times": {
            "4": 1,
            "22": 1
        },
        "num_reqs_per_sec": {
            "100": 2
        },
        "num_fail_per_sec": {
            "100": 2
        }
    },
    {
        "name": "\u00e9",
        "method": "GET",
        "last_request_timestamp": 6.0,
        "start_time": 5.0,
        "num_requests": 1,
        "num_none_requests": 1,
        "num_failures": 0,
        "total_response_time": 0,
        "max_response_time": 0,
        "min_response_time": null,
        "total_content_length": 0,
        "response_times": {},
        "num_reqs_per_sec": {
            "6": 1
        },
        "num_fail_per_sec": {}
    }
]"#;
    assert_eq!(stats_json(&snap), want);
}

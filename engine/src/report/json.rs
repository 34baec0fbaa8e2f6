//! `--json` / `--json-file`: Locust's `serialize_stats()` as `json.dumps(indent=4)` writes it.
//! An array of per-entry objects in first-seen order, without the Aggregated total; entries
//! with no request and no failure are left out.

use crate::stats::{RequestStats, StatsSnapshot};

use super::pytext::{float, json_string};

/// Each object's keys, in Locust's order (`StatsEntryDict`).
pub const JSON_KEYS: [&str; 14] = [
    "name",
    "method",
    "last_request_timestamp",
    "start_time",
    "num_requests",
    "num_none_requests",
    "num_failures",
    "total_response_time",
    "max_response_time",
    "min_response_time",
    "total_content_length",
    "response_times",
    "num_reqs_per_sec",
    "num_fail_per_sec",
];

/// The JSON text, without a final newline (Locust's file has none; `print` adds one).
pub fn stats_json(snap: &StatsSnapshot) -> String {
    let objects: Vec<String> = snap
        .entries
        .iter()
        .filter(|e| e.num_requests > 0 || e.num_failures > 0)
        .map(|e| object(&values(e), 1))
        .collect();
    if objects.is_empty() {
        return "[]".to_owned();
    }
    format!("[\n{}{}\n]", indent(1), objects.join(&format!(",\n{}", indent(1))))
}

/// The entry's values in [`JSON_KEYS`] order, as JSON text, with Locust's Python types:
/// `total_response_time` and `max_response_time` stay the int 0 until a timed request.
fn values(e: &RequestStats) -> [String; 14] {
    let timed = e.num_timed() > 0;
    let optional = |v: Option<f64>| v.map_or_else(|| "null".to_owned(), float);
    let counts = |pairs: Vec<(String, u64)>| {
        let members: Vec<(String, String)> =
            pairs.into_iter().map(|(k, c)| (json_string(&k), c.to_string())).collect();
        object_of(&members, 2)
    };
    [
        json_string(&e.name),
        json_string(&e.method),
        optional(e.last_request_timestamp),
        float(e.start_time),
        e.num_requests.to_string(),
        e.num_none_requests.to_string(),
        e.num_failures.to_string(),
        if timed { float(e.total_response_time_us as f64 / 1000.0) } else { "0".to_owned() },
        if e.max_response_time_us > 0 { float(e.max_response_time()) } else { "0".to_owned() },
        optional(e.min_response_time()),
        e.total_content_length.to_string(),
        counts(e.response_time_buckets().into_iter().map(|(ms, c)| (ms.to_string(), c)).collect()),
        counts(e.num_reqs_per_sec.iter().map(|(s, c)| (s.to_string(), c)).collect()),
        counts(e.num_fail_per_sec.iter().map(|(s, c)| (s.to_string(), c)).collect()),
    ]
}

fn object(values: &[String; 14], depth: usize) -> String {
    let members: Vec<(String, String)> =
        JSON_KEYS.iter().zip(values).map(|(k, v)| (json_string(k), v.clone())).collect();
    object_of(&members, depth)
}

/// `{...}` at nesting `depth` with one member per line, or `{}` when empty, as Python's
/// `json.dumps(indent=4)` lays it out.
fn object_of(members: &[(String, String)], depth: usize) -> String {
    if members.is_empty() {
        return "{}".to_owned();
    }
    let inner = indent(depth + 1);
    let lines: Vec<String> = members.iter().map(|(k, v)| format!("{inner}{k}: {v}")).collect();
    format!("{{\n{}\n{}}}", lines.join(",\n"), indent(depth))
}

fn indent(depth: usize) -> String {
    " ".repeat(4 * depth)
}

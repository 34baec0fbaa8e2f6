//! Between the engine's stats deltas and Locust's `stats` report, for the worker and master
//! roles: a [`ShardStats`] delta becomes the report a Python master merges, and a report
//! from any Locust worker becomes a [`ShardStats`] that `+=` merges into the aggregate.
//!
//! The engine keeps µs and 3-significant-digit response times; Locust sends ms and its
//! 2-significant-digit buckets. Going out, the buckets are computed as Locust computes them
//! (round half to even); coming in, each bucket is recorded at bucket ms × 1000 µs, so the
//! counts, sums, extremes and per-second maps survive exactly and the percentiles read the
//! same buckets Locust would.

use cicada_proto::{error_key, ExceptionReport, Number, StatsEntry, StatsError, StatsReport};

use super::entry::RequestStats;
use super::errors::ErrorStats;
use super::exceptions::ExceptionStats;
use super::key::{EntryKey, ErrorKey};
use super::shard_stats::ShardStats;

/// Locust's report of `delta`: entries that saw requests, the total, the error rows under
/// their SHA-256 keys, and the worker's running users per class.
pub fn to_locust_report(delta: &ShardStats, user_classes_count: Vec<(String, u64)>) -> StatsReport {
    let active = delta.entries.values().filter(|e| e.num_requests > 0 || e.num_failures > 0);
    StatsReport {
        stats: active.map(to_entry).collect(),
        stats_total: to_entry(&delta.total),
        errors: delta
            .errors
            .values()
            .map(|e| (error_key(&e.method, &e.name, &e.error), to_error(e)))
            .collect(),
        user_count: user_classes_count.iter().map(|(_, n)| n).sum(),
        user_classes_count,
        extra: Vec::new(),
    }
}

/// The `exception` messages for `delta`'s exceptions: one per occurrence, as a Python worker
/// sends them, so each comes with its count.
pub fn to_locust_exceptions(delta: &ShardStats) -> Vec<(ExceptionReport, u64)> {
    delta
        .exceptions
        .values()
        .map(|e| {
            let report = ExceptionReport { msg: e.message.clone(), traceback: e.traceback.clone() };
            (report, e.count)
        })
        .collect()
}

/// A report from a Locust (or cicada) worker as a delta to merge into the aggregate.
pub fn from_locust_report(report: &StatsReport) -> ShardStats {
    let mut stats = ShardStats::new(report.stats_total.start_time.as_f64());
    for e in &report.stats {
        let entry = from_entry(e);
        let key = EntryKey(entry.method.clone(), entry.name.clone());
        match stats.entries.get_mut(&key) {
            Some(mine) => *mine += &entry,
            None => {
                stats.entries.insert(key, entry);
            }
        }
    }
    // The total's name and method vary by worker (boomer sends "Total"; old Locust nil).
    let mut total = from_entry(&report.stats_total);
    total.method = String::new();
    total.name = "Aggregated".to_owned();
    stats.total = total;
    // Workers before Locust 2.44 send no first/last seen: the report's time stands in.
    let seen = report.stats_total.last_request_timestamp.unwrap_or(report.stats_total.start_time);
    for (_, e) in &report.errors {
        let row = ErrorStats {
            method: e.method.clone(),
            name: e.name.clone(),
            error: e.error.clone(),
            occurrences: e.occurrences.min(MAX_COUNT),
            first_seen: e.first_seen.or(e.last_seen).unwrap_or(seen.as_f64()),
            last_seen: e.last_seen.or(e.first_seen).unwrap_or(seen.as_f64()),
        };
        let key = ErrorKey(row.method.clone(), row.name.clone(), row.error.clone());
        match stats.errors.get_mut(&key) {
            Some(mine) => *mine += &row,
            None => {
                stats.errors.insert(key, row);
            }
        }
    }
    stats
}

/// One `exception` message from worker `node_id` as a delta to merge.
pub fn from_locust_exception(report: &ExceptionReport, node_id: &str) -> ShardStats {
    let mut stats = ShardStats::new(0.0);
    let key = (report.msg.clone(), report.traceback.clone());
    let row = ExceptionStats {
        count: 1,
        message: report.msg.clone(),
        traceback: report.traceback.clone(),
        nodes: [node_id.to_owned()].into(),
    };
    stats.exceptions.insert(key, row);
    stats
}

fn to_entry(e: &RequestStats) -> StatsEntry {
    let timed = e.num_timed() > 0;
    // Python's int 0 for "no sample yet", float ms otherwise, as HttpUser reports.
    let ms = |us: u64| if timed { Number::Float(us as f64 / 1000.0) } else { Number::Int(0) };
    StatsEntry {
        name: e.name.clone(),
        method: Some(e.method.clone()),
        last_request_timestamp: e.last_request_timestamp.map(Number::Float),
        start_time: Number::Float(e.start_time),
        num_requests: e.num_requests,
        num_none_requests: e.num_none_requests,
        num_failures: e.num_failures,
        total_response_time: ms(e.total_response_time_us),
        max_response_time: ms(e.max_response_time_us),
        min_response_time: e.min_response_time().map(Number::Float),
        total_content_length: e.total_content_length,
        response_times: e
            .response_time_buckets()
            .into_iter()
            .map(|(ms, n)| (Number::Int(i64::try_from(ms).unwrap_or(i64::MAX)), n))
            .collect(),
        num_reqs_per_sec: e.num_reqs_per_sec.iter().collect(),
        num_fail_per_sec: e.num_fail_per_sec.iter().collect(),
    }
}

fn to_error(e: &ErrorStats) -> StatsError {
    StatsError {
        name: e.name.clone(),
        method: e.method.clone(),
        error: e.error.clone(),
        occurrences: e.occurrences,
        first_seen: Some(e.first_seen),
        last_seen: Some(e.last_seen),
    }
}

/// Clamps on what a remote worker claims, so that summing reports into the aggregate cannot
/// overflow: a response time of an hour at most (the engine's own clamp), counts far beyond
/// any real run.
const MAX_US: u64 = 3_600_000_000;
const MAX_COUNT: u64 = 1 << 48;
const MAX_BYTES: u64 = 1 << 56;

fn from_entry(e: &StatsEntry) -> RequestStats {
    let method = e.method.as_deref().unwrap_or("");
    let mut r = RequestStats::new(method, &e.name, e.start_time.as_f64());
    r.num_requests = e.num_requests.min(MAX_COUNT);
    // A report claiming more untimed than total requests is clamped, so `num_timed` holds.
    r.num_none_requests = e.num_none_requests.min(r.num_requests);
    r.num_failures = e.num_failures.min(MAX_COUNT);
    r.total_response_time_us =
        ms_to_us(e.total_response_time.as_f64()).min(r.num_timed().saturating_mul(MAX_US));
    r.max_response_time_us = ms_to_us(e.max_response_time.as_f64()).min(MAX_US);
    r.min_response_time_us =
        e.min_response_time.map_or(u64::MAX, |m| ms_to_us(m.as_f64()).min(MAX_US));
    r.total_content_length = e.total_content_length.min(MAX_BYTES);
    for (ms, n) in e.response_times_ms() {
        r.response_times.record_n(ms.saturating_mul(1000).min(MAX_US), n.min(MAX_COUNT));
    }
    r.last_request_timestamp = e.last_request_timestamp.map(Number::as_f64);
    for &(second, n) in &e.num_reqs_per_sec {
        r.num_reqs_per_sec.add(second, n.min(MAX_COUNT));
    }
    for &(second, n) in &e.num_fail_per_sec {
        r.num_fail_per_sec.add(second, n.min(MAX_COUNT));
    }
    r
}

/// Float ms to whole µs; negative or non-finite times (no Locust sends them) read as 0.
fn ms_to_us(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        // `as` saturates: an absurd time becomes u64::MAX µs rather than wrapping.
        (ms * 1000.0).round() as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use cicada_proto::WorkerMessage;

    use super::*;
    use crate::stats::RequestRecord;

    fn record(s: &mut ShardStats, name: &str, us: Option<u64>, error: Option<&str>) {
        s.record(RequestRecord {
            request_type: "GET",
            name,
            response_time: us.map(Duration::from_micros),
            content_length: 7,
            error,
        });
    }

    /// Through Locust's report and its msgpack bytes, and back.
    fn over_the_wire(delta: &ShardStats) -> ShardStats {
        let report = to_locust_report(delta, vec![("AlphaUser".into(), 2)]);
        let bytes = WorkerMessage::Stats(Box::new(report)).encode("host_1");
        let (WorkerMessage::Stats(back), _) = WorkerMessage::decode(&bytes).expect("decodes")
        else {
            panic!("not a stats message")
        };
        assert_eq!((back.user_count, back.user_classes_count.len()), (2, 1));
        from_locust_report(&back)
    }

    fn assert_same(a: &RequestStats, b: &RequestStats) {
        assert_eq!((&a.method, &a.name), (&b.method, &b.name));
        let counts = |e: &RequestStats| (e.num_requests, e.num_none_requests, e.num_failures);
        assert_eq!(counts(a), counts(b));
        assert_eq!(a.total_content_length, b.total_content_length);
        assert_eq!(a.min_response_time(), b.min_response_time());
        assert_eq!(a.max_response_time(), b.max_response_time());
        assert!((a.avg_response_time() - b.avg_response_time()).abs() < 1e-9);
        assert_eq!(a.response_time_buckets(), b.response_time_buckets());
        assert_eq!(a.response_times.len(), b.response_times.len());
        assert_eq!(a.percentile(0.95), b.percentile(0.95));
        assert_eq!(a.last_request_timestamp, b.last_request_timestamp);
        assert_eq!(a.num_reqs_per_sec, b.num_reqs_per_sec);
        assert_eq!(a.num_fail_per_sec, b.num_fail_per_sec);
    }

    #[test]
    fn a_delta_survives_locust_shapes() {
        let mut delta = ShardStats::new(1_700_000_000.0);
        for us in [47_500, 99_600, 145_000, 1_250_000, 12_345_678] {
            record(&mut delta, "/a", Some(us), None);
        }
        record(&mut delta, "/a", None, None);
        record(&mut delta, "/b", Some(3_000), Some("HTTPError('500')"));
        record(&mut delta, "/b", Some(5_000), Some("HTTPError('500')"));
        record(&mut delta, "/b", Some(5_000), Some("it's \"quoted\""));
        let back = over_the_wire(&delta);
        assert_eq!(back.entries.len(), 2);
        for (mine, theirs) in delta.entries.values().zip(back.entries.values()) {
            assert_same(mine, theirs);
        }
        assert_same(&delta.total, &back.total);
        assert_eq!(back.total.num_failures, 3);
        let errors: Vec<&ErrorStats> = back.errors.values().collect();
        assert_eq!(errors, delta.errors.values().collect::<Vec<_>>());
        assert_eq!(errors[0].occurrences, 2);
        // Merging the received delta works as merging a local one does.
        let mut merged = ShardStats::new(1_700_000_000.0);
        merged += &back;
        merged += &back;
        assert_eq!(merged.total.num_requests, 2 * delta.total.num_requests);
    }

    #[test]
    fn report_has_locust_buckets_keys_and_empty_total() {
        let mut delta = ShardStats::new(1_700_000_000.0);
        record(&mut delta, "/login", Some(145_000), Some("plain error"));
        let report = to_locust_report(&delta, Vec::new());
        assert_eq!(report.stats[0].response_times, vec![(Number::Int(140), 1)]);
        assert_eq!(report.errors[0].0, cicada_proto::error_key("GET", "/login", "plain error"));
        let idle = to_locust_report(&ShardStats::new(5.0), Vec::new());
        assert!(idle.stats.is_empty() && idle.errors.is_empty());
        // A Python worker's idle total: int 0 times, nil min and timestamp.
        assert_eq!(idle.stats_total, StatsEntry::empty("Aggregated", "", 5.0));
    }

    #[test]
    fn reads_python_workers_report() {
        let path = format!(
            "{}/../../shared/reference/samples/protocol/vectors.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        // The engine has no JSON parser: the stats vector is the hex that starts with the
        // envelope of a `stats` message (fixarray 3, fixstr "stats").
        let start = json.find("\"93a57374617473").expect("the stats vector") + 1;
        let stats_hex = &json[start..start + json[start..].find('"').expect("end of hex")];
        let bytes: Vec<u8> = (0..stats_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&stats_hex[i..i + 2], 16).expect("hex"))
            .collect();
        let (WorkerMessage::Stats(report), _) = WorkerMessage::decode(&bytes).expect("decodes")
        else {
            panic!("not stats")
        };
        let stats = from_locust_report(&report);
        let a = &stats.entries[0];
        assert_eq!((a.num_requests, a.num_failures), (3, 1));
        assert_eq!((a.min_response_time(), a.max_response_time()), (Some(47.5), 200.0));
        assert!((a.avg_response_time() - 347.5 / 3.0).abs() < 1e-9);
        assert_eq!(a.response_time_buckets(), vec![(48, 1), (100, 1), (200, 1)]);
        assert_eq!(a.num_reqs_per_sec.get(1_700_000_001), 2);
        assert_eq!(stats.total.name, "Aggregated");
        let err = &stats.errors[0];
        assert_eq!(
            (err.method.as_str(), err.error.as_str(), err.first_seen),
            ("POST", "plain error", 1_700_000_002.0)
        );
    }

    #[test]
    fn hostile_numbers_are_clamped_not_overflowed() {
        let mut entry = StatsEntry::empty("/x", "GET", 0.0);
        entry.num_requests = u64::MAX;
        entry.num_none_requests = u64::MAX;
        entry.total_response_time = Number::Float(1e300);
        entry.max_response_time = Number::Float(f64::INFINITY);
        entry.min_response_time = Some(Number::Float(-5.0));
        entry.response_times = vec![(Number::Float(f64::NAN), u64::MAX), (Number::Int(-3), 1)];
        let mut report = to_locust_report(&ShardStats::new(0.0), Vec::new());
        report.stats = vec![entry.clone(), entry];
        let back = from_locust_report(&report);
        let mut merged = back.clone();
        merged += &back;
        assert_eq!(merged.entries[0].num_requests, 4 * MAX_COUNT);
        assert_eq!(merged.entries[0].min_response_time(), Some(0.0));
    }

    #[test]
    fn exceptions_go_out_with_counts_and_come_back_per_node() {
        let mut delta = ShardStats::new(0.0);
        delta.record_exception("boom", "tb");
        delta.record_exception("boom", "tb");
        let out = to_locust_exceptions(&delta);
        assert_eq!(out, vec![(ExceptionReport { msg: "boom".into(), traceback: "tb".into() }, 2)]);
        let mut merged = from_locust_exception(&out[0].0, "w1");
        merged += &from_locust_exception(&out[0].0, "w2");
        let row = &merged.exceptions[0];
        assert_eq!(row.count, 2);
        assert_eq!(row.nodes.iter().map(String::as_str).collect::<Vec<_>>(), ["w1", "w2"]);
    }
}

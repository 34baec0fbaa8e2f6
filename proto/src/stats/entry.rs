//! A StatsEntry map: one (name, method) row, or the total, as a delta since the last report.

use rmpv::Value;

use crate::bucket_response_time;
use crate::error::DecodeError;
use crate::fields::{as_u64, map, Fields};
use crate::number::{opt_value, Number};

/// The 14 keys of Locust's `StatsEntry.serialize`, in its order. Times are ms, timestamps
/// epoch seconds; int or float as the sender wrote them (see [`Number`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StatsEntry {
    pub name: String,
    /// nil in a 2.40–2.45 worker's total before its first test; `""` later.
    pub method: Option<String>,
    pub last_request_timestamp: Option<Number>,
    pub start_time: Number,
    pub num_requests: u64,
    pub num_none_requests: u64,
    pub num_failures: u64,
    /// The int `0` with no timed sample, from a Python worker.
    pub total_response_time: Number,
    pub max_response_time: Number,
    /// nil with no timed sample.
    pub min_response_time: Option<Number>,
    pub total_content_length: u64,
    /// Bucketed ms → count. Int keys since Locust 2.43.4; older workers sent floats such as
    /// `150.0`, kept as sent ([`StatsEntry::response_times_ms`] normalises them).
    pub response_times: Vec<(Number, u64)>,
    /// `int(time.time())` → requests in that second.
    pub num_reqs_per_sec: Vec<(u64, u64)>,
    pub num_fail_per_sec: Vec<(u64, u64)>,
}

impl StatsEntry {
    /// An entry with no requests, as a fresh (or just reset) Python entry serialises.
    pub fn empty(name: &str, method: &str, start_time: f64) -> Self {
        StatsEntry {
            name: name.to_owned(),
            method: Some(method.to_owned()),
            last_request_timestamp: None,
            start_time: Number::Float(start_time),
            num_requests: 0,
            num_none_requests: 0,
            num_failures: 0,
            total_response_time: Number::Int(0),
            max_response_time: Number::Int(0),
            min_response_time: None,
            total_content_length: 0,
            response_times: Vec::new(),
            num_reqs_per_sec: Vec::new(),
            num_fail_per_sec: Vec::new(),
        }
    }

    /// `response_times` with integer ms keys: a float key is bucketed as Locust 2.43.4+
    /// would (Python merges `150` and `150.0` into one key). Negative or non-finite keys,
    /// which no Locust produces, count as 0 ms.
    pub fn response_times_ms(&self) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = self
            .response_times
            .iter()
            .map(|&(k, n)| match k {
                Number::Int(i) => (u64::try_from(i).unwrap_or(0), n),
                Number::Float(f) => (bucket_response_time(f), n),
            })
            .collect();
        out.sort_unstable();
        out.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 = a.1.saturating_add(b.1);
            }
            same
        });
        out
    }

    /// Only `name` and `method` are required, as by the Python master; the other fields
    /// default to an empty entry's when absent (nil `method` is accepted).
    pub(crate) fn decode(v: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(v, at)?;
        f.required("method")?;
        let count = |key: &str| f.get(key).map_or(Ok(0), |v| as_u64(v, &f.path(key)));
        let number = |key: &str| {
            Ok::<_, DecodeError>(
                Number::from_opt(f.get(key), &f.path(key))?.unwrap_or(Number::Int(0)),
            )
        };
        Ok(StatsEntry {
            name: f.str("name")?,
            method: f.opt_str("method")?,
            last_request_timestamp: Number::from_opt(
                f.get("last_request_timestamp"),
                &f.path("last_request_timestamp"),
            )?,
            start_time: number("start_time")?,
            num_requests: count("num_requests")?,
            num_none_requests: count("num_none_requests")?,
            num_failures: count("num_failures")?,
            total_response_time: number("total_response_time")?,
            max_response_time: number("max_response_time")?,
            min_response_time: Number::from_opt(
                f.get("min_response_time"),
                &f.path("min_response_time"),
            )?,
            total_content_length: count("total_content_length")?,
            response_times: int_map(&f, "response_times", Number::from_value)?,
            num_reqs_per_sec: int_map(&f, "num_reqs_per_sec", as_u64)?,
            num_fail_per_sec: int_map(&f, "num_fail_per_sec", as_u64)?,
        })
    }

    pub fn to_value(&self) -> Value {
        map([
            ("name", Value::from(self.name.as_str())),
            ("method", self.method.as_deref().map_or(Value::Nil, Value::from)),
            ("last_request_timestamp", opt_value(self.last_request_timestamp)),
            ("start_time", self.start_time.to_value()),
            ("num_requests", Value::from(self.num_requests)),
            ("num_none_requests", Value::from(self.num_none_requests)),
            ("num_failures", Value::from(self.num_failures)),
            ("total_response_time", self.total_response_time.to_value()),
            ("max_response_time", self.max_response_time.to_value()),
            ("min_response_time", opt_value(self.min_response_time)),
            ("total_content_length", Value::from(self.total_content_length)),
            ("response_times", int_map_value(&self.response_times, |k| k.to_value())),
            ("num_reqs_per_sec", int_map_value(&self.num_reqs_per_sec, |&k| Value::from(k))),
            ("num_fail_per_sec", int_map_value(&self.num_fail_per_sec, |&k| Value::from(k))),
        ])
    }
}

/// A map with numeric keys (Python decodes with `strict_map_key=False`) and count values;
/// absent reads as empty.
fn int_map<K>(
    f: &Fields<'_>,
    key: &str,
    read_key: impl Fn(&Value, &str) -> Result<K, DecodeError>,
) -> Result<Vec<(K, u64)>, DecodeError> {
    let at = f.path(key);
    match f.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Map(pairs)) => pairs
            .iter()
            .map(|(k, n)| {
                let k_at = format!("{at} key");
                Ok((read_key(k, &k_at)?, as_u64(n, &format!("{at}[{k}]"))?))
            })
            .collect(),
        Some(other) => Err(DecodeError::wrong_type(&at, "a map", other)),
    }
}

fn int_map_value<K>(pairs: &[(K, u64)], key: impl Fn(&K) -> Value) -> Value {
    Value::Map(pairs.iter().map(|(k, n)| (key(k), Value::from(*n))).collect())
}

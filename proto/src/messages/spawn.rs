//! The ramp: the master's `spawn` targets and both directions of `spawning_complete`.

use rmpv::Value;

use crate::error::DecodeError;
use crate::fields::{counts_value, map, owned_map, str_pairs, Fields};
use crate::number::{opt_value, Number};

/// `spawn` data: this worker's absolute target per user class. All five keys are required
/// by a Python worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Spawn {
    /// The master's `time.time()`; a worker ignores a spawn not newer than the last one.
    pub timestamp: f64,
    /// Class name → target count, every class of the master's locustfile, sorted by name.
    pub user_classes_count: Vec<(String, u64)>,
    pub host: Option<String>,
    /// Seconds; Python sends a float (`0.0`), but an int or nil are accepted.
    pub stop_timeout: Option<Number>,
    /// The master's `vars(options)`, values as sent (str, int, float, bool, nil, lists).
    pub parsed_options: Vec<(String, Value)>,
}

impl Spawn {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(data, at)?;
        f.required("host")?;
        let parsed_options = str_pairs(f.required("parsed_options")?, &f.path("parsed_options"))?
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect();
        Ok(Spawn {
            timestamp: f.f64("timestamp")?,
            user_classes_count: f.counts("user_classes_count")?,
            host: f.opt_str("host")?,
            stop_timeout: Number::from_opt(
                Some(f.required("stop_timeout")?),
                &f.path("stop_timeout"),
            )?,
            parsed_options,
        })
    }

    pub fn to_value(&self) -> Value {
        map([
            ("timestamp", Value::from(self.timestamp)),
            ("user_classes_count", counts_value(&self.user_classes_count)),
            ("host", self.host.as_deref().map_or(Value::Nil, Value::from)),
            ("stop_timeout", opt_value(self.stop_timeout)),
            ("parsed_options", owned_map(&self.parsed_options)),
        ])
    }
}

/// `spawning_complete` from a worker: its running users per class (all of its classes,
/// zeros included) and their sum.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSpawningComplete {
    pub user_classes_count: Vec<(String, u64)>,
    pub user_count: u64,
}

impl WorkerSpawningComplete {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(data, at)?;
        let user_classes_count = f.counts("user_classes_count")?;
        // Only the per-class counts are required by a Python master; the sum follows.
        let user_count = match f.get("user_count") {
            Some(_) => f.u64("user_count")?,
            None => user_classes_count.iter().map(|(_, n)| n).sum(),
        };
        Ok(WorkerSpawningComplete { user_classes_count, user_count })
    }

    pub fn to_value(&self) -> Value {
        map([
            ("user_classes_count", counts_value(&self.user_classes_count)),
            ("user_count", Value::from(self.user_count)),
        ])
    }
}

/// `spawning_complete` from the master, broadcast once a ramp is done: the total target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MasterSpawningComplete {
    pub user_count: u64,
}

impl MasterSpawningComplete {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        Ok(MasterSpawningComplete { user_count: Fields::of(data, at)?.u64("user_count")? })
    }

    pub fn to_value(&self) -> Value {
        map([("user_count", Value::from(self.user_count))])
    }
}

//! Locust's `stats` report (W→M), the data of a `stats` message: what a worker recorded
//! since its last report, every 3 s. The master merges reports by summing (§5 of the
//! protocol reference).

mod entry;
mod error_row;

use rmpv::Value;

pub use entry::StatsEntry;
pub use error_row::{error_key, StatsError};

use crate::error::DecodeError;
use crate::fields::{counts_value, map, str_pairs, Fields};

/// The top-level `data` map of a `stats` message, keys in Python's order.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsReport {
    /// One entry per (name, method) that had requests or failures since the last report.
    pub stats: Vec<StatsEntry>,
    /// The worker-wide total, always present; the master's "Aggregated" row is built from
    /// these alone, so it must agree with `stats`.
    pub stats_total: StatsEntry,
    /// Error key ([`error_key`]) → error row.
    pub errors: Vec<(String, StatsError)>,
    /// Running users per class, every class of the worker, zeros included.
    pub user_classes_count: Vec<(String, u64)>,
    pub user_count: u64,
    /// Keys that `report_to_master` plugins added, kept as sent, after the standard ones.
    pub extra: Vec<(String, Value)>,
}

const KEYS: [&str; 5] = ["stats", "stats_total", "errors", "user_classes_count", "user_count"];

impl StatsReport {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(data, at)?;
        let at_stats = f.path("stats");
        let stats = match f.required("stats")? {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, e)| StatsEntry::decode(e, &format!("{at_stats}[{i}]")))
                .collect::<Result<_, _>>()?,
            other => return Err(DecodeError::wrong_type(&at_stats, "an array", other)),
        };
        let at_errors = f.path("errors");
        let errors = str_pairs(f.required("errors")?, &at_errors)?
            .into_iter()
            .map(|(k, v)| Ok((k.to_owned(), StatsError::decode(v, &format!("{at_errors}.{k}"))?)))
            .collect::<Result<_, DecodeError>>()?;
        let user_classes_count = f.counts("user_classes_count")?;
        // The Python master never reads `user_count`; it is the sum of the classes anyway.
        let user_count = match f.get("user_count") {
            Some(_) => f.u64("user_count")?,
            None => user_classes_count.iter().map(|(_, n)| n).sum(),
        };
        Ok(StatsReport {
            stats,
            stats_total: StatsEntry::decode(f.required("stats_total")?, &f.path("stats_total"))?,
            errors,
            user_classes_count,
            user_count,
            extra: f.others(&KEYS),
        })
    }

    pub fn to_value(&self) -> Value {
        let errors = self.errors.iter().map(|(k, e)| (k.as_str(), e.to_value()));
        let standard = [
            ("stats", Value::Array(self.stats.iter().map(StatsEntry::to_value).collect())),
            ("stats_total", self.stats_total.to_value()),
            ("errors", map(errors)),
            ("user_classes_count", counts_value(&self.user_classes_count)),
            ("user_count", Value::from(self.user_count)),
        ];
        let extra = self.extra.iter().map(|(k, v)| (k.as_str(), v.clone()));
        map(standard.into_iter().chain(extra))
    }
}

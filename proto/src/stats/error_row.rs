//! One row of the errors map, and its key.

use rmpv::Value;
use sha2::{Digest, Sha256};

use crate::error::DecodeError;
use crate::fields::{map, Fields};
use crate::number::opt_f64_value;
use crate::python_repr;

/// Locust's key for an error row: the lowercase hex SHA-256 of
/// `f"{method}.{name}.{repr(error)}"`. Rows with equal keys from different workers (Python or
/// cicada) merge into one on the master.
pub fn error_key(method: &str, name: &str, error: &str) -> String {
    let digest = Sha256::digest(format!("{method}.{name}.{}", python_repr(error)).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An error row, keys in Python's order.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsError {
    pub name: String,
    pub method: String,
    pub error: String,
    pub occurrences: u64,
    /// Epoch seconds; sent since 2.44, nil or absent before.
    pub first_seen: Option<f64>,
    pub last_seen: Option<f64>,
}

impl StatsError {
    pub(crate) fn decode(v: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(v, at)?;
        Ok(StatsError {
            name: f.str("name")?,
            method: f.str("method")?,
            error: f.str("error")?,
            occurrences: f.u64("occurrences")?,
            first_seen: f.opt_f64("first_seen")?,
            last_seen: f.opt_f64("last_seen")?,
        })
    }

    pub fn to_value(&self) -> Value {
        map([
            ("name", Value::from(self.name.as_str())),
            ("method", Value::from(self.method.as_str())),
            ("error", Value::from(self.error.as_str())),
            ("occurrences", Value::from(self.occurrences)),
            ("first_seen", opt_f64_value(self.first_seen)),
            ("last_seen", opt_f64_value(self.last_seen)),
        ])
    }

    /// This row's key, computed from its fields.
    pub fn key(&self) -> String {
        error_key(&self.method, &self.name, &self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::error_key;

    #[test]
    fn keys_match_locust() {
        let plain = error_key("POST", "/login", "plain error");
        assert_eq!(plain, "d85d5c6fb7b51d998b4a6324bee6a898b5327905b769a5593bc1f798727a1768");
        let exc = error_key("GET", "/alpha", "Exception('boom at object at 0x....> yes')");
        assert!(exc.starts_with("8f348af3") && exc.ends_with("369279a"), "{exc}");
    }
}

//! A worker's `logs`: its whole recent log buffer (not a delta), for the web UI.

use rmpv::Value;

use crate::error::DecodeError;
use crate::fields::{as_str, map, Fields};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logs {
    pub worker_id: String,
    pub logs: Vec<String>,
}

impl Logs {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(data, at)?;
        let at_logs = f.path("logs");
        let logs = match f.required("logs")? {
            Value::Array(lines) => lines
                .iter()
                .enumerate()
                .map(|(i, l)| as_str(l, &format!("{at_logs}[{i}]")))
                .collect::<Result<_, _>>()?,
            other => return Err(DecodeError::wrong_type(&at_logs, "an array of str", other)),
        };
        Ok(Logs { worker_id: f.str("worker_id")?, logs })
    }

    pub fn to_value(&self) -> Value {
        map([
            ("worker_id", Value::from(self.worker_id.as_str())),
            ("logs", Value::Array(self.logs.iter().map(|l| Value::from(l.as_str())).collect())),
        ])
    }
}

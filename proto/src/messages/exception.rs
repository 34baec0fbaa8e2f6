//! A worker's `exception`: one per exception that escaped a task (the Exceptions tab).

use rmpv::Value;

use crate::error::DecodeError;
use crate::fields::{map, Fields};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionReport {
    /// `str(exception)`.
    pub msg: String,
    /// The formatted traceback; the master groups occurrences by it.
    pub traceback: String,
}

impl ExceptionReport {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        let f = Fields::of(data, at)?;
        Ok(ExceptionReport { msg: f.str("msg")?, traceback: f.str("traceback")? })
    }

    pub fn to_value(&self) -> Value {
        map([
            ("msg", Value::from(self.msg.as_str())),
            ("traceback", Value::from(self.traceback.as_str())),
        ])
    }
}

//! Registration: the worker's `client_ready` and the master's `ack`.

use rmpv::Value;

use crate::error::DecodeError;
use crate::fields::{as_u64, map, Fields};

/// `client_ready` data: the worker's Locust version, or the int `-1` that non-Python workers
/// send to skip the master's version check (what cicada sends).
#[derive(Debug, Clone, PartialEq)]
pub enum ClientReady {
    Version(String),
    Unversioned,
}

impl ClientReady {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        match data {
            Value::String(_) => data
                .as_str()
                .map(|s| ClientReady::Version(s.to_owned()))
                .ok_or_else(|| DecodeError::InvalidUtf8(at.into())),
            Value::Integer(i) if i.as_i64() == Some(-1) => Ok(ClientReady::Unversioned),
            other => Err(DecodeError::wrong_type(at, "a version str or -1", other)),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            ClientReady::Version(v) => Value::from(v.as_str()),
            ClientReady::Unversioned => Value::from(-1),
        }
    }
}

/// `ack` data: `{"index": n}`, the worker's stable ordinal on this master. Masters up to
/// 2.10 sent no index (None); a Python worker then keeps -1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ack {
    pub index: Option<u64>,
}

impl Ack {
    pub(crate) fn decode(data: &Value, at: &str) -> Result<Self, DecodeError> {
        if data.is_nil() {
            return Ok(Ack { index: None });
        }
        let f = Fields::of(data, at)?;
        let index = f.get("index").map(|v| as_u64(v, &f.path("index"))).transpose()?;
        Ok(Ack { index })
    }

    pub fn to_value(&self) -> Value {
        match self.index {
            Some(i) => map([("index", Value::from(i))]),
            None => Value::Nil,
        }
    }
}

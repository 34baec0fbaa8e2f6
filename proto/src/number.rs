//! A number as Python sent it: int or float. Locust's stats use both for the same field
//! (`total_response_time` is the int `0` until a sample arrives, then a float), so keeping
//! which one arrived is what lets a decoded report re-encode to the same bytes.

use rmpv::Value;

use crate::error::DecodeError;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    pub fn to_value(self) -> Value {
        match self {
            Number::Int(i) => Value::from(i),
            Number::Float(f) => Value::from(f),
        }
    }

    pub(crate) fn from_value(v: &Value, at: &str) -> Result<Self, DecodeError> {
        match v {
            Value::Integer(i) => i.as_i64().map(Number::Int),
            Value::F32(f) => Some(Number::Float(f64::from(*f))),
            Value::F64(f) => Some(Number::Float(*f)),
            _ => None,
        }
        .ok_or_else(|| DecodeError::wrong_type(at, "a number (int or float)", v))
    }

    /// nil (or absent) as None.
    pub(crate) fn from_opt(v: Option<&Value>, at: &str) -> Result<Option<Self>, DecodeError> {
        match v {
            None | Some(Value::Nil) => Ok(None),
            Some(v) => Number::from_value(v, at).map(Some),
        }
    }
}

/// nil for None, as Python writes `None`.
pub(crate) fn opt_value(n: Option<Number>) -> Value {
    n.map_or(Value::Nil, Number::to_value)
}

/// nil for None; a float otherwise.
pub(crate) fn opt_f64_value(f: Option<f64>) -> Value {
    f.map_or(Value::Nil, Value::from)
}

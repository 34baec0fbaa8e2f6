//! Typed reads from a decoded value, each failing with the path of the offending field, and
//! the map builder the encoders share (string keys, in the order given).

use rmpv::Value;

use crate::error::DecodeError;

/// A msgpack map being read, with the path it sits at (for error messages).
pub(crate) struct Fields<'a> {
    at: String,
    pairs: &'a [(Value, Value)],
}

impl<'a> Fields<'a> {
    pub(crate) fn of(value: &'a Value, at: &str) -> Result<Self, DecodeError> {
        match value {
            Value::Map(pairs) => Ok(Fields { at: at.to_owned(), pairs }),
            other => Err(DecodeError::wrong_type(at, "a map", other)),
        }
    }

    /// The value under string key `key`. Python builds a dict, so a repeated key keeps its
    /// last value.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.pairs.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    pub(crate) fn required(&self, key: &str) -> Result<&'a Value, DecodeError> {
        self.get(key)
            .ok_or_else(|| DecodeError::MissingKey { at: self.at.clone(), key: key.to_owned() })
    }

    /// The path of `key` inside this map.
    pub(crate) fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    pub(crate) fn str(&self, key: &str) -> Result<String, DecodeError> {
        as_str(self.required(key)?, &self.path(key))
    }

    /// A str that may be nil; a missing key reads as nil too.
    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<String>, DecodeError> {
        match self.get(key) {
            None | Some(Value::Nil) => Ok(None),
            Some(v) => as_str(v, &self.path(key)).map(Some),
        }
    }

    pub(crate) fn u64(&self, key: &str) -> Result<u64, DecodeError> {
        as_u64(self.required(key)?, &self.path(key))
    }

    /// A number that may be nil; a missing key reads as nil too.
    pub(crate) fn opt_f64(&self, key: &str) -> Result<Option<f64>, DecodeError> {
        match self.get(key) {
            None | Some(Value::Nil) => Ok(None),
            Some(v) => as_f64(v, &self.path(key)).map(Some),
        }
    }

    pub(crate) fn f64(&self, key: &str) -> Result<f64, DecodeError> {
        as_f64(self.required(key)?, &self.path(key))
    }

    /// A `{str: int}` map such as `user_classes_count`, in wire order.
    pub(crate) fn counts(&self, key: &str) -> Result<Vec<(String, u64)>, DecodeError> {
        let at = self.path(key);
        str_pairs(self.required(key)?, &at)?
            .into_iter()
            .map(|(k, v)| Ok((k.to_owned(), as_u64(v, &format!("{at}.{k}"))?)))
            .collect()
    }

    /// The key-value pairs whose key is not in `known`: what plugins add, kept as sent.
    pub(crate) fn others(&self, known: &[&str]) -> Vec<(String, Value)> {
        self.pairs
            .iter()
            .filter_map(|(k, v)| match k.as_str() {
                Some(k) if !known.contains(&k) => Some((k.to_owned(), v.clone())),
                _ => None,
            })
            .collect()
    }
}

pub(crate) fn as_str(v: &Value, at: &str) -> Result<String, DecodeError> {
    v.as_str().map(str::to_owned).ok_or_else(|| DecodeError::wrong_type(at, "a str", v))
}

pub(crate) fn as_u64(v: &Value, at: &str) -> Result<u64, DecodeError> {
    v.as_u64().ok_or_else(|| DecodeError::wrong_type(at, "a non-negative int", v))
}

/// A float, or an int read as one (Python workers other than Locust's send ints).
pub(crate) fn as_f64(v: &Value, at: &str) -> Result<f64, DecodeError> {
    match v {
        Value::Integer(i) => i.as_f64(),
        Value::F32(f) => Some(f64::from(*f)),
        Value::F64(f) => Some(*f),
        _ => None,
    }
    .ok_or_else(|| DecodeError::wrong_type(at, "a number", v))
}

/// The pairs of a map whose keys must all be str, in wire order.
pub(crate) fn str_pairs<'a>(
    v: &'a Value,
    at: &str,
) -> Result<Vec<(&'a str, &'a Value)>, DecodeError> {
    let Value::Map(pairs) = v else {
        return Err(DecodeError::wrong_type(at, "a map", v));
    };
    pairs
        .iter()
        .map(|(k, v)| {
            Ok((k.as_str().ok_or_else(|| DecodeError::wrong_type(at, "str keys", k))?, v))
        })
        .collect()
}

/// A map with str keys, in the order given: Python's dicts keep insertion order, and
/// byte-for-byte equality with its encoding needs the same order.
pub(crate) fn map<'k>(pairs: impl IntoIterator<Item = (&'k str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (Value::from(k), v)).collect())
}

/// A `{str: int}` map such as `user_classes_count`.
pub(crate) fn counts_value(counts: &[(String, u64)]) -> Value {
    map(counts.iter().map(|(k, v)| (k.as_str(), Value::from(*v))))
}

/// A map with owned str keys, such as `parsed_options`.
pub(crate) fn owned_map(pairs: &[(String, Value)]) -> Value {
    map(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())))
}

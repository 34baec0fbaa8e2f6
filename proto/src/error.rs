//! Why a frame could not be read: every decode failure is one of these, never a panic.

use rmpv::Value;

/// A frame that is not a Locust message, or a message whose data has the wrong shape.
/// `at` names the place as a path such as `stats.stats[0].num_requests`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty frame: expected a msgpack array [type, data, node_id]")]
    Empty,
    #[error("truncated or malformed msgpack: {0}")]
    Malformed(String),
    /// Python raises `ExtraData` here (and its master answers with `reconnect`).
    #[error("{0} trailing byte(s) after the msgpack value")]
    TrailingBytes(usize),
    /// Python decodes with `raw=False`, so a non-UTF-8 str is an error there too.
    #[error("a msgpack str is not valid UTF-8: {0:?}")]
    InvalidUtf8(String),
    #[error("not a Locust message: expected an array [type, data, node_id], found {0}")]
    NotAnEnvelope(String),
    #[error("{at}: missing key {key:?}")]
    MissingKey { at: String, key: String },
    #[error("{at}: expected {expected}, found {found}")]
    WrongType { at: String, expected: &'static str, found: String },
}

impl DecodeError {
    pub(crate) fn wrong_type(at: &str, expected: &'static str, found: &Value) -> Self {
        DecodeError::WrongType { at: at.to_owned(), expected, found: describe(found) }
    }
}

/// A short description of a value for error messages: its type, and small scalars in full.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => format!("bool {b}"),
        Value::Integer(i) => format!("int {i}"),
        Value::F32(f) => format!("float {f}"),
        Value::F64(f) => format!("float {f}"),
        Value::String(s) => match s.as_str() {
            Some(s) if s.len() <= 40 => format!("str {s:?}"),
            _ => "str".into(),
        },
        Value::Binary(b) => format!("bin ({} bytes)", b.len()),
        Value::Array(a) => format!("array of {}", a.len()),
        Value::Map(m) => format!("map of {}", m.len()),
        Value::Ext(t, d) => format!("ext type {t} ({} bytes)", d.len()),
    }
}

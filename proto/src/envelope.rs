//! The envelope every Locust message travels in: one msgpack array `[type, data, node_id]`
//! (Python builds it from a tuple), one per ZMQ frame.

use rmpv::Value;

use crate::error::{describe, DecodeError};
use crate::wire::{decode_value, encode_value};

/// One message as it is on the wire. `data` is kept as a dynamic value, so any message,
/// including custom ones, re-encodes to the bytes it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The message type, such as `"heartbeat"`.
    pub kind: String,
    pub data: Value,
    /// The worker's client id, in both directions (the target worker's for master → worker).
    pub node_id: String,
}

impl Message {
    pub fn new(kind: impl Into<String>, data: Value, node_id: impl Into<String>) -> Self {
        Message { kind: kind.into(), data, node_id: node_id.into() }
    }

    /// The frame's bytes, as Python's `Message.serialize` writes them.
    pub fn encode(&self) -> Vec<u8> {
        encode_value(&Value::Array(vec![
            Value::from(self.kind.as_str()),
            self.data.clone(),
            Value::from(self.node_id.as_str()),
        ]))
    }

    /// Reads one frame. Unlike Python, which raises for a wrong arity or a non-array and
    /// loses its receive loop, every bad frame is an error here.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let value = decode_value(bytes)?;
        let Value::Array(items) = value else {
            return Err(DecodeError::NotAnEnvelope(describe(&value)));
        };
        let Ok::<[Value; 3], _>([kind, data, node_id]) = items.try_into() else {
            return Err(DecodeError::NotAnEnvelope("an array without exactly 3 items".into()));
        };
        let kind = envelope_str(kind, "type")?;
        let node_id = envelope_str(node_id, "node_id")?;
        Ok(Message { kind, data, node_id })
    }
}

fn envelope_str(v: Value, at: &str) -> Result<String, DecodeError> {
    match v {
        Value::String(s) => s.into_str().ok_or_else(|| DecodeError::InvalidUtf8(at.into())),
        other => Err(DecodeError::wrong_type(at, "a str", &other)),
    }
}

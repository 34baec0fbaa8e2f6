//! Bytes ↔ a dynamic msgpack value, with the checks Python's `msgpack.loads(raw=False)`
//! makes: one value, nothing after it, every str valid UTF-8.
//!
//! Encoding is rmpv's: the smallest int form (unsigned for positives, as Python), f64 kept as
//! `cb` (Python floats are f64), map pairs in their stored order, str/bin/ext as stored. That
//! is byte-for-byte what msgpack-python 1.x with `use_bin_type=True` writes for the same
//! value.

use rmpv::Value;

use crate::error::DecodeError;
use crate::nesting::check_nesting;

/// Reads exactly one msgpack value from `bytes`.
pub fn decode_value(bytes: &[u8]) -> Result<Value, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    check_nesting(bytes)?;
    let mut rest = bytes;
    // rmpv never preallocates from a length header, so a hostile header cannot exhaust
    // memory; `check_nesting` has bounded the depth of its recursion.
    let value =
        rmpv::decode::read_value(&mut rest).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    check_utf8(&value)?;
    Ok(value)
}

/// The msgpack bytes of `value`.
pub fn encode_value(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail: rmpv's only errors are the writer's I/O errors.
    rmpv::encode::write_value(&mut out, value).expect("writing msgpack into a Vec");
    out
}

/// rmpv keeps invalid UTF-8 inside a `Value::String`; Python would refuse the frame.
fn check_utf8(value: &Value) -> Result<(), DecodeError> {
    match value {
        Value::String(s) if s.as_str().is_none() => Err(DecodeError::InvalidUtf8(
            String::from_utf8_lossy(s.as_bytes()).chars().take(40).collect(),
        )),
        Value::Array(items) => items.iter().try_for_each(check_utf8),
        Value::Map(pairs) => pairs.iter().try_for_each(|(k, v)| {
            check_utf8(k)?;
            check_utf8(v)
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_and_float_forms() {
        let cases: [(Value, &[u8]); 7] = [
            (Value::from(0), &[0x00]),
            (Value::from(-1), &[0xff]),
            (Value::from(200), &[0xcc, 200]),
            (Value::from(-33), &[0xd0, 0xdf]),
            (Value::from(65_536), &[0xce, 0, 1, 0, 0]),
            (Value::from(0.0), &[0xcb, 0, 0, 0, 0, 0, 0, 0, 0]),
            (Value::Nil, &[0xc0]),
        ];
        for (v, bytes) in cases {
            assert_eq!(encode_value(&v), bytes, "{v}");
            assert_eq!(decode_value(bytes), Ok(v));
        }
    }

    #[test]
    fn rejects_what_python_rejects() {
        assert_eq!(decode_value(&[]), Err(DecodeError::Empty));
        assert_eq!(decode_value(&[0xc0, 0xc0]), Err(DecodeError::TrailingBytes(1)));
        assert!(matches!(decode_value(&[0xa2, 0xff, 0xfe]), Err(DecodeError::InvalidUtf8(_))));
        assert!(matches!(decode_value(&[0xda, 0x00]), Err(DecodeError::Malformed(_))));
    }
}

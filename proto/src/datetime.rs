//! The one non-msgpack type Locust's codec knows in custom messages: a Python `datetime`,
//! which its `encode` hook writes as `{"__datetime__": True, "as_str": "%Y%m%dT%H:%M:%S.%f"}`
//! (naive: the time zone is dropped) and its `object_hook` turns back into a `datetime`.
//! Custom message data stays a dynamic value; these convert one such map.

use rmpv::Value;

use crate::error::DecodeError;
use crate::fields::{as_str, map, Fields};

/// A naive date and time to the microsecond, as Python's `datetime` holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PyDateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
}

const MARKER: &str = "__datetime__";

impl PyDateTime {
    /// The map Locust's encoder writes, keys in its order.
    pub fn to_value(&self) -> Value {
        map([(MARKER, Value::from(true)), ("as_str", Value::from(self.as_str()))])
    }

    /// `%Y%m%dT%H:%M:%S.%f`, e.g. `20240102T03:04:05.678901`.
    pub fn as_str(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}:{:02}:{:02}.{:06}",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond
        )
    }

    /// Some(..) for a map Python's decoder would turn into a datetime (it has the
    /// `__datetime__` key), None for any other value.
    pub fn from_value(v: &Value) -> Option<Result<Self, DecodeError>> {
        let fields = Fields::of(v, MARKER).ok()?;
        fields.get(MARKER)?;
        Some(fields.required("as_str").and_then(|s| {
            let text = as_str(s, "__datetime__.as_str")?;
            PyDateTime::parse(&text).ok_or_else(|| DecodeError::WrongType {
                at: "__datetime__.as_str".into(),
                expected: "a datetime as %Y%m%dT%H:%M:%S.%f",
                found: format!("{text:?}"),
            })
        }))
    }

    /// Parses `%Y%m%dT%H:%M:%S.%f` as `strptime` does: four-digit year, 1 to 6 digits of
    /// microseconds (`.5` is 500000 µs).
    pub fn parse(text: &str) -> Option<Self> {
        let (date, time) = text.split_once('T')?;
        if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (hms, frac) = time.split_once('.')?;
        let mut parts = hms.split(':');
        let mut next = || -> Option<u8> {
            let p = parts.next()?;
            (p.len() == 2).then_some(())?;
            p.parse().ok()
        };
        let (hour, minute, second) = (next()?, next()?, next()?);
        if parts.next().is_some() || frac.is_empty() || frac.len() > 6 {
            return None;
        }
        let digits: u32 = frac.parse().ok().filter(|_| frac.bytes().all(|b| b.is_ascii_digit()))?;
        let dt = PyDateTime {
            year: date[..4].parse().ok()?,
            month: date[4..6].parse().ok()?,
            day: date[6..].parse().ok()?,
            hour,
            minute,
            second,
            microsecond: digits * 10u32.pow(6 - frac.len() as u32),
        };
        dt.is_valid().then_some(dt)
    }

    fn is_valid(&self) -> bool {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        self.year >= 1
            && (1..=days).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_locust_text() {
        let dt = PyDateTime::parse("20240102T03:04:05.678901").expect("valid");
        assert_eq!((dt.year, dt.month, dt.day, dt.microsecond), (2024, 1, 2, 678_901));
        assert_eq!(dt.as_str(), "20240102T03:04:05.678901");
        assert_eq!(PyDateTime::parse("20240102T03:04:05.5").map(|d| d.microsecond), Some(500_000));
        assert_eq!(PyDateTime::from_value(&dt.to_value()), Some(Ok(dt)));
    }

    #[test]
    fn rejects_bad_text_and_ignores_other_maps() {
        for bad in ["2024010203:04:05.1", "20241302T03:04:05.1", "20240230T03:04:05.1", "x"] {
            assert_eq!(PyDateTime::parse(bad), None, "{bad}");
        }
        assert_eq!(PyDateTime::from_value(&map([("a", Value::Nil)])), None);
        let bad = map([(MARKER, Value::from(true)), ("as_str", Value::from(3))]);
        assert!(matches!(PyDateTime::from_value(&bad), Some(Err(_))));
    }
}

//! Locust's time-span grammar, for `-t/--run-time`, `-s/--stop-timeout` and the web UI's
//! `run_time`: a plain number of seconds, or `[Nh][Nm][Ns]` in that order (`1h30m`, `90s`).

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimespanError {
    #[error("Invalid time span format")]
    Empty,
    #[error("Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.")]
    Invalid,
}

/// Parse a Locust time span into whole seconds.
pub fn parse_timespan(text: &str) -> Result<Duration, TimespanError> {
    if text.is_empty() {
        return Err(TimespanError::Empty);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map(Duration::from_secs).map_err(|_| TimespanError::Invalid);
    }
    let mut total: u64 = 0;
    let mut rest = text;
    let mut seen_any = false;
    for unit in ['h', 'm', 's'] {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(unit) {
            let n: u64 = rest[..digits].parse().map_err(|_| TimespanError::Invalid)?;
            let secs = match unit {
                'h' => n.checked_mul(3600),
                'm' => n.checked_mul(60),
                _ => Some(n),
            };
            total = secs.and_then(|s| total.checked_add(s)).ok_or(TimespanError::Invalid)?;
            rest = &rest[digits + 1..];
            seen_any = true;
        }
    }
    if !seen_any || !rest.is_empty() {
        return Err(TimespanError::Invalid);
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_spans() {
        for (text, secs) in [
            ("20", 20),
            ("20s", 20),
            ("3m", 180),
            ("2h", 7200),
            ("1h20m", 4800),
            ("3h30m10s", 12610),
            ("90m", 5400),
            ("1h1s", 3601),
            ("0", 0),
            ("0s", 0),
            ("01m", 60),
        ] {
            assert_eq!(parse_timespan(text), Ok(Duration::from_secs(secs)), "{text}");
        }
    }

    #[test]
    fn invalid_spans() {
        for text in ["1m1h", "1.5h", "1d", "30S", " 10s", "10s ", "h", "1h2", "-5", "s"] {
            assert_eq!(parse_timespan(text), Err(TimespanError::Invalid), "{text:?}");
        }
        assert_eq!(parse_timespan(""), Err(TimespanError::Empty));
    }
}

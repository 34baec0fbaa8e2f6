//! How fast a dispatch cycle moves: users per iteration and the period between iterations.

use std::time::Duration;

use super::DispatchError;

/// The pacing of one dispatch cycle at a total spawn rate of `rate` users/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Pacing {
    /// Users added (or removed) per iteration: `max(1, floor(rate))`. Whole users per
    /// iteration keep each `spawn` an integer step; below 1/s it is one user per period.
    pub per_iteration: u64,
    /// Time from the start of one iteration to the start of the next: `per_iteration / rate`.
    pub period: Duration,
}

impl Pacing {
    /// Locust divides by the rate (and a 0 rate raises there), so only finite positive
    /// rates are accepted.
    pub(super) fn new(rate: f64) -> Result<Self, DispatchError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(DispatchError::SpawnRate(rate));
        }
        // `as` saturates; a rate beyond u64 reaches any target in one iteration anyway.
        let per_iteration = (rate.floor() as u64).max(1);
        let period = Duration::from_secs_f64(per_iteration as f64 / rate);
        Ok(Pacing { per_iteration, period })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_iteration_and_period() {
        let p = Pacing::new(2.5).unwrap();
        assert_eq!((p.per_iteration, p.period), (2, Duration::from_millis(800)));
        let p = Pacing::new(0.5).unwrap();
        assert_eq!((p.per_iteration, p.period), (1, Duration::from_secs(2)));
        let p = Pacing::new(100.0).unwrap();
        assert_eq!((p.per_iteration, p.period), (100, Duration::from_secs(1)));
    }

    #[test]
    fn rejects_rates_locust_cannot_pace() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Pacing::new(rate).is_err(), "{rate}");
        }
    }
}

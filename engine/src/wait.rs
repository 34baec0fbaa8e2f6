//! Wait times between tasks, as Locust's `between`, `constant`, `constant_pacing` and
//! `constant_throughput`, plus a scenario-defined function.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaitTime {
    /// A uniformly random wait in `[min, max]` seconds.
    Between(f64, f64),
    /// Always this many seconds.
    Constant(f64),
    /// Start a task every this many seconds, whatever the task took (if it took less).
    ConstantPacing(f64),
    /// At most this many tasks per second (pacing of `1 / n`).
    ConstantThroughput(f64),
    /// Ask the user behaviour ([`crate::UserBehavior::custom_wait`]).
    Custom,
}

impl Default for WaitTime {
    /// Locust's `User` without `wait_time` runs its tasks back to back.
    fn default() -> Self {
        WaitTime::Constant(0.0)
    }
}

/// Per-user state for pacing waits: when the last wait ended and how long it was. Public for
/// scenarios that wait inside a task (a Lua TaskSet paces its own tasks with one).
#[derive(Debug, Default)]
pub struct Pacer {
    last_run: Option<Instant>,
    last_wait: Duration,
}

impl Pacer {
    /// The pause before the next task. Pacing waits follow Locust: the target period minus the
    /// time spent since the end of the last wait, never below zero.
    pub fn next_wait(&mut self, wait: WaitTime, now: Instant) -> Option<Duration> {
        let secs = |s: f64| Duration::from_secs_f64(s.max(0.0));
        match wait {
            WaitTime::Between(a, b) => {
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                Some(secs(lo + fastrand::f64() * (hi - lo)))
            }
            WaitTime::Constant(s) => Some(secs(s)),
            WaitTime::ConstantPacing(period) => Some(self.pace(secs(period), now)),
            WaitTime::ConstantThroughput(rate) if rate > 0.0 => {
                Some(self.pace(secs(1.0 / rate), now))
            }
            WaitTime::ConstantThroughput(_) => Some(Duration::ZERO),
            WaitTime::Custom => None,
        }
    }

    fn pace(&mut self, period: Duration, now: Instant) -> Duration {
        let run_time = match self.last_run {
            Some(last) => now.saturating_duration_since(last).saturating_sub(self.last_wait),
            None => Duration::ZERO,
        };
        self.last_wait = period.saturating_sub(run_time);
        self.last_run = Some(now);
        self.last_wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_stays_in_range() {
        let mut p = Pacer::default();
        for _ in 0..1000 {
            let w = p.next_wait(WaitTime::Between(0.5, 1.5), Instant::now()).unwrap();
            assert!(w >= Duration::from_millis(500) && w <= Duration::from_millis(1500));
        }
    }

    #[test]
    fn pacing_subtracts_task_time() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        assert_eq!(p.next_wait(WaitTime::ConstantPacing(1.0), t0), Some(Duration::from_secs(1)));
        // The wait ended at t0+1s; the task then ran for 300 ms.
        let t1 = t0 + Duration::from_millis(1300);
        assert_eq!(
            p.next_wait(WaitTime::ConstantPacing(1.0), t1),
            Some(Duration::from_millis(700))
        );
        // A task longer than the period gives no wait at all.
        let t2 = t1 + Duration::from_millis(700) + Duration::from_secs(2);
        assert_eq!(p.next_wait(WaitTime::ConstantThroughput(1.0), t2), Some(Duration::ZERO));
    }
}

//! The ramp driver: Locust's `start()` as a resumable state machine over the
//! [`UsersDispatcher`], so the master's loop keeps receiving while a ramp pauses between
//! iterations (Locust's master blocks its receive greenlet instead).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cicada_proto::{Number, Spawn, Value};

use crate::locust_dispatch::{Assignment, DispatchError, Step, UserClass, UsersDispatcher};
use crate::stats::unix_now;

/// How long the master waits after the last iteration for the workers' reported counts to
/// reach the target before it declares the ramp complete
/// (`LOCUST_WAIT_FOR_WORKERS_REPORT_AFTER_RAMP_UP`'s default).
pub(super) const REPORT_WAIT: Duration = Duration::from_secs(1);

/// What the driver does next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Phase {
    /// No cycle under way.
    Idle,
    /// Between two iterations: resume at this instant.
    Paused(Instant),
    /// Every iteration is sent; complete when the reports match the target, or at this
    /// instant.
    AwaitingReports(Instant),
}

/// What one call to [`Ramp::advance`] produced.
pub(super) struct Advance {
    /// Every `spawn` to send, in order: (worker id, message).
    pub(super) spawns: Vec<(String, Spawn)>,
    /// The cycle's last iteration was sent.
    pub(super) cycle_done: bool,
}

/// The dispatcher, the target of the latest `start()` and the clock of its cycle.
pub(super) struct Ramp {
    classes: Vec<UserClass>,
    dispatcher: Option<UsersDispatcher>,
    pub(super) phase: Phase,
    pub(super) target: u64,
    pub(super) spawn_rate: f64,
    /// When the current iteration began: the `next()` that opened it.
    iteration_start: Instant,
    /// The last `spawn` timestamp sent to anyone; each new one is later, so they are
    /// strictly increasing per worker (a Python worker drops a spawn that is not).
    last_timestamp: f64,
    /// The per-class sum of the last assignment sent (Locust's `target_user_classes_count`).
    pub(super) target_classes: Vec<(String, u64)>,
    /// Set when a cycle completes; cleared when a new one starts (`spawning_completed`).
    pub(super) completed: bool,
}

/// What goes into every `spawn` besides the counts.
pub(super) struct SpawnContext<'a> {
    pub(super) host: Option<&'a str>,
    pub(super) stop_timeout: f64,
    pub(super) parsed_options: &'a [(String, Value)],
}

impl Ramp {
    pub(super) fn new(classes: Vec<UserClass>) -> Ramp {
        Ramp {
            classes,
            dispatcher: None,
            phase: Phase::Idle,
            target: 0,
            spawn_rate: 1.0,
            iteration_start: Instant::now(),
            last_timestamp: 0.0,
            target_classes: Vec::new(),
            completed: false,
        }
    }

    pub(super) fn dispatcher_mut(&mut self) -> Option<&mut UsersDispatcher> {
        self.dispatcher.as_mut()
    }

    /// Whether a dispatch cycle is under way (Locust's `dispatch_in_progress`, false without
    /// a dispatcher).
    pub(super) fn in_progress(&self) -> bool {
        self.dispatcher.as_ref().is_some_and(UsersDispatcher::dispatch_in_progress)
    }

    /// Forget the dispatcher (Locust's stop, or a dead worker's removal); the next start
    /// makes a new one over the workers active then.
    pub(super) fn discard(&mut self) {
        self.dispatcher = None;
        self.phase = Phase::Idle;
    }

    /// Begin a cycle toward `target` at `rate`, making the dispatcher over `workers` if
    /// there is none, and abandoning any cycle under way.
    pub(super) fn begin(
        &mut self,
        workers: &[String],
        target: u64,
        rate: f64,
    ) -> Result<(), DispatchError> {
        if self.dispatcher.is_none() {
            self.dispatcher = Some(UsersDispatcher::new(workers, &self.classes)?);
        }
        let dispatcher = self.dispatcher.as_mut().ok_or(DispatchError::NoWorkers)?;
        dispatcher.new_dispatch(target, rate)?;
        self.target = target;
        self.spawn_rate = rate;
        self.completed = false;
        self.iteration_start = Instant::now();
        self.phase = Phase::Paused(self.iteration_start);
        Ok(())
    }

    /// When the loop must call [`advance`](Self::advance) (or check the reports) next.
    pub(super) fn wake_at(&self) -> Option<Instant> {
        match self.phase {
            Phase::Idle => None,
            Phase::Paused(at) | Phase::AwaitingReports(at) => Some(at),
        }
    }

    /// Run the cycle until its next pause or its end, if its pause is over.
    pub(super) fn advance(&mut self, now: Instant, ctx: &SpawnContext<'_>) -> Advance {
        let mut out = Advance { spawns: Vec::new(), cycle_done: false };
        match self.phase {
            Phase::Paused(at) if at <= now => self.iteration_start = now,
            _ => return out,
        }
        let Some(dispatcher) = self.dispatcher.as_mut() else {
            self.phase = Phase::Idle;
            return out;
        };
        let mut last: Option<Assignment> = None;
        loop {
            match dispatcher.next() {
                Some(Step::Spawn(assignment)) => {
                    for (worker, counts) in &assignment {
                        let spawn = spawn_message(&mut self.last_timestamp, counts, ctx);
                        out.spawns.push((worker.clone(), spawn));
                    }
                    last = Some(assignment);
                }
                Some(Step::Pause(period)) => {
                    self.phase = Phase::Paused(self.iteration_start + period);
                    break;
                }
                None => {
                    self.phase = Phase::AwaitingReports(now + REPORT_WAIT);
                    out.cycle_done = true;
                    break;
                }
            }
        }
        if let Some(assignment) = last {
            self.target_classes = class_sums(&assignment);
        }
        out
    }

    /// The cycle is complete: stop waiting for reports.
    pub(super) fn finish_cycle(&mut self) {
        self.phase = Phase::Idle;
        self.completed = true;
    }
}

fn spawn_message(
    last_timestamp: &mut f64,
    counts: &BTreeMap<String, u64>,
    ctx: &SpawnContext<'_>,
) -> Spawn {
    // A microsecond apart at least: an f64 of today's epoch seconds resolves ~0.24 µs.
    let timestamp = unix_now().max(*last_timestamp + 1e-6);
    *last_timestamp = timestamp;
    Spawn {
        timestamp,
        user_classes_count: counts.iter().map(|(c, n)| (c.clone(), *n)).collect(),
        host: ctx.host.map(str::to_owned),
        stop_timeout: Some(Number::Float(ctx.stop_timeout)),
        parsed_options: ctx.parsed_options.to_vec(),
    }
}

/// Users per class over every worker of an assignment.
fn class_sums(assignment: &Assignment) -> Vec<(String, u64)> {
    let mut sums: BTreeMap<&str, u64> = BTreeMap::new();
    for counts in assignment.values() {
        for (class, n) in counts {
            *sums.entry(class).or_default() += n;
        }
    }
    sums.into_iter().map(|(c, n)| (c.to_owned(), n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> SpawnContext<'static> {
        SpawnContext { host: Some("http://h"), stop_timeout: 0.0, parsed_options: &[] }
    }

    #[test]
    fn a_paced_cycle_sends_every_worker_each_iteration_then_waits_for_reports() {
        let classes = vec![UserClass::weighted("A", 3), UserClass::weighted("B", 1)];
        let mut ramp = Ramp::new(classes);
        let workers = vec!["hostA_aaa".to_owned(), "hostA_bbb".to_owned()];
        ramp.begin(&workers, 6, 2.0).unwrap();
        let t0 = Instant::now();
        let first = ramp.advance(t0, &ctx());
        assert_eq!(first.spawns.len(), 2);
        assert!(!first.cycle_done);
        // Not yet time for the second iteration.
        assert!(ramp.advance(t0, &ctx()).spawns.is_empty());
        let mut now = t0;
        let mut spawns = first.spawns;
        loop {
            now += Duration::from_secs(1);
            let step = ramp.advance(now, &ctx());
            spawns.extend(step.spawns);
            if step.cycle_done {
                break;
            }
        }
        assert_eq!(spawns.len(), 6);
        assert!(matches!(ramp.phase, Phase::AwaitingReports(_)));
        assert_eq!(ramp.target_classes, vec![("A".to_owned(), 4), ("B".to_owned(), 2)]);
        // Reference V1, last iteration: aaa{A3,B0}, bbb{A1,B2}.
        let last_aaa = &spawns[4];
        assert_eq!(last_aaa.0, "hostA_aaa");
        assert_eq!(last_aaa.1.user_classes_count, vec![("A".to_owned(), 3), ("B".to_owned(), 0)]);
        assert_eq!(last_aaa.1.host.as_deref(), Some("http://h"));
        // Timestamps strictly increase, whatever the clock does.
        assert!(spawns.windows(2).all(|w| w[1].1.timestamp > w[0].1.timestamp));
        ramp.finish_cycle();
        assert!(ramp.completed && ramp.wake_at().is_none());
    }

    #[test]
    fn no_workers_is_an_error() {
        let mut ramp = Ramp::new(vec![UserClass::weighted("A", 1)]);
        assert_eq!(ramp.begin(&[], 1, 1.0), Err(DispatchError::NoWorkers));
        assert!(ramp.dispatcher_mut().is_none());
    }
}

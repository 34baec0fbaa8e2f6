//! The life of one virtual user: `on_start`, then { pick a task by weight, run it, wait },
//! then `on_stop` — one loop for every kind of user and wait.
//!
//! Stopping follows Locust: a user that is waiting stops at once; a user in a task is
//! cancelled at once when the stop timeout is zero, and otherwise may finish the task until
//! the shard kills it when the timeout runs out. `on_stop` always runs, within its own limit.

use std::pin::pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::future::{select, Either};

use crate::scenario::{LocalFuture, TaskError, TaskResult, UserBehavior};
use crate::signal::StopSignal;
use crate::user_context::ShardContext;
use crate::wait::{Pacer, WaitTime};

/// Iterations in a row that never suspended (no I/O, no wait) before the user gives the
/// event loop a turn: monoio re-polls a self-woken task first, so without this a user
/// whose tasks never wait would starve every other user of its shard.
const MAX_ITERATIONS_WITHOUT_SUSPENDING: u32 = 64;

/// How long `on_stop` may take before it is cancelled, so that a stop always ends.
pub(crate) const ON_STOP_LIMIT: Duration = Duration::from_secs(10);

/// Picks tasks by weight among the ones the run's tags allow.
#[derive(Debug)]
pub(crate) struct TaskPicker {
    /// (task index, cumulative weight).
    cumulative: Vec<(usize, u64)>,
}

impl TaskPicker {
    /// `allowed` holds (task index, weight); zero weights are never picked.
    pub(crate) fn new(allowed: impl IntoIterator<Item = (usize, u32)>) -> Self {
        let mut sum = 0u64;
        let cumulative = allowed
            .into_iter()
            .filter(|&(_, w)| w > 0)
            .map(|(i, w)| {
                sum += u64::from(w);
                (i, sum)
            })
            .collect();
        TaskPicker { cumulative }
    }

    fn pick(&self) -> Option<usize> {
        let total = self.cumulative.last()?.1;
        let r = fastrand::u64(0..total);
        let at = self.cumulative.partition_point(|&(_, c)| c <= r);
        self.cumulative.get(at).map(|&(i, _)| i)
    }
}

/// What the shard knows about a class when it starts one of its users.
pub(crate) struct UserPlan {
    pub(crate) tasks: Rc<TaskPicker>,
    pub(crate) wait: WaitTime,
}

enum Outcome {
    Finished(TaskResult),
    Interrupted,
}

/// Run `work` unless `interrupt` fires first. The interrupt is checked before each poll of
/// the work: a killed user's task must not take another step (it could open a connection
/// just to drop it, thousands of times over when many users stop at once).
async fn unless<'a>(
    work: LocalFuture<'a, TaskResult>,
    interrupt: impl std::future::Future<Output = ()>,
) -> Outcome {
    let mut work = work;
    let mut interrupt = pin!(interrupt);
    std::future::poll_fn(|cx| {
        if interrupt.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(Outcome::Interrupted);
        }
        work.as_mut().poll(cx).map(Outcome::Finished)
    })
    .await
}

pub(crate) async fn run_user(
    behavior: Box<dyn UserBehavior>,
    plan: UserPlan,
    stop: Rc<StopSignal>,
    shard: ShardContext,
) {
    let report = |r: &TaskResult| {
        if let Err(TaskError::Exception { message, traceback }) = r {
            shard.record_exception(message, traceback);
        }
    };
    let started = match unless(behavior.on_start(), stop.killed()).await {
        Outcome::Finished(r) => {
            report(&r);
            // Like Locust, a user whose on_start raised runs no task.
            r.is_ok()
        }
        Outcome::Interrupted => false,
    };
    if started {
        task_loop(&*behavior, &plan, &stop, &report).await;
    }
    let on_stop = crate::runtime::sleep(ON_STOP_LIMIT);
    match unless(behavior.on_stop(), on_stop).await {
        Outcome::Finished(r) => report(&r),
        Outcome::Interrupted => shard.record_exception(
            &format!("on_stop did not finish within {}s", ON_STOP_LIMIT.as_secs()),
            "",
        ),
    }
}

async fn task_loop(
    behavior: &dyn UserBehavior,
    plan: &UserPlan,
    stop: &StopSignal,
    report: &impl Fn(&TaskResult),
) {
    let mut pacer = Pacer::default();
    let mut without_suspending = 0u32;
    while !stop.is_requested() {
        let Some(task) = plan.tasks.pick() else { return };
        let (outcome, polls) = counting_polls(unless(behavior.run_task(task), stop.killed())).await;
        match outcome {
            Outcome::Finished(Ok(())) => {}
            Outcome::Finished(Err(TaskError::StopUser | TaskError::Quit)) => return,
            Outcome::Finished(r @ Err(TaskError::Exception { .. })) => report(&r),
            Outcome::Interrupted => return,
        }
        if stop.is_requested() {
            return;
        }
        let wait = if behavior.take_reschedule_immediately() {
            Duration::ZERO
        } else {
            next_wait(behavior, plan, &mut pacer, report)
        };
        if wait.is_zero() {
            without_suspending = if polls > 1 { 0 } else { without_suspending + 1 };
            if without_suspending < MAX_ITERATIONS_WITHOUT_SUSPENDING {
                continue;
            }
            without_suspending = 0;
            crate::runtime::yield_to_loop().await;
            continue;
        }
        without_suspending = 0;
        let sleep = pin!(crate::runtime::sleep(wait));
        if let Either::Right(_) = select(sleep, pin!(stop.requested())).await {
            return;
        }
    }
}

/// The pause after a task: the class's wait time, or what the behaviour computes.
fn next_wait(
    behavior: &dyn UserBehavior,
    plan: &UserPlan,
    pacer: &mut Pacer,
    report: &impl Fn(&TaskResult),
) -> Duration {
    match pacer.next_wait(plan.wait, Instant::now()) {
        Some(w) => w,
        None => match behavior.custom_wait() {
            Ok(w) => w,
            Err(e) => {
                report(&Err(e));
                Duration::ZERO
            }
        },
    }
}

/// Run `fut`, also returning how many times it was polled: once means it never suspended.
async fn counting_polls<F: std::future::Future>(fut: F) -> (F::Output, u32) {
    let mut fut = pin!(fut);
    let mut polls = 0u32;
    let out = std::future::poll_fn(|cx| {
        polls += 1;
        fut.as_mut().poll(cx)
    })
    .await;
    (out, polls)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::{unless, Outcome, TaskPicker};

    #[test]
    fn an_interrupted_task_takes_no_further_step() {
        let polled = Cell::new(0);
        let work = Box::pin(std::future::poll_fn(|_| {
            polled.set(polled.get() + 1);
            Poll::Pending
        }));
        let cx = &mut Context::from_waker(Waker::noop());
        let mut fut = pin!(unless(work, std::future::ready(())));
        assert!(matches!(fut.as_mut().poll(cx), Poll::Ready(Outcome::Interrupted)));
        assert_eq!(polled.get(), 0, "the work was not polled once the interrupt fired");
    }

    #[test]
    fn picker_follows_weights() {
        let p = TaskPicker::new([(0, 1), (1, 3), (2, 0)]);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[p.pick().unwrap()] += 1;
        }
        assert_eq!(counts[2], 0);
        let ratio = f64::from(counts[1]) / f64::from(counts[0]);
        assert!((2.7..3.3).contains(&ratio), "ratio {ratio}");
        assert_eq!(TaskPicker::new([(0, 0)]).pick(), None);
    }
}

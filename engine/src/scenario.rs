//! The seam between the engine and whatever defines users (Lua, or Rust in tests and benches).
//!
//! A [`Scenario`] is built once on the main thread and shared by every shard. On each shard
//! thread the engine asks it for a [`ShardScenario`], the shard-local half (a Lua state, say),
//! which then creates one [`UserBehavior`] per virtual user. The engine owns the user loop:
//! `on_start`, then { pick a task by weight, run it, wait }, then `on_stop`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use cicada_proto::Message;

use crate::user_context::{ShardContext, UserContext};
use crate::wait::WaitTime;

/// A boxed future that stays on its shard thread.
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// One task of a user class, as the scenario declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    pub name: String,
    pub weight: u32,
    pub tags: Vec<String>,
}

/// One user class, as the scenario declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserClassSpec {
    pub name: String,
    /// Relative share of the users not taken by fixed-count classes.
    pub weight: u32,
    /// Exactly this many users of the class run, whatever the total (spawned first).
    pub fixed_count: Option<u32>,
    pub tasks: Vec<TaskSpec>,
    pub wait_time: WaitTime,
    /// The class's own `host`, used when no `--host` is given.
    pub host: Option<String>,
}

/// Why a task, `on_start` or `on_stop` did not end normally.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskError {
    /// User code raised an error: counted in the exceptions table; the user goes on.
    Exception { message: String, traceback: String },
    /// The user asked to stop itself (Locust's `StopUser`): it runs `on_stop` and ends.
    StopUser,
    /// The whole run was asked to end (`runner:quit()`), already signalled to the engine.
    Quit,
}

pub type TaskResult = Result<(), TaskError>;

/// A scenario failed to build on a shard (for example, the script no longer loads).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ScenarioError(pub String);

/// The whole scenario: what user classes exist, and how to build a shard's half of it.
pub trait Scenario: Send + Sync + 'static {
    fn classes(&self) -> &[UserClassSpec];

    /// Called once on each shard thread, before any user starts.
    fn shard(&self, ctx: ShardContext) -> Result<Box<dyn ShardScenario>, ScenarioError>;
}

/// The shard-local half of a scenario. It lives and dies on one shard thread.
pub trait ShardScenario {
    /// A new virtual user of class `class` (an index into [`Scenario::classes`]).
    fn new_user(
        &self,
        class: usize,
        ctx: UserContext,
    ) -> Result<Box<dyn UserBehavior>, ScenarioError>;

    /// Called about every 10 ms between user work: the place for incremental GC.
    fn maintenance(&self) {}

    /// The test started on this shard (Locust's `test_start` event).
    fn test_start(&self) -> LocalFuture<'_, ()> {
        Box::pin(async {})
    }

    /// The test stopped on this shard: every user has ended (Locust's `test_stop`).
    fn test_stop(&self) -> LocalFuture<'_, ()> {
        Box::pin(async {})
    }

    /// The process is about to exit (Locust's `quitting`).
    fn quitting(&self) {}

    /// A custom message for this shard's handler of its type (every shard gets each one).
    /// The shard runs the future as a task of its own, beside the users.
    fn message(&self, _msg: &Message) -> LocalFuture<'static, ()> {
        Box::pin(async {})
    }
}

/// One virtual user. Each call returns a future the engine drives; dropping it cancels the work.
pub trait UserBehavior {
    fn on_start(&self) -> LocalFuture<'static, TaskResult>;
    /// Run task `index` (an index into the class's [`UserClassSpec::tasks`]).
    fn run_task(&self, index: usize) -> LocalFuture<'static, TaskResult>;
    fn on_stop(&self) -> LocalFuture<'static, TaskResult>;
    /// The wait for [`WaitTime::Custom`]: called after each task.
    fn custom_wait(&self) -> Result<Duration, TaskError> {
        Ok(Duration::ZERO)
    }
    /// True when the task that just ended asked for the next one at once, without the wait
    /// (Locust's `RescheduleTaskImmediately`, or a TaskSet interrupted with `reschedule`).
    /// Called once after each task that ended normally; the answer is for that task only.
    fn take_reschedule_immediately(&self) -> bool {
        false
    }
}

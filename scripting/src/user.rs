//! One virtual user: a Lua table whose metatable leads to its class (so `self:method()` and
//! class attributes work, and `self.x = ...` is the user's own), holding `client` and
//! `environment`; and the futures the engine drives for its `on_start`, tasks and `on_stop`.
//!
//! The user table is kept in the Lua registry; the task functions are resolved once per
//! shard, so a task call is: push the task function and the user table onto a (pooled)
//! coroutine running the trampoline, and poll it. Responses a task left undecided
//! (`catch_response` without `success()`/`failure()`) are counted when it ends.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use cicada_engine::{LocalFuture, TaskError, TaskResult, UserBehavior};
use mlua::{Function, RegistryKey, Value};

use crate::client::UserResponses;
use crate::errors::message_and_traceback;
use crate::shard::{ClassRuntime, ShardState};
use crate::task::{guarded, Outcome, Raw};
use crate::wait::{number, show};

pub(crate) struct LuaUser {
    pub(crate) shard: Rc<ShardState>,
    pub(crate) class: Rc<ClassRuntime>,
    /// The user's Lua table.
    pub(crate) object: RegistryKey,
    /// Only for HTTP users.
    pub(crate) responses: Option<Rc<UserResponses>>,
    /// The last task ended with `RescheduleTaskImmediately` (or an interrupt with reschedule).
    pub(crate) reschedule_now: Rc<Cell<bool>>,
}

impl LuaUser {
    fn call(&self, f: &Function, activity: &'static str) -> LocalFuture<'static, TaskResult> {
        let call = self.shard.shared.trampoline.call_async::<Raw>((f, &self.object));
        self.drive(call, activity)
    }

    /// Drive a trampoline call made on this user's behalf to its task result.
    fn drive(
        &self,
        call: impl Future<Output = mlua::Result<Raw>> + 'static,
        activity: &'static str,
    ) -> LocalFuture<'static, TaskResult> {
        let shared = Rc::clone(&self.shard.shared);
        let outcome = guarded(shared, activity, call);
        let reschedule_now = Rc::clone(&self.reschedule_now);
        let responses = self.responses.clone();
        let shard = Rc::clone(&self.shard);
        Box::pin(async move {
            let outcome = outcome.await;
            if let (Some(debug), Outcome::Error { message, traceback }) = (&shard.debug, &outcome) {
                (debug.on_error)(message, traceback);
            }
            if let Some(responses) = responses {
                responses.flush(&shard.lua);
            }
            if shard.shared.guard.tripped() {
                // The task hogged the shard until the guard stopped it: let the others run
                // before this user goes on (the engine would run its next task at once).
                cicada_engine::sleep(Duration::ZERO).await;
            }
            reschedule_now.set(outcome == Outcome::RescheduleNow);
            outcome.into_task_result()
        })
    }

    fn call_hook(
        &self,
        f: Option<&Function>,
        activity: &'static str,
    ) -> LocalFuture<'static, TaskResult> {
        match f {
            Some(f) => self.call(f, activity),
            None => Box::pin(async { Ok(()) }),
        }
    }
}

impl UserBehavior for LuaUser {
    fn on_start(&self) -> LocalFuture<'static, TaskResult> {
        self.call_hook(self.class.on_start.as_ref(), "on_start")
    }

    fn run_task(&self, index: usize) -> LocalFuture<'static, TaskResult> {
        match self.class.tasks.get(index) {
            Some(f) => self.call(f, "task"),
            None => Box::pin(async move {
                Err(TaskError::Exception {
                    message: format!("no task number {index} in this user class"),
                    traceback: String::new(),
                })
            }),
        }
    }

    fn on_stop(&self) -> LocalFuture<'static, TaskResult> {
        if !self.class.has_sets {
            return self.call_hook(self.class.on_stop.as_ref(), "on_stop");
        }
        // The user may have been stopped inside sets: their on_stop runs first (finish).
        let call = self.shard.shared.trampoline.call_async::<Raw>((
            &self.shard.sets.finish,
            &self.object,
            self.class.on_stop.as_ref(),
        ));
        self.drive(call, "on_stop")
    }

    fn take_reschedule_immediately(&self) -> bool {
        self.reschedule_now.replace(false)
    }

    fn custom_wait(&self) -> Result<Duration, TaskError> {
        let Some(f) = &self.class.wait_fn else { return Ok(Duration::ZERO) };
        self.shard.shared.guard.enter("wait_time function");
        match f.call::<Value>(&self.object) {
            Ok(v) => match number(&v) {
                Some(s) if s >= 0.0 && !s.is_nan() => Ok(crate::sleep::duration(s)),
                _ => Err(TaskError::Exception {
                    message: format!(
                        "wait_time must return a number of seconds >= 0, got {}",
                        show(&v)
                    ),
                    traceback: String::new(),
                }),
            },
            Err(e) => {
                let (message, traceback) = message_and_traceback(&e);
                Err(TaskError::Exception { message, traceback })
            }
        }
    }
}

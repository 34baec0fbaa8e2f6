//! Calling script code: tasks, `on_start`/`on_stop`, event listeners.
//!
//! Every call goes through one Lua trampoline (`lua/task.lua`, created once per state) that
//! runs the function under `xpcall` and returns how it ended as a small integer (plus the
//! message and traceback of an error), so no Lua error value ever has to be picked apart in
//! Rust. Async calls run the trampoline on a coroutine with mlua's `call_async`, which lets
//! the script's HTTP requests and sleeps suspend it; each poll first tells the runaway guard
//! that a new stretch of Lua starts.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;

use cicada_engine::{TaskError, TaskResult};
use mlua::{Function, IntoLuaMulti, Lua, Table, Value};

use crate::errors::{clean_traceback, describe};
use crate::shared::Shared;
use crate::taskset::{INTERRUPT, INTERRUPT_NOW, RESCHEDULE, RESCHEDULE_NOW};

/// How a call into script code ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Returned,
    /// `cicada.RescheduleTaskImmediately`, or a TaskSet interrupted with `reschedule`:
    /// ended normally, and the next task runs without the wait.
    RescheduleNow,
    StopUser,
    Quit,
    Error {
        message: String,
        traceback: String,
    },
}

impl Outcome {
    pub(crate) fn into_task_result(self) -> TaskResult {
        match self {
            Outcome::Returned | Outcome::RescheduleNow => Ok(()),
            Outcome::StopUser => Err(TaskError::StopUser),
            Outcome::Quit => Err(TaskError::Quit),
            Outcome::Error { message, traceback } => {
                Err(TaskError::Exception { message, traceback })
            }
        }
    }
}

/// What the trampoline returns.
pub(crate) type Raw = (i64, Option<mlua::String>, Option<mlua::String>);

fn outcome(raw: mlua::Result<Raw>) -> Outcome {
    match raw {
        Ok((0, _, _)) => Outcome::Returned,
        Ok((1, _, _)) => Outcome::StopUser,
        Ok((2, _, _)) => Outcome::Quit,
        // RescheduleTask (4), or an interrupt raised outside any set (6): the task ends there.
        Ok((RESCHEDULE | INTERRUPT, _, _)) => Outcome::Returned,
        Ok((RESCHEDULE_NOW | INTERRUPT_NOW, _, _)) => Outcome::RescheduleNow,
        Ok((_, message, traceback)) => Outcome::Error {
            message: message.map(|s| s.to_string_lossy()).unwrap_or_else(|| "error".into()),
            traceback: traceback.map(|s| clean_traceback(&s.to_string_lossy())).unwrap_or_default(),
        },
        // Only when the call could not even start (out of memory, say).
        Err(e) => {
            Outcome::Error { message: crate::errors::root_message(&e), traceback: String::new() }
        }
    }
}

/// `describe(err)`: the text of any error value (see [`crate::errors::describe`]).
pub(crate) fn create_describe(lua: &Lua) -> mlua::Result<Function> {
    lua.create_function(|lua, v: Value| Ok(describe(lua, &v)))
}

/// The trampoline. Must be made before `xpcall` is wrapped by the guard: it uses the raw one.
pub(crate) fn create_trampoline(
    lua: &Lua,
    stop: &Table,
    quit: &Table,
    control: &Table,
) -> mlua::Result<Function> {
    let describe = create_describe(lua)?;
    let traceback = create_traceback(lua)?;
    let xpcall: Function = lua.globals().get("xpcall")?;
    lua.load(include_str!("lua/task.lua"))
        .set_name("=[cicada]")
        .call((stop, quit, describe, traceback, xpcall, control))
}

/// `debug.traceback([message [, level]])` for a state without the (unsafe) debug library.
pub(crate) fn create_traceback(lua: &Lua) -> mlua::Result<Function> {
    lua.create_function(|lua, (msg, level): (Value, Option<usize>)| {
        let msg = match msg {
            Value::Nil => None,
            Value::String(s) => Some(s.to_string_lossy()),
            other => return Ok(other),
        };
        let tb = lua.traceback(msg.as_deref(), level.unwrap_or(1))?;
        Ok(Value::String(lua.create_string(clean_traceback(&tb.to_string_lossy()))?))
    })
}

/// Call `f(args)` to the end without yielding (init and quitting listeners, wait functions).
pub(crate) fn call_sync(
    shared: &Shared,
    activity: &'static str,
    f: &Function,
    args: impl IntoLuaMulti,
) -> Outcome {
    shared.guard.enter(activity);
    outcome(shared.trampoline.call::<Raw>((f, args)))
}

/// Call `f(args)` from inside running script code (a request listener, `events.x:fire()`):
/// like [`call_sync`], but the runaway guard keeps timing the stretch already running.
pub(crate) fn call_nested(shared: &Shared, f: &Function, args: impl IntoLuaMulti) -> Outcome {
    outcome(shared.trampoline.call::<Raw>((f, args)))
}

/// Run a call made with `shared.trampoline.call_async::<Raw>((f, args...))` — the script may
/// sleep and make requests — telling the runaway guard at each poll that Lua is entered
/// afresh. (The call is made by the caller because mlua's future type cannot be named.)
pub(crate) async fn guarded<F>(shared: Rc<Shared>, activity: &'static str, call: F) -> Outcome
where
    F: Future<Output = mlua::Result<Raw>>,
{
    let mut call = pin!(call);
    let raw = poll_fn(|cx| {
        shared.guard.enter(activity);
        call.as_mut().poll(cx)
    })
    .await;
    outcome(raw)
}

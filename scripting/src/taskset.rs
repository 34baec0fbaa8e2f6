//! What Lua TaskSets (`lua/taskset.lua`) need from Rust: the control values tasks raise
//! (`cicada.RescheduleTask`, `self:interrupt()`), and a per-user handle on the engine.
//!
//! A TaskSet runs inside one engine task: the engine picks the set like any task, and the
//! set's loop (on_start, pick, run, wait, until interrupted) is Lua. So the engine cannot
//! see a set's waits; the handle gives the loop what the engine's own loop has: the user's
//! stop signal (a user waiting in a set stops at once, as Locust's `TaskSet.wait` does),
//! the run's `--tags`/`--exclude-tags` for the tasks inside sets, wait-time pacing, and the
//! exceptions table for errors a set catches and goes on from.

use std::cell::Cell;
use std::future::Future;
use std::task::Poll;
use std::time::{Duration, Instant};

use cicada_engine::{OptionValue, Pacer, UserContext};
use mlua::{Lua, Table, UserData, UserDataMethods, Value};

use crate::debug::ErrorHook;

/// Trampoline codes of the control values (see `lua/task.lua`); 0-3 are the plain outcomes.
pub(crate) const RESCHEDULE: i64 = 4;
pub(crate) const RESCHEDULE_NOW: i64 = 5;
pub(crate) const INTERRUPT: i64 = 6;
pub(crate) const INTERRUPT_NOW: i64 = 7;

/// Zero waits in a row inside a set before one goes through the timer: a set whose tasks
/// never suspend would otherwise keep its shard to itself (the engine's loop does the same).
const ZERO_WAITS_BEFORE_YIELD: u32 = 64;

/// The control values, each a sentinel table raised with `error(value, 0)`.
#[derive(Clone)]
pub(crate) struct Control {
    /// Sentinel → trampoline code, for `lua/task.lua`.
    pub(crate) codes: Table,
    pub(crate) reschedule: Table,
    pub(crate) reschedule_now: Table,
    pub(crate) interrupt: Table,
    pub(crate) interrupt_now: Table,
}

pub(crate) fn control(lua: &Lua) -> mlua::Result<Control> {
    let sentinel = |name| crate::module::sentinel(lua, name);
    let c = Control {
        codes: lua.create_table()?,
        reschedule: sentinel("RescheduleTask")?,
        reschedule_now: sentinel("RescheduleTaskImmediately")?,
        interrupt: sentinel("InterruptTaskSet(reschedule=false)")?,
        interrupt_now: sentinel("InterruptTaskSet(reschedule=true)")?,
    };
    c.codes.raw_set(&c.reschedule, RESCHEDULE)?;
    c.codes.raw_set(&c.reschedule_now, RESCHEDULE_NOW)?;
    c.codes.raw_set(&c.interrupt, INTERRUPT)?;
    c.codes.raw_set(&c.interrupt_now, INTERRUPT_NOW)?;
    Ok(c)
}

/// One user's handle, kept in its table under a key scripts cannot name.
pub(crate) struct UserHandle {
    ctx: UserContext,
    on_error: Option<ErrorHook>,
    zero_waits: Cell<u32>,
}

impl UserHandle {
    pub(crate) fn new(ctx: UserContext, on_error: Option<ErrorHook>) -> Self {
        UserHandle { ctx, on_error, zero_waits: Cell::new(0) }
    }

    /// Whether a task with these tags runs, under `--tags` and `--exclude-tags` (the rule
    /// the engine applies to a class's own tasks).
    fn allowed(&self, tags: &[String]) -> bool {
        let list = |key: &str| match self.ctx.shard().options().get(key) {
            Some(OptionValue::List(l)) => Some(l.clone()),
            _ => None,
        };
        let included = list("tags").is_none_or(|want| tags.iter().any(|t| want.contains(t)));
        let excluded = list("exclude_tags").is_some_and(|ex| tags.iter().any(|t| ex.contains(t)));
        included && !excluded
    }
}

impl UserData for UserHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("stopping", |_, this, ()| Ok(this.ctx.is_stopping()));
        methods.add_method("allowed", |_, this, tags: Vec<String>| Ok(this.allowed(&tags)));
        methods.add_method("error", |_, this, (message, traceback): (String, String)| {
            if let Some(hook) = &this.on_error {
                hook(&message, &traceback);
            }
            this.ctx.shard().record_exception(&message, &traceback);
            Ok(())
        });
        methods.add_method("pacer", |_, _, ()| Ok(SetPacer(Pacer::default())));
        // Wait `secs`, or less if the user is asked to stop; returns whether it was.
        methods.add_async_method("wait", |_, this, secs: f64| {
            let ctx = this.ctx.clone();
            let wait = crate::sleep::duration(secs);
            let yield_now = wait.is_zero() && {
                let n = this.zero_waits.get() + 1;
                this.zero_waits.set(n % ZERO_WAITS_BEFORE_YIELD);
                n == ZERO_WAITS_BEFORE_YIELD
            };
            if !wait.is_zero() {
                this.zero_waits.set(0);
            }
            async move {
                if ctx.is_stopping() {
                    return Ok(true);
                }
                if wait.is_zero() {
                    if yield_now {
                        cicada_engine::sleep(Duration::ZERO).await;
                    }
                } else {
                    let mut sleep = std::pin::pin!(cicada_engine::sleep(wait));
                    let mut stop = std::pin::pin!(ctx.stop_requested());
                    std::future::poll_fn(|cx| {
                        if stop.as_mut().poll(cx).is_ready() || sleep.as_mut().poll(cx).is_ready() {
                            Poll::Ready(())
                        } else {
                            Poll::Pending
                        }
                    })
                    .await;
                }
                Ok(ctx.is_stopping())
            }
        });
    }
}

/// A set instance's pacing state, for `constant_pacing` and `constant_throughput`.
struct SetPacer(Pacer);

impl UserData for SetPacer {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        // Seconds to wait for a `wait_time` value, or nil for a function (Lua calls it).
        methods.add_method_mut("next", |lua, this, spec: Value| {
            let (wait, _) =
                crate::wait::parse(&spec).map_err(|msg| crate::errors::fail(lua, msg))?;
            Ok(this.0.next_wait(wait, Instant::now()).map(|d| d.as_secs_f64()))
        });
    }
}

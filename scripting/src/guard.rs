//! The runaway guard: a `while true do end` in a task must not freeze its shard silently.
//!
//! Every entry into Lua (each poll of a task's coroutine, each synchronous call) bumps an
//! epoch counter: that is all the hot path pays. An instruction-count hook runs every
//! [`HOOK_INTERVAL`] Lua instructions; when it sees the same epoch as last time it compares
//! the clock with the moment it first saw that epoch, and past the limit it raises
//! `locustfile.lua:12: task ran 10s without yielding to the event loop (endless loop?)` at
//! the running line. The task ends with that exception in the stats and the user goes on.
//!
//! The hook body itself is nearly free (a counter compare, a clock read every few hundred
//! microseconds of pure Lua), but with any hook set Lua 5.4 routes every instruction through
//! its hook dispatcher: measured here, a tight arithmetic loop runs 2.8x slower, a task call
//! costs 0.6 µs instead of 0.4 µs. Tasks that make requests spend their time in I/O, so
//! the guard stays on by default; `ScenarioLimits { runaway_after: Duration::ZERO }` removes
//! it for CPU-heavy scripts.
//!
//! A script could catch that error with `pcall` and loop again, so `pcall`, `xpcall` and
//! `coroutine.resume` are wrapped (in `lua/guard.lua` and `lua/coroutine.lua`) to re-raise
//! any error caught while the guard is tripped; the hook also re-raises at each check until
//! the task has unwound.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::{Function, HookTriggers, Lua, VmState};

use crate::errors::LuaFail;

/// Lua instructions between two checks of the clock by the guard.
pub const HOOK_INTERVAL: u32 = 100_000;

/// How long Lua code may run without giving the event loop a turn (the default of
/// [`crate::ScenarioLimits::runaway_after`]).
pub const DEFAULT_RUNAWAY_LIMIT: Duration = Duration::from_secs(10);

/// The guard state of one Lua state.
pub(crate) struct Guard {
    limit: Duration,
    epoch: Cell<u64>,
    seen: Cell<u64>,
    since: Cell<Instant>,
    tripped: Cell<bool>,
    activity: Cell<&'static str>,
}

impl Guard {
    pub(crate) fn new(limit: Duration) -> Rc<Guard> {
        Rc::new(Guard {
            limit,
            epoch: Cell::new(1),
            seen: Cell::new(0),
            since: Cell::new(Instant::now()),
            tripped: Cell::new(false),
            activity: Cell::new("script"),
        })
    }

    /// Lua is entered afresh: a new stretch of running without yielding starts. `activity`
    /// names what runs, for the error message ("task", "script", ...).
    #[inline]
    pub(crate) fn enter(&self, activity: &'static str) {
        self.epoch.set(self.epoch.get().wrapping_add(1));
        self.tripped.set(false);
        self.activity.set(activity);
    }

    /// True once the guard has raised its error in the current stretch.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped.get()
    }

    /// The hook body: cheap unless the same stretch has been running for a while.
    fn check(&self, debug: &mlua::Debug<'_>) -> mlua::Result<VmState> {
        let epoch = self.epoch.get();
        if self.seen.get() != epoch {
            self.seen.set(epoch);
            self.since.set(Instant::now());
            return Ok(VmState::Continue);
        }
        if self.since.get().elapsed() < self.limit {
            return Ok(VmState::Continue);
        }
        self.tripped.set(true);
        let source = debug.source();
        let at = match (source.short_src, debug.current_line()) {
            (Some(src), Some(line)) => format!("{src}:{line}: "),
            (Some(src), None) => format!("{src}: "),
            _ => String::new(),
        };
        Err(mlua::Error::external(LuaFail(format!(
            "{at}{} ran {} without yielding to the event loop (endless loop?)",
            self.activity.get(),
            format_secs(self.limit)
        ))))
    }
}

/// Install the hook on `lua`. Call it first: coroutines inherit the hook when created.
pub(crate) fn install_hook(lua: &Lua, guard: &Rc<Guard>) -> mlua::Result<()> {
    let hook_guard = Rc::clone(guard);
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(HOOK_INTERVAL),
        move |_, debug| hook_guard.check(debug),
    )
}

/// Wrap `pcall`/`xpcall` so they cannot swallow a tripped guard's error. Returns the
/// `tripped()` function, for the coroutine wrappers to do the same.
pub(crate) fn wrap_pcall(lua: &Lua, guard: &Rc<Guard>) -> mlua::Result<Function> {
    let tripped_guard = Rc::clone(guard);
    let tripped = lua.create_function(move |_, ()| Ok(tripped_guard.tripped()))?;
    lua.load(include_str!("lua/guard.lua")).set_name("=[cicada]").call::<()>(&tripped)?;
    Ok(tripped)
}

/// `10s`, `0.25s`.
pub(crate) fn format_secs(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        let s = format!("{:.3}", d.as_secs_f64());
        format!("{}s", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::format_secs;
    use std::time::Duration;

    #[test]
    fn formats_limits() {
        assert_eq!(format_secs(Duration::from_secs(10)), "10s");
        assert_eq!(format_secs(Duration::from_millis(250)), "0.25s");
        assert_eq!(format_secs(Duration::from_millis(1500)), "1.5s");
    }
}

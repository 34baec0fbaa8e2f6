//! Pacing Lua's garbage collector from Rust.
//!
//! Lua's incremental collector paces itself by what Lua allocates, but a response keeps its
//! body in Rust behind a small userdata: Lua sees a few dozen bytes where megabytes may hang,
//! and left alone a shard's memory grows many times over before a cycle frees them. So each
//! response adds its Rust bytes to a counter, and the shard's maintenance tick (about every
//! 10 ms) runs an incremental step "as if" that much had been allocated in Lua. When nothing
//! was, it does nothing: Lua's own pacing reclaims what Lua allocated.
//!
//! The collector also runs more eagerly than Lua's default (a new cycle when memory grows by
//! half rather than doubles, steps twice as large), which keeps a shard with 100,000 users'
//! coroutines near its live size for little CPU: most of a user's memory is long-lived.

use mlua::Lua;

use crate::shared::Shared;

/// New cycle when memory reaches 150% of what the last cycle kept (Lua's default is 200%).
const PAUSE: i32 = 150;
/// Collector speed relative to allocation, in percent (Lua's default is 100).
const STEP_MULTIPLIER: i32 = 200;

/// Set the collector's mode for a new state.
pub(crate) fn configure(lua: &Lua) {
    lua.gc_inc(PAUSE, STEP_MULTIPLIER, 0);
}

/// One maintenance step: account for the Rust bytes allocated since the last one.
pub(crate) fn step(lua: &Lua, shared: &Shared) {
    let kbytes = i32::try_from(shared.take_external() / 1024).unwrap_or(i32::MAX);
    // With nothing to account for, leave the pacing to Lua: a "basic step" (0 KiB) starts a
    // new cycle at once even while the collector rests, and every cycle ends in an atomic
    // phase that walks every coroutine — with 100,000 users, a pause of seconds per cycle.
    if kbytes == 0 {
        return;
    }
    shared.guard.enter("__gc metamethod");
    // An error here can only come from a script's __gc metamethod; Lua has already warned.
    let _ = lua.gc_step_kbytes(kbytes);
}

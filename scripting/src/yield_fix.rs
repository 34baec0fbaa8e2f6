//! `coroutine.yield()` that cannot starve a shard.
//!
//! Each task runs in a coroutine that mlua drives as a future (`AsyncThread`). When that
//! coroutine yields for a Rust future (an HTTP request, a sleep) it yields a private
//! "pending" marker and the task is woken by the future. A plain `coroutine.yield()` from the
//! script is different: mlua wakes the task itself at once, and monoio re-polls a self-woken
//! task before anything else, so a task yielding in a loop would spin and starve every other
//! user of the shard.
//!
//! `lua/coroutine.lua` therefore replaces `coroutine.yield`: on a task's own coroutine it
//! waits for a real timer turn (`cicada.sleep(0)`); on coroutines the script created
//! (`coroutine.create`/`wrap`, tracked in a weak table) it yields as usual. `resume` and
//! `wrap` also pass the pending marker up to the task, so HTTP calls and sleeps work inside
//! the script's own coroutines (a generator that makes requests, say).

use mlua::{Function, Lua};

/// Install the coroutine wrappers. `sleep0` is an async function that sleeps 0 s on the
/// event loop's timer; `tripped` reports the runaway guard's state.
pub(crate) fn install(lua: &Lua, sleep0: Function, tripped: Function) -> mlua::Result<()> {
    lua.load(include_str!("lua/coroutine.lua")).set_name("=[cicada]").call::<()>((
        Lua::poll_pending(),
        sleep0,
        tripped,
    ))
}

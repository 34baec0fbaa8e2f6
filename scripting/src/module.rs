//! The `cicada` module scripts `require`: user classes and task sets, wait times, `sleep`,
//! `events`, `measure`, `StopUser`/`stop_user`, `RescheduleTask[Immediately]`, `json`,
//! `LoadTestShape`.

use std::rc::Rc;

use mlua::{Function, Lua, Table};

use crate::class::ClassSystem;
use crate::events::{self, Events};
use crate::shared::Shared;

/// Build the module and register it as `require("cicada")`.
pub(crate) fn register(
    lua: &Lua,
    shared: &Rc<Shared>,
    classes: &ClassSystem,
    sleep: Function,
) -> mlua::Result<Events> {
    let m = lua.create_table()?;
    m.set("User", &classes.user)?;
    m.set("HttpUser", &classes.http_user)?;
    m.set("TaskSet", &classes.task_set)?;
    m.set("SequentialTaskSet", &classes.sequential_task_set)?;
    m.set("RescheduleTask", &classes.control.reschedule)?;
    m.set("RescheduleTaskImmediately", &classes.control.reschedule_now)?;
    crate::wait::register(lua, &m)?;
    crate::json::register(lua, &m)?;
    crate::shape::register(lua, &m)?;
    m.set("sleep", sleep)?;
    m.set("StopUser", &shared.stop)?;
    let stop_user: Function = lua
        .load("local STOP = ... local error = error return function() error(STOP, 0) end")
        .set_name("=[cicada]")
        .call(&shared.stop)?;
    m.set("stop_user", stop_user)?;
    let events = events::register(lua, &m, shared)?;
    let clock_shared = Rc::clone(shared);
    let clock = lua.create_function(move |_, ()| Ok(clock_shared.clock()))?;
    let pcall: Function = lua.globals().get("pcall")?;
    let measure: Function =
        lua.load(include_str!("lua/measure.lua")).set_name("=[cicada]").call((
            clock,
            events::create_report(lua, shared)?,
            crate::task::create_describe(lua)?,
            &shared.stop,
            &shared.quit,
            pcall,
        ))?;
    m.set("measure", measure)?;
    lua.register_module("cicada", m)?;
    Ok(events)
}

/// The sentinel tables `cicada.StopUser` and the quit signal, which print as their names.
pub(crate) fn sentinel(lua: &Lua, name: &str) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let mt = lua.create_table()?;
    let name = name.to_string();
    mt.set("__tostring", lua.create_function(move |_, ()| Ok(name.clone()))?)?;
    t.set_metatable(Some(mt))?;
    Ok(t)
}

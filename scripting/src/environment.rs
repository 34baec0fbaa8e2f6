//! `self.environment` (also the argument of lifecycle event listeners): the run's `host`,
//! `parsed_options`, this shard's `shard_index`/`shard_count`, and `runner` (`quit`, and the
//! custom messages of `messages.rs`).
//!
//! Each shard has its own Lua state, so it behaves like one Locust worker process: module
//! globals and class attributes are per shard, not shared by the whole run.

use std::rc::Rc;

use cicada_engine::{OptionValue, ShardContext};
use mlua::{Lua, Table, Value};

use crate::shared::Shared;

/// The environment table of a state (`ctx` is `None` while validating a script).
pub(crate) fn create(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<Table> {
    let env = lua.create_table()?;
    let options = lua.create_table()?;
    if let Some(ctx) = &shared.ctx {
        env.set("host", ctx.host())?;
        env.set("shard_index", ctx.index())?;
        env.set("shard_count", ctx.count())?;
        for (name, value) in ctx.options() {
            options.set(name.as_str(), option(lua, value)?)?;
        }
    }
    env.set("parsed_options", options)?;
    let runner = runner(lua, shared.ctx.clone(), &shared.quit)?;
    runner.set("send_message", crate::messages::create_send(lua, shared)?)?;
    runner.set("register_message", crate::messages::create_register(lua, shared)?)?;
    env.set("runner", runner)?;
    Ok(env)
}

pub(crate) fn option(lua: &Lua, value: &OptionValue) -> mlua::Result<Value> {
    Ok(match value {
        OptionValue::None => Value::Nil,
        OptionValue::Bool(b) => Value::Boolean(*b),
        OptionValue::Int(i) => Value::Integer(*i),
        OptionValue::Float(f) => Value::Number(*f),
        OptionValue::Str(s) => Value::String(lua.create_string(s)?),
        OptionValue::List(items) => {
            Value::Table(lua.create_sequence_from(items.iter().map(String::as_str))?)
        }
    })
}

/// `runner:quit()`: ask the whole run to stop, then end the calling task.
fn runner(lua: &Lua, ctx: Option<ShardContext>, quit: &Table) -> mlua::Result<Table> {
    let request = lua.create_function(move |_, ()| {
        if let Some(ctx) = &ctx {
            ctx.quit();
        }
        Ok(())
    })?;
    lua.load(
        "local request, QUIT = ...\n\
         local error = error\n\
         return { quit = function() request() error(QUIT, 0) end }",
    )
    .set_name("=[cicada]")
    .call((request, quit))
}

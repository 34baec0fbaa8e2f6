//! Load shapes: Locust's `LoadTestShape`, declared with `cicada.LoadTestShape:extend(...)`.
//!
//! Every state has the base class (the script runs the same everywhere), but only one
//! [`LuaShape`] is ever ticked: the run's driver asks [`crate::LuaScenario::load_shape`] for
//! it, which runs the script once more in a state of its own on the calling thread. Ticking
//! it there, rather than on a shard, keeps one clock and one decision for the whole run, as
//! Locust's single shape greenlet does; the state is not `Send`, so it stays on the thread
//! that drives the run.

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use std::time::Instant;

use cicada_engine::OptionValue;
use mlua::{Function, Lua, MultiValue, Table, Value};

use crate::errors::{message_and_traceback, ScriptError};
use crate::loader::Script;
use crate::shared::Shared;

/// Where the Lua half keeps `any` and `pick` (see `lua/shape.lua`).
const REGISTRY_KEY: &str = "cicada.shape";

/// The run's user count as of the current tick, for `get_current_user_count()`.
struct CurrentUsers(u32);

/// Add `LoadTestShape` to the `cicada` module.
pub(crate) fn register(lua: &Lua, module: &Table) -> mlua::Result<()> {
    let epoch = Instant::now();
    let clock = lua.create_function(move |_, ()| Ok(epoch.elapsed().as_secs_f64()))?;
    let user_count = lua.create_function(|lua, ()| match lua.app_data_ref::<CurrentUsers>() {
        Some(users) => Ok(users.0),
        // A shard's state has no run-wide count to give: only the driver's state ticks.
        None => Err(crate::errors::fail(
            lua,
            "get_current_user_count() is only available in a load shape's tick()",
        )),
    })?;
    let exports: Table =
        lua.load(include_str!("lua/shape.lua")).set_name("=[cicada]").call((clock, user_count))?;
    module.set("LoadTestShape", exports.get::<Table>("LoadTestShape")?)?;
    lua.set_named_registry_value(REGISTRY_KEY, exports)
}

/// Whether the script run in `lua` declared a shape that can run (not abstract).
pub(crate) fn declared(lua: &Lua) -> mlua::Result<bool> {
    let exports: Table = lua.named_registry_value(REGISTRY_KEY)?;
    exports.get::<Function>("any")?.call(())
}

/// What a tick asks for: Locust's `(user_count, spawn_rate[, user_classes])`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeTick {
    pub users: u32,
    /// Users started (or stopped) per second; finite and > 0.
    pub spawn_rate: f64,
    /// The classes to run, by name, when the tick named them.
    pub user_classes: Option<Vec<String>>,
}

/// A tick that raised, or returned something that is not a tick.
#[derive(Debug, Clone, PartialEq)]
pub struct TickError {
    /// `locustfile.lua:12: ...`
    pub message: String,
    /// The Lua traceback, empty when there is none (a bad return value).
    pub traceback: String,
}

impl fmt::Display for TickError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TickError {}

/// The script's load shape, in a Lua state of its own, ready to tick.
pub struct LuaShape {
    lua: Lua,
    shared: Rc<Shared>,
    instance: Table,
    name: String,
    use_common_options: bool,
}

impl fmt::Debug for LuaShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LuaShape").field("name", &self.name).finish_non_exhaustive()
    }
}

impl LuaShape {
    /// The shape `script` declared, if any. `options` become `self.environment
    /// .parsed_options`, so a shape with `use_common_options` can read `num_users`,
    /// `spawn_rate` and `run_time` as Locust's reads them.
    pub(crate) fn pick(
        script: Script,
        options: &BTreeMap<String, OptionValue>,
        display: &str,
    ) -> Result<Option<LuaShape>, ScriptError> {
        let lua_err = |e: mlua::Error| crate::errors::script_error(&e, display);
        let exports: Table = script.lua.named_registry_value(REGISTRY_KEY).map_err(lua_err)?;
        let pick: Function = exports.get("pick").map_err(lua_err)?;
        let (instance, name, use_common_options): (Option<Table>, Option<String>, bool) =
            pick.call(()).map_err(lua_err)?;
        let Some(instance) = instance else { return Ok(None) };
        let parsed: Table = script.environment.get("parsed_options").map_err(lua_err)?;
        for (key, value) in options {
            let value = crate::environment::option(&script.lua, value).map_err(lua_err)?;
            parsed.set(key.as_str(), value).map_err(lua_err)?;
        }
        instance.set("environment", &script.environment).map_err(lua_err)?;
        script.lua.set_app_data(CurrentUsers(0));
        Ok(Some(LuaShape {
            lua: script.lua,
            shared: script.shared,
            instance,
            name: name.unwrap_or_default(),
            use_common_options,
        }))
    }

    /// The shape's class name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `use_common_options = true`: the shape reads `-u`, `-r` and `-t` itself, so they are
    /// not reported as ignored.
    pub fn use_common_options(&self) -> bool {
        self.use_common_options
    }

    /// `self:reset_time()`: the run time counts from now (done as the test starts).
    pub fn reset_time(&self) -> Result<(), TickError> {
        self.call("reset_time").map(drop)
    }

    /// `self:tick()`, with `current_users` as what `get_current_user_count()` returns.
    /// `Ok(None)` is the shape's nil: the test is over.
    pub fn tick(&self, current_users: u32) -> Result<Option<ShapeTick>, TickError> {
        self.lua.set_app_data(CurrentUsers(current_users));
        let values = self.call("tick")?;
        self.parse(values)
    }

    fn call(&self, method: &str) -> Result<MultiValue, TickError> {
        let f: Function = self.instance.get(method).map_err(|_| TickError {
            message: format!("{}.{method} must be a function", self.name),
            traceback: String::new(),
        })?;
        // A tick is a fresh stretch of Lua: the runaway guard times it from here.
        self.shared.guard.enter("tick");
        f.call(&self.instance).map_err(|e| {
            let (message, traceback) = message_and_traceback(&e);
            TickError { message, traceback }
        })
    }

    fn parse(&self, values: MultiValue) -> Result<Option<ShapeTick>, TickError> {
        let mut values = values.into_iter();
        let (users, rate, classes) = (
            values.next().unwrap_or(Value::Nil),
            values.next().unwrap_or(Value::Nil),
            values.next().unwrap_or(Value::Nil),
        );
        if users.is_nil() {
            return Ok(None);
        }
        let bad = |what: String| TickError {
            message: format!(
                "{}: {}:tick() {what}: return users, spawn_rate [, {{ \"ClassName\", ... }}], \
                 or nil to stop",
                self.tick_location(),
                self.name
            ),
            traceback: String::new(),
        };
        // Locust's tick may return a float (`round(run_time, -2)`); it logs it with `%d`.
        let users = match users {
            Value::Integer(n) => u32::try_from(n).ok(),
            Value::Number(n) if n.is_finite() && n >= 0.0 && n < f64::from(u32::MAX) => {
                Some(n.floor() as u32)
            }
            _ => None,
        }
        .ok_or_else(|| bad(format!("returned {} users", describe(&users))))?;
        let spawn_rate = match rate {
            Value::Integer(n) if n > 0 => n as f64,
            Value::Number(n) if n.is_finite() && n > 0.0 => n,
            _ => return Err(bad(format!("returned a spawn rate of {}", describe(&rate)))),
        };
        let user_classes = match classes {
            Value::Nil => None,
            Value::Table(t) => {
                Some(t.sequence_values::<String>().collect::<mlua::Result<Vec<_>>>().map_err(
                    |_| bad("returned user classes that are not a list of names".into()),
                )?)
            }
            other => return Err(bad(format!("returned {} as its user classes", describe(&other)))),
        };
        Ok(Some(ShapeTick { users, spawn_rate, user_classes }))
    }

    /// `locustfile.lua:12`, where the shape's tick was defined.
    fn tick_location(&self) -> String {
        match self.instance.get::<Function>("tick") {
            Ok(f) => {
                let info = f.info();
                let src = info.short_src.unwrap_or_else(|| "?".into());
                match info.line_defined {
                    Some(line) => format!("{src}:{line}"),
                    None => src,
                }
            }
            Err(_) => "?".into(),
        }
    }
}

/// A returned value as a message shows it: `-1`, `"ten"`, `a table`.
fn describe(value: &Value) -> String {
    match value {
        Value::Integer(n) => n.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{:?}", s.to_string_lossy()),
        Value::Nil => "nil".into(),
        other => format!("a {}", other.type_name()),
    }
}

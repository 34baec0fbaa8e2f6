//! User classes: `cicada.HttpUser:extend("Name", attrs)` and `Name:task(...)` (written in
//! Lua, `lua/class.lua`), and reading what a script declared into the engine's
//! [`UserClassSpec`] plus what a shard needs to run it (task functions, client settings).
//!
//! Attributes are read once the script has run, through the class's inheritance chain, so
//! `MyUser.weight = 3` after `extend` counts, and a subclass inherits what it does not set.
//! `abstract` alone is not inherited, as in Locust.

use std::time::Duration;

use cicada_engine::http::{ClientConfig, PoolMode, DEFAULT_SHARED_POOL_SIZE};
use cicada_engine::{TaskSpec, UserClassSpec};
use mlua::{Function, Lua, Table, Value};

use crate::errors::ScriptError;
use crate::shared::Shared;
use crate::taskset::Control;
use crate::wait::{self, number, show};

/// One class as the script declared it.
pub(crate) struct ClassDef {
    pub(crate) spec: UserClassSpec,
    pub(crate) is_abstract: bool,
    /// `locustfile.lua:4`: where `extend` was called.
    pub(crate) location: String,
    pub(crate) class: Table,
    pub(crate) http: bool,
    pub(crate) task_fns: Vec<Function>,
    pub(crate) wait_fn: Option<Function>,
    pub(crate) client: ClientSettings,
    /// Some task runs a TaskSet: its users need the set handle, and `on_stop` unwinds sets.
    pub(crate) has_sets: bool,
}

/// How the class's users build their HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct ClientSettings {
    pub(crate) config: ClientConfig,
    pub(crate) pool: PoolMode,
}

/// The Lua half of the class system: the base classes and the function listing classes.
pub(crate) struct ClassSystem {
    pub(crate) user: Table,
    pub(crate) http_user: Table,
    pub(crate) task_set: Table,
    pub(crate) sequential_task_set: Table,
    /// `finish(user, on_stop)`: the on_stop of the sets a user is still inside, then its own.
    pub(crate) finish: Function,
    /// The key of a user's [`crate::taskset::UserHandle`] in its table.
    pub(crate) handle_key: Table,
    pub(crate) control: Control,
    collect: Function,
}

/// Load `lua/taskset.lua` and `lua/class.lua`. `control` holds the values TaskSet tasks
/// raise; `tripped` tells whether the runaway guard has fired.
pub(crate) fn install(
    lua: &Lua,
    shared: &Shared,
    control: &Control,
    tripped: Function,
) -> mlua::Result<ClassSystem> {
    let location = lua.create_function(|lua, level: usize| {
        Ok(lua
            .inspect_stack(level, |d| {
                let src = d.source().short_src.map(|s| s.into_owned()).unwrap_or_default();
                match d.current_line() {
                    Some(line) => format!("{src}:{line}"),
                    None => src,
                }
            })
            .unwrap_or_else(|| "?".to_string()))
    })?;
    let fn_location = lua.create_function(|_, f: Function| {
        let info = f.info();
        let src = info.short_src.unwrap_or_else(|| "?".to_string());
        Ok(match info.line_defined {
            Some(line) => format!("{src}:{line}"),
            None => src,
        })
    })?;
    let handle_key = crate::module::sentinel(lua, "user handle")?;
    let control = control.clone();
    let values = lua.create_table()?;
    values.set("reschedule", &control.reschedule)?;
    values.set("reschedule_now", &control.reschedule_now)?;
    values.set("interrupt", &control.interrupt)?;
    values.set("interrupt_now", &control.interrupt_now)?;
    let runner: Table = lua.load(include_str!("lua/taskset.lua")).set_name("=[cicada]").call((
        &shared.trampoline,
        tripped,
        &handle_key,
        values,
        &shared.stop,
        &shared.quit,
    ))?;
    let exports: Table = lua.load(include_str!("lua/class.lua")).set_name("=[cicada]").call((
        location,
        fn_location,
        &shared.stop,
        runner,
    ))?;
    Ok(ClassSystem {
        user: exports.get("User")?,
        http_user: exports.get("HttpUser")?,
        task_set: exports.get("TaskSet")?,
        sequential_task_set: exports.get("SequentialTaskSet")?,
        finish: exports.get("finish")?,
        handle_key,
        control,
        collect: exports.get("collect")?,
    })
}

impl ClassSystem {
    /// Every class the script declared, in order, checked.
    pub(crate) fn collect(&self, display: &str) -> Result<Vec<ClassDef>, ScriptError> {
        let lua_err = |e: mlua::Error| crate::errors::script_error(&e, display);
        let list: Table = self.collect.call(()).map_err(lua_err)?;
        let mut defs = Vec::new();
        for entry in list.sequence_values::<Table>() {
            let entry = entry.map_err(lua_err)?;
            defs.push(read_class(&entry).map_err(|e| match e {
                ReadError::Lua(e) => lua_err(e),
                ReadError::Invalid(msg) => ScriptError::Runtime(msg),
            })?);
        }
        Ok(defs)
    }
}

enum ReadError {
    Lua(mlua::Error),
    Invalid(String),
}

impl From<mlua::Error> for ReadError {
    fn from(e: mlua::Error) -> Self {
        ReadError::Lua(e)
    }
}

fn read_class(entry: &Table) -> Result<ClassDef, ReadError> {
    let name: String = entry.get("name")?;
    let location: String = entry.get("where")?;
    let class: Table = entry.get("class")?;
    let is_abstract: bool = entry.get("abstract")?;
    let http: bool = entry.get("http")?;
    let has_sets: bool = entry.get("has_sets")?;
    let invalid = |what: String| ReadError::Invalid(format!("{location}: {name}.{what}"));

    let mut tasks = Vec::new();
    let mut task_fns = Vec::new();
    for task in entry.get::<Table>("tasks")?.sequence_values::<Table>() {
        let task = task?;
        task_fns.push(task.get::<Function>("fn")?);
        let weight: i64 = task.get("weight")?;
        tasks.push(TaskSpec {
            name: task.get("name")?,
            weight: u32::try_from(weight).unwrap_or(u32::MAX),
            tags: task
                .get::<Table>("tags")?
                .sequence_values::<String>()
                .collect::<Result<_, _>>()?,
        });
    }
    if tasks.is_empty() && !is_abstract {
        return Err(ReadError::Invalid(format!(
            "{location}: {name} has no tasks: add one with {name}:task(fn)"
        )));
    }

    let weight = match class.get::<Value>("weight")? {
        Value::Nil => 1,
        v => whole(&v).ok_or_else(|| {
            invalid(format!("weight must be a whole number >= 0, got {}", show(&v)))
        })?,
    };
    let fixed_count = match class.get::<Value>("fixed_count")? {
        Value::Nil => None,
        v => match whole(&v) {
            Some(0) => None,
            Some(n) => Some(n),
            None => {
                return Err(invalid(format!(
                    "fixed_count must be a whole number >= 0, got {}",
                    show(&v)
                )))
            }
        },
    };
    let (wait_time, wait_fn) = wait::parse(&class.get::<Value>("wait_time")?).map_err(&invalid)?;
    let host = match class.get::<Value>("host")? {
        Value::Nil => None,
        Value::String(s) => {
            let host = s.to_str()?.to_string();
            if host.is_empty() {
                None
            } else if host.starts_with("http://") || host.starts_with("https://") {
                Some(host)
            } else {
                return Err(invalid(format!(
                    "host must start with http:// or https:// (got \"{host}\")"
                )));
            }
        }
        v => return Err(invalid(format!("host must be a string, got {}", show(&v)))),
    };
    let pool = match class.get::<Value>("pool")? {
        Value::Nil => PoolMode::PerUser,
        Value::String(s) if s.as_bytes().as_ref() == b"shared" => PoolMode::Shared,
        Value::String(s) if s.as_bytes().as_ref() == b"user" => PoolMode::PerUser,
        v => return Err(invalid(format!("pool must be \"shared\" or \"user\", got {}", show(&v)))),
    };
    let verify_tls = match class.get::<Value>("verify")? {
        Value::Nil => true,
        Value::Boolean(b) => b,
        v => return Err(invalid(format!("verify must be true or false, got {}", show(&v)))),
    };
    let timeout = |key: &str| -> Result<Option<Duration>, ReadError> {
        match class.get::<Value>(key)? {
            Value::Nil => Ok(None),
            v => match number(&v) {
                Some(s) if s > 0.0 && s.is_finite() => Ok(Some(crate::sleep::duration(s))),
                _ => {
                    Err(invalid(format!("{key} must be a number of seconds > 0, got {}", show(&v))))
                }
            },
        }
    };
    let shared_pool_size = match class.get::<Value>("pool_size")? {
        Value::Nil => DEFAULT_SHARED_POOL_SIZE,
        v => match number(&v) {
            Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= 1e6 => n as usize,
            _ => {
                return Err(invalid(format!(
                    "pool_size must be a whole number of connections >= 1, got {}",
                    show(&v)
                )))
            }
        },
    };
    let config = ClientConfig {
        shared_pool_size,
        connect_timeout: timeout("connect_timeout")?,
        read_timeout: timeout("network_timeout")?,
        verify_tls,
        ..ClientConfig::default()
    };

    Ok(ClassDef {
        spec: UserClassSpec { name, weight, fixed_count, tasks, wait_time, host },
        is_abstract,
        location,
        class,
        http,
        task_fns,
        wait_fn,
        client: ClientSettings { config, pool },
        has_sets,
    })
}

/// A whole number >= 0 that fits a `u32` (`3` or `3.0`).
fn whole(v: &Value) -> Option<u32> {
    match v {
        Value::Integer(i) => u32::try_from(*i).ok(),
        Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX) => {
            Some(*n as u32)
        }
        _ => None,
    }
}

//! Wait times: `cicada.between(a, b)`, `constant(s)`, `constant_pacing(s)` and
//! `constant_throughput(n)` make values a class's `wait_time` takes; the engine does the
//! waiting ([`WaitTime`]). A Lua function `wait_time = function(self) return 2 end` becomes
//! [`WaitTime::Custom`], called by the user after each task.

use cicada_engine::WaitTime;
use mlua::{Function, Lua, Table, UserData, UserDataMethods, Value};

use crate::errors::fail;

/// A wait-time value as scripts hold it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WaitSpec(pub(crate) WaitTime);

impl UserData for WaitSpec {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method("__tostring", |_, this, ()| {
            Ok(match this.0 {
                WaitTime::Between(a, b) => format!("between({a}, {b})"),
                WaitTime::Constant(s) => format!("constant({s})"),
                WaitTime::ConstantPacing(s) => format!("constant_pacing({s})"),
                WaitTime::ConstantThroughput(n) => format!("constant_throughput({n})"),
                WaitTime::Custom => "custom".to_string(),
            })
        });
    }
}

/// Add `between`, `constant`, `constant_pacing` and `constant_throughput` to `module`.
pub(crate) fn register(lua: &Lua, module: &Table) -> mlua::Result<()> {
    module.set(
        "between",
        lua.create_function(|lua, (a, b): (Value, Value)| {
            let a = seconds(lua, "between", &a)?;
            let b = seconds(lua, "between", &b)?;
            Ok(WaitSpec(WaitTime::Between(a.min(b), a.max(b))))
        })?,
    )?;
    module.set(
        "constant",
        lua.create_function(|lua, s: Value| {
            Ok(WaitSpec(WaitTime::Constant(seconds(lua, "constant", &s)?)))
        })?,
    )?;
    module.set(
        "constant_pacing",
        lua.create_function(|lua, s: Value| {
            Ok(WaitSpec(WaitTime::ConstantPacing(seconds(lua, "constant_pacing", &s)?)))
        })?,
    )?;
    module.set(
        "constant_throughput",
        lua.create_function(|lua, n: Value| {
            let rate = seconds(lua, "constant_throughput", &n)?;
            if rate <= 0.0 {
                return Err(fail(
                    lua,
                    "constant_throughput: the rate must be > 0 tasks per second",
                ));
            }
            Ok(WaitSpec(WaitTime::ConstantThroughput(rate)))
        })?,
    )?;
    Ok(())
}

/// A finite number >= 0.
fn seconds(lua: &Lua, what: &str, v: &Value) -> mlua::Result<f64> {
    match number(v) {
        Some(s) if s.is_finite() && s >= 0.0 => Ok(s),
        _ => Err(fail(lua, format!("{what}: expected a number of seconds >= 0, got {}", show(v)))),
    }
}

pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

/// A short description of a Lua value for error messages.
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("\"{}\"", s.to_string_lossy()),
        other => other.type_name().to_string(),
    }
}

/// What a class's `wait_time` attribute declares: the engine's wait, and the Lua function to
/// call for a custom one.
pub(crate) fn parse(v: &Value) -> Result<(WaitTime, Option<Function>), String> {
    match v {
        Value::Nil => Ok((WaitTime::default(), None)),
        Value::UserData(ud) => match ud.borrow::<WaitSpec>() {
            Ok(spec) => Ok((spec.0, None)),
            Err(_) => Err(expected(v)),
        },
        Value::Function(f) => Ok((WaitTime::Custom, Some(f.clone()))),
        _ => match number(v) {
            Some(s) if s.is_finite() && s >= 0.0 => Ok((WaitTime::Constant(s), None)),
            _ => Err(expected(v)),
        },
    }
}

fn expected(v: &Value) -> String {
    format!(
        "wait_time must be cicada.between(a, b), cicada.constant(s), cicada.constant_pacing(s), \
         cicada.constant_throughput(n) or a function(self) returning seconds (got {})",
        show(v)
    )
}

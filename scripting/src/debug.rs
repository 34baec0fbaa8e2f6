//! Hooks for debugging a scenario (`cicada --single-user`): every request as it is made, and
//! every error user code raises, handed to Rust callbacks the moment they happen.
//!
//! The request hook is one more `events.request` listener, added after the script's own
//! (as Locust's `run_single_user` adds its `PrintListener` after the locustfile loaded), so
//! it sees exactly what script listeners see. Nothing is installed when no hooks are set:
//! a normal run builds no listener table for it and pays nothing.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use mlua::{Lua, Table, Value};

use crate::shared::Shared;

/// One request as the `events.request` listeners received it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedRequest {
    pub request_type: String,
    pub name: String,
    /// Milliseconds; `None` for a request counted without a time.
    pub response_time_ms: Option<f64>,
    pub length: u64,
    /// The failure text, `None` for a success.
    pub error: Option<String>,
    /// The request's `context` as JSON, `None` when it is empty.
    pub context: Option<String>,
    /// When the request started, in seconds since the Unix epoch (when it has a time).
    pub start_time: Option<f64>,
}

/// Called with one request.
pub type RequestHook = Arc<dyn Fn(&ReportedRequest) + Send + Sync>;
/// Called with an error's message and traceback.
pub type ErrorHook = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// Callbacks for debugging; each shard calls them from its own thread.
#[derive(Clone)]
pub struct DebugHooks {
    /// Called for each request, after the script's own `events.request` listeners.
    pub on_request: RequestHook,
    /// Called when `on_start`, a task or `on_stop` raises an error: (message, traceback).
    pub on_error: ErrorHook,
}

impl fmt::Debug for DebugHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DebugHooks")
    }
}

/// Add the request hook as the last `events.request` listener of this state.
pub(crate) fn install(lua: &Lua, shared: &Rc<Shared>, hooks: &DebugHooks) -> mlua::Result<()> {
    let on_request = Arc::clone(&hooks.on_request);
    let listener = lua.create_function(move |lua, t: Table| {
        on_request(&read(lua, &t)?);
        Ok(())
    })?;
    shared.request_listeners.borrow_mut().push(listener);
    Ok(())
}

/// The listener table `events.rs` builds, back into Rust values.
fn read(lua: &Lua, t: &Table) -> mlua::Result<ReportedRequest> {
    let text = |key: &str| -> mlua::Result<Option<String>> {
        Ok(match t.raw_get::<Value>(key)? {
            Value::String(s) => Some(s.to_string_lossy()),
            _ => None,
        })
    };
    let context = match t.raw_get::<Value>("context")? {
        Value::Table(c) if c.is_empty() => None,
        Value::Nil => None,
        v => Some(
            crate::json::encode(lua, &v)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_else(|e| format!("(context not printable: {e})")),
        ),
    };
    Ok(ReportedRequest {
        request_type: text("request_type")?.unwrap_or_default(),
        name: text("name")?.unwrap_or_default(),
        response_time_ms: t.raw_get("response_time")?,
        length: t.raw_get::<Option<f64>>("response_length")?.map_or(0, |n| n as u64),
        error: text("exception")?,
        context,
        start_time: t.raw_get("start_time")?,
    })
}

//! Errors: what loading a script can fail with ([`ScriptError`]), and how Lua errors become
//! the one-line `file:line: message` texts that stats, exceptions and the console show.
//!
//! Lua errors reach Rust in two shapes. A string raised by Lua code (`error("boom")`) already
//! names its file and line. An error raised by one of our Rust functions (a bad request
//! option, no host) is a Rust value that knows nothing of Lua positions, so [`fail`] looks up
//! the script line that called it when the error is made, and [`describe`] does the same for
//! mlua's own errors (bad argument types) when a task's error handler sees them.

use std::fmt;
use std::io;
use std::path::PathBuf;

use mlua::{Lua, Value};

/// Why a scenario script could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// The file could not be read.
    #[error("cannot read {}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// The file is not valid Lua: `locustfile.lua:3: unexpected symbol near 'x'`.
    #[error("{0}")]
    Syntax(String),
    /// Running the file (or checking what it declared) failed: `locustfile.lua:7: ...`.
    #[error("{0}")]
    Runtime(String),
    /// The file declared no user class that can run.
    #[error(
        "No User class found in {}: define one with cicada.HttpUser:extend(\"Name\", {{...}})",
        .0.display()
    )]
    NoUserClass(PathBuf),
}

/// An error raised by our Rust code into Lua, its message already complete
/// (usually `file:line: what went wrong`).
#[derive(Debug, Clone)]
pub(crate) struct LuaFail(pub(crate) String);

impl fmt::Display for LuaFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LuaFail {}

/// A Lua error with `msg`, prefixed by the script line being run (`locustfile.lua:9: `).
pub(crate) fn fail(lua: &Lua, msg: impl fmt::Display) -> mlua::Error {
    let text = match user_location(lua) {
        Some(at) => format!("{at}: {msg}"),
        None => msg.to_string(),
    };
    mlua::Error::external(LuaFail(text))
}

/// The innermost script position on the current Lua stack (`locustfile.lua:9`), skipping
/// C functions and cicada's own Lua code.
pub(crate) fn user_location(lua: &Lua) -> Option<String> {
    for level in 0..32 {
        let found = lua.inspect_stack(level, |d| {
            let source = d.source();
            // `=name` chunks are cicada's and mlua's; mlua's cached async poller reads `?`.
            let is_user = source.source.as_deref().is_some_and(|s| !s.starts_with('=') && s != "?");
            match (is_user, source.short_src, d.current_line()) {
                (true, Some(src), Some(line)) => Some(format!("{src}:{line}")),
                _ => None,
            }
        });
        match found {
            None => return None,
            Some(Some(at)) => return Some(at),
            Some(None) => {}
        }
    }
    None
}

/// The message of an mlua error as a script author wants to read it: the root cause of a
/// chain of Rust callback errors, without the traceback Lua appends.
pub(crate) fn root_message(err: &mlua::Error) -> String {
    match err {
        mlua::Error::CallbackError { cause, .. } => root_message(cause),
        mlua::Error::WithContext { context, cause } => {
            format!("{context}: {}", root_message(cause))
        }
        mlua::Error::RuntimeError(msg) => strip_traceback(msg).to_string(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::MemoryError(msg) => format!("out of memory: {msg}"),
        mlua::Error::ExternalError(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// True when [`root_message`] of `err` already starts with a script position.
fn is_located(err: &mlua::Error) -> bool {
    match err {
        mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } => {
            is_located(cause)
        }
        mlua::Error::ExternalError(e) => e.downcast_ref::<LuaFail>().is_some(),
        mlua::Error::RuntimeError(_) | mlua::Error::SyntaxError { .. } => true,
        _ => false,
    }
}

/// The message and the (cleaned) traceback of an error a synchronous call into Lua returned.
pub(crate) fn message_and_traceback(err: &mlua::Error) -> (String, String) {
    let traceback = match err {
        mlua::Error::CallbackError { traceback, .. } => clean_traceback(traceback),
        mlua::Error::RuntimeError(full) => {
            full.find("stack traceback:").map(|at| clean_traceback(&full[at..])).unwrap_or_default()
        }
        _ => String::new(),
    };
    (root_message(err), traceback)
}

/// `msg` up to the `stack traceback:` mlua appends to errors it returns.
pub(crate) fn strip_traceback(msg: &str) -> &str {
    match msg.find("\nstack traceback:") {
        Some(at) => &msg[..at],
        None => msg,
    }
}

/// The text of any Lua error value, for stats and the exceptions table. Called from the
/// error handler of a task (the stack still shows where the error happened).
pub(crate) fn describe(lua: &Lua, value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string_lossy(),
        Value::Error(err) => {
            let msg = root_message(err);
            match user_location(lua) {
                Some(at) if !is_located(err) => format!("{at}: {msg}"),
                _ => msg,
            }
        }
        Value::Nil => "nil".to_string(),
        other => lua
            .globals()
            .get::<mlua::Function>("tostring")
            .and_then(|f| f.call::<mlua::String>(other))
            .map(|s| s.to_string_lossy())
            .unwrap_or_else(|_| format!("({} error value)", other.type_name())),
    }
}

/// A script error from a failed load, with `display` (the script's name) used to place
/// errors mlua reports without a position.
pub(crate) fn script_error(err: &mlua::Error, display: &str) -> ScriptError {
    if let mlua::Error::SyntaxError { message, .. } = err {
        return ScriptError::Syntax(message.clone());
    }
    let msg = root_message(err);
    if is_located(err) {
        return ScriptError::Runtime(msg);
    }
    match traceback_location(err, display) {
        Some(at) => ScriptError::Runtime(format!("{at}: {msg}")),
        None => ScriptError::Runtime(format!("{display}: {msg}")),
    }
}

/// The first `display:line` a callback error's traceback mentions.
fn traceback_location(err: &mlua::Error, display: &str) -> Option<String> {
    let mlua::Error::CallbackError { traceback, .. } = err else { return None };
    traceback.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix(display)?.strip_prefix(':')?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty()).then(|| format!("{display}:{digits}"))
    })
}

/// Drop cicada's and mlua's own frames from a Lua traceback, so it shows the script's.
pub(crate) fn clean_traceback(tb: &str) -> String {
    let mut out = String::with_capacity(tb.len());
    for line in tb.lines() {
        let frame = line.trim_start();
        let internal = frame.starts_with("[cicada]")
            || frame.starts_with("__mlua")
            || frame.starts_with("[string \"?\"]")
            || frame.starts_with("[C]: in ?")
            || frame.starts_with("[C]: in upvalue 'xpcall'")
            || frame.contains("in function <[cicada]")
            || (frame.starts_with("[C]: in ") && frame.contains("'poll'"));
        if !internal {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(line);
        }
    }
    out
}

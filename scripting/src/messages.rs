//! Custom messages: `runner:register_message(type, fn)` and
//! `runner:send_message(type, data [, node_id])`, Locust's `register_message` and
//! `send_message`.
//!
//! Handlers are per Lua state, so per shard: a script registers its handlers on every shard
//! (from an `init` listener, say), and the engine hands each message that arrives to every
//! shard, which runs its handler as a task of its own (it may sleep and make requests).
//! Where a message goes when sent is the engine's business: to the master from a worker,
//! else to this run's own handlers. An error in a handler is printed with its traceback and
//! nothing else happens, as Locust 2.47 logs "Uncaught exception in handler".

use std::rc::Rc;

use cicada_engine::{LocalFuture, SendMessageError};
use cicada_proto::Message;
use mlua::{Function, Lua, MultiValue, Table, Value};

use crate::errors::fail;
use crate::shared::Shared;
use crate::task::{guarded, Outcome, Raw};
use crate::wait::show;

/// Locust's own message types, in either direction. A custom handler for one would never be
/// called (Locust's built-ins take precedence), and sending one would be read as the real
/// thing (a worker's `quit`, say), so both are refused.
const BUILT_IN: &[&str] = &[
    "ack",
    "client_ready",
    "client_stopped",
    "exception",
    "heartbeat",
    "locustfile",
    "logs",
    "quit",
    "reconnect",
    "spawn",
    "spawning",
    "spawning_complete",
    "stats",
    "stop",
    "update_user_class",
];

/// `runner:register_message(type, fn)`.
pub(crate) fn create_register(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<Function> {
    let shared = Rc::clone(shared);
    lua.create_function(move |lua, args: MultiValue| {
        let mut args = without_self(args).into_iter();
        let kind = message_type(lua, "register_message", args.next())?;
        let handler = match args.next() {
            Some(Value::Function(f)) => f,
            other => {
                return Err(fail(
                    lua,
                    format!(
                        "runner:register_message({kind:?}, fn): fn must be a function, got {}",
                        show(&other.unwrap_or(Value::Nil))
                    ),
                ))
            }
        };
        let mut handlers = shared.message_handlers.borrow_mut();
        if handlers.contains_key(&kind) {
            return Err(fail(
                lua,
                format!(
                    "Tried to register listener method for {kind}, but it already had a listener!"
                ),
            ));
        }
        handlers.insert(kind.clone(), handler);
        if let Some(ctx) = &shared.ctx {
            ctx.register_message(&kind);
        }
        Ok(())
    })
}

/// `runner:send_message(type, data [, node_id])`.
pub(crate) fn create_send(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<Function> {
    let shared = Rc::clone(shared);
    lua.create_function(move |lua, args: MultiValue| {
        let mut args = without_self(args).into_iter();
        let kind = message_type(lua, "send_message", args.next())?;
        let data = args.next().unwrap_or(Value::Nil);
        let data = crate::msgpack::to_msgpack(lua, &data)
            .map_err(|e| fail(lua, format!("runner:send_message({kind:?}, data): {e}")))?;
        // Only a master could address one worker; workers and local runs ignore it, as
        // Locust's do. Checked anyway, so a mistake shows up before it runs on a master.
        let node_id = match args.next() {
            None | Some(Value::Nil) => String::new(),
            Some(Value::String(s)) => s.to_string_lossy(),
            Some(other) => {
                return Err(fail(
                    lua,
                    format!(
                        "runner:send_message({kind:?}, data, node_id): node_id must be a \
                         string, got {}",
                        show(&other)
                    ),
                ))
            }
        };
        let Some(ctx) = &shared.ctx else {
            return Err(fail(lua, "messages can only be sent while the test runs"));
        };
        match ctx.send_message(Message::new(kind, data, node_id)) {
            Ok(()) => {}
            // Locust only warns, locally, about a type with no handler.
            Err(e @ (SendMessageError::Unhandled(_) | SendMessageError::NotStarted(_))) => {
                eprintln!("cicada: warning: {e}");
            }
        }
        Ok(())
    })
}

/// The arguments after `runner` when called as `runner:f(...)`; `runner.f(...)` works too,
/// since a message type is never a table.
fn without_self(mut args: MultiValue) -> MultiValue {
    if matches!(args.front(), Some(Value::Table(_))) {
        args.pop_front();
    }
    args
}

fn message_type(lua: &Lua, method: &str, v: Option<Value>) -> mlua::Result<String> {
    let kind = match v {
        Some(Value::String(s)) if !s.as_bytes().is_empty() => s.to_string_lossy(),
        other => {
            return Err(fail(
                lua,
                format!(
                    "runner:{method}: the message type must be a non-empty string, got {}",
                    show(&other.unwrap_or(Value::Nil))
                ),
            ))
        }
    };
    if BUILT_IN.contains(&kind.as_str()) {
        return Err(fail(
            lua,
            format!(
                "runner:{method}: {kind:?} is one of Locust's own message types; give custom \
                 messages a name of their own"
            ),
        ));
    }
    Ok(kind)
}

/// Run this state's handler for `msg`, if it has one: `fn(msg, environment)` with
/// `msg.type`, `msg.data` and `msg.node_id`.
pub(crate) fn handle(
    lua: &Lua,
    shared: &Rc<Shared>,
    environment: &Table,
    msg: &Message,
) -> LocalFuture<'static, ()> {
    let Some(handler) = shared.message_handlers.borrow().get(&msg.kind).cloned() else {
        return Box::pin(async {});
    };
    let arg = match message_table(lua, msg) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cicada: cannot hand a {} message to its handler: {e}", msg.kind);
            return Box::pin(async {});
        }
    };
    let call = shared.trampoline.call_async::<Raw>((handler, arg, environment));
    let shared = Rc::clone(shared);
    let kind = msg.kind.clone();
    Box::pin(async move {
        if let Outcome::Error { message, traceback } =
            guarded(shared, "message handler", call).await
        {
            eprintln!("cicada: Uncaught exception in handler for {kind}: {message}\n{traceback}");
        }
    })
}

fn message_table(lua: &Lua, msg: &Message) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, 3)?;
    t.raw_set("type", msg.kind.as_str())?;
    t.raw_set("data", crate::msgpack::to_lua(lua, &msg.data)?)?;
    t.raw_set("node_id", msg.node_id.as_str())?;
    Ok(t)
}

//! `cicada.events`: Locust's event hooks `init`, `test_start`, `test_stop`, `quitting` and
//! `request`, each with `:add_listener(fn)`, `:remove_listener(fn)` and `:fire(...)`.
//!
//! `request` is also how every measured action is counted: the HTTP client, `measure` and
//! a script's own `events.request:fire{...}` all go through [`fire_request`], which records
//! into the shard's stats and then calls the listeners with one table (Locust's keyword
//! arguments). With no listener, no table is built.
//!
//! Listeners run to completion where the event fires: `init` and `quitting` synchronously,
//! `test_start` and `test_stop` on a coroutine (they may sleep), `request` inside the code
//! that made the request (they must not sleep). An error in a listener is printed and
//! counted in the exceptions table; the other listeners still run, as in Locust.

use std::rc::Rc;
use std::time::Duration;

use cicada_engine::stats::unix_now;
use cicada_engine::RequestRecord;
use mlua::{AnyUserData, Function, Lua, MultiValue, Table, UserData, UserDataMethods, Value};

use crate::errors::fail;
use crate::shared::{Listeners, Shared};
use crate::task::{call_nested, call_sync, guarded, Outcome, Raw};
use crate::wait::{number, show};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Init,
    TestStart,
    TestStop,
    Quitting,
    Request,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Init => "init",
            Kind::TestStart => "test_start",
            Kind::TestStop => "test_stop",
            Kind::Quitting => "quitting",
            Kind::Request => "request",
        }
    }
}

/// One event hook as scripts see it.
struct EventHook {
    kind: Kind,
    listeners: Listeners,
    shared: Rc<Shared>,
}

impl UserData for EventHook {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("add_listener", |_, this, f: Function| {
            this.listeners.borrow_mut().push(f.clone());
            Ok(f)
        });
        methods.add_method("remove_listener", |_, this, f: Function| {
            let mut listeners = this.listeners.borrow_mut();
            let before = listeners.len();
            listeners.retain(|g| g != &f);
            Ok(listeners.len() != before)
        });
        methods.add_method("fire", |lua, this, args: MultiValue| {
            if this.kind == Kind::Request {
                let Some(Value::Table(t)) = args.front() else {
                    return Err(fail(lua, "events.request:fire expects a table: { request_type = ..., name = ..., response_time = ms, ... }"));
                };
                return fire_table(lua, &this.shared, t);
            }
            let listeners = this.listeners.borrow().clone();
            for f in &listeners {
                let outcome = call_nested(&this.shared, f, args.clone());
                report_listener(&this.shared, this.kind, outcome);
            }
            Ok(())
        });
        methods.add_meta_method("__tostring", |_, this, ()| {
            Ok(format!("<event {}>", this.kind.name()))
        });
    }
}

/// The listeners of the lifecycle events, for the shard to fire.
pub(crate) struct Events {
    init: Listeners,
    test_start: Listeners,
    test_stop: Listeners,
    quitting: Listeners,
}

/// Build `cicada.events` into `module`.
pub(crate) fn register(lua: &Lua, module: &Table, shared: &Rc<Shared>) -> mlua::Result<Events> {
    let events = Events {
        init: Listeners::default(),
        test_start: Listeners::default(),
        test_stop: Listeners::default(),
        quitting: Listeners::default(),
    };
    let table = lua.create_table()?;
    for (kind, listeners) in [
        (Kind::Init, &events.init),
        (Kind::TestStart, &events.test_start),
        (Kind::TestStop, &events.test_stop),
        (Kind::Quitting, &events.quitting),
        (Kind::Request, &shared.request_listeners),
    ] {
        let hook = EventHook { kind, listeners: Rc::clone(listeners), shared: Rc::clone(shared) };
        table.set(kind.name(), lua.create_userdata(hook)?)?;
    }
    module.set("events", table)?;
    Ok(events)
}

impl Events {
    /// Fire `init` (once per Lua state, right after the script ran). The first error is
    /// returned: a script whose `init` fails does not run.
    pub(crate) fn fire_init(&self, shared: &Shared, environment: &Table) -> Result<(), String> {
        let listeners = self.init.borrow().clone();
        for f in &listeners {
            match call_sync(shared, "init listener", f, environment) {
                Outcome::Error { message, traceback } => {
                    return Err(if traceback.is_empty() {
                        message
                    } else {
                        format!("{message}\n{traceback}")
                    })
                }
                Outcome::Returned | Outcome::RescheduleNow | Outcome::StopUser | Outcome::Quit => {}
            }
        }
        Ok(())
    }

    pub(crate) async fn fire_test_start(&self, shared: &Rc<Shared>, environment: &Table) {
        fire_async(&self.test_start, Kind::TestStart, shared, environment).await;
    }

    pub(crate) async fn fire_test_stop(&self, shared: &Rc<Shared>, environment: &Table) {
        fire_async(&self.test_stop, Kind::TestStop, shared, environment).await;
    }

    pub(crate) fn fire_quitting(&self, shared: &Shared, environment: &Table) {
        let listeners = self.quitting.borrow().clone();
        for f in &listeners {
            let outcome = call_sync(shared, "quitting listener", f, environment);
            report_listener(shared, Kind::Quitting, outcome);
        }
    }
}

async fn fire_async(listeners: &Listeners, kind: Kind, shared: &Rc<Shared>, environment: &Table) {
    let listeners = listeners.borrow().clone();
    for f in &listeners {
        let activity =
            if kind == Kind::TestStart { "test_start listener" } else { "test_stop listener" };
        let call = shared.trampoline.call_async::<Raw>((f, environment));
        let outcome = guarded(Rc::clone(shared), activity, call).await;
        report_listener(shared, kind, outcome);
    }
}

/// Print a listener's error and count it, as Locust logs "Uncaught exception in event handler".
fn report_listener(shared: &Shared, kind: Kind, outcome: Outcome) {
    if let Outcome::Error { message, traceback } = outcome {
        eprintln!("cicada: error in a {} event listener: {message}", kind.name());
        if let Some(ctx) = &shared.ctx {
            ctx.record_exception(&message, &traceback);
        }
    }
}

/// One request (or other measured action) to count and announce.
pub(crate) struct RequestEvent<'a> {
    pub(crate) request_type: &'a str,
    pub(crate) name: &'a str,
    pub(crate) response_time: Option<Duration>,
    pub(crate) length: u64,
    pub(crate) error: Option<&'a str>,
    pub(crate) context: Option<&'a Value>,
    pub(crate) url: Option<&'a str>,
    pub(crate) response: Option<&'a AnyUserData>,
}

/// Record `ev` in the shard's stats and call the `request` listeners.
pub(crate) fn fire_request(lua: &Lua, shared: &Shared, ev: RequestEvent<'_>) -> mlua::Result<()> {
    let Some(ctx) = &shared.ctx else {
        return Err(fail(lua, "requests can only be reported while the test runs"));
    };
    ctx.record(RequestRecord {
        request_type: ev.request_type,
        name: ev.name,
        response_time: ev.response_time,
        content_length: ev.length,
        error: ev.error,
    });
    let listeners = {
        let listeners = shared.request_listeners.borrow();
        if listeners.is_empty() {
            return Ok(());
        }
        listeners.clone()
    };
    let t = lua.create_table_with_capacity(0, 9)?;
    t.raw_set("request_type", ev.request_type)?;
    t.raw_set("name", ev.name)?;
    if let Some(rt) = ev.response_time {
        t.raw_set("response_time", rt.as_secs_f64() * 1000.0)?;
        t.raw_set("start_time", unix_now() - rt.as_secs_f64())?;
    }
    t.raw_set("response_length", ev.length)?;
    t.raw_set("exception", ev.error)?;
    match ev.context {
        Some(v) if !v.is_nil() => t.raw_set("context", v)?,
        _ => t.raw_set("context", lua.create_table()?)?,
    }
    t.raw_set("url", ev.url)?;
    t.raw_set("response", ev.response)?;
    for f in &listeners {
        let outcome = call_nested(shared, f, &t);
        report_listener(shared, Kind::Request, outcome);
    }
    Ok(())
}

/// `events.request:fire{ request_type, name, response_time (ms), response_length, exception,
/// context }` from a script.
fn fire_table(lua: &Lua, shared: &Shared, t: &Table) -> mlua::Result<()> {
    let field = |key: &str| -> mlua::Result<String> {
        match t.get::<Value>(key)? {
            Value::String(s) => Ok(s.to_string_lossy()),
            v => Err(fail(
                lua,
                format!("events.request:fire: {key} must be a string, got {}", show(&v)),
            )),
        }
    };
    let request_type = field("request_type")?;
    let name = field("name")?;
    let response_time = match t.get::<Value>("response_time")? {
        Value::Nil => None,
        v => match number(&v) {
            Some(ms) if ms.is_finite() && ms >= 0.0 => Some(crate::sleep::duration(ms / 1000.0)),
            _ => {
                return Err(fail(
                    lua,
                    format!(
                        "events.request:fire: response_time must be milliseconds >= 0, got {}",
                        show(&v)
                    ),
                ))
            }
        },
    };
    let length = match t.get::<Value>("response_length")? {
        Value::Nil => 0,
        v => match number(&v) {
            Some(n) if n >= 0.0 && n.is_finite() => n as u64,
            _ => {
                return Err(fail(
                    lua,
                    format!(
                        "events.request:fire: response_length must be a number >= 0, got {}",
                        show(&v)
                    ),
                ))
            }
        },
    };
    let error = match t.get::<Value>("exception")? {
        Value::Nil | Value::Boolean(false) => None,
        v => Some(crate::errors::describe(lua, &v)),
    };
    let context = t.get::<Value>("context")?;
    let url = t.get::<Option<String>>("url").ok().flatten();
    fire_request(
        lua,
        shared,
        RequestEvent {
            request_type: &request_type,
            name: &name,
            response_time,
            length,
            error: error.as_deref(),
            context: Some(&context),
            url: url.as_deref(),
            response: None,
        },
    )
}

/// `report(request_type, name, response_time_ms, response_length, exception)`, the function
/// `cicada.measure` records with.
pub(crate) fn create_report(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<Function> {
    let shared = Rc::clone(shared);
    lua.create_function(
        move |lua,
              (request_type, name, ms, length, exception): (
            mlua::String,
            mlua::String,
            f64,
            Option<u64>,
            Option<mlua::String>,
        )| {
            let exception = exception.map(|e| e.to_string_lossy());
            fire_request(
                lua,
                &shared,
                RequestEvent {
                    request_type: &request_type.to_string_lossy(),
                    name: &name.to_string_lossy(),
                    response_time: Some(crate::sleep::duration(ms / 1000.0)),
                    length: length.unwrap_or(0),
                    error: exception.as_deref(),
                    context: None,
                    url: None,
                    response: None,
                },
            )
        },
    )
}

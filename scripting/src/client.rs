//! `self.client`: a virtual user's HTTP client (Locust's `HttpSession`).
//!
//! The client is a small userdata holding the engine's [`HttpClient`] (cookie jar and
//! connection pool), the host it joins relative paths to, and the user's responses still
//! waiting for a `catch_response` decision. Its methods live in one Lua table shared by all
//! clients (`lua/client.lua`); they call one async Rust function, `send`, which builds the
//! request, awaits the engine (the task's coroutine is suspended meanwhile) and returns the
//! response. A connection error does not raise: like Locust, the response has status 0 and
//! `error` set.
//!
//! `request_name` (set directly or by `rename_request`) names the requests that give no
//! `name` option; `close()` drops the user's pooled connections; `rest` is `request` with
//! Locust's JSON conventions (see `response.rs`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use cicada_engine::http::HttpClient;
use mlua::{AnyUserData, Lua, Table, UserData, UserDataFields, UserDataMethods, Value};

use crate::errors::{describe, fail};
use crate::request_opts::{prepare, rest_headers, Prepared};
use crate::response::{self, LuaResponse, Mode, Sent};
use crate::shared::Shared;

const METHODS: &str = "cicada.client.methods";

/// What one user's client keeps.
pub(crate) struct LuaClient {
    http: Rc<HttpClient>,
    base: Option<Rc<str>>,
    user: Rc<UserResponses>,
    /// Locust's `client.request_name`: the stats name of requests without a `name` option.
    request_name: RefCell<Option<String>>,
}

/// Responses of one user waiting for `success()`/`failure()`, counted when its task ends.
#[derive(Default)]
pub(crate) struct UserResponses {
    pending: RefCell<Vec<AnyUserData>>,
}

impl UserResponses {
    /// Count every response still undecided, by the default rules.
    pub(crate) fn flush(&self, lua: &Lua) {
        if self.pending.borrow().is_empty() {
            return;
        }
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        for ud in &pending {
            // Only fails when the state is not on a shard, where no request can be made.
            let _ = response::flush(lua, ud);
        }
    }
}

impl LuaClient {
    pub(crate) fn new(http: HttpClient, base: Option<Rc<str>>, user: Rc<UserResponses>) -> Self {
        LuaClient { http: Rc::new(http), base, user, request_name: RefCell::new(None) }
    }
}

impl UserData for LuaClient {
    fn add_fields<F: UserDataFields<Self>>(fields: &mut F) {
        // mlua looks fields up first and falls back to this table for the methods.
        fields.add_meta_field_with("__index", |lua| lua.named_registry_value::<Table>(METHODS));
        fields
            .add_field_method_get("request_name", |_, this| Ok(this.request_name.borrow().clone()));
        fields.add_field_method_set("request_name", |_, this, name: Option<String>| {
            *this.request_name.borrow_mut() = name;
            Ok(())
        });
    }

    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method("__tostring", |_, this, ()| {
            Ok(format!("<HttpSession {}>", this.base.as_deref().unwrap_or("(no host)")))
        });
    }
}

/// `send(client, method, path, opts, has_callback, rest)`.
type SendArgs = (Value, mlua::String, mlua::String, Option<Table>, bool, bool);

/// The synchronous start of `send`: find the client and build the request. Runs where the
/// script called, so errors name its line.
fn begin(
    lua: &Lua,
    (client, method, path, opts, _, rest): &SendArgs,
) -> mlua::Result<(Rc<HttpClient>, Rc<UserResponses>, Prepared)> {
    let client = match client {
        Value::UserData(ud) => ud.borrow::<LuaClient>().ok(),
        _ => None,
    }
    .ok_or_else(|| fail(lua, "call client methods with a colon: self.client:get(path)"))?;
    let default_name = client.request_name.borrow();
    let mut prepared =
        prepare(lua, client.base.as_deref(), method, path, opts.as_ref(), default_name.as_deref())?;
    if *rest {
        rest_headers(&mut prepared.request);
    }
    Ok((Rc::clone(&client.http), Rc::clone(&client.user), prepared))
}

/// The request type to count under; the usual methods need no allocation.
fn method_name(method: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    match KNOWN.iter().find(|m| **m == method) {
        Some(m) => Cow::Borrowed(m),
        None => Cow::Owned(method.to_string()),
    }
}

/// Create the client methods table. Must run before any client is made.
pub(crate) fn install(lua: &Lua, shared: &Rc<Shared>) -> mlua::Result<()> {
    let send_shared = Rc::clone(shared);
    let send = lua.create_async_function(move |lua, args: SendArgs| {
        let shared = Rc::clone(&send_shared);
        let ready = begin(&lua, &args);
        // Drop the arguments now: each holds a slot in mlua's reference stack.
        let (has_callback, rest) = (args.4, args.5);
        drop(args);
        async move {
            let (http, user, prepared) = ready?;
            let Prepared { request, name, catch_response, context } = prepared;
            let mode = match (has_callback || rest, catch_response) {
                (true, _) => Mode::Callback,
                (false, true) => Mode::Pending,
                (false, false) => Mode::Plain,
            };
            let sent = Sent {
                request_type: method_name(&request.method),
                name,
                url: request.url.clone(),
                context,
                mode,
            };
            let started = Instant::now();
            // Boxed: mlua moves this future into place, and the client's future is kilobytes
            // (its connection, timer and parser states); behind a box only a pointer moves.
            let result = Box::pin(http.send(request)).await;
            let mut resp = LuaResponse::new(shared, sent, result, started.elapsed());
            if rest {
                resp.parse_rest(&lua);
            }
            let ud = lua.create_userdata(resp)?;
            match mode {
                Mode::Plain => response::report_plain(&lua, &ud)?,
                Mode::Pending => user.pending.borrow_mut().push(ud.clone()),
                Mode::Callback => {}
            }
            Ok(ud)
        }
    })?;
    let settle = lua.create_function(|lua, (ud, raised): (AnyUserData, Value)| {
        let raised = (!raised.is_nil()).then(|| describe(lua, &raised));
        response::settle(lua, &ud, raised)
    })?;
    let rest_error = lua.create_function(|lua, (ud, raised): (AnyUserData, Value)| {
        response::rest_error(&ud, describe(lua, &raised))
    })?;
    // The guard's `pcall`: a runaway task's error gets through it (see guard.rs).
    let pcall: mlua::Function = lua.globals().get("pcall")?;
    let methods: Table = lua.load(include_str!("lua/client.lua")).set_name("=[cicada]").call((
        send,
        settle,
        rest_error,
        &shared.stop,
        &shared.quit,
        pcall,
    ))?;
    methods.set(
        "close",
        lua.create_function(|_, ud: AnyUserData| {
            ud.borrow::<LuaClient>()?.http.close_connections();
            Ok(())
        })?,
    )?;
    methods.set(
        "clear_cookies",
        lua.create_function(|_, ud: AnyUserData| {
            ud.borrow::<LuaClient>()?.http.clear_cookies();
            Ok(())
        })?,
    )?;
    methods.set(
        "set_cookie",
        lua.create_function(|_, (ud, url, value): (AnyUserData, String, String)| {
            ud.borrow::<LuaClient>()?.http.set_cookie(&url, &value);
            Ok(())
        })?,
    )?;
    methods.set(
        "cookie_header",
        lua.create_function(|_, (ud, url): (AnyUserData, String)| {
            Ok(ud.borrow::<LuaClient>()?.http.cookie_header(&url))
        })?,
    )?;
    lua.set_named_registry_value(METHODS, methods)
}

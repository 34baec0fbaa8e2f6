//! The response scripts get from `self.client`: Locust/requests' fields (`status_code`,
//! `text`, `content`, `headers`, `json()`, `elapsed`, `url`, `ok`, `reason`, `error`), and
//! for `catch_response` the `success()`/`failure(msg)` decision that sets how the request is
//! counted.
//!
//! The body stays in Rust until a script reads `text` or `content` (most never do); the
//! shard's GC pacing is told about those bytes, which the Lua collector cannot see.
//!
//! A response to `rest` (Locust's `FastHttpUser.rest`) also has `js`, the body decoded as
//! JSON, and fails with Locust's text when the body is not JSON.
//!
//! When a response is counted depends on how it was asked for:
//! - plain request: at once, by the default rules (a transport error or a status >= 400 is a
//!   failure);
//! - `catch_response` with a callback: once the callback returns, by its decision;
//! - `catch_response` without a callback: at the first `success()`/`failure()`, or when the
//!   task ends (default rules) if the script never decided.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use cicada_engine::http::{reason_phrase, status_failure, Headers, HttpError, Response};
use mlua::{AnyUserData, Lua, Table, UserData, UserDataFields, UserDataMethods, Value};

use crate::errors::fail;
use crate::events::{fire_request, RequestEvent};
use crate::shared::Shared;

/// When the request gets counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Counted when created, by the default rules.
    Plain,
    /// `catch_response` with a callback: counted when the callback has run.
    Callback,
    /// `catch_response` alone: counted at the first decision, or when the task ends.
    Pending,
}

#[derive(Debug, Clone)]
enum Decision {
    Undecided,
    Success,
    Failure(String),
}

/// One response and its reporting state.
pub(crate) struct LuaResponse {
    shared: Rc<Shared>,
    request_type: Cow<'static, str>,
    name: String,
    url: String,
    status: u16,
    reason: String,
    headers: Headers,
    body: Vec<u8>,
    elapsed: Duration,
    transport_error: Option<String>,
    context: Option<Value>,
    /// `resp.js` of a `rest` response: the decoded body, nil otherwise.
    js: Option<Value>,
    mode: Mode,
    decision: RefCell<Decision>,
    reported: Cell<bool>,
}

/// What the request was, for the response to report it.
pub(crate) struct Sent {
    pub(crate) request_type: Cow<'static, str>,
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) context: Option<Value>,
    pub(crate) mode: Mode,
}

impl LuaResponse {
    pub(crate) fn new(
        shared: Rc<Shared>,
        sent: Sent,
        result: Result<Response, HttpError>,
        measured: Duration,
    ) -> LuaResponse {
        let (status, reason, headers, body, url, elapsed, transport_error) = match result {
            Ok(r) => (r.status, r.reason, r.headers, r.body, r.url, r.elapsed, None),
            Err(e) => (
                0,
                String::new(),
                Headers::default(),
                Vec::new(),
                sent.url,
                measured,
                Some(e.to_string()),
            ),
        };
        shared.add_external(
            body.len() + headers.iter().map(|(k, v)| k.len() + v.len() + 48).sum::<usize>(),
        );
        LuaResponse {
            shared,
            request_type: sent.request_type,
            name: sent.name,
            url,
            status,
            reason,
            headers,
            body,
            elapsed,
            transport_error,
            context: sent.context,
            js: None,
            mode: sent.mode,
            decision: RefCell::new(Decision::Undecided),
            reported: Cell::new(false),
        }
    }

    /// Read the body as `rest` does: decoded into `js` when it is JSON, a failure with
    /// Locust's text when it is not. An empty body (or none: a transport error) is no JSON
    /// and no failure of its own.
    pub(crate) fn parse_rest(&mut self, lua: &Lua) {
        if self.transport_error.is_some() || self.body.is_empty() {
            return;
        }
        match crate::json::decode(lua, &self.body) {
            Ok(js) => self.js = Some(js),
            Err(e) => {
                let text = String::from_utf8_lossy(&self.body);
                let text: String = text.chars().take(250).collect();
                *self.decision.get_mut() = Decision::Failure(format!(
                    "Could not parse response as JSON. {text}, response code {}, error {e}",
                    self.status
                ));
            }
        }
    }

    /// The failure text by the default rules: the transport error, else the HTTP error.
    fn default_error(&self) -> Option<String> {
        match &self.transport_error {
            Some(e) => Some(e.clone()),
            None => status_failure(self.status, &self.reason, &self.name),
        }
    }

    /// The failure text this response is (or will be) counted with.
    fn failure_text(&self) -> Option<String> {
        match &*self.decision.borrow() {
            Decision::Success => None,
            Decision::Failure(msg) => Some(msg.clone()),
            Decision::Undecided => self.default_error(),
        }
    }

    /// Count the request with `error`, once.
    fn report(&self, lua: &Lua, ud: Option<&AnyUserData>, error: Option<&str>) -> mlua::Result<()> {
        if self.reported.replace(true) {
            return Ok(());
        }
        fire_request(
            lua,
            &self.shared,
            RequestEvent {
                request_type: &self.request_type,
                name: &self.name,
                response_time: Some(self.elapsed),
                length: self.body.len() as u64,
                error,
                context: self.context.as_ref(),
                url: Some(&self.url),
                response: ud,
            },
        )
    }

    fn decide(&self, lua: &Lua, ud: &AnyUserData, decision: Decision) -> mlua::Result<()> {
        match self.mode {
            Mode::Plain => Err(fail(
                lua,
                "success() and failure() need catch_response = true in the request options",
            )),
            Mode::Callback => {
                *self.decision.borrow_mut() = decision;
                Ok(())
            }
            Mode::Pending => {
                *self.decision.borrow_mut() = decision;
                let error = self.failure_text();
                self.report(lua, Some(ud), error.as_deref())
            }
        }
    }
}

/// Count a plain response now.
pub(crate) fn report_plain(lua: &Lua, ud: &AnyUserData) -> mlua::Result<()> {
    let resp = ud.borrow::<LuaResponse>()?;
    let error = resp.default_error();
    resp.report(lua, Some(ud), error.as_deref())
}

/// Count a `catch_response` response whose callback has ended; `raised` is the callback's
/// error, if it raised one before deciding.
pub(crate) fn settle(lua: &Lua, ud: &AnyUserData, raised: Option<String>) -> mlua::Result<()> {
    let resp = ud.borrow::<LuaResponse>()?;
    let error = match (&*resp.decision.borrow(), raised) {
        (Decision::Undecided, Some(msg)) => Some(msg),
        _ => resp.failure_text(),
    };
    resp.report(lua, Some(ud), error.as_deref())
}

/// A `rest` callback raised `raised`: the request fails with that text, whatever the
/// callback decided before (Locust's `rest` calls `failure` last). A text ending in `,`
/// gets the start of the body added, as Locust does for `assert ok, "message,"`.
pub(crate) fn rest_error(ud: &AnyUserData, raised: String) -> mlua::Result<()> {
    let resp = ud.borrow::<LuaResponse>()?;
    let msg = match raised.strip_suffix(',') {
        Some(msg) => {
            let text = String::from_utf8_lossy(&resp.body);
            let start: String = text.chars().take(200).collect();
            format!("{msg}, response was {start}")
        }
        None => raised,
    };
    *resp.decision.borrow_mut() = Decision::Failure(msg);
    Ok(())
}

/// Count a pending response the script never decided on (its task ended).
pub(crate) fn flush(lua: &Lua, ud: &AnyUserData) -> mlua::Result<()> {
    let resp = ud.borrow::<LuaResponse>()?;
    let error = resp.failure_text();
    resp.report(lua, Some(ud), error.as_deref())
}

impl UserData for LuaResponse {
    fn add_fields<F: UserDataFields<Self>>(fields: &mut F) {
        fields.add_field_method_get("status_code", |_, this| Ok(this.status));
        fields.add_field_method_get("text", |lua, this| lua.create_string(&this.body));
        fields.add_field_method_get("content", |lua, this| lua.create_string(&this.body));
        fields.add_field_method_get("headers", |lua, this| headers_table(lua, &this.headers));
        fields.add_field_method_get("elapsed", |_, this| Ok(this.elapsed.as_secs_f64()));
        fields.add_field_method_get("url", |_, this| Ok(this.url.clone()));
        fields.add_field_method_get("ok", |_, this| {
            Ok(this.transport_error.is_none() && this.status < 400)
        });
        fields.add_field_method_get("reason", |_, this| {
            Ok(if this.reason.is_empty() && this.status != 0 {
                reason_phrase(this.status).to_string()
            } else {
                this.reason.clone()
            })
        });
        fields.add_field_method_get("error", |_, this| Ok(this.failure_text()));
        fields.add_field_method_get("js", |_, this| Ok(this.js.clone()));
    }

    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_method("json", |lua, this, ()| {
            crate::json::decode(lua, &this.body)
                .map_err(|e| fail(lua, format!("the response body is not valid JSON: {e}")))
        });
        methods.add_function("success", |lua, ud: AnyUserData| {
            ud.borrow::<LuaResponse>()?.decide(lua, &ud, Decision::Success)
        });
        methods.add_function("failure", |lua, (ud, msg): (AnyUserData, Value)| {
            let msg = crate::errors::describe(lua, &msg);
            ud.borrow::<LuaResponse>()?.decide(lua, &ud, Decision::Failure(msg))
        });
        methods.add_method("raise_for_status", |lua, this, ()| match this.default_error() {
            Some(e) => Err(fail(lua, e)),
            None => Ok(()),
        });
        methods.add_meta_method("__tostring", |_, this, ()| {
            Ok(format!("<Response [{}]>", this.status))
        });
    }
}

const HEADERS_INDEX: &str = "cicada.headers.index";

/// Create what every response's `headers` table shares: its case-insensitive `__index`.
pub(crate) fn install(lua: &Lua) -> mlua::Result<()> {
    let index: mlua::Function = lua
        .load(
            "local getmetatable, type, lower = getmetatable, type, string.lower\n\
             return function(t, k)\n\
               if type(k) == 'string' then return getmetatable(t).lower[lower(k)] end\n\
             end",
        )
        .set_name("=[cicada]")
        .eval()?;
    lua.set_named_registry_value(HEADERS_INDEX, index)
}

/// Response headers as a table that finds names in any case (`h["content-type"]` and
/// `h["Content-Type"]`); `pairs` gives the names as the server sent them. Repeated headers
/// are joined with ", ", as requests does.
fn headers_table(lua: &Lua, headers: &Headers) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, headers.len())?;
    let lower = lua.create_table_with_capacity(0, headers.len())?;
    for (k, v) in headers.iter() {
        let key = k.to_ascii_lowercase();
        let value = match lower.raw_get::<Option<mlua::String>>(key.as_str())? {
            Some(prev) => format!("{}, {v}", prev.to_string_lossy()),
            None => v.to_owned(),
        };
        lower.raw_set(key.as_str(), value.as_str())?;
        // Repeats are shown under the first spelling the server used.
        let shown =
            headers.iter().find(|(k2, _)| k2.eq_ignore_ascii_case(k)).map_or(k, |(k2, _)| k2);
        t.raw_set(shown, value)?;
    }
    let mt = lua.create_table_with_capacity(0, 2)?;
    mt.raw_set("__index", lua.named_registry_value::<mlua::Function>(HEADERS_INDEX)?)?;
    mt.raw_set("lower", lower)?;
    t.set_metatable(Some(mt))?;
    Ok(t)
}

//! Turning `self.client:get(path, opts)` into an engine [`Request`]: the URL (joined to the
//! host, plus `params`), the body (`data`, `json`, `files`), headers, cookies, auth (the
//! option, or `user:password@` in the URL), timeouts — and the name the request is counted
//! under in the stats.
//!
//! The options table is walked once, matching each key, so the common cases (no options, or
//! a `name` only) cost no lookups. An unknown key is an error, to catch typos like `jsno`.

use base64::Engine as _;
use cicada_engine::http::Request;
use mlua::{Lua, Table, Value};

use crate::errors::fail;
use crate::multipart::{self, Part};
use crate::wait::{number, show};

/// A request ready to send, and how to report it.
pub(crate) struct Prepared {
    pub(crate) request: Request,
    /// The stats entry name: `opts.name`, else the URL's path and query.
    pub(crate) name: String,
    pub(crate) catch_response: bool,
    /// `opts.context`, handed to request listeners.
    pub(crate) context: Option<Value>,
}

const KNOWN: &str = "name, headers, params, data, json, files, cookies, auth, timeout, \
                     allow_redirects, catch_response, context, verify";

const NO_HOST: &str = "No host given: pass --host or set host on the user class";

/// Build the request for `method path` with `opts` against `base` (the host, no trailing /).
/// `default_name` (the client's `request_name`) names it when `opts.name` does not.
pub(crate) fn prepare(
    lua: &Lua,
    base: Option<&str>,
    method: &mlua::String,
    path: &mlua::String,
    opts: Option<&Table>,
    default_name: Option<&str>,
) -> mlua::Result<Prepared> {
    let method = method.to_str()?.to_ascii_uppercase();
    let path = path.to_str()?;
    let mut url = if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        let Some(base) = base else { return Err(fail(lua, NO_HOST)) };
        let mut url = String::with_capacity(base.len() + path.len() + 1);
        url.push_str(base);
        if !path.is_empty() && !path.starts_with('/') && !path.starts_with('?') {
            url.push('/');
        }
        url.push_str(&path);
        url
    };
    let mut prepared = Prepared {
        request: Request::new(method, String::new()),
        name: String::new(),
        catch_response: false,
        context: None,
    };
    let mut name = None;
    let mut auth = None;
    if let Some(opts) = opts {
        let mut body = Body::None;
        let mut files = None;
        let request = &mut prepared.request;
        let mut problem = None;
        opts.for_each(|k: Value, v: Value| {
            if problem.is_some() {
                return Ok(());
            }
            let key = match &k {
                Value::String(s) => s.to_string_lossy(),
                other => {
                    problem =
                        Some(format!("request options must have string keys, got {}", show(other)));
                    return Ok(());
                }
            };
            let result = match key.as_str() {
                "name" => text(&v, "name").map(|s| name = Some(s)),
                "headers" => pairs(&v, "headers").map(|list| request.headers.extend(list)),
                "params" => query(&v).map(|q| {
                    if !q.is_empty() {
                        url.push(if url.contains('?') { '&' } else { '?' });
                        url.push_str(&q);
                    }
                }),
                "data" => match &v {
                    Value::String(s) => {
                        body = Body::Raw(s.as_bytes().to_vec());
                        Ok(())
                    }
                    Value::Table(_) => form_items(&v).map(|form| body = Body::Form(form)),
                    Value::Nil => Ok(()),
                    other => Err(format!("data must be a string or a table, got {}", show(other))),
                },
                "json" => crate::json::encode(lua, &v)
                    .map(|bytes| body = Body::Json(bytes))
                    .map_err(|e| format!("json: {e}")),
                "files" => match &v {
                    Value::Nil => Ok(()),
                    _ => multipart::files(&v).map(|parts| files = Some(parts)),
                },
                "cookies" => pairs(&v, "cookies").map(|list| request.cookies = list),
                "auth" => basic_auth(&v).map(|a| auth = a),
                "timeout" => match &v {
                    Value::Nil => Ok(()),
                    _ => match number(&v) {
                        Some(s) if s > 0.0 => {
                            request.timeout = Some(crate::sleep::duration(s));
                            Ok(())
                        }
                        _ => Err(format!(
                            "timeout must be a number of seconds > 0, got {}",
                            show(&v)
                        )),
                    },
                },
                "allow_redirects" => {
                    flag(&v, "allow_redirects").map(|b| request.allow_redirects = b)
                }
                "verify" => flag(&v, "verify").map(|b| request.verify = Some(b)),
                "catch_response" => flag(&v, "catch_response").map(|b| prepared.catch_response = b),
                "context" => {
                    prepared.context = Some(v.clone());
                    Ok(())
                }
                other => Err(format!("unknown request option '{other}' (known: {KNOWN})")),
            };
            if let Err(e) = result {
                problem = Some(e);
            }
            Ok(())
        })?;
        if let Some(problem) = problem {
            return Err(fail(lua, problem));
        }
        let request = &mut prepared.request;
        if let Some(files) = files {
            // requests sends the `data` fields as parts before the files; a raw string or a
            // JSON body cannot be combined with parts.
            let mut parts: Vec<Part> = match body {
                Body::None => Vec::new(),
                Body::Form(items) => items.into_iter().map(|(k, v)| Part::field(k, v)).collect(),
                Body::Raw(_) | Body::Json(_) => {
                    return Err(fail(
                        lua,
                        "files can only be combined with data as a table (the form fields)",
                    ))
                }
            };
            parts.extend(files);
            let (bytes, content_type) = multipart::encode(&parts);
            set_default(&mut request.headers, "Content-Type", &content_type);
            request.body = bytes;
        } else {
            match body {
                Body::None => {}
                Body::Raw(bytes) => request.body = bytes,
                Body::Form(items) => {
                    set_default(
                        &mut request.headers,
                        "Content-Type",
                        "application/x-www-form-urlencoded",
                    );
                    request.body = urlencode(&items).into_bytes();
                }
                Body::Json(bytes) => {
                    set_default(&mut request.headers, "Content-Type", "application/json");
                    request.body = bytes;
                }
            }
        }
    }
    // As requests: the `auth` option, else credentials in the URL; either replaces an
    // `Authorization` header given in `headers`.
    if let Some(auth) = auth.or_else(|| url_auth(&url)) {
        let headers = &mut prepared.request.headers;
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        headers.push(("Authorization".into(), auth));
    }
    prepared.name = match (name, default_name) {
        (Some(name), _) => name,
        (None, Some(name)) => name.to_owned(),
        (None, None) => path_url(&url).into_owned(),
    };
    prepared.request.url = url;
    Ok(prepared)
}

enum Body {
    None,
    Raw(Vec<u8>),
    Form(Vec<(String, String)>),
    Json(Vec<u8>),
}

/// Make a request Locust's `rest` way: JSON asked for, and announced, unless the script
/// set those headers itself.
pub(crate) fn rest_headers(request: &mut Request) {
    set_default(&mut request.headers, "Content-Type", "application/json");
    set_default(&mut request.headers, "Accept", "application/json");
}

fn set_default(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
        headers.push((name.into(), value.into()));
    }
}

/// A scalar as request text: strings as they are, numbers as Lua prints them, booleans.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string_lossy()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Number(n) => {
            Some(if n.fract() == 0.0 && n.is_finite() { format!("{n:.1}") } else { n.to_string() })
        }
        Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text(v: &Value, what: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.to_string_lossy()),
        other => Err(format!("{what} must be a string, got {}", show(other))),
    }
}

fn flag(v: &Value, what: &str) -> Result<bool, String> {
    match v {
        Value::Boolean(b) => Ok(*b),
        Value::Nil => Ok(false),
        other => Err(format!("{what} must be true or false, got {}", show(other))),
    }
}

/// A `{ name = value }` table as a list of pairs (headers, cookies).
fn pairs(v: &Value, what: &str) -> Result<Vec<(String, String)>, String> {
    let t = match v {
        Value::Table(t) => t,
        Value::Nil => return Ok(Vec::new()),
        other => {
            return Err(format!("{what} must be a table of name = value, got {}", show(other)))
        }
    };
    let mut out = Vec::new();
    let mut bad = None;
    t.for_each(|k: Value, v: Value| {
        match (scalar(&k), scalar(&v)) {
            (Some(k), Some(v)) => out.push((k, v)),
            _ => bad = Some(format!("{what} must map names to strings or numbers")),
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    match bad {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// A `{ key = value }` or `{ key = { v1, v2 } }` table as `key=value&...`, URL-encoded.
fn query(v: &Value) -> Result<String, String> {
    match v {
        Value::Table(_) => form_items(v).map(|items| urlencode(&items)),
        Value::Nil => Ok(String::new()),
        Value::String(s) => Ok(s.to_string_lossy()),
        other => Err(format!("params must be a table or a string, got {}", show(other))),
    }
}

fn urlencode(items: &[(String, String)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in items {
        out.append_pair(k, v);
    }
    out.finish()
}

/// A `{ key = value }` or `{ key = { v1, v2 } }` table as (key, value) pairs. Keys are
/// sorted so the same table always gives the same URL (and stats name), or form body.
fn form_items(v: &Value) -> Result<Vec<(String, String)>, String> {
    let Value::Table(t) = v else { return Ok(Vec::new()) };
    let mut items: Vec<(String, String)> = Vec::new();
    let mut bad = None;
    t.for_each(|k: Value, v: Value| {
        let Some(key) = scalar(&k) else {
            bad = Some("params and data keys must be strings".to_string());
            return Ok(());
        };
        match &v {
            Value::Table(list) => {
                for item in list.sequence_values::<Value>() {
                    match item.ok().as_ref().and_then(scalar) {
                        Some(s) => items.push((key.clone(), s)),
                        None => {
                            bad = Some(format!("the values of {key} must be strings or numbers"))
                        }
                    }
                }
            }
            v => match scalar(v) {
                Some(s) => items.push((key, s)),
                None => bad = Some(format!("{key} must be a string, a number or a list of them")),
            },
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    if let Some(e) = bad {
        return Err(e);
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(items)
}

/// `{ "user", "pass" }` as a Basic `Authorization` value.
fn basic_auth(v: &Value) -> Result<Option<String>, String> {
    let t = match v {
        Value::Nil => return Ok(None),
        Value::Table(t) => t,
        other => return Err(format!("auth must be {{ user, password }}, got {}", show(other))),
    };
    let user = t.raw_get::<Value>(1).ok().as_ref().and_then(scalar);
    let pass = t.raw_get::<Value>(2).ok().as_ref().and_then(scalar);
    match (user, pass) {
        (Some(user), Some(pass)) => {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            Ok(Some(format!("Basic {token}")))
        }
        _ => Err("auth must be { user, password }".to_string()),
    }
}

/// `http://user:password@host/` as a Basic `Authorization` value (percent-decoded, as
/// requests' `get_auth_from_url`); None when the URL has no credentials. Most URLs have no
/// `@` before their path, and are not parsed for this.
fn url_auth(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let decode = |s: &str| {
        let mut out = Vec::with_capacity(s.len());
        let mut bytes = s.bytes();
        while let Some(b) = bytes.next() {
            let hex = |b: Option<u8>| b.and_then(|b| (b as char).to_digit(16));
            match b {
                b'%' => {
                    let mut ahead = bytes.clone();
                    match (hex(ahead.next()), hex(ahead.next())) {
                        (Some(hi), Some(lo)) => {
                            out.push((hi * 16 + lo) as u8);
                            bytes = ahead;
                        }
                        _ => out.push(b),
                    }
                }
                b => out.push(b),
            }
        }
        out
    };
    let mut credentials = decode(user);
    credentials.push(b':');
    credentials.extend(decode(pass));
    Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials)))
}

/// The path and query of `url` (requests' `path_url`), without any fragment.
pub(crate) fn path_url(url: &str) -> std::borrow::Cow<'_, str> {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let rest = match rest.find('#') {
        Some(i) => &rest[..i],
        None => rest,
    };
    match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => rest[i..].into(),
        Some(i) => format!("/{}", &rest[i..]).into(),
        None => "/".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prep(base: Option<&str>, path: &str, opts: &str) -> Result<Prepared, String> {
        let lua = Lua::new();
        let module = lua.create_table().unwrap();
        crate::json::register(&lua, &module).unwrap();
        let opts: Option<Table> = lua.load(opts).eval().unwrap();
        let method = lua.create_string("post").unwrap();
        let path = lua.create_string(path).unwrap();
        prepare(&lua, base, &method, &path, opts.as_ref(), None)
            .map_err(|e| crate::errors::root_message(&e))
    }

    #[test]
    fn joins_and_names() {
        let p = prep(Some("http://h:1"), "/item?id=1", "nil").unwrap();
        assert_eq!(p.request.url, "http://h:1/item?id=1");
        assert_eq!(p.request.method, "POST");
        assert_eq!(p.name, "/item?id=1");
        let p =
            prep(Some("http://h:1/api"), "x", "{ params = { b = 2, a = { 1, 'z y' } } }").unwrap();
        assert_eq!(p.request.url, "http://h:1/api/x?a=1&a=z+y&b=2");
        assert_eq!(p.name, "/api/x?a=1&a=z+y&b=2");
        let p = prep(None, "https://other/y#frag", "{ name = 'Y' }").unwrap();
        assert_eq!(p.request.url, "https://other/y#frag");
        assert_eq!(p.name, "Y");
        assert_eq!(path_url("http://h"), "/");
        assert_eq!(path_url("http://h?x=1"), "/?x=1");
    }

    #[test]
    fn needs_a_host_for_relative_paths() {
        let e = prep(None, "/x", "nil").err().unwrap();
        assert!(e.contains("No host given: pass --host or set host on the user class"), "{e}");
    }

    #[test]
    fn builds_bodies_and_headers() {
        let p = prep(Some("http://h"), "/", "{ json = { a = 1 }, headers = { ['X-A'] = 'b' } }")
            .unwrap();
        assert_eq!(p.request.body, b"{\"a\":1}");
        assert!(p.request.headers.contains(&("Content-Type".into(), "application/json".into())));
        assert!(p.request.headers.contains(&("X-A".into(), "b".into())));
        let p = prep(Some("http://h"), "/", "{ data = { a = 1, b = 'x y' } }").unwrap();
        assert_eq!(p.request.body, b"a=1&b=x+y");
        let p = prep(Some("http://h"), "/", "{ data = 'raw', auth = { 'u', 'p' }, timeout = 2, allow_redirects = false, catch_response = true }").unwrap();
        assert_eq!(p.request.body, b"raw");
        assert!(p.request.headers.contains(&("Authorization".into(), "Basic dTpw".into())));
        assert_eq!(p.request.timeout, Some(std::time::Duration::from_secs(2)));
        assert!(!p.request.allow_redirects);
        assert!(p.catch_response);
        let e = prep(Some("http://h"), "/", "{ jsno = {} }").err().unwrap();
        assert!(e.contains("unknown request option 'jsno'"), "{e}");
    }

    #[test]
    fn credentials_in_the_url_become_basic_auth() {
        let p = prep(None, "http://u%40x:p%3Aw@h/a@b", "nil").unwrap();
        // base64("u@x:p:w")
        assert!(p.request.headers.contains(&("Authorization".into(), "Basic dUB4OnA6dw==".into())));
        assert_eq!(p.name, "/a@b");
        let p = prep(None, "http://h/a@b", "nil").unwrap();
        assert!(p.request.headers.is_empty(), "no credentials before the path");
        let p = prep(None, "http://u:p@h/", "{ auth = { 'a', 'b' } }").unwrap();
        let auth: Vec<_> = p.request.headers.iter().filter(|(k, _)| k == "Authorization").collect();
        assert_eq!(auth, [&("Authorization".to_string(), "Basic YTpi".to_string())]);
    }

    #[test]
    fn files_make_a_multipart_body_after_the_data_fields() {
        let p = prep(
            Some("http://h"),
            "/",
            "{ data = { k = 'v' }, files = { up = { filename = 'a.txt', content = 'hi', \
             content_type = 'text/plain' } } }",
        )
        .unwrap();
        let content_type = &p.request.headers.iter().find(|(k, _)| k == "Content-Type").unwrap().1;
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
        let body = String::from_utf8(p.request.body).unwrap();
        assert_eq!(
            body,
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"up\"; \
                 filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--{boundary}--\r\n"
            )
        );
        let e = prep(Some("http://h"), "/", "{ data = 'x', files = { f = 'c' } }").err().unwrap();
        assert!(e.contains("files can only be combined with data as a table"), "{e}");
        let e = prep(Some("http://h"), "/", "{ files = { f = { name = 'x' } } }").err().unwrap();
        assert!(e.contains("files.f: content is missing"), "{e}");
    }
}

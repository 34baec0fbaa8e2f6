//! The demo site's pages: what `examples/quickstart.lua` requests, plus a few endpoints
//! that show off failures, latency, redirects and compression in the stats.
//!
//! | route              | answer                                                  |
//! |--------------------|---------------------------------------------------------|
//! | `GET /`            | 200 `Success` (the quickstart's `catch_response` check) |
//! | `GET /hello`, `/world` | 200 short text                                      |
//! | `POST /login`      | 200, `Set-Cookie: session=<random>; Path=/`             |
//! | `GET /item?id=N`   | 200 JSON `{"id":N,"name":"item N"}`                     |
//! | `GET /slow?ms=N`   | 200 after N ms (default 1000, at most 10 s)             |
//! | `GET /status/NNN`  | status NNN (200-599)                                    |
//! | `GET /gzip`        | 200, a gzip-encoded body                                |
//! | `GET /redirect`    | 302 to `/`                                              |
//!
//! Every GET route answers HEAD too; anything else is 404 (unknown path) or 405.

use std::hash::{BuildHasher, RandomState};
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::http::{reason, Response};

/// The longest `/slow` wait, so a typo cannot park a connection for hours.
const MAX_SLOW: Duration = Duration::from_secs(10);
const DEFAULT_SLOW_MS: u64 = 1000;

/// The body `/gzip` sends once decoded.
const GZIP_TEXT: &str = "This body travelled gzip-encoded; cicada decoded it for you.\n";

/// State the routes need, built once when the site starts.
pub(super) struct Site {
    gzip_body: Vec<u8>,
    sessions: AtomicU64,
    session_keys: RandomState,
}

impl Site {
    pub(super) fn new() -> io::Result<Site> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(GZIP_TEXT.as_bytes())?;
        Ok(Site {
            gzip_body: gz.finish()?,
            sessions: AtomicU64::new(0),
            session_keys: RandomState::new(),
        })
    }

    /// The response for `method` on `target` (path and query). `pause` waits for `/slow`
    /// and returns early when the server stops.
    pub(super) fn respond(&self, method: &str, target: &str, pause: &dyn Fn(Duration)) -> Response {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let get = method == "GET" || method == "HEAD";
        match path {
            "/login" if method == "POST" => self.login(),
            "/login" => not_allowed("POST"),
            "/" | "/hello" | "/world" | "/item" | "/slow" | "/gzip" | "/redirect" if !get => {
                not_allowed("GET, HEAD")
            }
            "/" => Response::text(200, "Success"),
            "/hello" => Response::text(200, "Hello"),
            "/world" => Response::text(200, "World"),
            "/item" => item(query),
            "/slow" => slow(query, pause),
            "/gzip" => self.gzip(),
            "/redirect" => {
                Response::text(302, "Redirecting to /\n").with_header("Location", "/".into())
            }
            _ => match path.strip_prefix("/status/") {
                Some(code) if get => status(code),
                Some(_) => not_allowed("GET, HEAD"),
                None => Response::text(404, "Not Found\n"),
            },
        }
    }

    fn login(&self) -> Response {
        let n = self.sessions.fetch_add(1, Ordering::Relaxed);
        let session = self.session_keys.hash_one(n);
        Response::text(200, "Logged in\n")
            .with_header("Set-Cookie", format!("session={session:016x}; Path=/"))
    }

    fn gzip(&self) -> Response {
        Response {
            status: 200,
            headers: vec![
                ("Content-Type", "text/plain; charset=utf-8".into()),
                ("Content-Encoding", "gzip".into()),
            ],
            body: self.gzip_body.clone(),
        }
    }
}

fn not_allowed(allow: &str) -> Response {
    Response::text(405, "Method Not Allowed\n").with_header("Allow", allow.into())
}

/// The value of `key` in a query string (no percent-decoding: the demo's values are numbers).
fn param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| match pair.split_once('=') {
        Some((k, v)) if k == key => Some(v),
        _ => None,
    })
}

fn item(query: &str) -> Response {
    match param(query, "id").and_then(|v| v.parse::<u64>().ok()) {
        Some(id) => Response {
            status: 200,
            headers: vec![("Content-Type", "application/json".into())],
            body: format!("{{\"id\":{id},\"name\":\"item {id}\"}}").into_bytes(),
        },
        None => Response::text(400, "/item needs ?id=N with N a whole number\n"),
    }
}

fn slow(query: &str, pause: &dyn Fn(Duration)) -> Response {
    let ms = match param(query, "ms") {
        None => DEFAULT_SLOW_MS,
        Some(v) => match v.parse::<u64>() {
            Ok(ms) => ms,
            Err(_) => return Response::text(400, "/slow takes ?ms=N with N a whole number\n"),
        },
    };
    let wait = Duration::from_millis(ms).min(MAX_SLOW);
    pause(wait);
    Response::text(200, &format!("Waited {} ms\n", wait.as_millis()))
}

fn status(code: &str) -> Response {
    match code.parse::<u16>() {
        // 1xx is not a final answer: a client would wait for another response forever.
        Ok(s) if (200..=599).contains(&s) && code.len() == 3 => {
            Response::text(s, &format!("{s} {}\n", reason(s)))
        }
        _ => Response::text(400, "/status/NNN takes a status from 200 to 599\n"),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn get(site: &Site, target: &str) -> Response {
        site.respond("GET", target, &|_| {})
    }

    fn body(r: &Response) -> &str {
        std::str::from_utf8(&r.body).unwrap_or("<binary>")
    }

    fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
        r.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    #[test]
    fn routes_answer_as_documented() {
        let site = Site::new().expect("site");
        assert_eq!((get(&site, "/").status, body(&get(&site, "/"))), (200, "Success"));
        assert_eq!(get(&site, "/hello").status, 200);
        assert_eq!(get(&site, "/world").status, 200);
        assert_eq!(body(&get(&site, "/item?id=42")), r#"{"id":42,"name":"item 42"}"#);
        assert_eq!(body(&get(&site, "/item?x=1&id=7")), r#"{"id":7,"name":"item 7"}"#);
        assert_eq!(get(&site, "/item?id=x").status, 400);
        assert_eq!(get(&site, "/item").status, 400);
        assert_eq!(get(&site, "/status/503").status, 503);
        assert_eq!(get(&site, "/status/204").status, 204);
        assert_eq!(get(&site, "/status/99").status, 400);
        assert_eq!(get(&site, "/status/100").status, 400);
        assert_eq!(get(&site, "/status/0404").status, 400);
        assert_eq!(get(&site, "/status/abc").status, 400);
        let redirect = get(&site, "/redirect");
        assert_eq!((redirect.status, header(&redirect, "location")), (302, Some("/")));
        assert_eq!(get(&site, "/nope").status, 404);
        assert_eq!(site.respond("POST", "/nope", &|_| {}).status, 404);
        assert_eq!(site.respond("HEAD", "/", &|_| {}).status, 200);
    }

    #[test]
    fn wrong_methods_get_405_with_allow() {
        let site = Site::new().expect("site");
        let r = site.respond("GET", "/login", &|_| {});
        assert_eq!((r.status, header(&r, "allow")), (405, Some("POST")));
        let r = site.respond("DELETE", "/item?id=1", &|_| {});
        assert_eq!((r.status, header(&r, "allow")), (405, Some("GET, HEAD")));
        assert_eq!(site.respond("PUT", "/status/200", &|_| {}).status, 405);
    }

    #[test]
    fn login_hands_out_distinct_sessions() {
        let site = Site::new().expect("site");
        let a = site.respond("POST", "/login", &|_| {});
        let b = site.respond("POST", "/login", &|_| {});
        let (a, b) = (header(&a, "set-cookie"), header(&b, "set-cookie"));
        assert!(a.is_some_and(|c| c.starts_with("session=") && c.ends_with("; Path=/")));
        assert_ne!(a, b);
    }

    #[test]
    fn slow_waits_the_capped_time() {
        let site = Site::new().expect("site");
        let waited = Cell::new(Duration::ZERO);
        let record = |d: Duration| waited.set(d);
        assert_eq!(site.respond("GET", "/slow?ms=25", &record).status, 200);
        assert_eq!(waited.get(), Duration::from_millis(25));
        site.respond("GET", "/slow?ms=99999999", &record);
        assert_eq!(waited.get(), MAX_SLOW);
        site.respond("GET", "/slow", &record);
        assert_eq!(waited.get(), Duration::from_millis(DEFAULT_SLOW_MS));
        assert_eq!(site.respond("GET", "/slow?ms=-1", &record).status, 400);
    }
}

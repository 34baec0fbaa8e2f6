//! Just enough HTTP/1.1 for the demo site: reading a request head with hard limits, and
//! writing a response with a Content-Length body.
//!
//! Anything the demo does not need is refused with a status rather than half-supported:
//! chunked request bodies (411), bodies over 1 MiB (413), oversized heads (414, 431) and
//! anything malformed (400). Each refusal closes the connection.

use std::io::{self, BufRead, Read, Write};

/// Longest request line or header line accepted.
const MAX_LINE: usize = 8 * 1024;
/// Most header lines accepted in one request.
const MAX_HEADERS: usize = 100;
/// Largest request body accepted (it is read and discarded).
pub(super) const MAX_BODY: u64 = 1024 * 1024;
/// Empty lines tolerated before a request line (RFC 9112 §2.2 asks servers to skip some).
const MAX_LEADING_EMPTY_LINES: usize = 8;

/// A request head, checked and ready to route.
#[derive(Debug)]
pub(super) struct Request {
    pub method: String,
    /// The origin-form target: path and optional query.
    pub target: String,
    pub keep_alive: bool,
    pub body_len: u64,
    pub expect_continue: bool,
}

/// What reading from a connection produced.
#[derive(Debug)]
pub(super) enum Incoming {
    Request(Request),
    /// The client closed, went idle past the timeout, or the socket failed: nothing to answer.
    Closed,
    /// Answer with this status and close.
    Reject(u16),
}

/// A complete response; the body is always sent with a Content-Length.
#[derive(Debug)]
pub(super) struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub(super) fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub(super) fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }
}

enum Line {
    Text(Vec<u8>),
    Eof,
    TooLong,
}

/// Reads one line ending in LF (CR LF or bare LF), without its line ending.
fn read_line(r: &mut impl BufRead) -> io::Result<Line> {
    let mut buf = Vec::new();
    let n = r.by_ref().take(MAX_LINE as u64).read_until(b'\n', &mut buf)?;
    if !buf.ends_with(b"\n") {
        return Ok(if n >= MAX_LINE { Line::TooLong } else { Line::Eof });
    }
    buf.pop();
    if buf.ends_with(b"\r") {
        buf.pop();
    }
    Ok(Line::Text(buf))
}

/// Reads the next request head from a keep-alive connection.
pub(super) fn read_request(r: &mut impl BufRead) -> Incoming {
    match read_head(r) {
        Ok(incoming) => incoming,
        Err(_) => Incoming::Closed,
    }
}

fn read_head(r: &mut impl BufRead) -> io::Result<Incoming> {
    let mut empty_lines = 0;
    let line = loop {
        match read_line(r)? {
            Line::Eof => return Ok(Incoming::Closed),
            Line::TooLong => return Ok(Incoming::Reject(414)),
            Line::Text(l) if l.is_empty() => {
                empty_lines += 1;
                if empty_lines > MAX_LEADING_EMPTY_LINES {
                    return Ok(Incoming::Reject(400));
                }
            }
            Line::Text(l) => break l,
        }
    };
    let Some((method, target, http11)) = parse_request_line(&line) else {
        return Ok(Incoming::Reject(400));
    };

    let mut head = Head::default();
    for _ in 0..=MAX_HEADERS {
        let line = match read_line(r)? {
            Line::Eof => return Ok(Incoming::Closed),
            Line::TooLong => return Ok(Incoming::Reject(431)),
            Line::Text(l) => l,
        };
        if line.is_empty() {
            return Ok(head.finish(method, target, http11));
        }
        if let Err(status) = head.add(&line) {
            return Ok(Incoming::Reject(status));
        }
    }
    Ok(Incoming::Reject(431))
}

/// Splits `METHOD SP target SP HTTP/1.x`; None if it is anything else.
fn parse_request_line(line: &[u8]) -> Option<(String, String, bool)> {
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || method.is_empty() || !method.bytes().all(is_token_byte) {
        return None;
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return None,
    };
    let target = origin_form(target)?;
    if target.bytes().any(|b| b.is_ascii_control()) {
        return None;
    }
    Some((method.to_owned(), target.to_owned(), http11))
}

/// The path-and-query of a target; an absolute-form target (as sent to proxies) loses its
/// scheme and authority.
fn origin_form(target: &str) -> Option<&str> {
    if target.starts_with('/') {
        return Some(target);
    }
    let rest = target.strip_prefix("http://").or_else(|| target.strip_prefix("https://"))?;
    Some(rest.find('/').map_or("/", |i| &rest[i..]))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The headers that matter to the demo, gathered while reading.
#[derive(Default)]
struct Head {
    content_length: Option<u64>,
    transfer_encoding: bool,
    close: bool,
    keep_alive: bool,
    expect_continue: bool,
}

impl Head {
    /// Takes in one header line; Err is the status to refuse the request with.
    fn add(&mut self, line: &[u8]) -> Result<(), u16> {
        let colon = line.iter().position(|&b| b == b':').ok_or(400u16)?;
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        // An empty name, whitespace before the colon or a folded continuation line are
        // all refused (RFC 9112 §5).
        if name.is_empty() || !name.iter().copied().all(is_token_byte) {
            return Err(400);
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = std::str::from_utf8(value)
                .ok()
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or(400u16)?;
            if self.content_length.is_some_and(|m| m != n) {
                return Err(400);
            }
            self.content_length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.transfer_encoding = true;
        } else if name.eq_ignore_ascii_case(b"connection") {
            for token in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                self.close |= token.eq_ignore_ascii_case(b"close");
                self.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case(b"expect") {
            self.expect_continue = value.eq_ignore_ascii_case(b"100-continue");
        }
        Ok(())
    }

    fn finish(self, method: String, target: String, http11: bool) -> Incoming {
        if self.transfer_encoding {
            return Incoming::Reject(411);
        }
        let body_len = self.content_length.unwrap_or(0);
        if body_len > MAX_BODY {
            return Incoming::Reject(413);
        }
        let keep_alive = if http11 { !self.close } else { self.keep_alive && !self.close };
        Incoming::Request(Request {
            method,
            target,
            keep_alive,
            body_len,
            expect_continue: self.expect_continue,
        })
    }
}

/// Writes `resp` in one write (head and body together, so keep-alive clients never wait on
/// Nagle). HEAD gets the same head without the body.
pub(super) fn write_response(
    w: &mut impl Write,
    resp: &Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    // 204 and 304 never carry a body, so they get no Content-Length either.
    let bodyless = matches!(resp.status, 204 | 304);
    let mut out =
        format!("HTTP/1.1 {} {}\r\nServer: cicada-demo\r\n", resp.status, reason(resp.status));
    if !bodyless {
        out.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
    }
    out.push_str(if keep_alive { "Connection: keep-alive\r\n" } else { "Connection: close\r\n" });
    for (name, value) in &resp.headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !head_only && !bodyless {
        bytes.extend_from_slice(&resp.body);
    }
    w.write_all(&bytes)?;
    w.flush()
}

/// The reason phrase for a status.
pub(super) fn reason(status: u16) -> &'static str {
    match cicada_engine::http::reason_phrase(status) {
        "" => "Unknown",
        phrase => phrase,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &str) -> Incoming {
        read_request(&mut raw.as_bytes())
    }

    #[test]
    fn parses_a_request_head() {
        let Incoming::Request(r) =
            read("POST /login?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length: 5\r\nExpect: 100-continue\r\n\r\nhello")
        else {
            panic!("not a request");
        };
        assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/login?x=1"));
        assert_eq!((r.body_len, r.keep_alive, r.expect_continue), (5, true, true));
    }

    #[test]
    fn keep_alive_follows_version_and_connection_header() {
        let keep = |raw: &str| matches!(read(raw), Incoming::Request(r) if r.keep_alive);
        assert!(keep("GET / HTTP/1.1\r\n\r\n"));
        assert!(!keep("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert!(!keep("GET / HTTP/1.0\r\n\r\n"));
        assert!(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
        assert!(keep("\r\nGET / HTTP/1.1\n\n"));
    }

    #[test]
    fn refuses_what_it_does_not_support() {
        let status = |raw: &str| match read(raw) {
            Incoming::Reject(s) => s,
            other => panic!("{raw:?} gave {other:?}"),
        };
        assert_eq!(status("GARBAGE\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/2.0\r\n\r\n"), 400);
        assert_eq!(status("GET  / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("GET nopath HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("G(T / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.1\r\nno colon\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
        assert_eq!(status("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), 400);
        assert_eq!(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 411);
        assert_eq!(status("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n"), 413);
        assert_eq!(status(&format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_LINE))), 414);
        let many = "X: y\r\n".repeat(MAX_HEADERS + 1);
        assert_eq!(status(&format!("GET / HTTP/1.1\r\n{many}\r\n")), 431);
        assert_eq!(status(&format!("GET / HTTP/1.1\r\n{}\r\n\r\n", "X: ".repeat(MAX_LINE))), 431);
        assert_eq!(status(&"\r\n".repeat(MAX_LEADING_EMPTY_LINES + 1)), 400);
        assert_eq!(status("GET /\x01 HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status("\u{ff}\u{fe} / HTTP/1.1\r\n\r\n"), 400);
    }

    #[test]
    fn truncated_input_is_a_close_not_an_error() {
        assert!(matches!(read(""), Incoming::Closed));
        assert!(matches!(read("GET / HTTP/1.1"), Incoming::Closed));
        assert!(matches!(read("GET / HTTP/1.1\r\nHost: a\r\n"), Incoming::Closed));
    }

    #[test]
    fn absolute_form_targets_are_reduced_to_their_path() {
        let target = |raw: &str| match read(raw) {
            Incoming::Request(r) => r.target,
            other => panic!("{other:?}"),
        };
        assert_eq!(target("GET http://h:1/item?id=2 HTTP/1.1\r\n\r\n"), "/item?id=2");
        assert_eq!(target("GET http://h:1 HTTP/1.1\r\n\r\n"), "/");
    }

    #[test]
    fn writes_head_and_body_in_one_piece() {
        let mut out = Vec::new();
        let resp = Response::text(200, "Success").with_header("X-A", "b".into());
        write_response(&mut out, &resp, false, true).expect("writing to a Vec");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "HTTP/1.1 200 OK\r\nServer: cicada-demo\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\
             Content-Type: text/plain; charset=utf-8\r\nX-A: b\r\n\r\nSuccess"
        );
        let mut head = Vec::new();
        write_response(&mut head, &Response::text(204, "x"), false, false).expect("writing");
        assert_eq!(
            String::from_utf8_lossy(&head),
            "HTTP/1.1 204 No Content\r\nServer: cicada-demo\r\nConnection: close\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n"
        );
    }
}

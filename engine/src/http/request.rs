//! Writing a request head: the request line, python-requests' default headers (so servers
//! and their logs see what they saw under Locust), the caller's headers, the Cookie line.
//!
//! The head is written into the connection's reusable buffer with no intermediate strings.

use std::io::Write;

use super::api::HttpError;
use super::url::Target;

pub(crate) const USER_AGENT: &str = concat!("cicada/", env!("CARGO_PKG_VERSION"));
pub(crate) const ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// Defaults, in python-requests' order after `Host`; a caller's header of the same name
/// replaces one.
const DEFAULTS: [(&str, &str); 4] = [
    ("User-Agent", USER_AGENT),
    ("Accept-Encoding", ACCEPT_ENCODING),
    ("Accept", "*/*"),
    ("Connection", "keep-alive"),
];

/// What goes into one request head besides the target.
pub(crate) struct Head<'a> {
    /// Uppercase, already checked by `check_method`.
    pub(crate) method: &'a str,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body_len: usize,
    /// Cookies from the per-request list and the jar, `a=1; b=2`, appended to the caller's own
    /// `Cookie` header if there is one.
    pub(crate) cookies: Option<&'a str>,
}

/// A method must be an HTTP token: anything else would let a script smuggle bytes into the
/// request line.
pub(crate) fn check_method(method: &str) -> Result<(), HttpError> {
    if !method.is_empty() && method.bytes().all(is_token_byte) {
        Ok(())
    } else {
        Err(HttpError::Io(format!("Invalid HTTP method {method:?}")))
    }
}

/// Header names must be tokens and values free of CR/LF/NUL, or a header could end the head
/// early and inject another request.
pub(crate) fn check_headers(headers: &[(String, String)]) -> Result<(), HttpError> {
    for (name, value) in headers {
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(HttpError::Io(format!("Invalid header name {name:?}")));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(HttpError::Io(format!("Invalid header value for {name}: {value:?}")));
        }
    }
    Ok(())
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The caller sent `Connection: close`: the server will close, so the connection is not
/// pooled whatever the response says.
pub(crate) fn asks_close(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("connection")
            && v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close"))
    })
}

fn has(headers: &[(String, String)], name: &str) -> bool {
    headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// Appends the full request head, ending with the blank line, to `out`.
pub(crate) fn write_head(out: &mut Vec<u8>, target: &Target, head: &Head<'_>) {
    let user = head.headers;
    push(out, &[head.method, " ", target.path_and_query(), " HTTP/1.1\r\n"]);
    if !has(user, "host") {
        push(out, &["Host: ", target.host_header(), "\r\n"]);
    }
    for (name, value) in DEFAULTS {
        if !has(user, name) {
            push(out, &[name, ": ", value, "\r\n"]);
        }
    }
    let wants_length = head.body_len > 0 || matches!(head.method, "POST" | "PUT" | "PATCH");
    if wants_length && !has(user, "content-length") && !has(user, "transfer-encoding") {
        // Writing into a Vec cannot fail.
        let _ = write!(out, "Content-Length: {}\r\n", head.body_len);
    }
    let mut cookies = head.cookies;
    for (name, value) in user {
        push(out, &[name, ": ", value]);
        if name.eq_ignore_ascii_case("cookie") {
            if let Some(extra) = cookies.take() {
                push(out, &["; ", extra]);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    if let Some(extra) = cookies {
        push(out, &["Cookie: ", extra, "\r\n"]);
    }
    out.extend_from_slice(b"\r\n");
}

fn push(out: &mut Vec<u8>, parts: &[&str]) {
    for part in parts {
        out.extend_from_slice(part.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: usize,
        cookies: Option<&str>,
    ) -> String {
        let headers: Vec<(String, String)> =
            headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut out = Vec::new();
        let target = Target::parse(url).unwrap();
        write_head(&mut out, &target, &Head { method, headers: &headers, body_len: body, cookies });
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn defaults_look_like_python_requests() {
        let h = head("GET", "http://example.com:8080/a?b=1#f", &[], 0, None);
        assert_eq!(
            h,
            format!(
                "GET /a?b=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: {USER_AGENT}\r\n\
                 Accept-Encoding: gzip, deflate, br\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n"
            )
        );
    }

    #[test]
    fn caller_headers_replace_defaults_case_insensitively() {
        let h = head(
            "GET",
            "http://h/",
            &[("user-agent", "me"), ("HOST", "other"), ("X-A", "1")],
            0,
            None,
        );
        assert!(!h.contains("cicada/"));
        assert!(!h.contains("Host: h"));
        assert!(h.contains("user-agent: me\r\n"));
        assert!(h.contains("HOST: other\r\n"));
        assert!(h.contains("X-A: 1\r\n"));
        assert!(h.ends_with("\r\n\r\n"));
    }

    #[test]
    fn content_length_when_there_is_a_body_or_the_method_expects_one() {
        assert!(head("POST", "http://h/", &[], 0, None).contains("Content-Length: 0\r\n"));
        assert!(head("PUT", "http://h/", &[], 0, None).contains("Content-Length: 0\r\n"));
        assert!(head("PATCH", "http://h/", &[], 3, None).contains("Content-Length: 3\r\n"));
        assert!(head("DELETE", "http://h/", &[], 12, None).contains("Content-Length: 12\r\n"));
        assert!(!head("GET", "http://h/", &[], 0, None).contains("Content-Length"));
        assert!(!head("DELETE", "http://h/", &[], 0, None).contains("Content-Length"));
        let h = head("POST", "http://h/", &[("content-length", "5")], 5, None);
        assert_eq!(h.matches("ontent-").count(), 1);
    }

    #[test]
    fn cookies_join_an_explicit_cookie_header_or_get_their_own() {
        let h = head("GET", "http://h/", &[("Cookie", "a=1")], 0, Some("b=2; c=3"));
        assert!(h.contains("Cookie: a=1; b=2; c=3\r\n"));
        assert_eq!(h.matches("Cookie").count(), 1);
        let h = head("GET", "http://h/", &[], 0, Some("b=2"));
        assert!(h.contains("Cookie: b=2\r\n"));
    }

    #[test]
    fn methods_and_headers_cannot_inject_bytes() {
        assert!(check_method("GET").is_ok());
        assert!(check_method("M-SEARCH").is_ok());
        assert!(check_method("GET / HTTP/1.1\r\n").is_err());
        assert!(check_method("").is_err());
        let ok = vec![("X-Ok".to_string(), "fine value".to_string())];
        assert!(check_headers(&ok).is_ok());
        let bad_value = vec![("X".to_string(), "a\r\nInjected: 1".to_string())];
        assert!(check_headers(&bad_value).is_err());
        let bad_name = vec![("X Y".to_string(), "v".to_string())];
        assert!(check_headers(&bad_name).is_err());
    }

    #[test]
    fn connection_close_from_the_caller_is_noticed() {
        let h = |v: &str| vec![("connection".to_string(), v.to_string())];
        assert!(asks_close(&h("Close")));
        assert!(asks_close(&h("upgrade, close")));
        assert!(!asks_close(&h("keep-alive")));
        assert!(!asks_close(&[]));
    }
}

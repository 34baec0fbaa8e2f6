//! The failure text of an HTTP error status, worded as Locust reports it, and the standard
//! reason phrases. Every scenario (Lua or Rust) and the demo server share them.
//!
//! The wording is Locust's (requests'
//! `raise_for_status` message in Python's `repr`, with the request's name as the URL):
//! `HTTPError('404 Client Error: Not Found for url: /missing')`. Grouping failures by this
//! text is what Locust's failures table does, so the wording matters.

/// The failure text for `status`, or `None` when it is not an error (below 400, or 600+ as
/// requests has it).
pub fn status_failure(status: u16, reason: &str, name: &str) -> Option<String> {
    let kind = match status {
        400..=499 => "Client Error",
        500..=599 => "Server Error",
        _ => return None,
    };
    let reason = if reason.is_empty() { reason_phrase(status) } else { reason };
    Some(format!(
        "HTTPError({})",
        cicada_proto::python_repr(&format!("{status} {kind}: {reason} for url: {name}"))
    ))
}

/// The standard reason phrase of `status` (what requests shows when the server sent none).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_errors_like_locust() {
        assert_eq!(
            status_failure(404, "File not found", "/does-not-exist").unwrap(),
            "HTTPError('404 Client Error: File not found for url: /does-not-exist')"
        );
        assert_eq!(
            status_failure(501, "Unsupported method ('POST')", "submit-form").unwrap(),
            "HTTPError(\"501 Server Error: Unsupported method ('POST') for url: submit-form\")"
        );
        assert_eq!(
            status_failure(503, "", "/x").unwrap(),
            "HTTPError('503 Server Error: Service Unavailable for url: /x')"
        );
        assert_eq!(status_failure(302, "Found", "/"), None);
        assert_eq!(status_failure(399, "", "/"), None);
    }
}

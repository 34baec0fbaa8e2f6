//! Parsing a response head with httparse, plus the facts the client needs from its headers
//! (framing, connection reuse), extracted once while the header list is built.
//!
//! Servers under load send odd things; parsing is lenient where browsers are (spaces in the
//! status line, obsolete folded headers) and strict where a mistake would desynchronise the
//! connection (Content-Length, chunked).

use super::api::HttpError;
use super::headers::Headers;

/// A response head bigger than this is refused rather than buffered without end.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;

#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) headers: Headers,
    /// HTTP/1.0: the connection is reused only if the server asked for keep-alive.
    pub(crate) http10: bool,
    pub(crate) content_length: Option<u64>,
    /// `Transfer-Encoding` present; `chunked` says whether its final coding is chunked (if
    /// not, the body runs to the end of the connection).
    pub(crate) transfer_encoding: bool,
    pub(crate) chunked: bool,
    pub(crate) conn_close: bool,
    pub(crate) conn_keep_alive: bool,
}

impl ResponseHead {
    /// The first header of that name, case-insensitively.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// Whether the server lets the connection carry another request (framing aside).
    pub(crate) fn allows_reuse(&self) -> bool {
        !self.conn_close && (!self.http10 || self.conn_keep_alive)
    }
}

/// Parses a head at the start of `buf`: `Ok(None)` if more bytes are needed, or the head and
/// how many bytes it took.
pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<(ResponseHead, usize)>, HttpError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut slots);
    let mut config = httparse::ParserConfig::default();
    config
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true);
    let len = match config.parse_response(&mut parsed, buf) {
        Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD => len,
        Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => return Ok(None),
        Ok(_) => {
            return Err(HttpError::Protocol(format!(
                "Response head larger than {} KiB",
                MAX_HEAD / 1024
            )))
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HttpError::Protocol(format!(
                "Response has more than {MAX_HEADERS} headers"
            )))
        }
        Err(e) => {
            return Err(HttpError::Protocol(format!(
                "Invalid HTTP response ({e}), it starts with {:?}",
                preview(buf)
            )))
        }
    };
    let mut head = ResponseHead {
        status: parsed.code.unwrap_or(0),
        reason: parsed.reason.unwrap_or("").to_owned(),
        headers: Headers::with_capacity(parsed.headers.len(), len),
        http10: parsed.version == Some(0),
        content_length: None,
        transfer_encoding: false,
        chunked: false,
        conn_close: false,
        conn_keep_alive: false,
    };
    for h in parsed.headers.iter() {
        // Valid UTF-8 is the rule; `from_utf8` checks it far faster than the lossy decoder.
        let value = match std::str::from_utf8(h.value) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(h.value),
        };
        let name = h.name;
        if name.eq_ignore_ascii_case("content-length") {
            for part in value.split(',') {
                let n = parse_length(part.trim())?;
                if head.content_length.is_some_and(|seen| seen != n) {
                    return Err(HttpError::Protocol(format!(
                        "Conflicting Content-Length headers ({value})"
                    )));
                }
                head.content_length = Some(n);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            head.transfer_encoding = true;
            if let Some(last) = value.split(',').map(str::trim).rfind(|c| !c.is_empty()) {
                head.chunked = last.eq_ignore_ascii_case("chunked");
            }
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                head.conn_close |= token.eq_ignore_ascii_case("close");
                head.conn_keep_alive |= token.eq_ignore_ascii_case("keep-alive");
            }
        }
        head.headers.push(name, &value);
    }
    Ok(Some((head, len)))
}

fn parse_length(text: &str) -> Result<u64, HttpError> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HttpError::Protocol(format!("Invalid Content-Length {text:?}")));
    }
    text.parse().map_err(|_| HttpError::Protocol(format!("Invalid Content-Length {text:?}")))
}

/// The first bytes of something that is not HTTP, printable, so a user pointing cicada at the
/// wrong port sees what answered.
fn preview(buf: &[u8]) -> String {
    String::from_utf8_lossy(buf.get(..40).unwrap_or(buf)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<(ResponseHead, usize)>, HttpError> {
        parse_head(text.as_bytes())
    }

    #[test]
    fn complete_head_with_body_after_it() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
        let (head, len) = parse(text).unwrap().unwrap();
        assert_eq!(len, text.len() - 5);
        assert_eq!(head.status, 200);
        assert_eq!(head.reason, "OK");
        assert_eq!(head.content_length, Some(5));
        assert_eq!(head.header("x-a"), Some("b"));
        assert_eq!(head.headers.len(), 2);
        assert!(head.allows_reuse());
        assert!(!head.chunked);
    }

    #[test]
    fn partial_heads_ask_for_more() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        for cut in 0..text.len() {
            assert!(parse(&text[..cut]).unwrap().is_none(), "cut at {cut}");
        }
        assert!(parse(text).unwrap().is_some());
    }

    #[test]
    fn garbage_is_a_protocol_error_naming_what_came() {
        let err = parse("SSH-2.0-OpenSSH_9.6\r\n").unwrap_err();
        assert!(matches!(err, HttpError::Protocol(_)));
        assert!(err.to_string().contains("SSH-2.0"), "{err}");
        assert!(parse("HTTP/2 200\r\n\r\n").is_err());
        assert!(parse("HTTP/1.1 abc OK\r\n\r\n").is_err());
    }

    #[test]
    fn oversized_heads_and_too_many_headers_are_refused() {
        let mut big = String::from("HTTP/1.1 200 OK\r\n");
        while big.len() <= MAX_HEAD {
            big.push_str(
                "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
            );
        }
        assert!(matches!(parse(&big), Err(HttpError::Protocol(_))));
        let mut many = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..101 {
            many.push_str(&format!("X-{i}: v\r\n"));
        }
        many.push_str("\r\n");
        let err = parse(&many).unwrap_err();
        assert!(err.to_string().contains("100 headers"), "{err}");
    }

    #[test]
    fn framing_and_connection_facts() {
        let (h, _) = parse(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: Close\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert!(h.chunked && h.transfer_encoding && h.conn_close && !h.allows_reuse());
        let (h, _) = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").unwrap().unwrap();
        assert!(h.transfer_encoding && !h.chunked);
        let (h, _) = parse("HTTP/1.0 200 OK\r\n\r\n").unwrap().unwrap();
        assert!(h.http10 && !h.allows_reuse());
        let (h, _) = parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").unwrap().unwrap();
        assert!(h.allows_reuse());
        let (h, _) = parse("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.content_length, Some(3));
    }

    #[test]
    fn bad_content_lengths_are_refused() {
        for bad in ["-1", "1x", "", "3, 4", "99999999999999999999"] {
            let text = format!("HTTP/1.1 200 OK\r\nContent-Length: {bad}\r\n\r\n");
            assert!(matches!(parse(&text), Err(HttpError::Protocol(_))), "{bad:?}");
        }
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n";
        assert!(parse(text).is_err());
    }

    #[test]
    fn lenient_where_browsers_are() {
        let (h, _) =
            parse("HTTP/1.1  200  Fine Thanks\r\nX-Folded: a\r\n b\r\nNo-Reason : x\r\n\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(h.status, 200);
        assert_eq!(h.header("no-reason"), Some("x"));
        let (h, _) = parse("HTTP/1.1 204\r\n\r\n").unwrap().unwrap();
        assert_eq!((h.status, h.reason.as_str()), (204, ""));
    }
}

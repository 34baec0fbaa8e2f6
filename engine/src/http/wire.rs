//! The client's wire-format steps, callable on their own: for the micro-benchmarks in
//! `engine/benches/`, which time them without sockets, and for the `fuzz/` targets. Not part
//! of the supported API.

use super::api::HttpError;
use super::request::{self, Head};
use super::url::Target;
use super::{body, decode, response};

/// Parse a response head at the start of `buf`: its status and length, or None if more
/// bytes are needed.
pub fn parse_response_head(buf: &[u8]) -> Result<Option<(u16, usize)>, HttpError> {
    Ok(response::parse_head(buf)?.map(|(head, len)| (head.status, len)))
}

/// Write the head of a request for `url` with the client's default headers into `out`.
pub fn write_request_head(
    out: &mut Vec<u8>,
    method: &str,
    url: &str,
    headers: &[(String, String)],
) -> Result<(), HttpError> {
    let target = Target::parse(url)?;
    let head = Head { method, headers, body_len: 0, cookies: None };
    request::write_head(out, &target, &head);
    Ok(())
}

/// Read `bytes` as one whole response the way the client does: the head, its framing, the
/// body (a chunked one fed to the decoder in two pieces split at `split`, since a read may
/// end anywhere), then its `Content-Encoding` undone. Returns the status and the decoded
/// body, or None if the bytes end before the response does. For the `fuzz/` targets: no
/// server can make this panic.
pub fn read_response(bytes: &[u8], split: usize) -> Result<Option<(u16, Vec<u8>)>, HttpError> {
    let Some((head, len)) = response::parse_head(bytes)? else {
        return Ok(None);
    };
    let rest = &bytes[len..];
    let body = match body::framing(&head, false)? {
        body::Framing::Empty => Vec::new(),
        body::Framing::Length(n) if rest.len() < n => return Ok(None),
        body::Framing::Length(n) => rest[..n].to_vec(),
        body::Framing::UntilClose => rest.to_vec(),
        body::Framing::Chunked => {
            let (first, second) = rest.split_at(split.min(rest.len()));
            let mut decoder = body::Chunked::new();
            let mut out = Vec::new();
            let progress = decoder.feed(first, &mut out)?;
            if !progress.done && !decoder.feed(second, &mut out)?.done {
                return Ok(None);
            }
            out
        }
    };
    Ok(Some((head.status, decode::decode_body(&head.headers, body)?)))
}

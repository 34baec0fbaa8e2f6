//! The client's wire-format steps, callable on their own: for the micro-benchmarks in
//! `engine/benches/`, which time them without sockets. Not part of the supported API.

use super::api::HttpError;
use super::request::{self, Head};
use super::response;
use super::url::Target;

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

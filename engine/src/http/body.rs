//! Body framing: how the end of a response body is found (no body, Content-Length, chunked,
//! or the end of the connection), and the chunked decoder.
//!
//! The decoder is a byte-driven state machine so a chunk header, a CRLF or a trailer may be
//! split across reads anywhere; chunk data is copied in bulk.

use super::api::HttpError;
use super::response::ResponseHead;

/// Bodies larger than this are refused: a load generator holding gigabytes per response has
/// a bug or a hostile server on the other end.
pub(crate) const MAX_BODY: usize = 1 << 30;
/// Chunk extensions and trailers are skipped, but not without bound.
const MAX_EXTENSION: usize = 4 * 1024;
const MAX_TRAILERS: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Empty,
    Length(usize),
    Chunked,
    /// No length and not chunked: the body is everything until the server closes.
    UntilClose,
}

/// How the body of `head` is delimited (RFC 9112 section 6.3).
pub(crate) fn framing(head: &ResponseHead, head_request: bool) -> Result<Framing, HttpError> {
    let status = head.status;
    if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(Framing::Empty);
    }
    if head.transfer_encoding {
        return Ok(if head.chunked { Framing::Chunked } else { Framing::UntilClose });
    }
    match head.content_length {
        Some(0) => Ok(Framing::Empty),
        Some(n) if n > MAX_BODY as u64 => Err(too_large()),
        Some(n) => Ok(Framing::Length(n as usize)),
        None => Ok(Framing::UntilClose),
    }
}

pub(crate) fn too_large() -> HttpError {
    HttpError::Protocol(format!("Response body larger than {} MiB", MAX_BODY >> 20))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SizeStart,
    Size,
    /// Whitespace after the size digits.
    SizeSpace,
    Extension,
    SizeLf,
    Data(u64),
    DataCr,
    DataLf,
    TrailerStart,
    Trailer,
    EndLf,
    Done,
}

/// Decodes `Transfer-Encoding: chunked`, fed whatever bytes have arrived.
#[derive(Debug)]
pub(crate) struct Chunked {
    state: State,
    size: u64,
    digits: u8,
    skipped: usize,
}

/// What one `feed` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    /// Bytes of input used; when `done`, anything after them is not part of this response.
    pub(crate) consumed: usize,
    pub(crate) done: bool,
}

impl Chunked {
    pub(crate) fn new() -> Chunked {
        Chunked { state: State::SizeStart, size: 0, digits: 0, skipped: 0 }
    }

    /// Decodes as much of `input` as possible, appending chunk data to `out`.
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<Progress, HttpError> {
        let mut i = 0;
        while i < input.len() && self.state != State::Done {
            if let State::Data(remaining) = self.state {
                let rest = &input[i..];
                let take = rest.len().min(usize::try_from(remaining).unwrap_or(usize::MAX));
                out.extend_from_slice(&rest[..take]);
                i += take;
                let remaining = remaining - take as u64;
                self.state = if remaining == 0 { State::DataCr } else { State::Data(remaining) };
                continue;
            }
            let b = input[i];
            i += 1;
            self.state = self.step(b, out.len())?;
        }
        Ok(Progress { consumed: i, done: self.state == State::Done })
    }

    fn step(&mut self, b: u8, body_len: usize) -> Result<State, HttpError> {
        Ok(match (self.state, b) {
            (State::SizeStart, _) => match hex(b) {
                Some(v) => {
                    self.size = v;
                    self.digits = 1;
                    State::Size
                }
                None => return Err(bad_size(b)),
            },
            (State::Size, _) if hex(b).is_some() => {
                self.digits += 1;
                if self.digits > 16 {
                    return Err(HttpError::Protocol("Chunk size too large".into()));
                }
                self.size = (self.size << 4) | hex(b).unwrap_or(0);
                State::Size
            }
            (State::Size | State::SizeSpace, b' ' | b'\t') => State::SizeSpace,
            (State::Size | State::SizeSpace, b';') => {
                self.skipped = 0;
                State::Extension
            }
            (State::Size | State::SizeSpace | State::Extension, b'\r') => State::SizeLf,
            (State::Size | State::SizeSpace | State::Extension | State::SizeLf, b'\n') => {
                self.size_line_done(body_len)?
            }
            (State::Extension, _) => {
                self.skipped += 1;
                if self.skipped > MAX_EXTENSION {
                    return Err(HttpError::Protocol("Chunk extension too long".into()));
                }
                State::Extension
            }
            (State::Size | State::SizeSpace | State::SizeLf, _) => return Err(bad_size(b)),
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataCr | State::DataLf, b'\n') => State::SizeStart,
            (State::DataCr | State::DataLf, _) => {
                return Err(HttpError::Protocol("Chunk data not followed by CRLF".into()))
            }
            (State::TrailerStart, b'\r') => State::EndLf,
            (State::TrailerStart | State::EndLf, b'\n') => State::Done,
            (State::EndLf, _) => {
                return Err(HttpError::Protocol("Malformed end of chunked body".into()))
            }
            (State::TrailerStart | State::Trailer, _) => {
                self.skipped += 1;
                if self.skipped > MAX_TRAILERS {
                    return Err(HttpError::Protocol("Chunked trailers too long".into()));
                }
                if b == b'\n' {
                    State::TrailerStart
                } else {
                    State::Trailer
                }
            }
            (State::Data(_) | State::Done, _) => self.state,
        })
    }

    fn size_line_done(&mut self, body_len: usize) -> Result<State, HttpError> {
        if self.size == 0 {
            self.skipped = 0;
            return Ok(State::TrailerStart);
        }
        if (body_len as u64).saturating_add(self.size) > MAX_BODY as u64 {
            return Err(too_large());
        }
        Ok(State::Data(self.size))
    }
}

fn hex(b: u8) -> Option<u64> {
    (b as char).to_digit(16).map(u64::from)
}

fn bad_size(b: u8) -> HttpError {
    HttpError::Protocol(format!("Invalid chunk size line (unexpected byte {:?})", b as char))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(input: &[u8], piece: usize) -> Result<(Vec<u8>, usize), HttpError> {
        let mut dec = Chunked::new();
        let mut out = Vec::new();
        let mut at = 0;
        for part in input.chunks(piece) {
            let p = dec.feed(part, &mut out)?;
            at += p.consumed;
            if p.done {
                return Ok((out, at));
            }
            assert_eq!(p.consumed, part.len());
        }
        panic!("not done after {at} bytes");
    }

    const BODY: &[u8] = b"5\r\nhello\r\n7;ext=1;q=\"x\"\r\n, world\r\n1A \r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";

    #[test]
    fn decodes_whole_and_split_at_every_byte() {
        for piece in 1..=BODY.len() {
            let (out, consumed) = decode_in_pieces(BODY, piece).unwrap();
            assert_eq!(out, b"hello, worldabcdefghijklmnopqrstuvwxyz", "piece {piece}");
            assert_eq!(&BODY[consumed..], b"NEXT", "piece {piece}");
        }
    }

    #[test]
    fn accepts_bare_lf_and_empty_body() {
        let (out, _) = decode_in_pieces(b"3\nabc\n0\n\n", 100).unwrap();
        assert_eq!(out, b"abc");
        let (out, n) = decode_in_pieces(b"0\r\n\r\n", 1).unwrap();
        assert!(out.is_empty());
        assert_eq!(n, 5);
    }

    #[test]
    fn malformed_sizes_are_protocol_errors() {
        for bad in [
            &b"zz\r\n"[..],
            b"\r\n",
            b"-1\r\n",
            b"5 x\r\n",
            b"0x5\r\n",
            b"11111111111111111\r\nabc",
            b"5\rX",
            b"3\r\nabcX",
            b"0\r\n\rX",
        ] {
            let mut out = Vec::new();
            let err = Chunked::new().feed(bad, &mut out).unwrap_err();
            assert!(matches!(err, HttpError::Protocol(_)), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn oversized_chunks_are_refused_before_reading_them() {
        let mut out = Vec::new();
        let err = Chunked::new().feed(b"ffffffffffff\r\n", &mut out).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
    }

    #[test]
    fn unbounded_extensions_are_refused() {
        let mut input = b"5;".to_vec();
        input.resize(MAX_EXTENSION + 10, b'a');
        assert!(Chunked::new().feed(&input, &mut Vec::new()).is_err());
    }

    fn head(text: &str) -> ResponseHead {
        super::super::response::parse_head(text.as_bytes()).unwrap().unwrap().0
    }

    #[test]
    fn framing_rules() {
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        assert_eq!(framing(&h, false).unwrap(), Framing::Length(10));
        assert_eq!(framing(&h, true).unwrap(), Framing::Empty);
        let h = head("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n");
        assert_eq!(framing(&h, false).unwrap(), Framing::Empty);
        let h = head("HTTP/1.1 304 Not Modified\r\n\r\n");
        assert_eq!(framing(&h, false).unwrap(), Framing::Empty);
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(framing(&h, false).unwrap(), Framing::Chunked);
        let h = head("HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(framing(&h, false).unwrap(), Framing::UntilClose);
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(framing(&h, false).unwrap(), Framing::Empty);
        let h = head("HTTP/1.1 200 OK\r\nContent-Length: 2000000000\r\n\r\n");
        assert!(framing(&h, false).is_err());
    }
}

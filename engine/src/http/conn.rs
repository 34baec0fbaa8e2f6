//! One connection: a plain or TLS stream (an enum, so reads are static calls), its reusable
//! read and write buffers, opening it, and one request/response exchange on it.
//!
//! The read buffer stays with the connection across requests, so a keep-alive request costs
//! no buffer allocation; a Content-Length body is read straight into the response's own
//! vector instead of through the buffer.

use std::io;
use std::mem;
use std::time::Instant;

use super::api::HttpError;
use super::body::{self, Chunked, Framing, MAX_BODY};
use super::io as rt;
use super::response::{self, ResponseHead};
use super::shard::ShardHttpState;
use super::tls::{self, TlsStream};
use super::url::Target;

/// Read buffer size: most responses of a load test fit in one read.
const READ_BUF: usize = 16 * 1024;
/// A buffer grown past this for one big head or chunked body is not kept in the pool.
const KEEP_BUF: usize = 64 * 1024;
/// Bodies up to this go out in the same write as the head; larger ones are written from
/// their own vector rather than copied into a write buffer the pool would then keep.
const COALESCE: usize = 8 * 1024;
/// The first allocation for a Content-Length body; the header alone is not trusted for more.
const FIRST_BODY_ALLOC: usize = 8 << 20;

enum Stream {
    Plain(rt::TcpStream),
    Tls(Box<TlsStream>),
}

impl Stream {
    async fn read_spare(&mut self, buf: Vec<u8>, max: usize) -> (io::Result<usize>, Vec<u8>) {
        match self {
            Stream::Plain(s) => rt::read_spare(s, buf, max).await,
            // Boxed: the TLS read state is large, and inline it would make every request's
            // future (moved into place once per request) kilobytes bigger.
            Stream::Tls(s) => match Box::pin(rt::read_spare(&mut **s, buf, max)).await {
                // Servers often close TLS without close_notify; like Python's ssl module, take
                // it as end of stream and let the body framing judge whether that was early.
                (Err(e), buf) if e.kind() == io::ErrorKind::UnexpectedEof => (Ok(0), buf),
                other => other,
            },
        }
    }

    async fn write_all(&mut self, buf: Vec<u8>) -> (io::Result<()>, Vec<u8>) {
        match self {
            Stream::Plain(s) => rt::write_all(s, buf).await,
            Stream::Tls(s) => Box::pin(rt::write_all(&mut **s, buf)).await,
        }
    }
}

/// A complete response as it came off the wire (body not yet decoded).
pub(crate) struct Exchange {
    pub(crate) head: ResponseHead,
    pub(crate) body: Vec<u8>,
    /// When the last body byte was read.
    pub(crate) done: Instant,
    /// Whether the connection may carry another request.
    pub(crate) reusable: bool,
}

pub(crate) struct Conn {
    stream: Stream,
    /// Bytes read but not used yet are `rbuf[rpos..]`.
    rbuf: Vec<u8>,
    rpos: usize,
    wbuf: Vec<u8>,
    /// In the current exchange: did any response byte arrive, and did the peer close or reset?
    received: bool,
    peer_closed: bool,
}

impl Conn {
    /// Connects to `target` (trying each resolved address in turn) and, for https, runs the
    /// TLS handshake. The caller bounds the time.
    pub(crate) async fn open(
        shard: &ShardHttpState,
        target: &Target,
        verify: bool,
    ) -> Result<Conn, HttpError> {
        let addrs = shard.dns.lookup(target.host(), target.port())?;
        let mut last_error = None;
        let mut tcp = None;
        for addr in addrs {
            match rt::connect(addr).await {
                Ok(stream) => {
                    tcp = Some(stream);
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        let tcp = match (tcp, last_error) {
            (Some(tcp), _) => tcp,
            (None, Some(e)) => return Err(io_error(e)),
            (None, None) => return Err(HttpError::Dns(target.host_str().to_owned())),
        };
        let stream = if target.is_https() {
            let connector = shard.tls.connector(verify)?;
            Stream::Tls(Box::new(tls::handshake(connector, target.host(), tcp).await?))
        } else {
            Stream::Plain(tcp)
        };
        Ok(Conn {
            stream,
            rbuf: Vec::with_capacity(READ_BUF),
            rpos: 0,
            wbuf: Vec::with_capacity(512),
            received: false,
            peer_closed: false,
        })
    }

    /// The (emptied) buffer the next request head is written into.
    pub(crate) fn request_buf(&mut self) -> &mut Vec<u8> {
        self.wbuf.clear();
        &mut self.wbuf
    }

    /// After a failed exchange: the peer closed or reset the connection before sending a
    /// single byte, the mark of a keep-alive connection the server had already dropped.
    pub(crate) fn closed_before_response(&self) -> bool {
        self.peer_closed && !self.received
    }

    /// Sends the head in `request_buf` followed by `body`, then reads the whole response.
    /// `body` is handed back in place (it may be needed again for a retry or a redirect).
    pub(crate) async fn exchange(
        &mut self,
        body: &mut Vec<u8>,
        head_request: bool,
    ) -> Result<Exchange, HttpError> {
        self.received = false;
        self.peer_closed = false;
        self.send(body).await?;
        let head = self.read_head().await?;
        let framing = body::framing(&head, head_request)?;
        let body = match framing {
            Framing::Empty => Vec::new(),
            Framing::Length(len) => self.read_length(len).await?,
            Framing::Chunked => self.read_chunked().await?,
            Framing::UntilClose => self.read_to_close().await?,
        };
        let done = Instant::now();
        let reusable = head.allows_reuse()
            && head.status != 101
            && framing != Framing::UntilClose
            && self.buffered().is_empty();
        if reusable && self.rbuf.capacity() > KEEP_BUF {
            self.rbuf = Vec::with_capacity(READ_BUF);
            self.rpos = 0;
        }
        Ok(Exchange { head, body, done, reusable })
    }

    async fn send(&mut self, body: &mut Vec<u8>) -> Result<(), HttpError> {
        let mut head = mem::take(&mut self.wbuf);
        let together = body.len() <= COALESCE;
        if together {
            head.extend_from_slice(body);
        }
        let (res, head) = self.stream.write_all(head).await;
        self.wbuf = head;
        res.map_err(|e| self.failed(e))?;
        if !together {
            let (res, sent) = self.stream.write_all(mem::take(body)).await;
            *body = sent;
            res.map_err(|e| self.failed(e))?;
        }
        Ok(())
    }

    /// Reads up to the final response head, skipping interim (1xx) responses.
    async fn read_head(&mut self) -> Result<ResponseHead, HttpError> {
        loop {
            // Nothing buffered is the usual case after sending: read before parsing.
            if self.buffered().is_empty() {
                if self.fill().await? == 0 {
                    return Err(HttpError::Protocol(
                        "Remote end closed connection without response".into(),
                    ));
                }
                continue;
            }
            match response::parse_head(self.buffered())? {
                Some((head, len)) => {
                    self.consume(len);
                    let interim = (100..200).contains(&head.status) && head.status != 101;
                    if !interim {
                        return Ok(head);
                    }
                }
                None => {
                    if self.fill().await? == 0 {
                        return Err(HttpError::Protocol(if self.received {
                            "Connection closed in the middle of the response head".into()
                        } else {
                            "Remote end closed connection without response".into()
                        }));
                    }
                }
            }
        }
    }

    async fn read_length(&mut self, len: usize) -> Result<Vec<u8>, HttpError> {
        let mut body = Vec::with_capacity(len.min(FIRST_BODY_ALLOC));
        let buffered = self.buffered();
        let have = buffered.len().min(len);
        body.extend_from_slice(buffered.get(..have).unwrap_or_default());
        self.consume(have);
        while body.len() < len {
            let missing = len - body.len();
            if body.len() == body.capacity() {
                body.reserve(missing.min(body.len().max(READ_BUF)));
            }
            let (res, buf) = self.stream.read_spare(body, missing).await;
            body = buf;
            match res {
                Ok(0) => {
                    self.peer_closed = true;
                    return Err(HttpError::Protocol(format!(
                        "Connection closed before the response was complete ({} of {len} body bytes)",
                        body.len()
                    )));
                }
                Ok(_) => {}
                Err(e) => return Err(self.failed(e)),
            }
        }
        Ok(body)
    }

    async fn read_chunked(&mut self) -> Result<Vec<u8>, HttpError> {
        let mut decoder = Chunked::new();
        let mut body = Vec::new();
        loop {
            let progress = decoder.feed(self.buffered(), &mut body)?;
            self.consume(progress.consumed);
            if progress.done {
                return Ok(body);
            }
            if self.fill().await? == 0 {
                return Err(HttpError::Protocol(format!(
                    "Connection closed before the chunked response was complete ({} body bytes)",
                    body.len()
                )));
            }
        }
    }

    async fn read_to_close(&mut self) -> Result<Vec<u8>, HttpError> {
        let mut body = self.buffered().to_vec();
        self.consume(body.len());
        loop {
            if body.len() > MAX_BODY {
                return Err(body::too_large());
            }
            if body.capacity() - body.len() < READ_BUF / 4 {
                body.reserve(body.len().max(READ_BUF));
            }
            let (res, buf) = self.stream.read_spare(body, usize::MAX).await;
            body = buf;
            match res {
                Ok(0) => return Ok(body),
                Ok(_) => {}
                Err(e) => return Err(self.failed(e)),
            }
        }
    }

    fn buffered(&self) -> &[u8] {
        self.rbuf.get(self.rpos..).unwrap_or_default()
    }

    fn consume(&mut self, n: usize) {
        self.rpos = (self.rpos + n).min(self.rbuf.len());
        if self.rpos == self.rbuf.len() {
            self.rbuf.clear();
            self.rpos = 0;
        }
    }

    /// Reads more into the read buffer, making room first. `Ok(0)` is end of stream.
    async fn fill(&mut self) -> Result<usize, HttpError> {
        if self.rbuf.capacity() - self.rbuf.len() < READ_BUF / 4 {
            if self.rpos > 0 {
                self.rbuf.drain(..self.rpos);
                self.rpos = 0;
            }
            if self.rbuf.capacity() - self.rbuf.len() < READ_BUF / 4 {
                self.rbuf.reserve(READ_BUF);
            }
        }
        let (res, buf) = self.stream.read_spare(mem::take(&mut self.rbuf), usize::MAX).await;
        self.rbuf = buf;
        match res {
            Ok(0) => {
                self.peer_closed = true;
                Ok(0)
            }
            Ok(n) => {
                self.received = true;
                Ok(n)
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    fn failed(&mut self, e: io::Error) -> HttpError {
        if matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionAborted
        ) {
            self.peer_closed = true;
        }
        io_error(e)
    }
}

/// Maps an IO error to the Locust-style failure users see.
pub(crate) fn io_error(e: io::Error) -> HttpError {
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return HttpError::Tls(tls.to_string());
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => HttpError::ConnectionRefused,
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionAborted => HttpError::ConnectionReset,
        io::ErrorKind::UnexpectedEof => {
            HttpError::Protocol("Connection closed before the response was complete".into())
        }
        _ => HttpError::Io(e.to_string()),
    }
}

//! The runtime seam: every monoio item the HTTP client touches goes through this file, so
//! moving to another runtime means rewriting these few functions and nothing else.
//!
//! monoio does owned-buffer IO (the kernel may write into the buffer after the call returns
//! under io_uring), so reads and writes take a `Vec<u8>` and hand it back. A timed-out read
//! drops its buffer; callers then drop the connection too.
//!
//! `within` needs the runtime's timer (`RuntimeBuilder::enable_timer`), which every shard
//! enables.
#![allow(unsafe_code)]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use monoio::buf::IoBufMut;
use monoio::io::{AsyncReadRent, AsyncWriteRent, AsyncWriteRentExt};

pub(crate) type TcpStream = monoio::net::TcpStream;

/// Opens a TCP connection with Nagle off: requests are written whole, and waiting for an ACK
/// before the last segment would add up to 40 ms to every POST.
pub(crate) async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_addr(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Reads into the spare capacity of `buf` (after its length), at most `max` bytes, and
/// extends its length by what arrived. `Ok(0)` is end of stream (or no spare capacity,
/// which callers avoid by reserving first).
pub(crate) async fn read_spare<S: AsyncReadRent>(
    stream: &mut S,
    buf: Vec<u8>,
    max: usize,
) -> (io::Result<usize>, Vec<u8>) {
    let begin = buf.len();
    let end = begin.saturating_add(max).min(buf.capacity());
    let (res, slice) = stream.read(buf.slice_mut(begin..end)).await;
    (res, slice.into_inner())
}

/// Writes all of `buf`, handing it back for reuse.
pub(crate) async fn write_all<S: AsyncWriteRent>(
    stream: &mut S,
    buf: Vec<u8>,
) -> (io::Result<()>, Vec<u8>) {
    let (res, buf) = stream.write_all(buf).await;
    (res.map(drop), buf)
}

/// Runs `fut` to completion, or gives up after `limit` (`None` = no limit) and returns `None`.
///
/// A hand-written future rather than an `async fn`: an `async fn` keeps `fut` as an argument
/// and again inside the awaited timeout, and what it wraps here is the whole exchange of a
/// request, so every request's future (moved into place once per request) carried it twice.
pub(crate) fn within<F: Future>(limit: Option<Duration>, fut: F) -> Within<F> {
    match limit {
        None => Within::Plain(fut),
        Some(limit) => Within::Timed(monoio::time::timeout(limit, fut)),
    }
}

/// See [`within`].
// The timed variant is the same future plus its timer; boxing that would cost an allocation
// per timed request to save the timer's bytes on untimed ones.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Within<F> {
    Plain(F),
    Timed(monoio::time::Timeout<F>),
}

impl<F: Future> Future for Within<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of the one field of each variant: it is never moved out
        // of the enum, nor the variant changed, while the enum is pinned.
        unsafe {
            match self.get_unchecked_mut() {
                Within::Plain(fut) => Pin::new_unchecked(fut).poll(cx).map(Some),
                Within::Timed(timed) => Pin::new_unchecked(timed).poll(cx).map(Result::ok),
            }
        }
    }
}

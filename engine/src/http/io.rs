//! The runtime seam: every monoio item the HTTP client touches goes through this file, so
//! moving to another runtime means rewriting these few functions and nothing else.
//!
//! monoio does owned-buffer IO (the kernel may write into the buffer after the call returns
//! under io_uring), so reads and writes take a `Vec<u8>` and hand it back. A timed-out read
//! drops its buffer; callers then drop the connection too.
//!
//! `within` needs the runtime's timer (`RuntimeBuilder::enable_timer`), which every shard
//! enables.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
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
pub(crate) async fn within<F: Future>(limit: Option<Duration>, fut: F) -> Option<F::Output> {
    match limit {
        None => Some(fut.await),
        Some(limit) => monoio::time::timeout(limit, fut).await.ok(),
    }
}

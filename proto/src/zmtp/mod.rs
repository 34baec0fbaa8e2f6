//! ZMTP 3.1 over TCP, as much of it as Locust uses: a ROUTER that binds (the master) and
//! DEALERs that connect (workers), NULL mechanism, one frame per message.
//!
//! Why our own and not the `zeromq` crate: the part Locust needs is small (greeting, READY,
//! frames, PING/PONG), it runs on plain threads and crossbeam channels so the control thread
//! needs no async runtime, and the libzmq behaviours a Python peer depends on are all ours to
//! get right (reference §1.3): our greeting goes out whole and at once while the peer's is
//! read in libzmq's three stages; READY carries exactly `Socket-Type` and `Identity` (libzmq
//! matches them case-sensitively); short frames up to 255 bytes, long above; no delimiter
//! frames; PING answered with PONG, unknown commands ignored.
//!
//! Threads: a [`Dealer`] has one thread that connects, handshakes, writes and reconnects,
//! plus a reader per connection. A [`Router`] has an accept thread and, per connection, a
//! reader (which also does the handshake) and a writer. A peer can only ever cost its own
//! threads: every write toward it goes through its own bounded queue, the handshake has a
//! deadline, frames have a size limit, and no peer input can panic.
//!
//! Limits, each from libzmq's defaults: 1000 queued messages per connection (`SNDHWM`),
//! 100 ms between reconnects (`RECONNECT_IVL`), 30 s to finish a handshake (`HANDSHAKE_IVL`).
//! Our own: frames over 64 MiB (commands over 64 KiB) close the connection. TCP keepalive is
//! not set (std cannot, and Locust's own 1 s heartbeats detect a dead peer first).

mod command;
mod dealer;
mod frame;
#[doc(hidden)]
pub mod fuzzing;
mod greeting;
mod handshake;
mod router;
mod traffic;

use std::io;
use std::time::Duration;

pub use dealer::Dealer;
pub use router::{Router, RouterEvent};

/// libzmq's default high-water mark: messages queued per connection before sends fail.
pub(crate) const HWM: usize = 1000;
/// libzmq's default `RECONNECT_IVL`.
pub(crate) const RECONNECT_IVL: Duration = Duration::from_millis(100);
/// libzmq's default `HANDSHAKE_IVL`: a peer that has not finished its greeting and READY by
/// then is dropped, so a silent half-open connection cannot hold a thread.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a socket call failed or a connection was dropped.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("invalid ZMQ identity: {0} (it must be 1 to 255 bytes, not starting with 0x00)")]
    InvalidIdentity(String),
    #[error("invalid address {addr:?}: {reason} (expected host:port)")]
    InvalidAddress { addr: String, reason: String },
    #[error("cannot bind {addr}: {source}")]
    Bind { addr: String, source: io::Error },
    #[error("send queue full: {HWM} messages are waiting for the peer")]
    Full,
    #[error("the socket is closed")]
    Closed,
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("not a ZMTP peer: the greeting starts with {0:02x?}")]
    BadSignature(Vec<u8>),
    #[error("the peer speaks ZMTP {0}.x; only ZMTP 3.x is supported")]
    UnsupportedVersion(u8),
    #[error("the peer asks for security mechanism {0:?}; only NULL is supported")]
    Mechanism(String),
    #[error("malformed ZMTP: {0}")]
    Malformed(String),
    #[error("a frame of {size} bytes is over the {limit}-byte limit")]
    FrameTooLarge { size: u64, limit: u64 },
    #[error("a {theirs} peer cannot talk to a {ours} socket")]
    IncompatibleSocketType { ours: &'static str, theirs: String },
    #[error("the peer refused the connection: {0}")]
    PeerError(String),
}

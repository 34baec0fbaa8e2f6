//! The readers a peer's bytes reach, callable without sockets, for the `fuzz/` targets. Not
//! part of the supported API: the private frame and greeting readers stay private.

use std::io;

use super::handshake::{handshake, Role};
use super::traffic::{self, Inbound};
use super::TransportError;

/// Feed `bytes` to a session as a peer's whole stream — greeting, READY, then frames until
/// the bytes run out or one is refused — as a ROUTER (`as_router`) or a DEALER would read
/// it. Returns how many messages and PINGs were delivered before the error that ended it
/// (running out of bytes is an `Io` error). Nothing a peer sends may panic here.
pub fn read_peer_stream(bytes: &[u8], as_router: bool) -> (usize, TransportError) {
    let role = if as_router { Role::Router } else { Role::Dealer };
    let mut r = bytes;
    if let Err(e) = handshake(&mut r, &mut io::sink(), role, b"fuzz") {
        return (0, e);
    }
    let mut delivered = 0;
    loop {
        match traffic::read(&mut r) {
            Ok(Inbound::Message(_) | Inbound::Ping(_)) => delivered += 1,
            Err(e) => return (delivered, e),
        }
    }
}

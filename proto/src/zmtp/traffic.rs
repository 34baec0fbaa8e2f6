//! What flows after the handshake: messages both ways, PING answered with PONG, other
//! commands ignored.

use std::io::{Read, Write};

use super::command::Command;
use super::{frame, TransportError};

/// What the session reader hands on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Inbound {
    /// A message's first frame. Locust sends one frame per message and its master reads only
    /// the frame after the identity, so further frames of a multi-frame message are read and
    /// discarded (never buffered).
    Message(Vec<u8>),
    /// The peer's PING context, to be echoed in a PONG by whoever writes to the peer.
    Ping(Vec<u8>),
}

/// What a session writer sends.
#[derive(Debug)]
pub(crate) enum Outbound {
    Message(Vec<u8>),
    Pong(Vec<u8>),
}

/// Read until the next message or PING.
pub(crate) fn read(r: &mut impl Read) -> Result<Inbound, TransportError> {
    loop {
        let f = frame::read(r)?;
        if f.command {
            match Command::decode(&f.body)? {
                Command::Ping { context, .. } => return Ok(Inbound::Ping(context)),
                Command::Error { reason } => return Err(TransportError::PeerError(reason)),
                // PONG (we never PING), SUBSCRIBE, CANCEL, a repeated READY: nothing to do.
                Command::Pong { .. } | Command::Ready(_) | Command::Other { .. } => continue,
            }
        }
        let mut more = f.more;
        while more {
            let h = frame::read_header(r)?;
            if h.command {
                return Err(TransportError::Malformed(
                    "a command inside a multi-frame message".into(),
                ));
            }
            frame::skip_body(r, h.size)?;
            more = h.more;
        }
        return Ok(Inbound::Message(f.body));
    }
}

/// Write one outbound item (the caller flushes).
pub(crate) fn write(w: &mut impl Write, out: &Outbound) -> std::io::Result<()> {
    match out {
        Outbound::Message(body) => frame::write_message(w, body),
        Outbound::Pong(context) => {
            frame::write_command(w, &Command::Pong { context: context.clone() }.encode())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(c: Command) -> Vec<u8> {
        let mut out = Vec::new();
        frame::write_command(&mut out, &c.encode()).unwrap();
        out
    }

    #[test]
    fn messages_pings_and_ignored_commands() {
        let mut bytes = cmd(Command::Other { name: b"SUBSCRIBE".to_vec() });
        frame::write_message(&mut bytes, b"one").unwrap();
        bytes.extend(cmd(Command::Ping { ttl: 0, context: b"c1".to_vec() }));
        bytes.extend(cmd(Command::Pong { context: vec![] }));
        // A three-frame message: only the first frame is delivered.
        bytes.extend_from_slice(b"\x01\x03two\x03\0\0\0\0\0\0\x01\x00");
        bytes.extend(vec![0u8; 256]);
        bytes.extend_from_slice(b"\x00\x01z");
        frame::write_message(&mut bytes, b"three").unwrap();
        let mut r = &bytes[..];
        assert_eq!(read(&mut r).unwrap(), Inbound::Message(b"one".to_vec()));
        assert_eq!(read(&mut r).unwrap(), Inbound::Ping(b"c1".to_vec()));
        assert_eq!(read(&mut r).unwrap(), Inbound::Message(b"two".to_vec()));
        assert_eq!(read(&mut r).unwrap(), Inbound::Message(b"three".to_vec()));
        assert!(matches!(read(&mut r), Err(TransportError::Io(_))));
    }

    #[test]
    fn errors_end_the_session() {
        let bytes = cmd(Command::Error { reason: "bye".into() });
        assert!(matches!(read(&mut &bytes[..]), Err(TransportError::PeerError(_))));
        let bytes = [&b"\x01\x01a"[..], &cmd(Command::Pong { context: vec![] })].concat();
        assert!(matches!(read(&mut &bytes[..]), Err(TransportError::Malformed(_))));
        let mut pong = Vec::new();
        write(&mut pong, &Outbound::Pong(b"c1".to_vec())).unwrap();
        assert_eq!(pong, b"\x04\x07\x04PONGc1");
    }
}

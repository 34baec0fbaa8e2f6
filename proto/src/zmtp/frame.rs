//! ZMTP frames: a flags byte (MORE, LONG, COMMAND), a 1-byte or 8-byte big-endian size, the
//! body. Writers use the short form up to 255 bytes, as libzmq does; readers accept both.
//!
//! A size is checked against a limit before any body byte is read, and the body buffer grows
//! only as bytes arrive: a peer that claims 2^63 bytes costs nothing but its connection.

use std::io::{self, Read, Write};

use super::TransportError;

const MORE: u8 = 0x01;
const LONG: u8 = 0x02;
const COMMAND: u8 = 0x04;

/// The largest message frame we accept (a Locust stats frame is a few KiB to a few MiB).
pub(crate) const MAX_MESSAGE: u64 = 64 * 1024 * 1024;
/// The largest command frame we accept: a READY is a few hundred bytes at most.
pub(crate) const MAX_COMMAND: u64 = 64 * 1024;

/// A frame's header, read before its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub more: bool,
    pub command: bool,
    pub size: u64,
}

/// A whole frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub more: bool,
    pub command: bool,
    pub body: Vec<u8>,
}

/// The header bytes for a body of `len` bytes.
fn header(len: usize, flags: u8) -> ([u8; 9], usize) {
    let mut h = [0u8; 9];
    if len <= 255 {
        h[0] = flags;
        h[1] = len as u8;
        (h, 2)
    } else {
        h[0] = flags | LONG;
        h[1..9].copy_from_slice(&(len as u64).to_be_bytes());
        (h, 9)
    }
}

/// Write one message frame (never MORE: every Locust message is one frame).
pub(crate) fn write_message(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let (h, n) = header(body.len(), 0);
    w.write_all(&h[..n])?;
    w.write_all(body)
}

/// Write one command frame; `body` starts with the command name (see `command.rs`).
pub(crate) fn write_command(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let (h, n) = header(body.len(), COMMAND);
    w.write_all(&h[..n])?;
    w.write_all(body)
}

/// Read a frame header and check its size against the limit for its kind.
pub(crate) fn read_header(r: &mut impl Read) -> Result<Header, TransportError> {
    let mut flags = [0u8; 1];
    r.read_exact(&mut flags)?;
    let flags = flags[0];
    if flags & !(MORE | LONG | COMMAND) != 0 {
        return Err(TransportError::Malformed(format!(
            "reserved frame flag bits set: {flags:#04x}"
        )));
    }
    let command = flags & COMMAND != 0;
    let more = flags & MORE != 0;
    if command && more {
        return Err(TransportError::Malformed("a command frame with the MORE flag".into()));
    }
    let size = if flags & LONG != 0 {
        let mut s = [0u8; 8];
        r.read_exact(&mut s)?;
        u64::from_be_bytes(s)
    } else {
        let mut s = [0u8; 1];
        r.read_exact(&mut s)?;
        u64::from(s[0])
    };
    let limit = if command { MAX_COMMAND } else { MAX_MESSAGE };
    if size > limit {
        return Err(TransportError::FrameTooLarge { size, limit });
    }
    Ok(Header { more, command, size })
}

/// Read a body of `size` bytes (already checked against a limit).
pub(crate) fn read_body(r: &mut impl Read, size: u64) -> Result<Vec<u8>, TransportError> {
    // Start small: the buffer grows with the bytes that actually arrive.
    let mut body = Vec::with_capacity(size.min(64 * 1024) as usize);
    r.take(size).read_to_end(&mut body)?;
    if body.len() as u64 != size {
        return Err(eof());
    }
    Ok(body)
}

/// Read and discard a body of `size` bytes (the extra frames of a multi-frame message).
pub(crate) fn skip_body(r: &mut impl Read, size: u64) -> Result<(), TransportError> {
    if io::copy(&mut r.take(size), &mut io::sink())? != size {
        return Err(eof());
    }
    Ok(())
}

/// Read one whole frame.
pub(crate) fn read(r: &mut impl Read) -> Result<Frame, TransportError> {
    let h = read_header(r)?;
    let body = read_body(r, h.size)?;
    Ok(Frame { more: h.more, command: h.command, body })
}

fn eof() -> TransportError {
    TransportError::Io(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed mid-frame"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_message(&mut out, body).unwrap();
        out
    }

    #[test]
    fn short_up_to_255_bytes_long_above() {
        assert_eq!(message(b"hello"), b"\x00\x05hello");
        assert_eq!(message(b""), b"\x00\x00");
        let b255 = vec![7u8; 255];
        assert_eq!(message(&b255)[..2], [0x00, 0xFF]);
        assert_eq!(message(&b255).len(), 257);
        let b256 = vec![7u8; 256];
        assert_eq!(message(&b256)[..9], [0x02, 0, 0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(message(&b256).len(), 265);
        let mut cmd = Vec::new();
        write_command(&mut cmd, b"\x04PING").unwrap();
        assert_eq!(cmd, b"\x04\x05\x04PING");
    }

    #[test]
    fn reads_both_forms_and_the_flags() {
        let f = read(&mut &message(&[9u8; 300])[..]).unwrap();
        assert_eq!(f, Frame { more: false, command: false, body: vec![9u8; 300] });
        // A long frame with a small size is legal, if unusual.
        let f = read(&mut &b"\x03\0\0\0\0\0\0\0\x02hi"[..]).unwrap();
        assert_eq!(f, Frame { more: true, command: false, body: b"hi".to_vec() });
        let f = read(&mut &b"\x04\x05\x04PONG"[..]).unwrap();
        assert!(f.command && !f.more);
    }

    #[test]
    fn refuses_oversized_frames_without_allocating_them() {
        // Claims 2^62 bytes and sends none: refused from the header alone.
        let huge = [&[0x02u8][..], &(1u64 << 62).to_be_bytes()].concat();
        let err = read(&mut &huge[..]).unwrap_err();
        assert!(matches!(err, TransportError::FrameTooLarge { size, .. } if size == 1 << 62));
        let just_over = [&[0x02u8][..], &(MAX_MESSAGE + 1).to_be_bytes()].concat();
        assert!(matches!(read(&mut &just_over[..]), Err(TransportError::FrameTooLarge { .. })));
        // Commands have a much smaller limit.
        let big_cmd = [&[0x06u8][..], &(MAX_COMMAND + 1).to_be_bytes()].concat();
        assert!(matches!(read(&mut &big_cmd[..]), Err(TransportError::FrameTooLarge { .. })));
        // At the limit, a claimed size that never arrives is an EOF, not an allocation.
        let claimed = [&[0x02u8][..], &MAX_MESSAGE.to_be_bytes(), b"abc"].concat();
        assert!(matches!(read(&mut &claimed[..]), Err(TransportError::Io(_))));
    }

    #[test]
    fn refuses_bad_flags_and_truncation() {
        assert!(matches!(read(&mut &b"\x80\x01x"[..]), Err(TransportError::Malformed(_))));
        assert!(matches!(read(&mut &b"\x05\x01x"[..]), Err(TransportError::Malformed(_))));
        for bad in [&b""[..], b"\x00", b"\x02\0\0\0", b"\x00\x05hel"] {
            assert!(matches!(read(&mut &bad[..]), Err(TransportError::Io(_))), "{bad:?}");
        }
    }

    #[test]
    fn skips_bodies() {
        let bytes = [message(&[1u8; 1000]), message(b"next")].concat();
        let mut r = &bytes[..];
        let h = read_header(&mut r).unwrap();
        skip_body(&mut r, h.size).unwrap();
        assert_eq!(read(&mut r).unwrap().body, b"next");
        assert!(skip_body(&mut &b"ab"[..], 3).is_err());
    }
}

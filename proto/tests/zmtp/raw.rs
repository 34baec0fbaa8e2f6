//! A hand-written ZMTP peer, byte by byte, to poke the Router where a well-behaved Dealer
//! never would.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use super::DEADLINE;

/// Our greeting as libzmq writes it (padding byte 8 left at 1).
pub fn greeting() -> Vec<u8> {
    let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1];
    g.extend_from_slice(b"NULL");
    g.resize(64, 0);
    g
}

/// A short command frame.
pub fn command(body: &[u8]) -> Vec<u8> {
    [&[0x04, body.len() as u8][..], body].concat()
}

/// A DEALER's READY with these properties.
pub fn ready(props: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = b"\x05READY".to_vec();
    for (k, v) in props {
        body.push(k.len() as u8);
        body.extend_from_slice(k.as_bytes());
        body.extend_from_slice(&(v.len() as u32).to_be_bytes());
        body.extend_from_slice(v);
    }
    command(&body)
}

/// A short message frame (with MORE if `more`).
pub fn message(body: &[u8], more: bool) -> Vec<u8> {
    [&[u8::from(more), body.len() as u8][..], body].concat()
}

/// Connected, greeting and READY exchanged; `identity` None sends no Identity property.
pub fn peer(addr: SocketAddr, identity: Option<&[u8]>) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.write_all(&greeting()).unwrap();
    let mut theirs = [0u8; 64];
    s.read_exact(&mut theirs).unwrap();
    assert_eq!(theirs.to_vec(), greeting(), "the router's greeting is libzmq's");
    let mut props: Vec<(&str, &[u8])> = vec![("Socket-Type", b"DEALER")];
    if let Some(id) = identity {
        props.push(("Identity", id));
    }
    s.write_all(&ready(&props)).unwrap();
    assert_eq!(read_frame(&mut s), ready(&[("Socket-Type", b"ROUTER"), ("Identity", b"")]));
    s
}

/// One short frame, header included.
pub fn read_frame(s: &mut TcpStream) -> Vec<u8> {
    let mut header = [0u8; 2];
    s.read_exact(&mut header).expect("a frame header");
    let mut body = vec![0u8; usize::from(header[1])];
    s.read_exact(&mut body).expect("a frame body");
    [&header[..], &body].concat()
}

/// Whether the other side closed the connection (EOF or reset) before `DEADLINE`.
pub fn closed_by_peer(s: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

//! From a fresh TCP connection to a ZMTP session: greetings both ways, then READY both ways
//! (NULL mechanism), all within a deadline.

use std::io::{self, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::command::Command;
use super::{frame, greeting, TransportError};

/// Which end we are; decides our READY and which peers we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Dealer,
    Router,
}

impl Role {
    fn socket_type(self) -> &'static str {
        match self {
            Role::Dealer => "DEALER",
            Role::Router => "ROUTER",
        }
    }

    /// ZMTP's compatibility table, narrowed to the types that send one routed frame per
    /// message: a REQ/REP peer would add delimiter frames Locust never uses.
    fn accepts(self, peer: &[u8]) -> bool {
        matches!(peer, b"DEALER" | b"ROUTER")
    }
}

/// What the peer announced in its READY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeerReady {
    /// The `Identity` property; `None` when absent or empty.
    pub identity: Option<Vec<u8>>,
}

/// How many bytes a connection's reader buffers.
const READ_BUFFER: usize = 64 * 1024;

/// Set up `stream` (TCP_NODELAY) and handshake on it within `timeout`. Returns the buffered
/// reader to keep reading the session with (it may already hold the first frames).
pub(crate) fn establish(
    stream: &TcpStream,
    role: Role,
    identity: &[u8],
    timeout: Duration,
) -> Result<(BufReader<TcpStream>, PeerReady), TransportError> {
    // Locust's messages are small and latency matters more than packet count.
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(timeout))?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, stream.try_clone()?);
    let until = Instant::now() + timeout;
    let peer =
        handshake(&mut Deadline { reader: &mut reader, until }, &mut &*stream, role, identity)?;
    // A session may be idle for long stretches and a slow consumer is not an error: from
    // here on a dead peer is noticed by EOF or by the application's heartbeats.
    stream.set_read_timeout(None)?;
    stream.set_write_timeout(None)?;
    Ok((reader, peer))
}

/// The handshake itself, over any reader and writer (tests feed it captured bytes).
pub(crate) fn handshake(
    r: &mut impl Read,
    w: &mut impl Write,
    role: Role,
    identity: &[u8],
) -> Result<PeerReady, TransportError> {
    // Our whole greeting first: libzmq sends its own only in stages, each after seeing ours.
    w.write_all(&greeting::encode(identity.len()))?;
    w.flush()?;
    greeting::read(r)?;
    let mut ready = Vec::new();
    frame::write_command(&mut ready, &Command::ready(role.socket_type(), identity).encode())?;
    w.write_all(&ready)?;
    w.flush()?;
    let first = frame::read(r)?;
    if !first.command {
        return Err(TransportError::Malformed("a message frame before READY".into()));
    }
    let props = match Command::decode(&first.body)? {
        Command::Ready(props) => props,
        Command::Error { reason } => return Err(TransportError::PeerError(reason)),
        other => {
            return Err(TransportError::Malformed(format!("expected READY, got {other:?}")));
        }
    };
    let peer_type = Command::property(&props, "Socket-Type").unwrap_or_default();
    if !role.accepts(peer_type) {
        return Err(TransportError::IncompatibleSocketType {
            ours: role.socket_type(),
            theirs: String::from_utf8_lossy(peer_type).into_owned(),
        });
    }
    let identity = Command::property(&props, "Identity").filter(|id| !id.is_empty());
    if identity.is_some_and(|id| id.len() > 255) {
        return Err(TransportError::InvalidIdentity("the peer's is over 255 bytes".into()));
    }
    Ok(PeerReady { identity: identity.map(<[u8]>::to_vec) })
}

/// Reads that fail once `until` has passed, however slowly the peer drips bytes.
struct Deadline<'a> {
    reader: &'a mut BufReader<TcpStream>,
    until: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.reader.buffer().is_empty() {
            let left = self.until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timed_out());
            }
            self.reader.get_ref().set_read_timeout(Some(left))?;
        }
        self.reader.read(buf).map_err(|e| match e.kind() {
            // What an expired SO_RCVTIMEO looks like on Unix and on Windows.
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => timed_out(),
            _ => e,
        })
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the peer did not complete the ZMTP handshake in time")
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    /// A Python master's greeting and READY, as captured (reference §1.3).
    fn python_master() -> Vec<u8> {
        let mut bytes = greeting::encode(0).to_vec();
        frame::write_command(&mut bytes, &Command::ready("ROUTER", b"").encode()).unwrap();
        bytes
    }

    #[test]
    fn dealer_handshake_against_captured_master_bytes() {
        let mut sent = Vec::new();
        let peer = handshake(&mut &python_master()[..], &mut sent, Role::Dealer, b"w_1").unwrap();
        assert_eq!(peer, PeerReady { identity: None });
        let mut expected = greeting::encode(3).to_vec();
        frame::write_command(&mut expected, &Command::ready("DEALER", b"w_1").encode()).unwrap();
        assert_eq!(sent, expected);
    }

    #[test]
    fn router_learns_the_identity_and_refuses_wrong_peers() {
        let dealer = |props: Vec<(Vec<u8>, Vec<u8>)>| {
            let mut bytes = greeting::encode(0).to_vec();
            frame::write_command(&mut bytes, &Command::Ready(props).encode()).unwrap();
            handshake(&mut &bytes[..], &mut Vec::new(), Role::Router, b"")
        };
        let prop = |k: &str, v: &[u8]| (k.as_bytes().to_vec(), v.to_vec());
        let ok = dealer(vec![prop("Socket-Type", b"DEALER"), prop("Identity", b"w_1")]).unwrap();
        assert_eq!(ok.identity.as_deref(), Some(&b"w_1"[..]));
        // libzmq's exact-name rule: a lowercase `identity` is no identity.
        let lower = dealer(vec![prop("Socket-Type", b"DEALER"), prop("identity", b"w_1")]);
        assert_eq!(lower.unwrap().identity, None);
        let pubsub = dealer(vec![prop("Socket-Type", b"PUB")]).unwrap_err();
        assert!(matches!(pubsub, TransportError::IncompatibleSocketType { .. }), "{pubsub}");
        let long = dealer(vec![prop("Socket-Type", b"DEALER"), prop("Identity", &[1u8; 256])]);
        assert!(matches!(long, Err(TransportError::InvalidIdentity(_))));
    }

    #[test]
    fn refuses_a_message_or_error_instead_of_ready() {
        let mut bytes = greeting::encode(0).to_vec();
        frame::write_message(&mut bytes, b"hello").unwrap();
        let err = handshake(&mut &bytes[..], &mut Vec::new(), Role::Router, b"").unwrap_err();
        assert!(matches!(err, TransportError::Malformed(_)), "{err}");
        let mut bytes = greeting::encode(0).to_vec();
        let error = Command::Error { reason: "go away".into() };
        frame::write_command(&mut bytes, &error.encode()).unwrap();
        let err = handshake(&mut &bytes[..], &mut Vec::new(), Role::Dealer, b"x").unwrap_err();
        assert!(matches!(&err, TransportError::PeerError(r) if r == "go away"), "{err}");
    }

    #[test]
    fn a_peer_that_stops_mid_greeting_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        // The client sends half a signature and then nothing.
        (&client).write_all(&[0xFF, 0, 0]).unwrap();
        let start = Instant::now();
        let err = establish(&server, Role::Router, b"", Duration::from_millis(300)).unwrap_err();
        assert!(matches!(&err, TransportError::Io(e) if e.kind() == io::ErrorKind::TimedOut));
        assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    }
}

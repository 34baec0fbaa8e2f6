//! ZMTP command bodies: a 1-byte name length, the name, then command data. We speak READY
//! (NULL mechanism handshake), answer PING with PONG (ZMTP 3.1 heartbeats; Locust never
//! enables them but another peer may), read ERROR for its reason, and ignore the rest
//! (SUBSCRIBE, CANCEL, …) as the spec asks.

use super::TransportError;

/// A decoded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// Properties in the order they came: name, value.
    Ready(Vec<(Vec<u8>, Vec<u8>)>),
    /// `context` is echoed in the PONG (at most 16 bytes).
    Ping {
        ttl: u16,
        context: Vec<u8>,
    },
    Pong {
        context: Vec<u8>,
    },
    Error {
        reason: String,
    },
    Other {
        name: Vec<u8>,
    },
}

/// A PING's context is at most 16 bytes (ZMTP 3.1).
const MAX_PING_CONTEXT: usize = 16;

impl Command {
    /// Our READY: exactly libzmq's property names and order, since libzmq matches the names
    /// case-sensitively (reference §1.3). A ROUTER announces an empty identity.
    pub(crate) fn ready(socket_type: &str, identity: &[u8]) -> Command {
        Command::Ready(vec![
            (b"Socket-Type".to_vec(), socket_type.as_bytes().to_vec()),
            (b"Identity".to_vec(), identity.to_vec()),
        ])
    }

    /// The command frame's body.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Command::Ready(props) => {
                name(&mut out, b"READY");
                for (key, value) in props {
                    out.push(key.len() as u8);
                    out.extend_from_slice(key);
                    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
                    out.extend_from_slice(value);
                }
            }
            Command::Ping { ttl, context } => {
                name(&mut out, b"PING");
                out.extend_from_slice(&ttl.to_be_bytes());
                out.extend_from_slice(&context[..context.len().min(MAX_PING_CONTEXT)]);
            }
            Command::Pong { context } => {
                name(&mut out, b"PONG");
                out.extend_from_slice(&context[..context.len().min(MAX_PING_CONTEXT)]);
            }
            Command::Error { reason } => {
                name(&mut out, b"ERROR");
                let reason = &reason.as_bytes()[..reason.len().min(255)];
                out.push(reason.len() as u8);
                out.extend_from_slice(reason);
            }
            Command::Other { name: n } => name(&mut out, n),
        }
        out
    }

    /// Decode a command frame's body. Truncated data is an error, never a panic.
    pub(crate) fn decode(body: &[u8]) -> Result<Command, TransportError> {
        let mut r = Cursor { rest: body };
        let name_len = r.u8("command name length")?;
        let command_name = r.take(usize::from(name_len), "command name")?;
        Ok(match command_name {
            b"READY" => {
                let mut props = Vec::new();
                while !r.rest.is_empty() {
                    let key_len = r.u8("property name length")?;
                    if key_len == 0 {
                        return Err(TransportError::Malformed("READY: empty property name".into()));
                    }
                    let key = r.take(usize::from(key_len), "property name")?.to_vec();
                    let value_len = r.u32("property value length")?;
                    let value = r.take(value_len as usize, "property value")?.to_vec();
                    props.push((key, value));
                }
                Command::Ready(props)
            }
            b"PING" => {
                let ttl = r.u16("PING ttl")?;
                let context = r.rest;
                if context.len() > MAX_PING_CONTEXT {
                    return Err(TransportError::Malformed("PING: context over 16 bytes".into()));
                }
                Command::Ping { ttl, context: context.to_vec() }
            }
            b"PONG" => Command::Pong { context: r.rest.to_vec() },
            b"ERROR" => {
                let len = r.u8("ERROR reason length")?;
                let reason = r.take(usize::from(len), "ERROR reason")?;
                Command::Error { reason: String::from_utf8_lossy(reason).into_owned() }
            }
            other => Command::Other { name: other.to_vec() },
        })
    }

    /// A READY property's value, by its exact name (libzmq matches names case-sensitively,
    /// and so do we, so a cicada ROUTER sees a peer as a Python master would).
    pub(crate) fn property<'a>(props: &'a [(Vec<u8>, Vec<u8>)], key: &str) -> Option<&'a [u8]> {
        props.iter().find(|(k, _)| k == key.as_bytes()).map(|(_, v)| v.as_slice())
    }
}

fn name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(name.len() as u8);
    out.extend_from_slice(name);
}

/// Reads fields off the front of a command body.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], TransportError> {
        if self.rest.len() < n {
            return Err(TransportError::Malformed(format!(
                "truncated command: {what} needs {n} byte(s), {} left",
                self.rest.len()
            )));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u8(&mut self, what: &str) -> Result<u8, TransportError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, TransportError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, TransportError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame;
    use super::*;

    /// The READY commands captured from libzmq 4.3.5 (reference §1.3), as whole frames.
    fn observed_ready(socket_type: &[u8], identity: &[u8]) -> Vec<u8> {
        let mut body = b"\x05READY\x0bSocket-Type\x00\x00\x00\x06".to_vec();
        body.extend_from_slice(socket_type);
        body.extend_from_slice(b"\x08Identity");
        body.extend_from_slice(&(identity.len() as u32).to_be_bytes());
        body.extend_from_slice(identity);
        [&[0x04, body.len() as u8][..], &body].concat()
    }

    fn command_frame(c: &Command) -> Vec<u8> {
        let mut out = Vec::new();
        frame::write_command(&mut out, &c.encode()).unwrap();
        out
    }

    const WORKER_ID: &[u8] = b"vm_078203954f8d42739268128c32c403f5";

    #[test]
    fn ready_bytes_match_the_captures() {
        let router = observed_ready(b"ROUTER", b"");
        assert_eq!(&router[..2], &[0x04, 0x29]);
        assert_eq!(command_frame(&Command::ready("ROUTER", b"")), router);
        let dealer = observed_ready(b"DEALER", WORKER_ID);
        assert_eq!(&dealer[..2], &[0x04, 0x4c]);
        assert_eq!(command_frame(&Command::ready("DEALER", WORKER_ID)), dealer);
    }

    #[test]
    fn decodes_the_captured_ready() {
        let f = frame::read(&mut &observed_ready(b"DEALER", WORKER_ID)[..]).unwrap();
        let Command::Ready(props) = Command::decode(&f.body).unwrap() else {
            panic!("not a READY");
        };
        assert_eq!(Command::property(&props, "Socket-Type"), Some(&b"DEALER"[..]));
        assert_eq!(Command::property(&props, "Identity"), Some(WORKER_ID));
        assert_eq!(Command::property(&props, "identity"), None);
    }

    #[test]
    fn ping_pong_error_and_unknown() {
        let ping = Command::decode(b"\x04PING\x00\x64ctx").unwrap();
        assert_eq!(ping, Command::Ping { ttl: 100, context: b"ctx".to_vec() });
        let pong = Command::Pong { context: b"ctx".to_vec() };
        assert_eq!(pong.encode(), b"\x04PONGctx");
        assert_eq!(Command::decode(&pong.encode()).unwrap(), pong);
        let error = Command::Error { reason: "no".into() };
        assert_eq!(error.encode(), b"\x05ERROR\x02no");
        assert_eq!(Command::decode(&error.encode()).unwrap(), error);
        let sub = Command::decode(b"\x09SUBSCRIBEtopic").unwrap();
        assert_eq!(sub, Command::Other { name: b"SUBSCRIBE".to_vec() });
    }

    #[test]
    fn truncated_commands_are_errors() {
        let full = Command::ready("DEALER", WORKER_ID).encode();
        for cut in 0..full.len() {
            let r = Command::decode(&full[..cut]);
            // Cutting exactly between properties leaves a valid, shorter READY.
            if cut == 6 || cut == 6 + 1 + 11 + 4 + 6 {
                assert!(matches!(r, Ok(Command::Ready(_))), "cut at {cut}: {r:?}");
            } else {
                assert!(matches!(r, Err(TransportError::Malformed(_))), "cut at {cut}: {r:?}");
            }
        }
        for bad in [&b"\x04PIN"[..], b"\x04PING\x00", b"\x05ERROR\x05ab", b"\x05READY\x00"] {
            assert!(matches!(Command::decode(bad), Err(TransportError::Malformed(_))), "{bad:?}");
        }
        let long_ping = [&b"\x04PING\x00\x01"[..], &[0u8; 17]].concat();
        assert!(Command::decode(&long_ping).is_err());
    }
}

//! The worker's socket: a DEALER that connects to one ROUTER, keeps reconnecting while the
//! connection is down, and queues what is sent meanwhile, as a libzmq DEALER does.

use std::io::{self, BufReader, BufWriter, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, select, unbounded, Receiver, RecvTimeoutError, Sender};

use super::handshake::{self, Role};
use super::traffic::{self, Inbound, Outbound};
use super::{frame, TransportError, HANDSHAKE_TIMEOUT, HWM, RECONNECT_IVL};

/// How long one TCP connect attempt may take before the next address or the next round.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// PONGs waiting to be written; more PINGs than this while the writer is busy are not
/// answered (the peer's heartbeat timeout is for dead peers, not for busy ones).
const PONG_QUEUE: usize = 16;
/// Messages written per flush at most.
const BATCH: usize = 64;

/// A DEALER socket connected (or connecting) to one ROUTER. See [`Dealer::connect`].
pub struct Dealer {
    shared: Arc<Shared>,
    outgoing: Sender<Vec<u8>>,
    incoming: Receiver<Vec<u8>>,
    /// Never sent on: dropping it wakes the background thread to end.
    _close: Sender<()>,
}

/// What the handle and the background thread share.
struct Shared {
    connected: AtomicBool,
    conn: Mutex<Conn>,
    /// Messages accepted by `send`, and messages written to a connection, for `flush`.
    progress: Mutex<Progress>,
    written_more: Condvar,
}

#[derive(Default)]
struct Progress {
    queued: u64,
    written: u64,
}

/// The current TCP connection, kept so that closing can cut it at once (including in the
/// middle of a handshake or a blocked write).
struct Conn {
    closed: bool,
    stream: Option<TcpStream>,
}

impl Dealer {
    /// Connect to `addr` ("host:port") with `identity` (1..=255 bytes, first byte not 0).
    /// Returns at once; a background thread connects, handshakes, and reconnects every
    /// 100 ms while the connection is down (libzmq's RECONNECT_IVL), re-announcing the same
    /// identity. Messages sent while disconnected are queued (up to 1000, libzmq's HWM;
    /// beyond that `send` returns [`TransportError::Full`]). The host is resolved again on
    /// every attempt, so a master that moves is found.
    pub fn connect(addr: &str, identity: &[u8]) -> Result<Dealer, TransportError> {
        check_identity(identity)?;
        check_address(addr)?;
        let shared = Arc::new(Shared {
            connected: AtomicBool::new(false),
            conn: Mutex::new(Conn { closed: false, stream: None }),
            progress: Mutex::new(Progress::default()),
            written_more: Condvar::new(),
        });
        let (out_tx, out_rx) = bounded(HWM);
        let (in_tx, in_rx) = unbounded();
        let (close_tx, close_rx) = bounded(0);
        let background = Background {
            addr: addr.to_owned(),
            identity: identity.to_vec(),
            shared: shared.clone(),
            outgoing: out_rx,
            incoming: in_tx,
            close: close_rx,
            pending: Vec::new(),
        };
        thread::Builder::new()
            .name(format!("zmtp-dealer {addr}"))
            .spawn(move || background.run())?;
        Ok(Dealer { shared, outgoing: out_tx, incoming: in_rx, _close: close_tx })
    }

    /// Queue one single-frame message.
    pub fn send(&self, frame: Vec<u8>) -> Result<(), TransportError> {
        // Counted before it is queued, so the writer can never count it first.
        self.shared.progress.lock().unwrap_or_else(PoisonError::into_inner).queued += 1;
        self.outgoing.try_send(frame).map_err(|e| {
            self.shared.progress.lock().unwrap_or_else(PoisonError::into_inner).queued -= 1;
            match e {
                crossbeam_channel::TrySendError::Full(_) => TransportError::Full,
                crossbeam_channel::TrySendError::Disconnected(_) => TransportError::Closed,
            }
        })
    }

    /// Wait until every message sent so far has been written to a connection (handed to the
    /// kernel), or `timeout` passes; true if they all were. A worker calls it before closing
    /// so that its last report and `quit` leave, as libzmq's linger would let them.
    pub fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut progress = self.shared.progress.lock().unwrap_or_else(PoisonError::into_inner);
        let target = progress.queued;
        while progress.written < target {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            progress = self
                .shared
                .written_more
                .wait_timeout(progress, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Messages from the ROUTER, one frame each, in order; usable in `select!`.
    pub fn receiver(&self) -> &Receiver<Vec<u8>> {
        &self.incoming
    }

    /// Whether a connection is up and past its handshake right now.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::SeqCst)
    }

    /// Close now (linger 0): the connection is cut before this returns, the background
    /// thread ends, queued messages are dropped. Dropping the `Dealer` does the same.
    pub fn close(self) {
        drop(self);
    }
}

impl Drop for Dealer {
    fn drop(&mut self) {
        let mut conn = self.shared.conn.lock().unwrap_or_else(PoisonError::into_inner);
        conn.closed = true;
        // Cut the connection here rather than leave it to the thread: a ROUTER without
        // handover (libzmq's default) refuses a new connection with this identity while
        // the old one is open, and a worker told to `reconnect` opens one right away.
        if let Some(stream) = conn.stream.take() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        self.shared.connected.store(false, Ordering::SeqCst);
    }
}

fn check_identity(identity: &[u8]) -> Result<(), TransportError> {
    let problem = match identity {
        [] => "it is empty",
        [0, ..] => "it starts with 0x00 (reserved for generated ids)",
        _ if identity.len() > 255 => "it is over 255 bytes",
        _ => return Ok(()),
    };
    Err(TransportError::InvalidIdentity(problem.into()))
}

fn check_address(addr: &str) -> Result<(), TransportError> {
    let invalid = |reason: &str| TransportError::InvalidAddress {
        addr: addr.to_owned(),
        reason: reason.to_owned(),
    };
    let (host, port) = addr.rsplit_once(':').ok_or_else(|| invalid("no port"))?;
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    port.parse::<u16>().map_err(|_| invalid("the port is not a number from 0 to 65535"))?;
    Ok(())
}

/// The background thread's state.
struct Background {
    addr: String,
    identity: Vec<u8>,
    shared: Arc<Shared>,
    outgoing: Receiver<Vec<u8>>,
    incoming: Sender<Vec<u8>>,
    close: Receiver<()>,
    /// Taken from `outgoing` but not yet flushed to a connection.
    pending: Vec<Vec<u8>>,
}

/// Why a session ended.
enum End {
    /// The connection failed or dropped: try again after RECONNECT_IVL.
    Down,
    /// The `Dealer` is gone: stop.
    Closed,
}

impl Background {
    fn run(mut self) {
        loop {
            if let End::Closed = self.session() {
                return;
            }
            self.shared.connected.store(false, Ordering::SeqCst);
            // The only wake-up is the handle being dropped (`_close` disconnects).
            match self.close.recv_timeout(RECONNECT_IVL) {
                Err(RecvTimeoutError::Timeout) => continue,
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// One connection, from connect to its end.
    fn session(&mut self) -> End {
        let Ok(stream) = connect(&self.addr) else {
            return End::Down;
        };
        let Ok(clone) = stream.try_clone() else {
            return End::Down;
        };
        {
            let mut conn = self.shared.conn.lock().unwrap_or_else(PoisonError::into_inner);
            if conn.closed {
                return End::Closed;
            }
            conn.stream = Some(clone);
        }
        let end = self.converse(&stream);
        let _ = stream.shutdown(Shutdown::Both);
        self.shared.conn.lock().unwrap_or_else(PoisonError::into_inner).stream = None;
        end
    }

    /// Handshake, then write until the connection or the handle goes.
    fn converse(&mut self, stream: &TcpStream) -> End {
        let Ok((reader, _)) =
            handshake::establish(stream, Role::Dealer, &self.identity, HANDSHAKE_TIMEOUT)
        else {
            return End::Down;
        };
        let (pong_tx, pong_rx) = bounded(PONG_QUEUE);
        let incoming = self.incoming.clone();
        let shared = self.shared.clone();
        self.shared.connected.store(true, Ordering::SeqCst);
        let Ok(reader) = thread::Builder::new()
            .name(format!("zmtp-dealer-read {}", self.addr))
            .spawn(move || read_loop(reader, incoming, pong_tx, shared))
        else {
            return End::Down;
        };
        let end = self.write_loop(stream, &pong_rx);
        // Unblocks the reader if it is still in a read, then waits for it so that two
        // readers never deliver at once.
        let _ = stream.shutdown(Shutdown::Both);
        let _ = reader.join();
        end
    }

    fn write_loop(&mut self, stream: &TcpStream, pongs: &Receiver<Vec<u8>>) -> End {
        let mut w = BufWriter::with_capacity(64 * 1024, stream);
        loop {
            // Messages leave `pending` only once flushed: a write that fails because the
            // connection just dropped keeps them, in order, for the next connection.
            if !self.pending.is_empty() {
                let written = self.pending.iter().try_for_each(|m| frame::write_message(&mut w, m));
                if written.and_then(|()| w.flush()).is_err() {
                    return End::Down;
                }
                let mut progress =
                    self.shared.progress.lock().unwrap_or_else(PoisonError::into_inner);
                progress.written += self.pending.len() as u64;
                self.shared.written_more.notify_all();
                drop(progress);
                self.pending.clear();
            }
            select! {
                recv(self.close) -> _ => return End::Closed,
                // Disconnected: the reader ended, so the connection is down.
                recv(pongs) -> pong => match pong {
                    Ok(context) => {
                        let pong = Outbound::Pong(context);
                        if traffic::write(&mut w, &pong).and_then(|()| w.flush()).is_err() {
                            return End::Down;
                        }
                    }
                    Err(_) => return End::Down,
                },
                recv(self.outgoing) -> msg => match msg {
                    Ok(frame) => {
                        self.pending.push(frame);
                        // Batch what is already queued into one flush.
                        while self.pending.len() < BATCH {
                            match self.outgoing.try_recv() {
                                Ok(frame) => self.pending.push(frame),
                                Err(_) => break,
                            }
                        }
                    }
                    Err(_) => return End::Closed,
                },
            }
        }
    }
}

/// Resolve (every attempt) and connect to the first address that answers.
fn connect(addr: &str) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("{addr} resolves to nothing"));
    for a in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn read_loop(
    mut r: BufReader<TcpStream>,
    incoming: Sender<Vec<u8>>,
    pongs: Sender<Vec<u8>>,
    shared: Arc<Shared>,
) {
    loop {
        match traffic::read(&mut r) {
            Ok(Inbound::Message(m)) => {
                if incoming.send(m).is_err() {
                    break;
                }
            }
            Ok(Inbound::Ping(context)) => {
                let _ = pongs.try_send(context);
            }
            Err(_) => break,
        }
    }
    // Shut down first: once `is_connected` reads false, any write fails and its messages
    // stay pending for the next connection instead of vanishing into a dead socket.
    let _ = r.get_ref().shutdown(Shutdown::Both);
    shared.connected.store(false, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_follow_libzmq_rules() {
        assert!(check_identity(b"host_0123").is_ok());
        assert!(check_identity(&[1u8; 255]).is_ok());
        for bad in [&b""[..], b"\0abc", &[1u8; 256]] {
            let err = Dealer::connect("127.0.0.1:1", bad).err().expect("refused");
            assert!(matches!(err, TransportError::InvalidIdentity(_)), "{err}");
        }
    }

    #[test]
    fn addresses_need_a_host_and_a_port() {
        for bad in ["localhost", ":5557", "host:", "host:99999", "host:port"] {
            let err = Dealer::connect(bad, b"id").err().expect("refused");
            assert!(matches!(err, TransportError::InvalidAddress { .. }), "{bad}: {err}");
        }
        assert!(check_address("[::1]:5557").is_ok());
    }

    #[test]
    fn queues_up_to_the_hwm_while_disconnected() {
        // Nothing listens on a freed port: every attempt is refused, so nothing is drained.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dealer = Dealer::connect(&format!("127.0.0.1:{port}"), b"queued").unwrap();
        for i in 0..HWM {
            dealer.send(vec![i as u8]).unwrap();
        }
        assert!(matches!(dealer.send(vec![0]), Err(TransportError::Full)));
        assert!(!dealer.is_connected());
        dealer.close();
    }
}

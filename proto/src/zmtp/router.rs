//! The master's socket: a ROUTER that accepts DEALERs, names each by the identity in its
//! READY, and routes replies by that identity.
//!
//! Identity collisions: the latest connection wins (libzmq's `ROUTER_HANDOVER`, which Locust
//! does not set; without it libzmq keeps the first connection and leaves the second unrouted,
//! even after the first is gone, reference §1.6). A worker whose connection went half-open
//! and who reconnects is then served at once; the stale connection is closed, and the
//! consumer sees `Disconnected` then `Connected` for the identity. Two live peers sharing one
//! id (a misconfiguration) take the identity from each other at every reconnect.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender, TrySendError};

use super::handshake::{self, Role};
use super::traffic::{self, Inbound, Outbound};
use super::{TransportError, HANDSHAKE_TIMEOUT, HWM};

/// What happened on a [`Router`], in order per identity: `Connected`, its messages,
/// `Disconnected`, and again for a later connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouterEvent {
    /// A peer finished its handshake under this identity.
    Connected { identity: Vec<u8> },
    /// A message from the peer: its first frame (the one Locust's master reads).
    Message { identity: Vec<u8>, frame: Vec<u8> },
    /// The peer's connection ended, or a newer connection took the identity over.
    Disconnected { identity: Vec<u8> },
}

/// A bound ROUTER socket. Dropping it closes the listener and every connection.
pub struct Router {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    events: Receiver<RouterEvent>,
    accept: Option<JoinHandle<()>>,
}

/// What the handle, the accept thread and the connection threads share.
struct Shared {
    peers: Mutex<Peers>,
    /// Sent on under the `peers` lock only, so events keep the order of registry changes.
    events: Sender<RouterEvent>,
    closing: AtomicBool,
    next_conn: AtomicU64,
    next_generated: AtomicU32,
}

#[derive(Default)]
struct Peers {
    /// Every open connection, handshaking or not, so that dropping the Router can cut them.
    streams: HashMap<u64, TcpStream>,
    /// Identity → the connection that holds it.
    routes: HashMap<Vec<u8>, Route>,
}

impl Peers {
    /// Whether connection `conn` currently holds `identity`.
    fn holds(&self, identity: &[u8], conn: u64) -> bool {
        self.routes.get(identity).is_some_and(|r| r.conn == conn)
    }
}

struct Route {
    conn: u64,
    tx: Sender<Outbound>,
}

/// A pause after a failed `accept` (out of file descriptors, say) so it does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

impl Router {
    /// Bind ("host:port"; port 0 picks one; host `*` means all interfaces: `[::]`, which is
    /// dual-stack under Linux's default `bindv6only=0`, else `0.0.0.0` where IPv6 is off).
    pub fn bind(addr: &str) -> Result<Router, TransportError> {
        let bind_error = |source| TransportError::Bind { addr: addr.to_owned(), source };
        let listener = match addr.strip_prefix("*:") {
            Some(port) => {
                let port: u16 = port.parse().map_err(|_| TransportError::InvalidAddress {
                    addr: addr.to_owned(),
                    reason: "the port is not a number from 0 to 65535".into(),
                })?;
                TcpListener::bind((Ipv6Addr::UNSPECIFIED, port))
                    .or_else(|_| TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)))
                    .map_err(bind_error)?
            }
            None => TcpListener::bind(addr).map_err(bind_error)?,
        };
        let local_addr = listener.local_addr()?;
        let (events_tx, events_rx) = unbounded();
        // libzmq starts its generated ids at a random value; the clock is random enough.
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let shared = Arc::new(Shared {
            peers: Mutex::new(Peers::default()),
            events: events_tx,
            closing: AtomicBool::new(false),
            next_conn: AtomicU64::new(0),
            next_generated: AtomicU32::new(seed),
        });
        let accept_shared = shared.clone();
        let accept = thread::Builder::new()
            .name(format!("zmtp-router {local_addr}"))
            .spawn(move || accept_loop(listener, accept_shared))?;
        Ok(Router { local_addr, shared, events: events_rx, accept: Some(accept) })
    }

    /// The address bound, with the port picked for port 0.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Send one frame to the peer with that identity. Silently dropped when no such peer is
    /// connected (libzmq without `ROUTER_MANDATORY`); [`TransportError::Full`] when 1000
    /// messages already wait for that peer, so a stuck worker never blocks the master.
    pub fn send(&self, identity: &[u8], frame: Vec<u8>) -> Result<(), TransportError> {
        let peers = self.shared.lock();
        let Some(route) = peers.routes.get(identity) else {
            return Ok(());
        };
        match route.tx.try_send(Outbound::Message(frame)) {
            Err(TrySendError::Full(_)) => Err(TransportError::Full),
            // The connection is ending; its `Disconnected` is on the way.
            Ok(()) | Err(TrySendError::Disconnected(_)) => Ok(()),
        }
    }

    /// Connections, messages and disconnections, in order; usable in `select!`.
    pub fn receiver(&self) -> &Receiver<RouterEvent> {
        &self.events
    }
}

impl Drop for Router {
    fn drop(&mut self) {
        self.shared.closing.store(true, Ordering::SeqCst);
        for stream in self.shared.lock().streams.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // `accept` blocks; a connection of our own wakes it to see `closing`. Joining it
        // means the port is free when this returns, so a new Router can bind it.
        if wake(self.local_addr) {
            if let Some(accept) = self.accept.take() {
                let _ = accept.join();
            }
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Peers> {
        // No code holding the lock can panic on peer input; recover anyway.
        self.peers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// libzmq's id for a peer without one: a zero byte, then a 32-bit counter.
    fn generate_identity(&self) -> Vec<u8> {
        let n = self.next_generated.fetch_add(1, Ordering::Relaxed);
        [&[0u8][..], &n.to_be_bytes()].concat()
    }
}

/// Connect to our own listener; false if that failed (the accept thread then ends at the
/// next connection instead, and is not waited for).
fn wake(addr: SocketAddr) -> bool {
    let ip = addr.ip();
    let targets: Vec<SocketAddr> = if ip.is_unspecified() {
        vec![(Ipv6Addr::LOCALHOST, addr.port()).into(), (Ipv4Addr::LOCALHOST, addr.port()).into()]
    } else {
        vec![addr]
    };
    targets.iter().any(|a| TcpStream::connect_timeout(a, Duration::from_secs(1)).is_ok())
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.closing.load(Ordering::SeqCst) {
            return;
        }
        let stream = match stream {
            Ok(s) => s,
            Err(_) => {
                thread::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
        let Ok(clone) = stream.try_clone() else { continue };
        {
            let mut peers = shared.lock();
            // Checked under the lock that Drop takes to cut connections: none slips by.
            if shared.closing.load(Ordering::SeqCst) {
                return;
            }
            peers.streams.insert(conn, clone);
        }
        let conn_shared = shared.clone();
        let spawned = thread::Builder::new()
            .name(format!("zmtp-router-conn {conn}"))
            .spawn(move || serve(conn_shared, conn, stream));
        if spawned.is_err() {
            if let Some(s) = shared.lock().streams.remove(&conn) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

/// One connection: handshake, register, read until it ends, unregister.
fn serve(shared: Arc<Shared>, conn: u64, stream: TcpStream) {
    if let Ok((reader, peer)) = handshake::establish(&stream, Role::Router, b"", HANDSHAKE_TIMEOUT)
    {
        let identity = peer.identity.unwrap_or_else(|| shared.generate_identity());
        let (tx, rx) = bounded(HWM);
        let writer = stream.try_clone().and_then(|s| {
            thread::Builder::new()
                .name(format!("zmtp-router-write {conn}"))
                .spawn(move || write_loop(s, rx))
        });
        if writer.is_ok() && register(&shared, conn, &identity, tx.clone()) {
            read_loop(&shared, conn, &identity, reader, &tx);
            unregister(&shared, conn, &identity);
        }
    }
    if let Some(s) = shared.lock().streams.remove(&conn) {
        let _ = s.shutdown(Shutdown::Both);
    }
}

/// Take the identity (handing it over from an older connection) and announce it.
fn register(shared: &Shared, conn: u64, identity: &[u8], tx: Sender<Outbound>) -> bool {
    let mut peers = shared.lock();
    if shared.closing.load(Ordering::SeqCst) {
        return false;
    }
    if let Some(old) = peers.routes.insert(identity.to_vec(), Route { conn, tx }) {
        if let Some(s) = peers.streams.get(&old.conn) {
            let _ = s.shutdown(Shutdown::Both);
        }
        let _ = shared.events.send(RouterEvent::Disconnected { identity: identity.to_vec() });
    }
    let _ = shared.events.send(RouterEvent::Connected { identity: identity.to_vec() });
    true
}

/// Release the identity if this connection still holds it.
fn unregister(shared: &Shared, conn: u64, identity: &[u8]) {
    let mut peers = shared.lock();
    if peers.holds(identity, conn) {
        peers.routes.remove(identity);
        let _ = shared.events.send(RouterEvent::Disconnected { identity: identity.to_vec() });
    }
}

fn read_loop(
    shared: &Shared,
    conn: u64,
    identity: &[u8],
    mut r: BufReader<TcpStream>,
    tx: &Sender<Outbound>,
) {
    loop {
        match traffic::read(&mut r) {
            Ok(Inbound::Message(frame)) => {
                let peers = shared.lock();
                // A connection that was handed over delivers nothing more.
                if !peers.holds(identity, conn) {
                    return;
                }
                let event = RouterEvent::Message { identity: identity.to_vec(), frame };
                if shared.events.send(event).is_err() {
                    return;
                }
            }
            Ok(Inbound::Ping(context)) => {
                let _ = tx.try_send(Outbound::Pong(context));
            }
            Err(_) => return,
        }
    }
}

/// Writes until every sender is gone (the connection was unregistered and its reader ended)
/// or a write fails; then cuts the connection so the reader ends too.
fn write_loop(stream: TcpStream, rx: Receiver<Outbound>) {
    let mut w = BufWriter::with_capacity(64 * 1024, &stream);
    while let Ok(first) = rx.recv() {
        let mut result = traffic::write(&mut w, &first);
        // Batch what is already queued into one flush.
        for _ in 0..64 {
            let Ok(next) = rx.try_recv() else { break };
            result = result.and_then(|()| traffic::write(&mut w, &next));
        }
        if result.and_then(|()| w.flush()).is_err() {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

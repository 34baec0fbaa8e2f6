//! The demo site's threads: one accept loop and one thread per connection, with a cap on
//! open connections and a shutdown that wakes every blocked thread.
//!
//! Threads rather than an event loop: the demo serves a few hundred virtual users at most,
//! and blocking code is the easiest kind to trust when it must never hang or panic.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::http::{self, Incoming, Response};
use super::routes::Site;

/// Connections served at once; further ones are closed at once. Enough for the demo's
/// users, low enough that a runaway client cannot exhaust threads or descriptors.
pub(super) const MAX_CONNECTIONS: usize = 512;

/// A client that sends nothing for this long is dropped, so no thread waits forever.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Connection threads only parse, route and copy small buffers.
const CONNECTION_STACK: usize = 256 * 1024;

/// How long `stop` waits for connection threads after waking them; they exit within
/// microseconds, so this only bounds a drop on a badly overloaded machine.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// After refusing a request, unread bytes it sent are drained briefly so closing the socket
/// does not reset the connection before the client reads the error response.
const LINGER: Duration = Duration::from_millis(500);
const LINGER_BYTES: u64 = 64 * 1024;

pub(super) struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

/// What the accept loop, the connection threads and the owner share.
struct Shared {
    site: Site,
    max_connections: usize,
    served: AtomicU64,
    state: Mutex<State>,
    /// Signalled when a connection closes.
    closed: Condvar,
    /// Signalled once, when the server stops, to end `/slow` waits.
    stopping: Condvar,
}

#[derive(Default)]
struct State {
    stopping: bool,
    next_id: u64,
    /// A handle to every open connection, so `stop` can shut its socket and wake its thread.
    open: HashMap<u64, TcpStream>,
}

impl Server {
    pub(super) fn start(max_connections: usize) -> io::Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            site: Site::new()?,
            max_connections,
            served: AtomicU64::new(0),
            state: Mutex::new(State::default()),
            closed: Condvar::new(),
            stopping: Condvar::new(),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("cicada-demo".into())
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        Ok(Server { addr, shared, accept: Some(accept) })
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(super) fn requests_served(&self) -> u64 {
        self.shared.served.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes every connection and waits (bounded) for their threads.
    /// When it returns the listening socket is closed.
    fn stop(&mut self) {
        {
            let mut state = self.shared.lock();
            state.stopping = true;
            for stream in state.open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        self.shared.stopping.notify_all();
        if let Some(accept) = self.accept.take() {
            // `accept` has no timeout: a connection of our own is what wakes it to see the
            // flag. If even that fails, the thread stays parked in `accept` (not spinning)
            // rather than hanging this drop.
            if TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok() {
                let _ = accept.join();
            }
        }
        let state = self.shared.lock();
        let _ = self
            .shared
            .closed
            .wait_timeout_while(state, STOP_GRACE, |s| !s.open.is_empty())
            .unwrap_or_else(PoisonError::into_inner);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a new connection, or refuses it when stopping or at the cap.
    fn register(&self, stream: &TcpStream) -> Option<u64> {
        let handle = stream.try_clone().ok()?;
        let mut state = self.lock();
        if state.stopping || state.open.len() >= self.max_connections {
            return None;
        }
        let id = state.next_id;
        state.next_id += 1;
        state.open.insert(id, handle);
        Some(id)
    }

    fn unregister(&self, id: u64) {
        self.lock().open.remove(&id);
        self.closed.notify_all();
    }

    /// Waits `d`, or less if the server stops meanwhile.
    fn pause(&self, d: Duration) {
        let state = self.lock();
        let _ = self
            .stopping
            .wait_timeout_while(state, d, |s| !s.stopping)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.lock().stopping {
            return;
        }
        match accepted {
            Ok((stream, _)) => spawn_connection(shared, stream),
            // Out of descriptors or similar: back off instead of spinning on the error.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn spawn_connection(shared: &Arc<Shared>, stream: TcpStream) {
    let Some(id) = shared.register(&stream) else { return };
    let slot = Slot { shared: Arc::clone(shared), id };
    // If the thread cannot start, the closure (and the slot in it) is dropped right here.
    let _ = thread::Builder::new()
        .name("cicada-demo-conn".into())
        .stack_size(CONNECTION_STACK)
        .spawn(move || serve(&slot.shared, stream));
}

/// A registered connection; dropping it frees the slot, however the thread ends.
struct Slot {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared.unregister(self.id);
    }
}

/// Serves requests on one connection until the client closes it, goes idle, asks to close,
/// sends something unusable, or the server stops.
fn serve(shared: &Shared, stream: TcpStream) {
    if stream.set_read_timeout(Some(IDLE_TIMEOUT)).is_err()
        || stream.set_write_timeout(Some(IDLE_TIMEOUT)).is_err()
    {
        return;
    }
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let request = match http::read_request(&mut reader) {
            Incoming::Request(r) => r,
            Incoming::Closed => return,
            Incoming::Reject(status) => {
                let response = Response::text(status, http::reason(status));
                shared.served.fetch_add(1, Ordering::Relaxed);
                if http::write_response(&mut writer, &response, false, false).is_ok() {
                    linger(&mut reader, &writer);
                }
                return;
            }
        };
        if request.expect_continue
            && request.body_len > 0
            && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
        {
            return;
        }
        // The body is read and dropped: no route needs it, and reading it keeps the
        // connection in step for the next request.
        match io::copy(&mut (&mut reader).take(request.body_len), &mut io::sink()) {
            Ok(n) if n == request.body_len => {}
            _ => return,
        }
        let response = shared.site.respond(&request.method, &request.target, &|d| shared.pause(d));
        let head_only = request.method == "HEAD";
        let keep_alive = request.keep_alive && !shared.lock().stopping;
        // Counted before writing, so a client that has read the response sees it counted.
        shared.served.fetch_add(1, Ordering::Relaxed);
        if http::write_response(&mut writer, &response, head_only, keep_alive).is_err() {
            return;
        }
        if !keep_alive {
            let _ = writer.shutdown(Shutdown::Write);
            return;
        }
    }
}

/// Half-closes, then briefly discards what the client is still sending.
fn linger(reader: &mut BufReader<TcpStream>, writer: &TcpStream) {
    let _ = writer.shutdown(Shutdown::Write);
    if writer.set_read_timeout(Some(LINGER)).is_ok() {
        let _ = io::copy(&mut reader.take(LINGER_BYTES), &mut io::sink());
    }
}

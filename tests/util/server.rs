//! A real HTTP/1.1 server on loopback for the end-to-end tests: std threads, one per
//! connection, keep-alive, and a log of every request so tests can compare what the server
//! saw with what cicada counted.
//!
//! Routes (any method unless noted):
//! - `/` → `Success`; `/hello`, `/world`, `/bye` → their own name; `/item?id=N` → `item N`;
//!   `/p/<anything>` → `ok` (marker paths for ordering and counting tests)
//! - `/login` → sets `session=abc` (or `session=<u>` with `?u=<u>`); `/whoami` → the Cookie
//!   header as received (empty if none)
//! - `/status/NNN` → that status; `/redirect/N` → a 302 chain of N hops ending at `/`
//! - `/gzip` → [`GZIP_TEXT`] gzip-encoded; `/chunked` → [`CHUNKS`] as chunked encoding
//! - `/slow?ms=N` → waits N ms, then `slow`; `/close` → `ok` with `Connection: close`
//! - `/echo` → the request body, with the request's Content-Type
//! - `/json` → [`JSON_TEXT`]; `/bytes/N` → N bytes of `x`
//! - `/reset-mid-body` → promises 1000 bytes, sends 10 and closes; `/garbage` → not HTTP
//! - anything else → 404

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// What `/gzip` returns once decoded.
pub const GZIP_TEXT: &str = "gzip body: the quick brown fox jumps over the lazy dog, twice over";
/// The chunks `/chunked` sends, in order; the decoded body is their concatenation.
pub const CHUNKS: [&str; 4] = ["first chunk|", "second|", "3|", "and the last one"];
/// What `/json` returns.
pub const JSON_TEXT: &str = r#"{"name":"cicada","items":[1,2,3],"nested":{"ok":true}}"#;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The query without `?` (empty if none).
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request head was fully read.
    pub at: Instant,
}

impl Logged {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// The first header of that name in `headers` (case-insensitive).
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    connections: AtomicU64,
    log: Mutex<Vec<Logged>>,
    /// A clone of every accepted socket, shut down when the server is dropped.
    open: Mutex<Vec<TcpStream>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not hide what the others logged.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An HTTP (or HTTPS) server on `127.0.0.1`, port chosen by the OS. Stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    /// The DER certificate of an HTTPS server.
    certificate: Option<Vec<u8>>,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A plain HTTP server.
    pub fn start() -> TestServer {
        TestServer::start_with(None)
    }

    /// An HTTPS server with a fresh self-signed certificate for `localhost` and `127.0.0.1`.
    pub fn start_tls() -> TestServer {
        let (config, certificate) = tls_config();
        let mut server = TestServer::start_with(Some(config));
        server.certificate = Some(certificate);
        server
    }

    fn start_with(tls: Option<Arc<rustls::ServerConfig>>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let shared = Arc::new(Shared::default());
        let accept = {
            let shared = shared.clone();
            thread::Builder::new()
                .name(format!("test-server-{}", addr.port()))
                .spawn(move || accept_loop(listener, shared, tls))
                .expect("spawn accept thread")
        };
        TestServer { addr, certificate: None, shared, accept: Some(accept) }
    }

    /// The base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> String {
        let scheme = if self.certificate.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.addr.port())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The self-signed certificate (DER) of an HTTPS server.
    pub fn certificate(&self) -> Option<&[u8]> {
        self.certificate.as_deref()
    }

    /// Requests received with this method and path (query ignored).
    pub fn count(&self, method: &str, path: &str) -> u64 {
        lock(&self.shared.log).iter().filter(|r| r.method == method && r.path == path).count()
            as u64
    }

    /// Requests received on any path.
    pub fn total(&self) -> u64 {
        lock(&self.shared.log).len() as u64
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The headers of every request to `path`, in arrival order.
    pub fn headers_of(&self, path: &str) -> Vec<Vec<(String, String)>> {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.path == path)
            .map(|r| r.headers.clone())
            .collect()
    }

    /// Every request so far, in arrival order.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared.log).clone()
    }

    /// `"METHOD /path"` of every request so far, in arrival order.
    pub fn lines(&self) -> Vec<String> {
        lock(&self.shared.log).iter().map(|r| format!("{} {}", r.method, r.path)).collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop; it sees the flag and ends.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
        for stream in lock(&self.shared.open).drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tls: Option<Arc<rustls::ServerConfig>>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let _ = stream.set_nodelay(true);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.open).push(clone);
        }
        let shared = shared.clone();
        let tls = tls.clone();
        let spawned = thread::Builder::new().name("test-server-conn".into()).spawn(move || {
            let raw = match stream.try_clone() {
                Ok(raw) => raw,
                Err(_) => return,
            };
            match tls {
                None => serve(stream, &raw, &shared),
                Some(config) => {
                    let Ok(conn) = rustls::ServerConnection::new(config) else { return };
                    serve(rustls::StreamOwned::new(conn, stream), &raw, &shared)
                }
            }
        });
        if spawned.is_err() {
            return;
        }
    }
}

/// A parsed request head plus body.
struct Incoming {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Serve requests on one connection until the peer closes, asks to close, or a route ends it.
fn serve<S: Read + Write>(stream: S, raw: &TcpStream, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    loop {
        let req = match read_request(&mut reader) {
            Ok(Some(req)) => req,
            Ok(None) | Err(_) => return,
        };
        let (path, query) = match req.target.split_once('?') {
            Some((p, q)) => (p.to_owned(), q.to_owned()),
            None => (req.target.clone(), String::new()),
        };
        lock(&shared.log).push(Logged {
            method: req.method.clone(),
            path: path.clone(),
            query: query.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
            at: Instant::now(),
        });
        let wants_close = match header(&req.headers, "connection") {
            Some(v) => v.eq_ignore_ascii_case("close"),
            None => req.version == "HTTP/1.0",
        };
        let reply = route(&req, &path, &query);
        let stream = reader.get_mut();
        let keep_open = match reply {
            Reply::Full { status, headers, body, close } => {
                let close = close || wants_close;
                write_full(stream, &req.method, status, &headers, &body, close).is_ok() && !close
            }
            Reply::Chunked(chunks) => {
                write_chunked(stream, &req.method, &chunks, wants_close).is_ok() && !wants_close
            }
            Reply::ResetMidBody => {
                let head =
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n";
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(b"0123456789");
                let _ = stream.flush();
                let _ = raw.shutdown(Shutdown::Both);
                false
            }
            Reply::Garbage => {
                let _ = stream.write_all(b"\x00\x01\x02 this is not HTTP at all \xff\xfe\r\n\r\n");
                let _ = stream.flush();
                let _ = raw.shutdown(Shutdown::Both);
                false
            }
        };
        if !keep_open {
            let _ = raw.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Read one request; `Ok(None)` on a clean end of stream before any byte of a new request.
fn read_request<R: BufRead>(reader: &mut R) -> io::Result<Option<Incoming>> {
    let mut line = String::new();
    // Skip stray empty lines between requests (allowed by RFC 9112).
    loop {
        line.clear();
        if read_line(reader, &mut line)? == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bad request line {line:?}"),
        ));
    };
    let (method, target, version) = (method.to_owned(), target.to_owned(), version.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if read_line(reader, &mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let chunked = header(&headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked_body(reader)?
    } else {
        let len: usize =
            header(&headers, "content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(Some(Incoming { method, target, version, headers, body }))
}

fn read_line<R: BufRead>(reader: &mut R, line: &mut String) -> io::Result<usize> {
    let mut bytes = Vec::new();
    let n = reader.read_until(b'\n', &mut bytes)?;
    line.push_str(&String::from_utf8_lossy(&bytes));
    Ok(n)
}

fn read_chunked_body<R: BufRead>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        read_line(reader, &mut line)?;
        let size_text = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailers, then the empty line.
            loop {
                line.clear();
                if read_line(reader, &mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        line.clear();
        read_line(reader, &mut line)?;
    }
}

enum Reply {
    Full { status: u16, headers: Vec<(String, String)>, body: Vec<u8>, close: bool },
    Chunked(Vec<&'static str>),
    ResetMidBody,
    Garbage,
}

fn text(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Full {
        status,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: body.into(),
        close: false,
    }
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

fn route(req: &Incoming, path: &str, query: &str) -> Reply {
    match path {
        "/" => text(200, "Success"),
        "/hello" | "/world" | "/bye" => text(200, &path[1..]),
        "/item" => text(200, format!("item {}", query_param(query, "id").unwrap_or(""))),
        "/login" => {
            let user = query_param(query, "u").unwrap_or("abc");
            Reply::Full {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), "text/plain".into()),
                    ("Set-Cookie".into(), format!("session={user}; Path=/")),
                ],
                body: b"logged in".to_vec(),
                close: false,
            }
        }
        "/whoami" => text(200, header(&req.headers, "cookie").unwrap_or("")),
        "/gzip" => {
            use flate2::write::GzEncoder;
            let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(GZIP_TEXT.as_bytes()).expect("gzip into a Vec");
            Reply::Full {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), "text/plain".into()),
                    ("Content-Encoding".into(), "gzip".into()),
                ],
                body: enc.finish().expect("gzip into a Vec"),
                close: false,
            }
        }
        "/chunked" => Reply::Chunked(CHUNKS.to_vec()),
        "/slow" => {
            let ms = query_param(query, "ms").and_then(|v| v.parse().ok()).unwrap_or(100);
            // The route's behaviour (a slow server), not synchronisation.
            thread::sleep(Duration::from_millis(ms));
            text(200, "slow")
        }
        "/close" => Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: b"ok".to_vec(),
            close: true,
        },
        "/echo" => Reply::Full {
            status: 200,
            headers: vec![(
                "Content-Type".into(),
                header(&req.headers, "content-type").unwrap_or("application/octet-stream").into(),
            )],
            body: req.body.clone(),
            close: false,
        },
        "/json" => Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: JSON_TEXT.as_bytes().to_vec(),
            close: false,
        },
        "/reset-mid-body" => Reply::ResetMidBody,
        "/garbage" => Reply::Garbage,
        _ => {
            if let Some(code) = path.strip_prefix("/status/") {
                return match code.parse::<u16>() {
                    Ok(code) if (200..600).contains(&code) => text(code, format!("status {code}")),
                    _ => text(400, "bad status"),
                };
            }
            if let Some(n) = path.strip_prefix("/redirect/") {
                let n: u32 = n.parse().unwrap_or(1);
                let next = if n <= 1 { "/".to_owned() } else { format!("/redirect/{}", n - 1) };
                return Reply::Full {
                    status: 302,
                    headers: vec![("Location".into(), next)],
                    body: b"redirecting".to_vec(),
                    close: false,
                };
            }
            if let Some(n) = path.strip_prefix("/bytes/") {
                let n: usize = n.parse().unwrap_or(0);
                return text(200, vec![b'x'; n]);
            }
            if path.starts_with("/p/") {
                return text(200, "ok");
            }
            text(404, "Not Found")
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

fn write_full<W: Write>(
    w: &mut W,
    method: &str,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let bodyless = status == 204 || status == 304 || (100..200).contains(&status);
    if !bodyless {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if !bodyless && method != "HEAD" {
        out.extend_from_slice(body);
    }
    w.write_all(&out)?;
    w.flush()
}

fn write_chunked<W: Write>(
    w: &mut W,
    method: &str,
    chunks: &[&str],
    close: bool,
) -> io::Result<()> {
    let mut head = String::from(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n",
    );
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    w.flush()?;
    if method == "HEAD" {
        return Ok(());
    }
    // Each chunk in its own write, so the client sees them arrive separately.
    for chunk in chunks {
        w.write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())?;
        w.flush()?;
    }
    w.write_all(b"0\r\n\r\n")?;
    w.flush()
}

/// A rustls server config with a new self-signed certificate for `localhost` and `127.0.0.1`,
/// and that certificate (DER).
fn tls_config() -> (Arc<rustls::ServerConfig>, Vec<u8>) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("generate a self-signed certificate");
    let der = certified.cert.der().to_vec();
    let cert = CertificateDer::from(der.clone());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("a valid certificate and key");
    (Arc::new(config), der)
}

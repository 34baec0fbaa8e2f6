//! The demo site over real sockets: keep-alive, the quickstart's routes, refusals, and a
//! drop that really closes the port. Every read has a timeout, so no test can hang.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;

use super::server::Server;
use super::DemoTarget;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect to the demo");
        stream.set_read_timeout(Some(CLIENT_TIMEOUT)).expect("set timeout");
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        Client { reader, writer: stream }
    }

    fn send(&mut self, raw: &str) {
        self.writer.write_all(raw.as_bytes()).expect("send");
    }

    /// Reads one response; `head` says the request was HEAD (no body follows).
    fn read(&mut self, head: bool) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("status line");
        let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("header line");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').expect("name: value");
            headers.push((n.to_owned(), v.trim().to_owned()));
        }
        let mut reply = Reply { status, headers, body: Vec::new() };
        let len = reply.header("content-length").map_or(0, |v| v.parse().expect("length"));
        if !head {
            reply.body.resize(len, 0);
            self.reader.read_exact(&mut reply.body).expect("body");
        }
        reply
    }

    fn get(&mut self, target: &str) -> Reply {
        self.send(&format!("GET {target} HTTP/1.1\r\nHost: demo\r\n\r\n"));
        self.read(false)
    }

    /// True once the server has closed the connection (EOF or reset, not a timeout).
    fn is_closed(&mut self) -> bool {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => true,
            Err(e) => {
                !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
            }
        }
    }
}

fn addr_of(target: &DemoTarget) -> SocketAddr {
    target.server.addr()
}

#[test]
fn base_url_is_loopback_with_a_port() {
    let target = DemoTarget::start().expect("start");
    let url = target.base_url();
    let port: u16 = url.strip_prefix("http://127.0.0.1:").and_then(|p| p.parse().ok()).unwrap_or(0);
    assert_ne!(port, 0, "{url}");
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    let first = c.get("/");
    assert_eq!((first.status, first.text().as_str()), (200, "Success"));
    assert_eq!(first.header("connection"), Some("keep-alive"));
    let second = c.get("/hello");
    assert_eq!(second.status, 200);
    assert_eq!(target.requests_served(), 2);
}

#[test]
fn login_sets_a_session_cookie_and_bodies_are_skipped() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    c.send("POST /login HTTP/1.1\r\nHost: demo\r\nContent-Length: 13\r\n\r\nuser=a&pass=b");
    let login = c.read(false);
    assert_eq!(login.status, 200);
    let cookie = login.header("set-cookie").unwrap_or_default();
    assert!(cookie.starts_with("session=") && cookie.ends_with("; Path=/"), "{cookie}");
    // The body was consumed, so the next request on the connection parses cleanly.
    let item = c.get("/item?id=5");
    assert_eq!((item.status, item.text().as_str()), (200, r#"{"id":5,"name":"item 5"}"#));
    assert_eq!(item.header("content-type"), Some("application/json"));
}

#[test]
fn expect_continue_gets_an_interim_response() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    c.send("POST /login HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    assert_eq!(c.read(true).status, 100);
    c.send("ab");
    assert_eq!(c.read(false).status, 200);
}

#[test]
fn status_redirect_and_unknown_paths() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    assert_eq!(c.get("/status/503").status, 503);
    assert_eq!(c.get("/status/204").status, 204);
    let redirect = c.get("/redirect");
    assert_eq!((redirect.status, redirect.header("location")), (302, Some("/")));
    assert_eq!(c.get("/no/such/page").status, 404);
    assert_eq!(c.get("/world").text(), "World");
}

#[test]
fn gzip_body_decodes() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    let reply = c.get("/gzip");
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    GzDecoder::new(reply.body.as_slice()).read_to_string(&mut text).expect("valid gzip");
    assert!(text.contains("gzip"), "{text}");
}

#[test]
fn head_sends_the_length_but_no_body() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    c.send("HEAD / HTTP/1.1\r\nHost: demo\r\n\r\n");
    let head = c.read(true);
    assert_eq!((head.status, head.header("content-length")), (200, Some("7")));
    // Had a body been sent, this would read "Success" as a status line.
    assert_eq!(c.get("/hello").status, 200);
}

#[test]
fn slow_waits_at_least_the_asked_time() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    let started = Instant::now();
    assert_eq!(c.get("/slow?ms=50").status, 200);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[test]
fn http10_and_connection_close_end_the_connection() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    c.send("GET / HTTP/1.0\r\n\r\n");
    assert_eq!(c.read(false).header("connection"), Some("close"));
    assert!(c.is_closed());
    let mut c = Client::connect(addr_of(&target));
    c.send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(c.read(false).status, 200);
    assert!(c.is_closed());
}

#[test]
fn malformed_requests_get_400_and_a_close() {
    let target = DemoTarget::start().expect("start");
    for raw in ["NONSENSE\r\n\r\n", "GET / HTTP/9\r\n\r\n", "\u{1}\u{2}\u{3} x y\r\n\r\n"] {
        let mut c = Client::connect(addr_of(&target));
        c.send(raw);
        assert_eq!(c.read(false).status, 400, "{raw:?}");
        assert!(c.is_closed(), "{raw:?}");
    }
    // The site is still fine afterwards.
    assert_eq!(Client::connect(addr_of(&target)).get("/").status, 200);
}

#[test]
fn oversized_and_chunked_bodies_are_refused() {
    let target = DemoTarget::start().expect("start");
    let mut c = Client::connect(addr_of(&target));
    c.send("POST /login HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n");
    assert_eq!(c.read(false).status, 413);
    assert!(c.is_closed());
    let mut c = Client::connect(addr_of(&target));
    c.send("POST /login HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    assert_eq!(c.read(false).status, 411);
    assert!(c.is_closed());
}

#[test]
fn connections_beyond_the_cap_are_closed() {
    let server = Server::start(2).expect("start");
    let mut a = Client::connect(server.addr());
    let mut b = Client::connect(server.addr());
    // A completed request proves each connection holds a slot.
    assert_eq!(a.get("/").status, 200);
    assert_eq!(b.get("/").status, 200);
    let mut c = Client::connect(server.addr());
    c.send("GET / HTTP/1.1\r\n\r\n");
    assert!(c.is_closed());
    drop((a, b, server));
}

#[test]
fn drop_closes_the_port_and_open_connections_promptly() {
    let target = DemoTarget::start().expect("start");
    let addr = addr_of(&target);
    let mut idle = Client::connect(addr);
    assert_eq!(idle.get("/").status, 200);
    let mut sleeping = Client::connect(addr);
    sleeping.send("GET /slow?ms=10000 HTTP/1.1\r\n\r\n");
    let started = Instant::now();
    drop(target);
    // Whether the /slow request was still being read or already waiting, stopping wakes it.
    assert!(started.elapsed() < Duration::from_secs(3), "drop took {:?}", started.elapsed());
    assert!(idle.is_closed());
    assert!(sleeping.is_closed());
    let refused = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT);
    assert!(refused.is_err(), "the port still accepts after drop");
}

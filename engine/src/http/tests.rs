//! The client against real servers on 127.0.0.1: each test scripts a std `TcpListener` on its
//! own thread byte for byte, and drives `HttpClient` on a monoio runtime. No sleeps: the
//! server blocks on the client's bytes, and every test runs under an overall time limit.

use std::future::Future;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::*;

/// Runs `fut` on a fresh runtime, failing the test if it takes more than 20 s (a hang).
fn run<F: Future>(fut: F) -> F::Output {
    monoio::RuntimeBuilder::<monoio::FusionDriver>::new()
        .enable_timer()
        .build()
        .expect("runtime")
        .block_on(async {
            monoio::time::timeout(Duration::from_secs(20), fut)
                .await
                .expect("test timed out: the client hung")
        })
}

/// Starts a scripted server; returns its base URL (`http://127.0.0.1:port`).
fn server(script: impl FnOnce(TcpListener) + Send + 'static) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    (base, thread::spawn(move || script(listener)))
}

fn accept(listener: &TcpListener) -> TcpStream {
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(15))).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// True if nobody is waiting to be accepted (the client opened no other connection).
fn no_pending_connection(listener: &TcpListener) -> bool {
    listener.set_nonblocking(true).unwrap();
    matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// Reads one request (head and Content-Length body); `None` if the client closed first.
fn read_request(stream: &mut impl Read) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
    while buf.len() < head_end + len {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

fn respond(stream: &mut impl Write, bytes: &[u8]) {
    stream.write_all(bytes).unwrap();
    stream.flush().unwrap();
}

fn ok(body: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn client(config: ClientConfig) -> HttpClient {
    HttpClient::new(&HttpShard::new(), config, PoolMode::PerUser, 0)
}

fn get(url: String) -> Request {
    Request::new("GET", url)
}

#[test]
fn keep_alive_reuses_one_connection() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        for i in 0..3 {
            let req = read_request(&mut s).unwrap();
            assert!(req.starts_with(&format!("GET /r{i} HTTP/1.1\r\n")), "{req}");
            assert!(req.contains("\r\nHost: 127.0.0.1:"), "{req}");
            assert!(
                req.contains(&format!("\r\nUser-Agent: cicada/{}\r\n", env!("CARGO_PKG_VERSION")))
            );
            assert!(req.contains("\r\nConnection: keep-alive\r\n"));
            assert!(req.contains("\r\nAccept: */*\r\n"));
            respond(&mut s, &ok(&format!("hello {i}")));
        }
        assert!(no_pending_connection(&l));
    });
    let c = client(ClientConfig::default());
    run(async {
        for i in 0..3 {
            let resp = c.send(get(format!("{base}/r{i}"))).await.unwrap();
            assert_eq!(resp.status, 200);
            assert_eq!(resp.body, format!("hello {i}").as_bytes());
            assert_eq!(resp.url, format!("{base}/r{i}"));
            assert_eq!(resp.header("content-length"), Some("7"));
        }
    });
    assert_eq!(c.idle_connections(), 1);
    srv.join().unwrap();
}

#[test]
fn chunked_body_arriving_in_pieces() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        respond(&mut s, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        respond(&mut s, b"4;name=value\r\nWi");
        respond(&mut s, b"ki\r");
        respond(&mut s, b"\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n");
        respond(&mut s, b"\r\n");
        // The same connection must be usable: the decoder stopped exactly at the end.
        read_request(&mut s).unwrap();
        respond(&mut s, &ok("again"));
    });
    let c = client(ClientConfig::default());
    run(async {
        let resp = c.send(get(format!("{base}/"))).await.unwrap();
        assert_eq!(resp.body, b"Wikipedia");
        let resp = c.send(get(format!("{base}/"))).await.unwrap();
        assert_eq!(resp.body, b"again");
    });
    srv.join().unwrap();
}

#[test]
fn gzip_body_is_decoded() {
    let text = "compressible ".repeat(1000);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let (base, srv) = server(move |l| {
        let mut s = accept(&l);
        let req = read_request(&mut s).unwrap();
        assert!(req.contains("\r\nAccept-Encoding: gzip, deflate, br\r\n"), "{req}");
        let mut resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            gz.len()
        )
        .into_bytes();
        resp.extend_from_slice(&gz);
        respond(&mut s, &resp);
        read_request(&mut s).unwrap();
        respond(
            &mut s,
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nnotgz",
        );
    });
    let c = client(ClientConfig::default());
    run(async {
        let resp = c.send(get(format!("{base}/"))).await.unwrap();
        assert_eq!(resp.body, text.as_bytes());
        let err = c.send(get(format!("{base}/"))).await.unwrap_err();
        assert!(matches!(err, HttpError::Decode(_)), "{err}");
    });
    srv.join().unwrap();
}

#[test]
fn close_delimited_body_is_read_to_eof_and_not_reused() {
    let (base, srv) = server(|l| {
        for _ in 0..2 {
            let mut s = accept(&l);
            read_request(&mut s).unwrap();
            respond(&mut s, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the ");
            respond(&mut s, b"end");
        }
    });
    let c = client(ClientConfig::default());
    run(async {
        for _ in 0..2 {
            let resp = c.send(get(format!("{base}/"))).await.unwrap();
            assert_eq!(resp.body, b"until the end");
            assert_eq!(c.idle_connections(), 0);
        }
    });
    srv.join().unwrap();
}

#[test]
fn a_caller_asking_to_close_gets_a_new_connection_per_request() {
    // The server keeps every connection open: only the client's own `Connection: close`
    // can make it open a second one. Reusing the first would hang (the server no longer
    // reads it) until `run` fails the test.
    let (base, srv) = server(|l| {
        let mut kept = Vec::new();
        for _ in 0..2 {
            let mut s = accept(&l);
            let req = read_request(&mut s).unwrap();
            assert!(req.contains("\r\nConnection: close\r\n"), "{req}");
            assert!(!req.contains("keep-alive"), "{req}");
            respond(&mut s, &ok("kept open"));
            kept.push(s);
        }
    });
    let c = client(ClientConfig::default());
    run(async {
        for _ in 0..2 {
            let mut req = get(format!("{base}/"));
            req.headers.push(("Connection".into(), "close".into()));
            assert_eq!(c.send(req).await.unwrap().body, b"kept open");
            assert_eq!(c.idle_connections(), 0);
        }
    });
    srv.join().unwrap();
}

#[test]
fn closing_a_client_drops_its_connections() {
    let (base, srv) = server(|l| {
        let mut first = accept(&l);
        read_request(&mut first).unwrap();
        respond(&mut first, &ok("one"));
        // The client closed it: end of stream, not another request.
        assert!(read_request(&mut first).is_none());
        let mut second = accept(&l);
        read_request(&mut second).unwrap();
        respond(&mut second, &ok("two"));
    });
    let c = client(ClientConfig::default());
    run(async {
        assert_eq!(c.send(get(format!("{base}/"))).await.unwrap().body, b"one");
        assert_eq!(c.idle_connections(), 1);
        c.close_connections();
        assert_eq!(c.idle_connections(), 0);
        assert_eq!(c.send(get(format!("{base}/"))).await.unwrap().body, b"two");
        assert_eq!(c.idle_connections(), 1, "the new connection is kept alive as usual");
    });
    srv.join().unwrap();
}

#[test]
fn large_bodies_both_ways() {
    let big_response = "r".repeat(3 << 20);
    let big_request = vec![b'q'; 300 * 1024];
    let expected = big_response.clone();
    let (base, srv) = server(move |l| {
        let mut s = accept(&l);
        let req = read_request(&mut s).unwrap();
        assert!(req.contains(&format!("\r\nContent-Length: {}\r\n", 300 * 1024)));
        assert!(req.ends_with(&"q".repeat(300 * 1024)));
        respond(&mut s, &ok(&big_response));
    });
    let c = client(ClientConfig::default());
    run(async {
        let mut req = Request::new("post", format!("{base}/upload"));
        req.body = big_request;
        let resp = c.send(req).await.unwrap();
        assert_eq!(resp.body.len(), expected.len());
        assert!(resp.body == expected.as_bytes());
    });
    srv.join().unwrap();
}

#[test]
fn redirect_chain_carries_cookies_and_turns_post_into_get() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        let req = read_request(&mut s).unwrap();
        assert!(req.starts_with("POST /login HTTP/1.1\r\n"), "{req}");
        assert!(req.ends_with("\r\n\r\nuser=a"));
        respond(&mut s, b"HTTP/1.1 302 Found\r\nLocation: /home?x=1\r\nSet-Cookie: sid=42; Path=/\r\nContent-Length: 4\r\n\r\nmove");
        let req = read_request(&mut s).unwrap();
        assert!(req.starts_with("GET /home?x=1 HTTP/1.1\r\n"), "{req}");
        assert!(req.contains("\r\nCookie: sid=42\r\n"), "{req}");
        assert!(!req.to_lowercase().contains("content-length"), "{req}");
        respond(
            &mut s,
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: final\r\nContent-Length: 0\r\n\r\n",
        );
        let req = read_request(&mut s).unwrap();
        assert!(req.starts_with("GET /final HTTP/1.1\r\n"), "{req}");
        respond(&mut s, &ok("welcome"));
    });
    let c = client(ClientConfig::default());
    run(async {
        let mut req = Request::new("POST", format!("{base}/login"));
        req.body = b"user=a".to_vec();
        let resp = c.send(req).await.unwrap();
        assert_eq!((resp.status, resp.body.as_slice()), (200, &b"welcome"[..]));
        assert_eq!(resp.url, format!("{base}/final"));
        assert!(resp.elapsed > Duration::ZERO);
    });
    assert_eq!(c.cookie_header(&format!("{base}/")).as_deref(), Some("sid=42"));
    srv.join().unwrap();
}

#[test]
fn redirects_stop_at_the_limit_or_when_not_allowed() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        let mut served = 0;
        while read_request(&mut s).is_some() {
            served += 1;
            respond(&mut s, b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
        }
        assert_eq!(served, 4 + 1);
    });
    let config = ClientConfig { max_redirects: 3, ..ClientConfig::default() };
    let c = client(config);
    run(async {
        let err = c.send(get(format!("{base}/"))).await.unwrap_err();
        assert!(matches!(err, HttpError::TooManyRedirects(3)), "{err}");
        assert_eq!(err.to_string(), "TooManyRedirects('Exceeded 3 redirects.')");
        let mut req = get(format!("{base}/"));
        req.allow_redirects = false;
        let resp = c.send(req).await.unwrap();
        assert_eq!(resp.status, 302);
        assert_eq!(resp.header("location"), Some("/again"));
    });
    drop(c);
    srv.join().unwrap();
}

#[test]
fn request_cookies_header_cookie_and_jar_are_merged() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        let req = read_request(&mut s).unwrap();
        assert!(req.contains("\r\nCookie: explicit=1; req=2; jar=3\r\n"), "{req}");
        respond(&mut s, &ok(""));
        let req = read_request(&mut s).unwrap();
        assert!(req.contains("\r\nCookie: jar=3\r\n"), "{req}");
        respond(&mut s, &ok(""));
    });
    let c = client(ClientConfig::default());
    c.set_cookie(&base, "jar=3");
    run(async {
        let mut req = get(format!("{base}/"));
        req.headers.push(("Cookie".into(), "explicit=1".into()));
        req.cookies.push(("req".into(), "2".into()));
        c.send(req).await.unwrap();
        c.send(get(format!("{base}/"))).await.unwrap();
    });
    c.clear_cookies();
    assert_eq!(c.cookie_header(&base), None);
    srv.join().unwrap();
}

#[test]
fn shared_pool_shares_connections_but_not_cookies() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        for _ in 0..2 {
            read_request(&mut s).unwrap();
            respond(&mut s, &ok("x"));
        }
        assert!(no_pending_connection(&l));
    });
    let shard = HttpShard::new();
    let a = HttpClient::new(&shard, ClientConfig::default(), PoolMode::Shared, 1);
    let b = HttpClient::new(&shard, ClientConfig::default(), PoolMode::Shared, 1);
    let other_class = HttpClient::new(&shard, ClientConfig::default(), PoolMode::Shared, 0);
    a.set_cookie(&base, "mine=1");
    run(async {
        a.send(get(format!("{base}/"))).await.unwrap();
        b.send(get(format!("{base}/"))).await.unwrap();
    });
    assert_eq!(b.cookie_header(&base), None);
    assert_eq!((a.idle_connections(), other_class.idle_connections()), (1, 0));
    srv.join().unwrap();
}

#[test]
fn one_client_used_by_two_requests_at_once() {
    let (base, srv) = server(|l| {
        let mut a = accept(&l);
        let mut b = accept(&l);
        for s in [&mut a, &mut b] {
            let req = read_request(s).unwrap();
            let path = req.split(' ').nth(1).unwrap().to_owned();
            respond(s, &ok(&path));
        }
    });
    let c = client(ClientConfig::default());
    run(async {
        let (x, y) =
            monoio::join!(c.send(get(format!("{base}/x"))), c.send(get(format!("{base}/y"))));
        assert_eq!(x.unwrap().body, b"/x");
        assert_eq!(y.unwrap().body, b"/y");
    });
    assert_eq!(c.idle_connections(), 2);
    srv.join().unwrap();
}

#[test]
fn interim_head_and_bodiless_responses() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        respond(
            &mut s,
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
        );
        respond(&mut s, &ok("abc"));
        let req = read_request(&mut s).unwrap();
        assert!(req.starts_with("HEAD / HTTP/1.1"));
        respond(&mut s, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        read_request(&mut s).unwrap();
        respond(&mut s, b"HTTP/1.1 204 No Content\r\n\r\n");
        read_request(&mut s).unwrap();
        respond(&mut s, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n");
        read_request(&mut s).unwrap();
        respond(&mut s, b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        assert!(no_pending_connection(&l));
    });
    let c = client(ClientConfig::default());
    run(async {
        let resp = c.send(get(format!("{base}/"))).await.unwrap();
        assert_eq!((resp.status, resp.body.as_slice()), (200, &b"abc"[..]));
        let resp = c.send(Request::new("HEAD", format!("{base}/"))).await.unwrap();
        assert_eq!((resp.status, resp.body.len()), (200, 0));
        let resp = c.send(get(format!("{base}/"))).await.unwrap();
        assert_eq!((resp.status, resp.reason.as_str()), (204, "No Content"));
        let resp = c.send(get(format!("{base}/"))).await.unwrap();
        assert_eq!((resp.status, resp.body.len()), (304, 0));
        let resp = c.send(get(format!("{base}/"))).await.unwrap();
        assert_eq!(resp.body, b"hi");
        // HTTP/1.0 without keep-alive: the connection is not kept.
        assert_eq!(c.idle_connections(), 0);
    });
    srv.join().unwrap();
}

#[test]
fn connection_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let err = run(client(ClientConfig::default()).send(get(url))).unwrap_err();
    assert!(matches!(err, HttpError::ConnectionRefused), "{err}");
    assert_eq!(err.to_string(), "ConnectionRefusedError(111, 'Connection refused')");
}

#[test]
fn eof_mid_body_is_an_error_not_a_hang() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        respond(&mut s, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this much");
        s.shutdown(Shutdown::Both).unwrap();
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        respond(&mut s, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
    });
    let c = client(ClientConfig::default());
    run(async {
        let err = c.send(get(format!("{base}/"))).await.unwrap_err();
        assert!(matches!(err, HttpError::Protocol(_)), "{err}");
        assert!(err.to_string().contains("14 of 1000"), "{err}");
        let err = c.send(get(format!("{base}/"))).await.unwrap_err();
        assert!(matches!(err, HttpError::Protocol(_)), "{err}");
    });
    srv.join().unwrap();
}

#[test]
fn reset_mid_body_is_an_error_not_a_hang() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        // Read one byte only: closing with the rest of the request unread makes the kernel
        // send a RST instead of a FIN.
        s.read_exact(&mut [0u8; 1]).unwrap();
        respond(&mut s, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial");
        drop(s);
    });
    let err = run(client(ClientConfig::default()).send(get(format!("{base}/")))).unwrap_err();
    assert!(matches!(err, HttpError::ConnectionReset | HttpError::Protocol(_)), "{err}");
    srv.join().unwrap();
}

#[test]
fn read_timeout_names_the_url() {
    let (base, srv) = server(|l| {
        for _ in 0..2 {
            let mut s = accept(&l);
            read_request(&mut s).unwrap();
            // Say nothing; the client gives up and closes.
            assert!(read_request(&mut s).is_none());
        }
    });
    let config =
        ClientConfig { read_timeout: Some(Duration::from_millis(150)), ..ClientConfig::default() };
    let c = client(config);
    run(async {
        let err = c.send(get(format!("{base}/slow"))).await.unwrap_err();
        assert!(matches!(err, HttpError::ReadTimeout(_)), "{err}");
        assert!(err.to_string().contains(&format!("{base}/slow")), "{err}");
        assert!(err.to_string().contains("read timeout=0.15"), "{err}");
        // A per-request timeout applies where the client has none.
        let c = client(ClientConfig::default());
        let mut req = get(format!("{base}/slow"));
        req.timeout = Some(Duration::from_millis(100));
        let err = c.send(req).await.unwrap_err();
        assert!(matches!(err, HttpError::ReadTimeout(_)), "{err}");
    });
    srv.join().unwrap();
}

#[test]
fn garbage_and_silence_are_protocol_errors() {
    let (base, srv) = server(|l| {
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        respond(&mut s, b"SSH-2.0-OpenSSH_9.6\r\n");
        drop(s);
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        drop(s);
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        respond(&mut s, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    });
    let c = client(ClientConfig::default());
    run(async {
        let err = c.send(get(format!("{base}/"))).await.unwrap_err();
        assert!(matches!(err, HttpError::Protocol(_)), "{err}");
        assert!(err.to_string().contains("SSH-2.0"), "{err}");
        let err = c.send(get(format!("{base}/"))).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "RemoteDisconnected('Remote end closed connection without response')"
        );
        let err = c.send(get(format!("{base}/"))).await.unwrap_err();
        assert!(matches!(err, HttpError::Protocol(_)), "{err}");
    });
    srv.join().unwrap();
}

#[test]
fn stale_keep_alive_connection_is_retried_once() {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (base, srv) = server(move |l| {
        // Round 1: the idle connection is closed, the retry on a fresh one succeeds.
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        respond(&mut s, &ok("first"));
        drop(s);
        let mut s = accept(&l);
        let req = read_request(&mut s).unwrap();
        assert!(req.starts_with("POST /second "), "{req}");
        assert!(req.ends_with("payload"), "{req}");
        respond(&mut s, &ok("second"));
        drop(s);
        // Round 2: the fresh connection fails too; there is no third attempt.
        let mut s = accept(&l);
        read_request(&mut s).unwrap();
        drop(s);
        done_rx.recv().unwrap();
        assert!(no_pending_connection(&l));
    });
    let c = client(ClientConfig::default());
    run(async {
        assert_eq!(c.send(get(format!("{base}/first"))).await.unwrap().body, b"first");
        let mut req = Request::new("POST", format!("{base}/second"));
        req.body = b"payload".to_vec();
        assert_eq!(c.send(req).await.unwrap().body, b"second");
        let err = c.send(get(format!("{base}/third"))).await.unwrap_err();
        assert!(matches!(err, HttpError::Protocol(_) | HttpError::ConnectionReset), "{err}");
    });
    done_tx.send(()).unwrap();
    srv.join().unwrap();
}

#[test]
fn bad_urls_and_headers_fail_before_connecting() {
    let c = client(ClientConfig::default());
    run(async {
        let err = c.send(get("localhost:8089/x".into())).await.unwrap_err();
        assert!(matches!(err, HttpError::InvalidUrl(_)), "{err}");
        let mut req = get("http://127.0.0.1:1/".into());
        req.headers.push(("X-Evil".into(), "a\r\nHost: b".into()));
        assert!(c.send(req).await.is_err());
        let err = c.send(get("http://nonexistent.invalid/".into())).await.unwrap_err();
        assert!(matches!(err, HttpError::Dns(_)), "{err}");
    });
}

mod tls {
    use super::*;
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    /// A TLS server for `localhost` with a fresh self-signed certificate, answering
    /// `responses` requests on one connection.
    fn tls_server(responses: Vec<Vec<u8>>) -> (u16, JoinHandle<()>) {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert = certified.cert.der().clone();
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let tcp = accept(&listener);
            let conn = rustls::ServerConnection::new(config).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            for response in responses {
                if read_request(&mut tls).is_none() {
                    return;
                }
                respond(&mut tls, &response);
            }
            // Dropped without close_notify, as many servers do.
        });
        (port, handle)
    }

    #[test]
    fn unverified_tls_works_and_keeps_the_connection() {
        let (port, srv) = tls_server(vec![
            ok("secure"),
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close".to_vec(),
        ]);
        let config = ClientConfig { verify_tls: false, ..ClientConfig::default() };
        let c = client(config);
        run(async {
            let resp = c.send(get(format!("https://localhost:{port}/"))).await.unwrap();
            assert_eq!(resp.body, b"secure");
            assert_eq!(c.idle_connections(), 1);
            let resp = c.send(get(format!("https://localhost:{port}/"))).await.unwrap();
            assert_eq!(resp.body, b"until close");
            assert_eq!(c.idle_connections(), 0);
        });
        srv.join().unwrap();
    }

    #[test]
    fn verified_tls_rejects_a_self_signed_certificate() {
        let (port, srv) = tls_server(vec![ok("never")]);
        let c = client(ClientConfig::default());
        let err = run(c.send(get(format!("https://localhost:{port}/")))).unwrap_err();
        assert!(matches!(err, HttpError::Tls(_)), "{err}");
        assert!(err.to_string().contains("certificate"), "{err}");
        srv.join().unwrap();
    }

    #[test]
    fn per_request_verify_overrides_the_client() {
        let (port, srv) = tls_server(vec![ok("ok")]);
        let c = client(ClientConfig::default());
        let mut req = get(format!("https://127.0.0.1:{port}/"));
        req.verify = Some(false);
        assert_eq!(run(c.send(req)).unwrap().body, b"ok");
        srv.join().unwrap();
    }

    #[test]
    fn shard_keeps_its_tls_configs() {
        let shard = HttpShard::new();
        let a = shard.inner.tls.connector(true).unwrap() as *const _;
        let b = shard.inner.tls.connector(true).unwrap() as *const _;
        assert_eq!(a, b);
        let _: Rc<HttpShard> = shard;
    }
}

//! The fixtures themselves, checked with plain std (and rustls) clients, so a failing
//! end-to-end test points at cicada and not at the test server or the table parser.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use crate::util::server::{CHUNKS, GZIP_TEXT, JSON_TEXT};
use crate::util::{self, TestServer};

/// A response as a minimal client reads it: status, headers, raw (undecoded) body.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Send `request` on `stream` and read one response (Content-Length or chunked).
fn exchange<S: Read + Write>(reader: &mut BufReader<S>, request: &str) -> std::io::Result<Raw> {
    reader.get_mut().write_all(request.as_bytes())?;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').expect("a header line");
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let header = |name: &str| util::server::header(&headers, name).map(str::to_owned);
    let mut body = Vec::new();
    if header("transfer-encoding").as_deref() == Some("chunked") {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim(), 16).expect("a chunk size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(len) = header("content-length") {
        body.resize(len.parse().expect("a length"), 0);
        reader.read_exact(&mut body)?;
    }
    Ok(Raw { status, headers, body })
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n")
}

fn connect(server: &TestServer) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(server.addr()).expect("connect to the test server");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("a read timeout");
    BufReader::new(stream)
}

#[test]
fn server_routes_count_and_keep_alive() {
    let server = TestServer::start();
    let mut c = connect(&server);
    let r = exchange(&mut c, &get("/")).expect("GET /");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"Success"[..]));
    let r = exchange(&mut c, &get("/item?id=7")).expect("GET /item");
    assert_eq!(r.body, b"item 7");
    let r = exchange(&mut c, &get("/status/503")).expect("GET /status/503");
    assert_eq!(r.status, 503);
    let r = exchange(&mut c, &get("/redirect/2")).expect("GET /redirect/2");
    assert_eq!(r.status, 302);
    assert_eq!(util::server::header(&r.headers, "location"), Some("/redirect/1"));
    let r = exchange(&mut c, &get("/json")).expect("GET /json");
    assert_eq!(r.body, JSON_TEXT.as_bytes());
    let r = exchange(&mut c, &get("/chunked")).expect("GET /chunked");
    assert_eq!(r.body, CHUNKS.concat().as_bytes());
    let r = exchange(&mut c, &get("/gzip")).expect("GET /gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(r.body.as_slice()).read_to_string(&mut text).expect("gzip");
    assert_eq!(text, GZIP_TEXT);
    let post = "POST /login HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc";
    let r = exchange(&mut c, post).expect("POST /login");
    assert_eq!(util::server::header(&r.headers, "set-cookie"), Some("session=abc; Path=/"));
    let whoami = "GET /whoami HTTP/1.1\r\nHost: test\r\nCookie: session=abc\r\n\r\n";
    assert_eq!(exchange(&mut c, whoami).expect("GET /whoami").body, b"session=abc");

    assert_eq!(server.connections(), 1);
    assert_eq!(server.total(), 9);
    assert_eq!(server.count("GET", "/item"), 1);
    assert_eq!(server.count("POST", "/login"), 1);
    assert_eq!(server.log()[7].body, b"abc");
    assert_eq!(server.headers_of("/whoami").len(), 1);

    // `Connection: close` is honoured.
    let close = "GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
    assert_eq!(exchange(&mut c, close).expect("GET /hello").body, b"hello");
    let mut rest = Vec::new();
    assert_eq!(c.read_to_end(&mut rest).expect("EOF after close"), 0);
}

#[test]
fn server_hostile_routes_end_the_connection() {
    let server = TestServer::start();
    let mut c = connect(&server);
    c.get_mut().write_all(get("/reset-mid-body").as_bytes()).expect("send");
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.contains("Content-Length: 1000"));
    assert!(text.ends_with("\r\n\r\n0123456789"), "{text:?}");

    let mut c = connect(&server);
    c.get_mut().write_all(get("/garbage").as_bytes()).expect("send");
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got);
    assert!(!got.starts_with(b"HTTP/"));
    assert_eq!(server.connections(), 2);
}

#[test]
fn tls_server_speaks_https() {
    let server = TestServer::start_tls();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(
            server.certificate().expect("a cert").to_vec(),
        ))
        .expect("a valid certificate");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    for name in ["localhost", "127.0.0.1"] {
        let server_name = rustls::pki_types::ServerName::try_from(name).expect("a server name");
        let conn = rustls::ClientConnection::new(Arc::new(config.clone()), server_name)
            .expect("a client connection");
        let tcp = TcpStream::connect(server.addr()).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(10))).expect("a read timeout");
        let mut c = BufReader::new(rustls::StreamOwned::new(conn, tcp));
        let r = exchange(&mut c, &get("/")).expect("GET / over TLS");
        assert_eq!(r.body, b"Success", "as {name}");
    }
    assert_eq!(server.count("GET", "/"), 2);
}

/// The final tables of `reference/samples/headless_ok/stderr_console.txt`, as Locust 2.47
/// printed them.
const LOCUST_SAMPLE: &str = "\
[2026-11-26 11:23:27,960] vm/INFO/locust.main: Shutting down (exit code 0)
Type     Name                                                                          # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s
--------|----------------------------------------------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------
GET      /                                                                                 27     0(0.00%) |      9       2      78      5 |    8.39        0.00
GET      /index.html?x=[id]                                                                21     2(9.52%) |     14       3      76      6 |    6.52        0.00
--------|----------------------------------------------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------
         Aggregated                                                                        48     2(4.17%) |     11       2      78      6 |   14.91        0.00

Response time percentiles (approximated)
Type     Name                                                                                  50%    66%    75%    80%    90%    95%    98%    99%  99.9% 99.99%   100% # reqs
--------|--------------------------------------------------------------------------------|--------|------|------|------|------|------|------|------|------|------|------|------
GET      /                                                                                       5      6      9     10     13     16     78     78     78     78     78     27
--------|--------------------------------------------------------------------------------|--------|------|------|------|------|------|------|------|------|------|------|------
         Aggregated                                                                              6      7     10     11     23     77     78     78     78     78     78     48
";

#[test]
fn table_parser_reads_locusts_format() {
    let empty = "\
Type     Name                                                                          # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s
--------|----------------------------------------------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------
--------|----------------------------------------------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------
         Aggregated                                                                         0     0(0.00%) |      0       0       0      0 |    0.00        0.00
";
    let tables = util::request_tables(&format!("{empty}\n{LOCUST_SAMPLE}"));
    assert_eq!(tables.len(), 2, "the percentile table is not a request table");
    assert!(tables[0].rows.is_empty());
    assert_eq!(tables[0].aggregated.reqs, 0);
    let last = &tables[1];
    let row = |kind: &str, name: &str, reqs, fails| util::Row {
        kind: kind.into(),
        name: name.into(),
        reqs,
        fails,
    };
    assert_eq!(last.rows, [row("GET", "/", 27, 0), row("GET", "/index.html?x=[id]", 21, 2)]);
    assert_eq!(last.aggregated, row("", "Aggregated", 48, 2));
    assert_eq!(
        util::parse_row(
            "POST     a name with spaces      3   1(33.33%) |   1   1   1   1 |  1.00  0.50"
        ),
        Some(row("POST", "a name with spaces", 3, 1))
    );
}

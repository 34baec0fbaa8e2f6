//! `delay-server`: the target of `benches/run`'s latency scenario (d). nginx cannot delay a
//! response, so this answers every HTTP/1.1 request `--delay-us` (default 2000) after its
//! head arrived, and counts what it served so the harness can check the generators' counts.
//!
//! Why threads and blocking sockets: one thread per connection is the simplest server whose
//! delay does not depend on what other connections do — no event loop whose other work could
//! push a response back. Why a thread waits by yielding (`sched_yield` until the deadline)
//! rather than sleeping: on a VM, a core with nothing to run halts, and waking it again took
//! milliseconds now and then — with `thread::sleep`, wrk's p99 against a 2 ms delay ranged
//! from 3.4 to 49 ms between identical runs on the 2-core machine of benches/README.md;
//! yielding keeps the target's core busy only while a response is pending, and wrk's p50/p99
//! became a steady 2.07-2.09 / 2.55-2.86 ms. The core is the target's alone (the harness
//! pins the generators elsewhere), and every generator sees the same server, so comparing
//! their percentiles is fair.
//!
//! Usage: `delay-server [--delay-us N] [--port P]` binds 127.0.0.1:P (0 = a free port, the
//! default) and prints `listening on 127.0.0.1:PORT` on stdout. `GET /__count` answers at
//! once with the number of other requests received so far (not counted itself). It runs
//! until killed.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// What every delayed request gets back.
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
/// A request head larger than this is refused (the connection is closed).
const MAX_HEAD: usize = 64 * 1024;

fn main() {
    let (delay, port) = match parse_args(std::env::args().skip(1)) {
        Ok(v) => v,
        Err(msg) => {
            eprintln!("delay-server: {msg}\nusage: delay-server [--delay-us N] [--port P]");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("delay-server: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().expect("a bound listener has an address");
    println!("listening on {addr}");
    let _ = io::stdout().flush();

    let served = Arc::new(AtomicU64::new(0));
    for conn in listener.incoming() {
        let stream = match conn {
            Ok(s) => s,
            Err(e) => {
                eprintln!("delay-server: accept failed: {e}");
                continue;
            }
        };
        let served = Arc::clone(&served);
        let spawned = thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || serve(stream, delay, &served));
        if let Err(e) = spawned {
            eprintln!("delay-server: cannot start a connection thread: {e}");
        }
    }
}

/// `--delay-us N` and `--port P`, both optional.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(Duration, u16), String> {
    let mut delay = Duration::from_micros(2000);
    let mut port = 0;
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--delay-us" => {
                let us = value.parse().map_err(|_| format!("bad --delay-us {value:?}"))?;
                delay = Duration::from_micros(us);
            }
            "--port" => port = value.parse().map_err(|_| format!("bad --port {value:?}"))?,
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok((delay, port))
}

/// Answer the requests of one keep-alive connection, in order, until the peer closes it.
fn serve(mut stream: TcpStream, delay: Duration, served: &AtomicU64) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if buf.len() > MAX_HEAD {
                return Ok(());
            }
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let arrived = Instant::now();
        let head = &buf[..head_end];
        let (body_len, close) = body_len_and_close(head);
        let is_count = head.starts_with(b"GET /__count ");
        if is_count {
            let body = served.load(Ordering::Relaxed).to_string();
            let connection = if close { "Connection: close\r\n" } else { "" };
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n{connection}Content-Length: {}\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes())?;
        } else {
            served.fetch_add(1, Ordering::Relaxed);
        }
        // Drop the body, if any, before answering: the request must be complete.
        while buf.len() < head_end + body_len {
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        if !is_count {
            // Yield rather than sleep until the deadline: see the file's doc.
            let deadline = arrived + delay;
            while Instant::now() < deadline {
                thread::yield_now();
            }
            stream.write_all(OK)?;
        }
        buf.drain(..head_end + body_len);
        if close {
            return Ok(());
        }
    }
}

/// The request's `Content-Length` (0 when absent) and whether it asked to close the
/// connection (`Connection: close`).
fn body_len_and_close(head: &[u8]) -> (usize, bool) {
    let text = String::from_utf8_lossy(head);
    let mut len = 0;
    let mut close = false;
    for line in text.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            len = value.parse().unwrap_or(0);
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    (len, close)
}

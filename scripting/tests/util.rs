//! Fixtures: a tiny HTTP/1.1 server on loopback (port 0) that logs what it sees, and a helper
//! that runs a script through the engine until a condition on the stats holds.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cicada_engine::{Control, RunConfig, Runner, StatsSnapshot};
use cicada_scripting::{LuaScenario, ScenarioLimits};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// Lower-cased names.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

pub struct Server {
    pub url: String,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Routes: `/` → "Success"; `/nope` → "Nope"; `/missing` → 404; `/error` → 500;
    /// `/json` → a JSON document; `/echo` → the request as JSON; `/redirect` → 302 to
    /// `/hello`; `/cookie` sets `sid=abc`; anything else → "ok".
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let accept_log = Arc::clone(&log);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = Arc::clone(&accept_log);
                thread::spawn(move || serve(stream, &log));
            }
        });
        Server { url, log }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().expect("log").clone()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>) {
    let _ = stream.set_nodelay(true);
    let Ok(mut out) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0usize);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let seen = Seen { method, target, headers, body };
        log.lock().expect("log").push(seen.clone());
        let path = seen.target.split('?').next().unwrap_or("");
        let (status, extra, payload): (&str, &str, Vec<u8>) = match path {
            "/" => ("200 OK", "", b"Success".to_vec()),
            "/nope" => ("200 OK", "", b"Nope".to_vec()),
            "/missing" => ("404 Not Found", "", b"no".to_vec()),
            "/error" => ("500 Internal Server Error", "", b"oops".to_vec()),
            "/json" => (
                "200 OK",
                "Content-Type: application/json\r\n",
                br#"{"a":[1,2],"b":"x","n":null}"#.to_vec(),
            ),
            "/echo" => {
                let json = serde_json::json!({
                    "method": seen.method,
                    "target": seen.target,
                    "headers": seen.headers,
                    "body": String::from_utf8_lossy(&seen.body),
                });
                ("200 OK", "Content-Type: application/json\r\n", json.to_string().into_bytes())
            }
            "/redirect" => ("302 Found", "Location: /hello\r\n", Vec::new()),
            "/cookie" => ("200 OK", "Set-Cookie: sid=abc; Path=/\r\n", b"ok".to_vec()),
            _ => ("200 OK", "", b"ok".to_vec()),
        };
        let mut response = format!(
            "HTTP/1.1 {status}\r\n{extra}X-Multi: a\r\nx-multi: b\r\nContent-Length: {}\r\n\r\n",
            payload.len()
        )
        .into_bytes();
        response.extend_from_slice(&payload);
        if out.write_all(&response).is_err() {
            return;
        }
    }
}

/// A port on loopback where nothing listens.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    url
}

/// A run of a script: the engine's control and a way to wait on its stats.
pub struct Run {
    pub control: Control,
}

pub const DEADLINE: Duration = Duration::from_secs(20);

impl Run {
    pub fn start(src: &str, host: Option<&str>, users: u32) -> Run {
        Run::start_with(src, host, users, ScenarioLimits::default())
    }

    pub fn start_with(src: &str, host: Option<&str>, users: u32, limits: ScenarioLimits) -> Run {
        let scenario = match LuaScenario::from_source_with("test.lua", src, limits) {
            Ok(s) => s,
            Err(e) => panic!("script failed to load: {e}"),
        };
        let config =
            RunConfig { shards: 1, host: host.map(str::to_string), ..RunConfig::default() };
        let control = match Runner::start(config, Arc::new(scenario)) {
            Ok(c) => c,
            Err(e) => panic!("engine failed to start: {e}"),
        };
        control.swarm(users, 1000.0).expect("swarm");
        Run { control }
    }

    /// Poll the merged stats until `done` holds (panics after [`DEADLINE`]).
    pub fn wait_for(&self, what: &str, done: impl Fn(&StatsSnapshot) -> bool) -> StatsSnapshot {
        let deadline = Instant::now() + DEADLINE;
        loop {
            self.control.flush_stats();
            let snap = self.control.snapshot();
            if done(&snap) {
                return snap;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}: {}", describe(&snap));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stop everything and return the final stats.
    pub fn finish(self) -> StatsSnapshot {
        self.control.shutdown();
        self.control.snapshot()
    }
}

/// Requests of (method, name) so far.
pub fn count(snap: &StatsSnapshot, method: &str, name: &str) -> u64 {
    snap.entries.iter().find(|e| e.method == method && e.name == name).map_or(0, |e| e.num_requests)
}

/// Failures of (method, name) so far.
pub fn failures(snap: &StatsSnapshot, method: &str, name: &str) -> u64 {
    snap.entries.iter().find(|e| e.method == method && e.name == name).map_or(0, |e| e.num_failures)
}

/// The error texts recorded for (method, name).
pub fn errors(snap: &StatsSnapshot, method: &str, name: &str) -> Vec<String> {
    snap.errors
        .iter()
        .filter(|e| e.method == method && e.name == name)
        .map(|e| e.error.clone())
        .collect()
}

pub fn describe(snap: &StatsSnapshot) -> String {
    let entries: Vec<String> = snap
        .entries
        .iter()
        .map(|e| format!("{} {} n={} f={}", e.method, e.name, e.num_requests, e.num_failures))
        .collect();
    let errors: Vec<String> =
        snap.errors.iter().map(|e| format!("{} {}: {}", e.method, e.name, e.error)).collect();
    let exceptions: Vec<String> = snap.exceptions.iter().map(|e| e.message.clone()).collect();
    format!("entries {entries:?}\nerrors {errors:?}\nexceptions {exceptions:?}")
}

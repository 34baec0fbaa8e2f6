//! `cicada --worker` under a real Python Locust 2.47 master: the master drives the ramp and
//! its final stats hold exactly the requests the cicada worker made.
//!
//! Needs the Python environment from `scripts/python-env.sh` (`CICADA_PYTHON`).

use std::time::Duration;

use crate::util::{self, CliProcess, LocustProcess, TempDir, TestServer};

/// The master's locustfile: only the class name matters (the master never runs users);
/// it must equal the Lua class name, as with boomer's dummy.py.
const MASTER_PY: &str = r#"
from locust import HttpUser, constant, task

class Web(HttpUser):
    wait_time = constant(1)

    @task
    def index(self):
        self.client.get("/hello")
"#;

/// Each user makes 25 requests and stops itself, well before the run ends: a request still
/// in flight when the master quits would reach the server but never be recorded (a stopped
/// user's task is cancelled, as in Locust), and the counts must match exactly.
const WORKER_LUA: &str = r#"
local cicada = require("cicada")
local User = cicada.HttpUser:extend("Web", { wait_time = cicada.constant(0.01) })
User:task(function(self)
  self.client:get("/hello")
  self.done = (self.done or 0) + 1
  if self.done >= 25 then
    error(cicada.StopUser)
  end
end)
"#;

/// A Python master for `users` users over `run_time`, writing its final stats to
/// `<dir>/m.json` — the final JSON, not the CSV: Locust's CSV writer has no final write, so
/// its files can miss the last second of requests.
fn start_master(dir: &TempDir, port: u16, users: u32, run_time: &str) -> LocustProcess {
    dir.write("master.py", MASTER_PY);
    let (port, users) = (port.to_string(), users.to_string());
    let args = [
        "-f",
        "master.py",
        "--master",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        &port,
        "--headless",
        "--expect-workers",
        "1",
        "-u",
        &users,
        "-r",
        &users,
        "-t",
        run_time,
        "--json-file",
        "m",
    ];
    LocustProcess::start(dir.path(), "master", &args)
}

/// The requests in the master's final `--json-file` (every entry's `num_requests`).
fn master_request_count(dir: &TempDir) -> u64 {
    let text = std::fs::read_to_string(dir.path().join("m.json")).expect("m.json");
    let entries: serde_json::Value = serde_json::from_str(&text).expect("the master's JSON");
    let entries = entries.as_array().expect("a JSON array of entries");
    entries.iter().map(|e| e["num_requests"].as_u64().expect("num_requests")).sum()
}

fn start_worker(script: &util::Script, port: u16, server: &TestServer) -> CliProcess {
    let port = port.to_string();
    let url = server.url();
    let args = ["-f", script.path_str(), "--worker", "--master-port", &port, "-H", &url];
    CliProcess::spawn_with(&[&args[..], &["--processes", "2"]].concat(), |cmd| {
        cmd.env_remove("LOCUST_MASTER_NODE_HOST");
    })
}

#[test]
fn a_python_master_counts_every_request_of_a_cicada_worker() {
    let server = TestServer::start();
    let script = util::write_script("worker.lua", WORKER_LUA);
    let dir = TempDir::new();
    let port = util::free_port();
    let mut master = start_master(&dir, port, 4, "4s");
    let worker = start_worker(&script, port, &server);
    let code = master.wait(Duration::from_secs(30));
    let worker = worker.wait(Duration::from_secs(10));
    assert_eq!(code, 0, "{}", master.log());
    assert_eq!(worker.code, Some(0), "{}", worker.dump());
    assert!(worker.stderr.contains("Got quit message from master"), "{}", worker.dump());
    let log = master.log();
    assert!(log.contains("All users spawned"), "{log}");
    let served = server.count("GET", "/hello");
    assert_eq!(served, 4 * 25, "every user makes 25 requests\n{}", worker.dump());
    // The worker sends its last stats before `quit`, so the master has every request.
    assert_eq!(master_request_count(&dir), served, "{log}\n{}", worker.dump());
}

#[test]
fn a_worker_started_first_joins_the_master_when_it_comes_up() {
    let server = TestServer::start();
    let script = util::write_script("worker.lua", WORKER_LUA);
    let dir = TempDir::new();
    let port = util::free_port();
    let mut worker = start_worker(&script, port, &server);
    worker.wait_for_stderr("the first client_ready", util::DEADLINE, |e| {
        e.contains("Connecting to master")
    });
    let mut master = start_master(&dir, port, 2, "2s");
    let code = master.wait(Duration::from_secs(30));
    let worker = worker.wait(Duration::from_secs(10));
    assert_eq!(code, 0, "{}", master.log());
    assert_eq!(worker.code, Some(0), "{}", worker.dump());
    let served = server.count("GET", "/hello");
    assert_eq!(served, 2 * 25, "every user makes 25 requests\n{}", worker.dump());
    assert_eq!(master_request_count(&dir), served, "{}", master.log());
}

#[test]
fn run_time_belongs_on_the_master() {
    let script = util::write_script("worker.lua", WORKER_LUA);
    let out = util::cicada(&["-f", script.path_str(), "--worker", "-t", "5s"]);
    assert_eq!(out.code, Some(1), "{}", out.dump());
    assert!(
        out.stderr.contains("--run-time should be specified on the master node"),
        "{}",
        out.dump()
    );
}

//! `cicada --master` driving real Python Locust 2.47 workers over ZMTP: users dealt as a
//! Locust master deals them, the workers' stats merged into the master's tables and CSV,
//! and the workers sent home with `quit` at the end of `-t`.
//!
//! Python comes from `$CICADA_PYTHON` (`util::python`; `scripts/test.sh` sets it).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{CliProcess, TempDir, TestServer};

/// Requests each Python user makes before it stops itself, so the count is exact.
const REQUESTS_PER_USER: u64 = 5;

/// A port nobody listens on now (Python workers need it before the master starts).
/// A Python Locust worker, killed if the test fails before it exits.
struct PyWorker {
    child: Child,
    stderr: Arc<Mutex<String>>,
    reader: Option<thread::JoinHandle<()>>,
}

impl PyWorker {
    fn start(python: &str, locustfile: &str, port: u16) -> PyWorker {
        let mut child = Command::new(python)
            .args(["-m", "locust", "-f", locustfile, "--worker", "--master-host", "127.0.0.1"])
            .args(["--master-port", &port.to_string()])
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} -m locust: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        let into = Arc::clone(&stderr);
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    return;
                }
                into.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        PyWorker { child, stderr, reader: Some(reader) }
    }

    /// Wait for the worker to exit on its own; its exit code and stderr.
    fn wait(mut self, timeout: Duration) -> (Option<i32>, String) {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                if let Some(r) = self.reader.take() {
                    let _ = r.join();
                }
                return (status.code(), self.stderr.lock().unwrap().clone());
            }
            if start.elapsed() > timeout {
                panic!(
                    "the Python worker did not exit within {timeout:?}\n--- stderr ---\n{}",
                    self.stderr.lock().unwrap()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PyWorker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The value of `column` in the row named `name` of a Locust stats CSV.
fn csv_value(csv: &str, name: &str, column: &str) -> String {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = header.iter().position(|h| *h == column).expect("the column");
    let name_col = header.iter().position(|h| *h == "Name").expect("a Name column");
    let row = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r.get(name_col) == Some(&name))
        .unwrap_or_else(|| panic!("no {name} row in\n{csv}"));
    row[col].to_owned()
}

#[test]
fn python_workers_under_a_cicada_master() {
    let python = crate::util::python();
    let python = python.to_str().expect("a UTF-8 path");
    let server = TestServer::start();
    let dir = TempDir::new();
    // The master reads only the class names and weights; the workers run the Python class.
    let lua = dir.write(
        "master.lua",
        r#"local cicada = require("cicada")
local User = cicada.HttpUser:extend("WebUser")
User:task(function(self) self.client:get("/p/dist") end)
"#,
    );
    let py = dir.write(
        "worker.py",
        &format!(
            r#"import logging
from locust import HttpUser, constant, task
from locust.exception import StopUser

class WebUser(HttpUser):
    wait_time = constant(0.01)
    done = 0

    def on_start(self):
        logging.info("cicada-test: user started")

    @task
    def hit(self):
        self.client.get("/p/dist")
        self.done += 1
        if self.done >= {REQUESTS_PER_USER}:
            raise StopUser()
"#
        ),
    );
    let port = crate::util::free_port().to_string();
    let prefix = dir.path().join("m");
    let master = CliProcess::spawn(&[
        "-f",
        lua.to_str().unwrap(),
        "--master",
        "--headless",
        "-u",
        "4",
        "-r",
        "4",
        "-t",
        "4s",
        "--expect-workers",
        "2",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        &port,
        "-H",
        &server.url(),
        "--csv",
        prefix.to_str().unwrap(),
    ]);
    let workers = [
        PyWorker::start(python, py.to_str().unwrap(), port.parse().unwrap()),
        PyWorker::start(python, py.to_str().unwrap(), port.parse().unwrap()),
    ];
    let out = master.wait(Duration::from_secs(40));
    assert_eq!(out.code, Some(0), "master stderr:\n{}", out.stderr);
    for line in [
        "Sending spawn jobs of 4 users at 4.00 spawn rate to 2 ready workers",
        "All users spawned: {\"WebUser\": 4} (4 total users)",
        "--run-time limit reached",
    ] {
        assert!(out.stderr.contains(line), "no {line:?} in the master's log:\n{}", out.stderr);
    }
    for w in workers {
        let (code, stderr) = w.wait(Duration::from_secs(15));
        assert_eq!(code, Some(0), "worker stderr:\n{stderr}");
        assert!(stderr.contains("Got quit message from master"), "worker stderr:\n{stderr}");
        // Dealt as Locust deals 4 users over 2 workers: 2 each.
        assert_eq!(stderr.matches("cicada-test: user started").count(), 2, "{stderr}");
    }
    let expected = 4 * REQUESTS_PER_USER;
    assert_eq!(server.count("GET", "/p/dist"), expected);
    let csv =
        std::fs::read_to_string(format!("{}_stats.csv", prefix.display())).expect("stats csv");
    assert_eq!(csv_value(&csv, "Aggregated", "Request Count"), expected.to_string(), "{csv}");
    assert_eq!(csv_value(&csv, "/p/dist", "Request Count"), expected.to_string(), "{csv}");
    assert_eq!(csv_value(&csv, "/p/dist", "Failure Count"), "0", "{csv}");
}

#[test]
fn a_master_with_no_workers_gives_up_after_the_max_wait() {
    let dir = TempDir::new();
    let lua = dir.write(
        "master.lua",
        "local cicada = require(\"cicada\")\ncicada.HttpUser:extend(\"WebUser\"):task(function() end)\n",
    );
    let port = crate::util::free_port().to_string();
    let lua = lua.to_str().unwrap();
    let base = ["-f", lua, "--master", "--headless", "--master-bind-port", &port];
    let out = crate::util::cicada(&[&base[..], &["--expect-workers-max-wait", "1"]].concat());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("Gave up waiting for workers to connect"), "{}", out.stderr);

    let out = crate::util::cicada(&[&base[..], &["--worker"]].concat());
    assert_eq!(out.code, Some(255), "{}", out.stderr);
    assert!(out.stderr.contains("The --master argument cannot be combined with --worker"));

    let out = crate::util::cicada(&[&base[..], &["--expect-workers", "0"]].concat());
    assert_eq!(out.code, Some(255), "{}", out.stderr);
    assert!(out
        .stderr
        .contains("Invalid --expect-workers argument (0), must be a positive number"));
}

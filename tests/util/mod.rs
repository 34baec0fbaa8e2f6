//! Fixtures shared by the end-to-end tests: a loopback HTTP server ([`server`]), scripts in
//! temporary files, the `cicada` binary run with a time limit, an in-process engine run, and
//! a parser for the console stats table.
//!
//! Nothing here sleeps to synchronise: every wait polls an exact condition with a deadline,
//! and panics with what it saw when the deadline passes, so a hang fails a test instead of
//! blocking CI.

pub mod locust;
pub mod server;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cicada_engine::stats::{ErrorStats, RequestStats};
use cicada_engine::{Control, RunConfig, RunEvent, StatsSnapshot};

pub use locust::LocustProcess;
pub use server::TestServer;

/// The longest any single wait in a test may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Lua helpers most scripts start with. `after(self, k)` counts one iteration of the user
/// and stops it (Locust's `StopUser`) once it has done `k`, so request counts are exact.
pub const PRELUDE: &str = r#"local cicada = require("cicada")
local function after(self, k)
  self.iterations = (self.iterations or 0) + 1
  if self.iterations >= k then
    error(cicada.StopUser)
  end
end
"#;

/// `PRELUDE` followed by `body`, with each `$NAME` in `body` replaced by its value.
pub fn lua(body: &str, vars: &[(&str, &dyn ToString)]) -> String {
    let mut body = body.to_owned();
    for (name, value) in vars {
        body = body.replace(&format!("${name}"), &value.to_string());
    }
    format!("{PRELUDE}{body}")
}

// ---------------------------------------------------------------------------------------
// Waiting

/// Poll `cond` every few milliseconds until it holds; after `timeout`, panic with `what` and
/// whatever `describe` reports.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut cond: impl FnMut() -> bool,
    describe: impl FnOnce() -> String,
) {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}; {}", describe());
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Run `f` on its own thread and give up (panic) if it takes longer than `timeout`: an engine
/// call that hangs must fail the test, not block it.
pub fn within<T: Send + 'static>(
    what: &str,
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(format!("within: {what}"))
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn a thread");
    match rx.recv_timeout(timeout) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not finish within {timeout:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

// ---------------------------------------------------------------------------------------
// Scripts on disk

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// A directory of its own under the system temp dir, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "cicada-e2e-{}-{}-{nanos}",
            std::process::id(),
            UNIQUE.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("create a temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write `contents` to `name` in this directory and return its path.
    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, contents).expect("write a file in the temp dir");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A script written to `<fresh temp dir>/<name>`; the directory goes when this is dropped.
pub struct Script {
    /// Holds the directory until the script is dropped.
    _dir: TempDir,
    pub path: PathBuf,
}

impl Script {
    pub fn path_str(&self) -> &str {
        self.path.to_str().expect("temp paths are UTF-8")
    }
}

pub fn write_script(name: &str, source: &str) -> Script {
    let dir = TempDir::new();
    let path = dir.write(name, source);
    Script { _dir: dir, path }
}

// ---------------------------------------------------------------------------------------
// The binary

/// What a finished `cicada` process left behind.
#[derive(Debug)]
pub struct CliOutput {
    /// The exit code, or None if a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    /// For assertion messages.
    pub fn dump(&self) -> String {
        format!(
            "exit code {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// The last request table printed to stderr (the final report in a headless run).
    pub fn final_table(&self) -> Table {
        match request_tables(&self.stderr).pop() {
            Some(t) => t,
            None => panic!("no stats table in stderr\n{}", self.dump()),
        }
    }
}

/// A running `cicada` process whose output is collected as it arrives.
pub struct CliProcess {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<thread::JoinHandle<()>>,
}

/// The time any `cicada` run may take before the test kills it and fails.
pub const CLI_TIMEOUT: Duration = Duration::from_secs(60);

/// Run `cicada args…` to completion (killed, and the test failed, after [`CLI_TIMEOUT`]).
pub fn cicada(args: &[&str]) -> CliOutput {
    CliProcess::spawn(args).wait(CLI_TIMEOUT)
}

impl CliProcess {
    pub fn spawn(args: &[&str]) -> CliProcess {
        CliProcess::spawn_with(args, |_| {})
    }

    /// Like [`CliProcess::spawn`], with `setup` adjusting the command first (working
    /// directory, environment).
    pub fn spawn_with(args: &[&str], setup: impl FnOnce(&mut Command)) -> CliProcess {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cicada"));
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // Locust's console width rule: not a terminal means a name column of 80.
        cmd.env_remove("COLUMNS");
        setup(&mut cmd);
        let mut child =
            cmd.spawn().unwrap_or_else(|e| panic!("cannot start the cicada binary: {e}"));
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().expect("piped stdout"), stdout.clone()),
            collect(child.stderr.take().expect("piped stderr"), stderr.clone()),
        ];
        CliProcess { child, stdout, stderr, readers }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Wait until stderr so far satisfies `cond` (the process is killed if it never does).
    pub fn wait_for_stderr(&mut self, what: &str, timeout: Duration, cond: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            if cond(&self.stderr()) {
                return;
            }
            let exited = matches!(self.child.try_wait(), Ok(Some(_)));
            if exited || start.elapsed() > timeout {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "waiting for {what} on stderr: {}\n--- stderr ---\n{}",
                    if exited { "the process exited first" } else { "timed out" },
                    self.stderr()
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Send a signal by name (`INT`, `TERM`) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill(1)");
        assert!(status.success(), "kill -{name} {} failed", self.pid());
    }

    /// Wait for the process to exit; kill it and fail the test after `timeout`.
    pub fn wait(mut self, timeout: Duration) -> CliOutput {
        let start = Instant::now();
        let status: ExitStatus = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if start.elapsed() > timeout => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    for r in self.readers.drain(..) {
                        let _ = r.join();
                    }
                    panic!(
                        "cicada did not exit within {timeout:?}; killed it\n--- stderr ---\n{}",
                        self.stderr()
                    );
                }
                Ok(None) => thread::sleep(Duration::from_millis(10)),
                Err(e) => panic!("waiting for cicada: {e}"),
            }
        };
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        let take = |s: &Arc<Mutex<String>>| s.lock().unwrap_or_else(|e| e.into_inner()).clone();
        CliOutput { code: status.code(), stdout: take(&self.stdout), stderr: take(&self.stderr) }
    }
}

impl Drop for CliProcess {
    fn drop(&mut self) {
        // Only while unwinding from a failed assertion: never leave a cicada running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect(pipe: impl Read + Send + 'static, into: Arc<Mutex<String>>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => into
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&String::from_utf8_lossy(&line)),
            }
        }
    })
}

// ---------------------------------------------------------------------------------------
// The console table

/// One row of Locust's request table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The method (`GET`), or empty for the Aggregated row.
    pub kind: String,
    pub name: String,
    pub reqs: u64,
    pub fails: u64,
}

/// One request table: its rows in printed order and the Aggregated row.
#[derive(Debug, Clone)]
pub struct Table {
    pub rows: Vec<Row>,
    pub aggregated: Row,
}

impl Table {
    pub fn row(&self, kind: &str, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.kind == kind && r.name == name)
    }
}

const REQUEST_HEADER_START: &str = "Type     Name";

/// Every request table in `stderr` (periodic ones and the final one), in order.
pub fn request_tables(stderr: &str) -> Vec<Table> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut tables = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let is_request_header = lines[i].starts_with(REQUEST_HEADER_START)
            && lines[i].contains("# reqs")
            && lines[i].contains("# fails");
        if !is_request_header {
            i += 1;
            continue;
        }
        // Header, separator, rows, separator, Aggregated.
        let mut j = i + 2;
        let mut rows = Vec::new();
        while j < lines.len() && !lines[j].starts_with("--------|") {
            if let Some(row) = parse_row(lines[j]) {
                rows.push(row);
            }
            j += 1;
        }
        if let Some(aggregated) = lines.get(j + 1).and_then(|l| parse_row(l)) {
            tables.push(Table { rows, aggregated });
        }
        i = j + 1;
    }
    tables
}

/// `GET      /name      12     1(8.33%) | …` → Row.
pub fn parse_row(line: &str) -> Option<Row> {
    let before_pipe = &line[..line.find('|')?];
    let (kind, rest) = if let Some(rest) = before_pipe.strip_prefix("         ") {
        ("", rest)
    } else {
        let (kind, rest) = before_pipe.split_once(' ')?;
        (kind, rest)
    };
    let (rest, fails) = rest.trim_end().rsplit_once(' ')?;
    let (name, reqs) = rest.trim_end().rsplit_once(' ')?;
    let fails = fails.split('(').next()?.parse().ok()?;
    Some(Row {
        kind: kind.to_owned(),
        name: name.trim().to_owned(),
        reqs: reqs.parse().ok()?,
        fails,
    })
}

// ---------------------------------------------------------------------------------------
// In-process runs

/// Load `source` as a Lua scenario named `name`, failing the test with the script error.
pub fn scenario(name: &str, source: &str) -> cicada_scripting::LuaScenario {
    match cicada_scripting::LuaScenario::from_source(name, source) {
        Ok(s) => s,
        Err(e) => panic!("the test script does not load: {e}\n--- script ---\n{source}"),
    }
}

/// A config for a run against `host` with `shards` shards; tests adjust the rest.
pub fn config(host: &str, shards: usize) -> RunConfig {
    RunConfig { shards, host: Some(host.to_owned()), ..Default::default() }
}

/// Run `source` against `host` with one user on one shard until exactly `requests` requests
/// are counted, then stop; returns the final stats.
pub fn one_user(source: &str, host: &str, requests: u64) -> StatsSnapshot {
    let run = start(source, config(host, 1));
    run.swarm_all(1);
    run.wait_stats(&format!("{requests} requests"), |s| s.total.num_requests == requests);
    run.finish()
}

/// An engine running a Lua scenario in this process. Shut down on drop if the test did not.
pub struct Run {
    pub control: Control,
    finished: bool,
}

/// Start the engine on `source` (no users yet).
pub fn start(source: &str, config: RunConfig) -> Run {
    let scenario = scenario("test.lua", source);
    let control = match cicada_engine::Runner::start(config, Arc::new(scenario)) {
        Ok(c) => c,
        Err(e) => panic!("the engine did not start: {e}"),
    };
    Run::new(control)
}

impl Run {
    /// Take over a started engine (for scenarios not written in Lua).
    pub fn new(control: Control) -> Run {
        Run { control, finished: false }
    }

    /// Ramp to `users` at `rate` per second.
    pub fn swarm(&self, users: u32, rate: f64) {
        self.control.swarm(users, rate).expect("a valid swarm");
    }

    /// Start with `users` users, all at once.
    pub fn swarm_all(&self, users: u32) {
        self.swarm(users, 1000.0);
    }

    /// The merged stats, made exact first.
    pub fn exact_snapshot(&self) -> StatsSnapshot {
        let control = self.control.clone();
        within("flush_stats", DEADLINE, move || {
            control.flush_stats();
            control.snapshot()
        })
    }

    /// Poll the exact stats until `cond` holds; returns that snapshot.
    pub fn wait_stats(&self, what: &str, cond: impl Fn(&StatsSnapshot) -> bool) -> StatsSnapshot {
        let start = Instant::now();
        loop {
            let snap = self.exact_snapshot();
            if cond(&snap) {
                return snap;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; stats:\n{}", describe(&snap));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait for the next event matching `pick` (other events are skipped).
    pub fn wait_event<T>(&self, what: &str, pick: impl Fn(&RunEvent) -> Option<T>) -> T {
        let start = Instant::now();
        let mut seen = Vec::new();
        loop {
            let left = DEADLINE.saturating_sub(start.elapsed());
            match self.control.events().recv_timeout(left) {
                Ok(ev) => match pick(&ev) {
                    Some(v) => return v,
                    None => seen.push(ev),
                },
                Err(_) => panic!("no {what} event within {DEADLINE:?}; saw {seen:?}"),
            }
        }
    }

    /// Wait until the running users per class are `expected` (classes with none may be
    /// left out). Shards report their users as they start them, a moment after the ramp's
    /// `SpawningComplete`.
    pub fn wait_users(&self, expected: &[(&str, u32)]) {
        let current = || {
            let mut counts = self.control.user_counts();
            counts.retain(|(_, n)| *n > 0);
            counts
        };
        let want: Vec<(String, u32)> =
            expected.iter().filter(|(_, n)| *n > 0).map(|(c, n)| (c.to_string(), *n)).collect();
        wait_until(
            &format!("the users {want:?}"),
            DEADLINE,
            || current() == want,
            || format!("running: {:?}", self.control.user_counts()),
        );
    }

    /// Stop every user (with a deadline) and return how long it took.
    pub fn stop(&self) -> Duration {
        let control = self.control.clone();
        let start = Instant::now();
        within("Control::stop", DEADLINE, move || control.stop());
        start.elapsed()
    }

    /// Stop, shut down and return the exact final stats.
    pub fn finish(mut self) -> StatsSnapshot {
        self.finished = true;
        let control = self.control.clone();
        within("stop, shutdown and flush", DEADLINE, move || {
            control.stop();
            control.shutdown();
            control.flush_stats();
            control.snapshot()
        })
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if !self.finished {
            // Usually a failing test unwinding: end the shards, but never hang here.
            let control = self.control.clone();
            let (tx, rx) = mpsc::channel();
            thread::spawn(move || {
                control.shutdown();
                let _ = tx.send(());
            });
            let _ = rx.recv_timeout(Duration::from_secs(10));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reading stats

/// The entry for (method, name), if any.
pub fn entry<'a>(snap: &'a StatsSnapshot, method: &str, name: &str) -> Option<&'a RequestStats> {
    snap.entries.iter().find(|e| e.method == method && e.name == name)
}

/// Requests counted for (method, name); 0 if there is no such entry.
pub fn reqs(snap: &StatsSnapshot, method: &str, name: &str) -> u64 {
    entry(snap, method, name).map_or(0, |e| e.num_requests)
}

/// Failures counted for (method, name); 0 if there is no such entry.
pub fn fails(snap: &StatsSnapshot, method: &str, name: &str) -> u64 {
    entry(snap, method, name).map_or(0, |e| e.num_failures)
}

/// The error rows for (method, name).
pub fn errors_of<'a>(snap: &'a StatsSnapshot, method: &str, name: &str) -> Vec<&'a ErrorStats> {
    snap.errors.iter().filter(|e| e.method == method && e.name == name).collect()
}

/// Everything in a snapshot, for assertion messages.
pub fn describe(snap: &StatsSnapshot) -> String {
    let mut out = String::new();
    for e in &snap.entries {
        out.push_str(&format!(
            "  {} {}: {} reqs, {} fails, {} bytes\n",
            e.method, e.name, e.num_requests, e.num_failures, e.total_content_length
        ));
    }
    out.push_str(&format!(
        "  total: {} reqs, {} fails\n",
        snap.total.num_requests, snap.total.num_failures
    ));
    for e in &snap.errors {
        out.push_str(&format!("  error {} {}: {} x{}\n", e.method, e.name, e.error, e.occurrences));
    }
    for e in &snap.exceptions {
        out.push_str(&format!("  exception x{}: {}\n{}\n", e.count, e.message, e.traceback));
    }
    out
}

/// Fail the test if user code raised anything (scripts check responses with `error(...)`).
pub fn assert_no_exceptions(snap: &StatsSnapshot) {
    assert!(snap.exceptions.is_empty(), "the script raised errors:\n{}", describe(snap));
}

/// Bind a port, then free it: connecting there is refused.
pub fn dead_port() -> u16 {
    free_port()
}

/// A loopback port that was free a moment ago, for a server the test starts itself (a
/// Locust master told where to bind, say).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

// ---------------------------------------------------------------------------------------
// Python

/// The Python that has real Locust 2.47.0 and pyzmq, for interop tests: `$CICADA_PYTHON`,
/// which `scripts/test.sh` sets. Never skipped: without it the test fails and says how to
/// get one.
pub fn python() -> PathBuf {
    let hint = "the interop tests run real Locust/pyzmq; run \
                `export CICADA_PYTHON=\"$(scripts/python-env.sh)\"` (it creates \
                target/python-env once) and run the tests again, or run scripts/test.sh";
    match std::env::var_os("CICADA_PYTHON") {
        Some(p) if Path::new(&p).is_file() => PathBuf::from(p),
        Some(p) => panic!("CICADA_PYTHON={} is not a file; {hint}", Path::new(&p).display()),
        None => panic!("CICADA_PYTHON is not set; {hint}"),
    }
}

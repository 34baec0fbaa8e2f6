//! A cicada master driving cicada workers, each a real process on loopback: users split as
//! Locust splits them, exact merged counts, a worker killed with SIGKILL marked missing and
//! its users re-dealt, and a worker joining a running test given its share.
//!
//! Every worker runs the same script; `CICADA_TEST_WORKER` names it in the request paths,
//! so the server's log says which worker made each request. A user requests
//! `/p/start/<worker>` in `on_start` and `/p/stop/<worker>` in `on_stop` (which always
//! runs), so the users running on a worker at any moment are the difference of the two.

use std::time::{Duration, Instant};

use crate::util::{self, CliProcess, TempDir, TestServer};

/// Users stop themselves after this many requests, so nothing is in flight when the master
/// quits and the counts are exact (a stopped user's task is cancelled, as in Locust).
const REQUESTS_PER_USER: u64 = 10;

/// Users that stop themselves after [`REQUESTS_PER_USER`] requests to `/p/<worker>`.
const COUNTED: &str = r#"
local tag = os.getenv("CICADA_TEST_WORKER")
local User = cicada.HttpUser:extend("Web", { wait_time = cicada.constant(0.01) })
User:task(function(self)
  self.client:get("/p/" .. tag)
  after(self, $K)
end)
"#;

/// Users that run until stopped, announcing their start and stop.
const STEADY: &str = r#"
local tag = os.getenv("CICADA_TEST_WORKER")
local User = cicada.HttpUser:extend("Web", { wait_time = cicada.constant(0.05) })
function User:on_start() self.client:get("/p/start/" .. tag) end
function User:on_stop() self.client:get("/p/stop/" .. tag) end
User:task(function(self) self.client:get("/p/run/" .. tag) end)
"#;

/// One cicada master and its cicada workers against one server; every process is killed if
/// the test fails first (`CliProcess`'s drop).
struct Cluster {
    dir: TempDir,
    server: TestServer,
    port: String,
    script: String,
}

impl Cluster {
    fn new(source: &str) -> Cluster {
        let dir = TempDir::new();
        let script = dir.write("locustfile.lua", source);
        let script = script.to_str().expect("UTF-8 temp paths").to_owned();
        Cluster { dir, server: TestServer::start(), port: util::free_port().to_string(), script }
    }

    /// `cicada --master --headless -u 6 -r 6` plus `extra`, writing `--csv <dir>/m`.
    fn master(&self, extra: &[&str]) -> CliProcess {
        let csv = self.dir.path().join("m");
        let url = self.server.url();
        let args = [
            "-f",
            &self.script,
            "--master",
            "--headless",
            "-u",
            "6",
            "-r",
            "6",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            &self.port,
            "-H",
            &url,
            "--csv",
            csv.to_str().expect("UTF-8 temp paths"),
        ];
        CliProcess::spawn(&[&args[..], extra].concat())
    }

    /// `cicada --worker --processes 1` named `tag` in its requests.
    fn worker(&self, tag: &str) -> CliProcess {
        let url = self.server.url();
        let args = ["-f", &self.script, "--worker", "--processes", "1"];
        let args = [&args[..], &["--master-port", &self.port, "-H", &url]].concat();
        CliProcess::spawn_with(&args, |cmd| {
            cmd.env("CICADA_TEST_WORKER", tag).env_remove("LOCUST_MASTER_NODE_HOST");
        })
    }

    /// Users running on worker `tag` now, as the server saw them start and stop.
    fn running(&self, tag: &str) -> i64 {
        let started = self.server.count("GET", &format!("/p/start/{tag}"));
        let stopped = self.server.count("GET", &format!("/p/stop/{tag}"));
        started as i64 - stopped as i64
    }

    /// Wait until the workers run exactly `want` users each (`(tag, users)`).
    fn wait_running(&self, want: &[(&str, i64)], master: &CliProcess) {
        util::wait_until(
            &format!("users per worker {want:?}"),
            util::DEADLINE,
            || want.iter().all(|(tag, n)| self.running(tag) == *n),
            || {
                let seen: Vec<_> = want.iter().map(|(t, _)| (*t, self.running(t))).collect();
                format!("running: {seen:?}\n--- master ---\n{}", master.stderr())
            },
        );
    }
}

/// The identity a worker announced ("Connecting to master … as worker <id>").
fn worker_id(worker: &mut CliProcess) -> String {
    const MARK: &str = " as worker ";
    worker.wait_for_stderr("the worker's identity", util::DEADLINE, |e| e.contains(MARK));
    let stderr = worker.stderr();
    let rest = &stderr[stderr.find(MARK).expect("just seen") + MARK.len()..];
    rest.split_whitespace().next().expect("an id after the mark").to_owned()
}

const SPAWNED_6: &str = "All users spawned: {\"Web\": 6} (6 total users)";

#[test]
fn two_cicada_workers_split_the_users_and_every_request_is_counted() {
    let cluster = Cluster::new(&util::lua(COUNTED, &[("K", &REQUESTS_PER_USER)]));
    let master = cluster.master(&["--expect-workers", "2", "-t", "2s"]);
    let workers = [cluster.worker("w1"), cluster.worker("w2")];
    let out = master.wait(Duration::from_secs(30));
    assert_eq!(out.code, Some(0), "{}", out.dump());
    for line in ["Sending spawn jobs of 6 users at 6.00 spawn rate to 2 ready workers", SPAWNED_6] {
        assert!(out.stderr.contains(line), "no {line:?} in the master's log\n{}", out.dump());
    }
    for w in workers {
        let w = w.wait(Duration::from_secs(10));
        assert_eq!(w.code, Some(0), "{}", w.dump());
        assert!(w.stderr.contains("Got quit message from master"), "{}", w.dump());
    }
    // Locust deals 6 users of one class over two workers 3 and 3.
    for tag in ["/p/w1", "/p/w2"] {
        assert_eq!(cluster.server.count("GET", tag), 3 * REQUESTS_PER_USER, "{tag}");
    }
    // Each worker sends its last stats before `quit`, so the master has every request.
    let served = cluster.server.total();
    assert_eq!(served, 6 * REQUESTS_PER_USER);
    assert_eq!(out.final_table().aggregated.reqs, served, "{}", out.dump());
    let csv = std::fs::read_to_string(cluster.dir.path().join("m_stats.csv")).expect("m_stats.csv");
    let aggregated = csv.lines().find(|l| l.contains(",Aggregated,")).expect("an Aggregated row");
    assert_eq!(aggregated.split(',').nth(2), Some(served.to_string().as_str()), "{csv}");
}

#[test]
fn a_killed_worker_goes_missing_and_its_users_move_to_the_other() {
    let cluster = Cluster::new(&util::lua(STEADY, &[]));
    let mut master =
        cluster.master(&["--expect-workers", "2", "-t", "60s", "--enable-rebalancing"]);
    let mut w1 = cluster.worker("w1");
    let w2 = cluster.worker("w2");
    let id1 = worker_id(&mut w1);
    master.wait_for_stderr("the ramp", util::DEADLINE, |e| e.contains(SPAWNED_6));
    cluster.wait_running(&[("w1", 3), ("w2", 3)], &master);

    w1.signal("KILL");
    let killed = Instant::now();
    // Locust's liveness: 3 missed 1 s ticks, so about 4 s after the last heartbeat.
    let missing = format!("Worker {id1} failed to send heartbeat, setting state to missing.");
    master.wait_for_stderr("the missing worker", Duration::from_secs(10), |e| e.contains(&missing));
    let detected = killed.elapsed();
    assert!(detected < Duration::from_secs(7), "missing only after {detected:?}");
    // With --enable-rebalancing the survivor is dealt every user at once. The ramp completes
    // at 6 only if the missing worker's 3 no longer count (else 9 until the report wait ends).
    master.wait_for_stderr("the re-deal", util::DEADLINE, |e| e.matches(SPAWNED_6).count() == 2);
    let log = master.stderr();
    let redeal = "Sending spawn jobs of 6 users at 6.00 spawn rate to 1 ready workers";
    assert!(log[log.find(&missing).expect("seen")..].contains(redeal), "{log}");
    cluster.wait_running(&[("w2", 6)], &master);

    master.signal("TERM");
    let out = master.wait(util::DEADLINE);
    assert_eq!(out.code, Some(0), "{}", out.dump());
    let w2 = w2.wait(util::DEADLINE);
    assert_eq!(w2.code, Some(0), "{}", w2.dump());
    assert_eq!(cluster.running("w2"), 0, "the survivor stopped its users");
}

#[test]
fn a_worker_joining_a_running_test_gets_its_share() {
    let cluster = Cluster::new(&util::lua(STEADY, &[]));
    // No --enable-rebalancing: Locust re-deals on a join regardless (reference §7.3).
    let mut master = cluster.master(&["--expect-workers", "1", "-t", "60s"]);
    let w1 = cluster.worker("w1");
    master.wait_for_stderr("the ramp", util::DEADLINE, |e| e.contains(SPAWNED_6));
    cluster.wait_running(&[("w1", 6)], &master);

    let w2 = cluster.worker("w2");
    master.wait_for_stderr("the join", util::DEADLINE, |e| {
        e.contains("(index 1) reported as ready. 2 workers connected.")
    });
    cluster.wait_running(&[("w1", 3), ("w2", 3)], &master);
    let log = master.stderr();
    let redeal = "Sending spawn jobs of 6 users at 6.00 spawn rate to 2 ready workers";
    assert!(log.contains(redeal), "{log}");

    master.signal("TERM");
    let out = master.wait(util::DEADLINE);
    assert_eq!(out.code, Some(0), "{}", out.dump());
    for w in [w1, w2] {
        let w = w.wait(util::DEADLINE);
        assert_eq!(w.code, Some(0), "{}", w.dump());
        assert!(w.stderr.contains("Got quit message from master"), "{}", w.dump());
    }
    assert_eq!((cluster.running("w1"), cluster.running("w2")), (0, 0));
}

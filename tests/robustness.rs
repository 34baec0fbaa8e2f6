//! Scripts that misbehave must not take a shard down with them: an endless loop is stopped
//! with its line, a user that never waits or only yields leaves room for the others, and an
//! error in `on_start` ends only that user.

use std::sync::Arc;
use std::time::Duration;

use cicada_scripting::{LuaScenario, ScenarioLimits};

use crate::util::{self, lua, TestServer};

/// A class that does `$K` requests to `/p/worker`, to show the shard still serves others.
const WORKER: &str = r#"
local Worker = cicada.HttpUser:extend("Worker", { fixed_count = 1, wait_time = cicada.constant(0.01) })
Worker:task(function(self)
  self.client:get("/p/worker")
  after(self, $K)
end)
"#;

#[test]
fn an_endless_loop_is_stopped_with_its_line() {
    let server = TestServer::start();
    let script = lua(
        &format!(
            r#"
local Spinner = cicada.HttpUser:extend("Spinner", {{ fixed_count = 1 }})
Spinner:task(function(self)
  self.spins = (self.spins or 0) + 1
  if self.spins > 2 then error(cicada.StopUser) end
  while true do end
end)
{WORKER}"#
        ),
        &[("K", &10)],
    );
    let line = script.lines().position(|l| l.contains("while true do end")).expect("loop") + 1;
    let limits = ScenarioLimits { runaway_after: Duration::from_millis(300) };
    let scenario = match LuaScenario::from_source_with("test.lua", &script, limits) {
        Ok(s) => s,
        Err(e) => panic!("the test script does not load: {e}"),
    };
    let control = cicada_engine::Runner::start(util::config(&server.url(), 1), Arc::new(scenario))
        .expect("the engine starts");
    let run = util::Run::new(control);
    run.swarm_all(2);
    let snap = run.wait_stats("two stopped loops and the worker's requests", |s| {
        s.exceptions.iter().map(|e| e.count).sum::<u64>() == 2
            && util::reqs(s, "GET", "/p/worker") == 10
    });
    run.finish();
    assert_eq!(snap.exceptions.len(), 1, "{}", util::describe(&snap));
    let ex = &snap.exceptions[0];
    let place = format!("test.lua:{line}");
    assert!(
        ex.message.contains(&place) || ex.traceback.contains(&place),
        "{place} in neither {:?} nor {:?}",
        ex.message,
        ex.traceback
    );
}

/// Run `hog` (Lua defining a user class) beside a worker user that makes 20 requests: the
/// worker must get all of them done on the same shard, with no task error.
fn worker_keeps_its_pace_beside(hog: &str) {
    let server = TestServer::start();
    let script = lua(&format!("{hog}\n{WORKER}"), &[("K", &20)]);
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(2);
    let snap = run.wait_stats("the worker's requests", |s| util::reqs(s, "GET", "/p/worker") == 20);
    run.finish();
    util::assert_no_exceptions(&snap);
}

#[test]
fn a_user_that_only_yields_does_not_starve_the_shard() {
    worker_keeps_its_pace_beside(
        r#"
local Yielder = cicada.HttpUser:extend("Yielder", { fixed_count = 1 })
Yielder:task(function(self)
  while true do coroutine.yield() end
end)"#,
    );
}

#[test]
fn a_user_that_never_waits_does_not_starve_the_shard() {
    worker_keeps_its_pace_beside(
        r#"
local Busy = cicada.HttpUser:extend("Busy", { fixed_count = 1, wait_time = cicada.constant(0) })
Busy:task(function(self) self.spins = (self.spins or 0) + 1 end)"#,
    );
}

#[test]
fn an_error_in_on_start_ends_only_that_user() {
    let server = TestServer::start();
    let script = lua(
        &format!(
            r#"
local Broken = cicada.HttpUser:extend("Broken", {{ fixed_count = 1 }})
function Broken:on_start() error("cannot log in") end
function Broken:on_stop() self.client:get("/p/broken-stop") end
Broken:task(function(self) self.client:get("/p/broken-task") end)
{WORKER}"#
        ),
        &[("K", &5)],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(2);
    let snap = run.wait_stats("the worker's requests and the error", |s| {
        util::reqs(s, "GET", "/p/worker") == 5 && !s.exceptions.is_empty()
    });
    run.finish();
    // Like Locust: a user whose on_start raised runs no task.
    assert_eq!(server.count("GET", "/p/broken-task"), 0, "{:?}", server.lines());
    assert_eq!(snap.exceptions.len(), 1, "{}", util::describe(&snap));
    assert!(snap.exceptions[0].message.contains("cannot log in"), "{}", util::describe(&snap));
}

#[test]
fn large_bodies_go_both_ways_intact() {
    let server = TestServer::start();
    const MB: usize = 1 << 20;
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Big")
User:task(function(self)
  local down = self.client:get("/bytes/$MB")
  if #down.text ~= $MB then error("downloaded " .. #down.text .. " bytes") end
  local up = self.client:post("/echo", { data = string.rep("y", $MB) })
  if #up.text ~= $MB then error("echoed " .. #up.text .. " bytes") end
  after(self, 2)
end)
"#,
        &[("MB", &MB)],
    );
    let snap = util::one_user(&script, &server.url(), 4);
    util::assert_no_exceptions(&snap);
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    assert_eq!(snap.total.total_content_length, 4 * MB as u64);
    for r in server.log().iter().filter(|r| r.path == "/echo") {
        assert!(r.body.len() == MB && r.body.iter().all(|&b| b == b'y'));
    }
}

#[test]
fn the_class_host_is_used_without_a_run_host() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Hosted", { host = "$HOST" })
User:task(function(self)
  self.client:get("/hello")
  after(self, 2)
end)
"#,
        &[("HOST", &server.url())],
    );
    let config = cicada_engine::RunConfig { shards: 1, ..Default::default() };
    let run = util::start(&script, config);
    run.swarm_all(1);
    run.wait_stats("2 requests", |s| s.total.num_requests == 2);
    let snap = run.finish();
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    assert_eq!(server.count("GET", "/hello"), 2);
}

#[test]
fn response_times_cover_the_whole_response() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Timed")
User:task(function(self)
  self.client:get("/slow?ms=150", { name = "slow" })
  after(self, 2)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 2);
    let slow = util::entry(&snap, "GET", "slow").expect("a slow entry");
    let min = slow.min_response_time().expect("timed requests");
    assert!(min >= 150.0, "min response time {min} ms for a 150 ms response");
    assert!(slow.max_response_time() < 1000.0, "max {} ms", slow.max_response_time());
    assert!(slow.percentile(0.5) >= 150, "median {}", slow.percentile(0.5));
}

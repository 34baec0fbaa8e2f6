//! Ending a run: the stop timeout, and a script quitting the runner.

use std::time::{Duration, Instant};

use cicada_engine::RunEvent;

use crate::util::{self, lua, TestServer};

/// A task that makes a request, sleeps 1 s, then makes another.
const SLEEPER: &str = r#"
local User = cicada.HttpUser:extend("Sleeper")
User:task(function(self)
  self.client:get("/p/before")
  cicada.sleep(1)
  self.client:get("/p/after")
end)
"#;

/// One SLEEPER user on one shard with this stop timeout, once its first task has begun.
fn sleeper_in_its_task(stop_timeout: Duration) -> (TestServer, util::Run) {
    let server = TestServer::start();
    let mut config = util::config(&server.url(), 1);
    config.stop_timeout = stop_timeout;
    let run = util::start(&lua(SLEEPER, &[]), config);
    run.swarm_all(1);
    util::wait_until(
        "the first request",
        util::DEADLINE,
        || server.count("GET", "/p/before") == 1,
        || server.lines().join(", "),
    );
    (server, run)
}

#[test]
fn stop_timeout_zero_interrupts_the_task_at_once() {
    let (server, run) = sleeper_in_its_task(Duration::ZERO);
    let first = server.log()[0].at;
    let took = run.stop();
    assert!(took < Duration::from_millis(700), "stop took {took:?} with stop_timeout 0");
    run.finish();
    // The interrupted task would have made its second request one second after the first:
    // watch past that moment to be sure it never comes.
    let watch_until = first + Duration::from_millis(1300);
    while Instant::now() < watch_until {
        assert_eq!(server.count("GET", "/p/after"), 0, "the interrupted task went on");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.count("GET", "/p/after"), 0, "the interrupted task went on");
    assert_eq!(server.count("GET", "/p/before"), 1);
}

#[test]
fn stop_timeout_lets_the_current_task_finish() {
    let (server, run) = sleeper_in_its_task(Duration::from_secs(5));
    let took = run.stop();
    assert_eq!(server.count("GET", "/p/after"), 1, "stop returned before the task finished");
    assert!(took < Duration::from_secs(4), "stop took {took:?}: it waited for the timeout");
    let snap = run.finish();
    assert_eq!(server.count("GET", "/p/before"), 1, "no new task starts while stopping");
    assert_eq!(util::reqs(&snap, "GET", "/p/after"), 1, "{}", util::describe(&snap));
}

#[test]
fn stop_timeout_cuts_a_task_that_runs_too_long() {
    let (server, run) = sleeper_in_its_task(Duration::from_millis(300));
    let took = run.stop();
    assert!(took >= Duration::from_millis(250), "stop took only {took:?}");
    assert!(took < Duration::from_millis(900), "stop took {took:?} with a 0.3 s timeout");
    run.finish();
    assert_eq!(server.count("GET", "/p/after"), 0);
}

#[test]
fn runner_quit_ends_the_run() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Quitter")
User:task(function(self)
  self.client:get("/p/q")
  self.runs = (self.runs or 0) + 1
  if self.runs == 3 then self.environment.runner:quit() end
end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(1);
    run.wait_event("QuitRequested", |ev| matches!(ev, RunEvent::QuitRequested).then_some(()));
    let snap = run.finish();
    util::assert_no_exceptions(&snap);
    assert_eq!(util::reqs(&snap, "GET", "/p/q"), server.count("GET", "/p/q"));
    // As in Locust, the task that quits is the last one: nothing runs after it.
    assert_eq!(server.count("GET", "/p/q"), 3, "{:?}", server.lines());
}

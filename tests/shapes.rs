//! Load shapes: a `cicada.LoadTestShape` in the locustfile drives a headless run — its
//! stages set the users, nil ends the run, an error in `tick()` stops it — as Locust's
//! shape worker does. The runs take real seconds: the shapes are timed by their run time.

use std::time::{Duration, Instant};

use crate::util::{cicada, lua, write_script, TestServer};

/// Users that each request `/p/start` once, then `/p/work` every 0.2 s.
const USERS: &str = r#"
local User = cicada.HttpUser:extend("Staged", { wait_time = cicada.constant(0.2) })
function User:on_start() self.client:get("/p/start") end
User:task(function(self) self.client:get("/p/work") end)
"#;

/// `cicada -f <script> -H <server> --headless --processes 2` and `extra`.
fn run(script: &str, server: &TestServer, extra: &[&str]) -> (crate::util::CliOutput, Duration) {
    let script = write_script("shape.lua", &lua(script, &[]));
    let host = server.url();
    let mut args = vec!["-f", script.path_str(), "-H", &host, "--headless", "--processes", "2"];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let out = cicada(&args);
    (out, started.elapsed())
}

/// The position in `stderr` of the first line containing `what` at or after `from`.
fn line_after(stderr: &str, from: usize, what: &str, dump: &str) -> usize {
    match stderr[from..].find(what) {
        Some(at) => from + at,
        None => panic!("no {what:?} after byte {from}\n{dump}"),
    }
}

#[test]
fn a_shape_sets_the_users_stage_by_stage_and_ends_the_run() {
    let server = TestServer::start();
    let script = format!(
        "{USERS}{}",
        r#"
local Stages = cicada.LoadTestShape:extend("Stages")
function Stages:tick()
  local t = self:get_run_time()
  if t < 1.5 then return 2, 50 end
  if t < 3 then return 4, 50 end
  return nil
end
"#
    );
    // -u and -t would end the run after 1 s with 9 users: with a shape they are ignored.
    let (out, took) = run(&script, &server, &["-u", "9", "-r", "50", "-t", "1s"]);
    let dump = out.dump();
    assert_eq!(out.code, Some(0), "{dump}");
    let err = &out.stderr;
    assert!(
        err.contains("The following option(s) will be ignored: --users, --spawn-rate, --run-time"),
        "{dump}"
    );
    let mut at = line_after(err, 0, "Shape test starting.", &dump);
    for what in [
        "Shape test updating to 2 users at 50.00 spawn rate",
        "Ramping to 2 users at a rate of 50.00 per second",
        r#"All users spawned: {"Staged": 2} (2 total users)"#,
        "Shape test updating to 4 users at 50.00 spawn rate",
        r#"All users spawned: {"Staged": 4} (4 total users)"#,
        "Shape test stopping",
        "Shape test completed, shutting down",
        "Shutting down (exit code 0)",
    ] {
        at = line_after(err, at, what, &dump);
    }
    assert!(!err.contains("9 users"), "-u was applied\n{dump}");
    // Two users started, then two more: never the nine of -u.
    assert_eq!(server.count("GET", "/p/start"), 4, "{dump}");
    assert!(took >= Duration::from_secs(3), "the run ended after {took:?}, before the shape did");
    assert!(took < Duration::from_secs(6), "the run took {took:?}: it did not end at nil");
}

#[test]
fn an_error_in_tick_stops_the_run_with_its_traceback() {
    let server = TestServer::start();
    let script = format!(
        "{USERS}{}",
        r#"
local Broken = cicada.LoadTestShape:extend("Broken")
function Broken:tick()
  if self:get_run_time() > 0.5 then error("no more stages") end
  return 1, 10
end
"#
    );
    let (out, took) = run(&script, &server, &[]);
    let dump = out.dump();
    assert_eq!(out.code, Some(1), "an error in tick() exits as a task error does\n{dump}");
    let err = &out.stderr;
    let mut at = 0;
    // The message names the file and line; the traceback follows it.
    for what in [
        "Unhandled exception in load shape Broken:tick(): ",
        "shape.lua:",
        ": no more stages",
        "stack traceback:",
        "shape.lua:",
        "Shape test failed, shutting down",
    ] {
        at = line_after(err, at, what, &dump);
    }
    assert_eq!(server.count("GET", "/p/start"), 1, "{dump}");
    assert!(took < Duration::from_secs(5), "the run took {took:?}");
}

#[test]
fn a_tick_that_returns_no_count_is_an_error_naming_the_shape() {
    let server = TestServer::start();
    let script = format!(
        "{USERS}{}",
        r#"
local Typo = cicada.LoadTestShape:extend("Typo")
function Typo:tick() return "ten", 1 end
"#
    );
    let (out, _) = run(&script, &server, &[]);
    let dump = out.dump();
    assert_eq!(out.code, Some(1), "{dump}");
    assert!(
        out.stderr.contains(r#"Typo:tick() returned "ten" users: return users, spawn_rate"#),
        "{dump}"
    );
    assert_eq!(server.count("GET", "/p/start"), 0, "no user may start\n{dump}");
}

//! Requests that fail: refused connections, error statuses, timeouts and servers that break
//! the protocol. Each must be counted as a failure with a Locust-style message, never hang a
//! user, and leave the user able to make the next request.

use crate::util::{self, lua, TestServer};

#[test]
fn connection_refused_is_a_failure() {
    let host = format!("http://127.0.0.1:{}", util::dead_port());
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Refused")
User:task(function(self)
  local r = self.client:get("/")
  if r.status_code ~= 0 then error("status_code " .. tostring(r.status_code)) end
  if r.ok then error("a refused request is not ok") end
  if r.error == nil then error("no error on a refused request") end
  after(self, 3)
end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&host, 1));
    run.swarm_all(1);
    run.wait_stats("3 requests", |s| s.total.num_requests == 3);
    let snap = run.finish();
    util::assert_no_exceptions(&snap);
    assert_eq!((util::reqs(&snap, "GET", "/"), util::fails(&snap, "GET", "/")), (3, 3));
    let errors = util::errors_of(&snap, "GET", "/");
    assert_eq!(errors.len(), 1, "{}", util::describe(&snap));
    assert!(errors[0].error.contains("ConnectionRefusedError"), "error: {:?}", errors[0].error);
    assert_eq!(errors[0].occurrences, 3);
}

#[test]
fn error_statuses_are_failures_with_locusts_message() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Statuses")
User:task(function(self)
  self.client:get("/status/500")
  self.client:get("/status/404", { name = "missing" })
  self.client:get("/status/201")
  self.client:get("/status/204")
  after(self, 2)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 8);
    let d = util::describe(&snap);
    assert_eq!(util::fails(&snap, "GET", "/status/500"), 2, "{d}");
    assert_eq!(util::fails(&snap, "GET", "missing"), 2, "{d}");
    assert_eq!(util::fails(&snap, "GET", "/status/201"), 0, "{d}");
    assert_eq!(util::fails(&snap, "GET", "/status/204"), 0, "{d}");
    let e500 = util::errors_of(&snap, "GET", "/status/500");
    assert_eq!(e500.len(), 1, "{d}");
    assert_eq!(
        e500[0].error,
        "HTTPError('500 Server Error: Internal Server Error for url: /status/500')"
    );
    let e404 = util::errors_of(&snap, "GET", "missing");
    assert_eq!(e404.len(), 1, "{d}");
    assert_eq!(e404[0].error, "HTTPError('404 Client Error: Not Found for url: missing')");
}

#[test]
fn a_read_timeout_is_a_failure() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Impatient")
User:task(function(self)
  self.client:get("/slow?ms=3000", { timeout = 0.2, name = "slow" })
  local r = self.client:get("/")
  if r.text ~= "Success" then error("after a timeout: " .. tostring(r.text)) end
  error(cicada.StopUser)
end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(1);
    let snap = run.wait_stats("2 requests", |s| s.total.num_requests == 2);
    run.finish();
    util::assert_no_exceptions(&snap);
    assert_eq!(util::fails(&snap, "GET", "slow"), 1, "{}", util::describe(&snap));
    let slow = util::entry(&snap, "GET", "slow").expect("a slow entry");
    assert!(slow.max_response_time() < 2000.0, "gave up after {} ms", slow.max_response_time());
    let errors = util::errors_of(&snap, "GET", "slow");
    assert!(errors[0].error.contains("Timeout"), "error: {:?}", errors[0].error);
}

#[test]
fn a_hostile_server_causes_failures_not_hangs() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Brave", { wait_time = cicada.constant(0) })
User:task(function(self)
  self.client:get("/reset-mid-body", { timeout = 5 })
  self.client:get("/", { name = "after reset" })
  self.client:get("/garbage", { timeout = 5 })
  self.client:get("/", { name = "after garbage" })
  after(self, 3)
end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(2);
    run.wait_stats("24 requests", |s| s.total.num_requests == 24);
    let snap = run.finish();
    util::assert_no_exceptions(&snap);
    let d = util::describe(&snap);
    assert_eq!(util::fails(&snap, "GET", "/reset-mid-body"), 6, "{d}");
    assert_eq!(util::fails(&snap, "GET", "/garbage"), 6, "{d}");
    // The broken connection is dropped, and the next request gets a fresh one.
    assert_eq!(util::fails(&snap, "GET", "after reset"), 0, "{d}");
    assert_eq!(util::fails(&snap, "GET", "after garbage"), 0, "{d}");
    for e in &snap.errors {
        assert!(!e.error.is_empty(), "{d}");
        assert!(!e.error.contains("Timeout"), "a failure must come from the server's bytes: {d}");
    }
}

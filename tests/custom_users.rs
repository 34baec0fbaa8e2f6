//! Users that are not HTTP users report their own requests through `events.request`, and
//! listeners on that event see every request.

use crate::util::{self, lua, TestServer};

#[test]
fn a_plain_user_reports_requests_by_firing_the_request_event() {
    let script = lua(
        r#"
local User = cicada.User:extend("Custom", { wait_time = cicada.constant(0) })
User:task(function(self)
  cicada.events.request:fire{
    request_type = "grpc", name = "say_hello", response_time = 12.5, response_length = 42,
  }
  cicada.events.request:fire{
    request_type = "grpc", name = "say_hello", response_time = 3, response_length = 0,
    exception = "deadline exceeded",
  }
  after(self, 5)
end)
"#,
        &[],
    );
    // No host: a plain User needs none.
    let config = cicada_engine::RunConfig { shards: 1, ..Default::default() };
    let run = util::start(&script, config);
    run.swarm_all(1);
    run.wait_stats("10 requests", |s| s.total.num_requests == 10);
    let snap = run.finish();
    util::assert_no_exceptions(&snap);
    let e = util::entry(&snap, "grpc", "say_hello").expect("a grpc entry");
    assert_eq!((e.num_requests, e.num_failures), (10, 5), "{}", util::describe(&snap));
    assert_eq!(e.total_content_length, 5 * 42);
    assert_eq!(e.max_response_time_us, 12_500);
    assert_eq!(e.min_response_time_us, 3_000);
    let errors = util::errors_of(&snap, "grpc", "say_hello");
    assert_eq!(errors.len(), 1, "{}", util::describe(&snap));
    assert!(errors[0].error.contains("deadline exceeded"), "{:?}", errors[0].error);
    assert_eq!(errors[0].occurrences, 5);
}

#[test]
fn request_listeners_see_every_http_request() {
    let server = TestServer::start();
    let script = lua(
        r#"
local seen = {}
cicada.events.request:add_listener(function(ev)
  seen[#seen + 1] = ev
end)
local User = cicada.HttpUser:extend("Listened")
User:task(function(self)
  local before = #seen
  self.client:get("/hello")
  self.client:get("/status/404", { name = "missing" })
  if #seen ~= before + 2 then error("listener saw " .. (#seen - before) .. " requests, not 2") end
  local ok, bad = seen[before + 1], seen[before + 2]
  if ok.request_type ~= "GET" or ok.name ~= "/hello" then error("first event: " .. tostring(ok.name)) end
  if ok.response_length ~= 5 then error("response_length " .. tostring(ok.response_length)) end
  if type(ok.response_time) ~= "number" then error("response_time is not a number") end
  if ok.exception ~= nil then error("exception on a success") end
  if bad.name ~= "missing" or bad.exception == nil then error("second event: " .. tostring(bad.name)) end
  after(self, 3)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 6);
    util::assert_no_exceptions(&snap);
    assert_eq!(util::reqs(&snap, "GET", "/hello"), 3);
}

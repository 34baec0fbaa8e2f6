//! Request counting and naming, request options as the server receives them, response
//! fields as scripts see them, and connection reuse.

use crate::util::server::JSON_TEXT;
use crate::util::{self, lua, TestServer};

#[test]
fn every_request_is_counted_exactly_once() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Counter", { wait_time = cicada.constant(0) })
User:task(function(self)
  self.client:get("/hello")
  after(self, $K)
end)
"#,
        &[("K", &7)],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(3);
    run.wait_stats("21 requests", |s| util::reqs(s, "GET", "/hello") == 21);
    // Users that stop themselves are gone for good: no replacement, no further requests.
    util::wait_until(
        "every user to have stopped itself",
        util::DEADLINE,
        || run.control.user_count() == 0,
        || format!("{} users still running", run.control.user_count()),
    );
    let snap = run.finish();
    assert_eq!(server.count("GET", "/hello"), 21, "server saw: {:?}", server.lines());
    assert_eq!(server.total(), 21);
    assert_eq!(util::reqs(&snap, "GET", "/hello"), 21, "{}", util::describe(&snap));
    assert_eq!(util::fails(&snap, "GET", "/hello"), 0, "{}", util::describe(&snap));
    assert_eq!(snap.total.num_requests, 21);
    assert_eq!(snap.total.num_failures, 0);
    assert_eq!(snap.entries.len(), 1, "{}", util::describe(&snap));
    assert!(snap.errors.is_empty());
    util::assert_no_exceptions(&snap);
}

#[test]
fn name_option_merges_urls_into_one_entry() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Items")
User:task(function(self)
  for id = 1, 10 do
    self.client:get("/item?id=" .. id, { name = "/item" })
  end
  error(cicada.StopUser)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 10);
    assert_eq!(snap.entries.len(), 1, "{}", util::describe(&snap));
    assert_eq!(util::reqs(&snap, "GET", "/item"), 10, "{}", util::describe(&snap));
    let queries: Vec<String> = server.log().into_iter().map(|r| r.query).collect();
    let expected: Vec<String> = (1..=10).map(|i| format!("id={i}")).collect();
    assert_eq!(queries, expected);
}

#[test]
fn default_name_is_the_url_as_given() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Items")
User:task(function(self)
  self.client:get("/item?id=1")
  self.client:get("/item?id=2")
  self.client:get("/item?id=2")
  error(cicada.StopUser)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 3);
    assert_eq!(util::reqs(&snap, "GET", "/item?id=1"), 1, "{}", util::describe(&snap));
    assert_eq!(util::reqs(&snap, "GET", "/item?id=2"), 2, "{}", util::describe(&snap));
    assert_eq!(server.count("GET", "/item"), 3);
}

#[test]
fn every_http_method_is_sent_and_counted() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Methods")
User:task(function(self)
  self.client:get("/p/m")
  self.client:post("/p/m")
  self.client:put("/p/m")
  self.client:patch("/p/m")
  self.client:delete("/p/m")
  self.client:head("/p/m")
  self.client:options("/p/m")
  self.client:request("POST", "/p/m")
  error(cicada.StopUser)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 8);
    for (method, n) in [
        ("GET", 1),
        ("POST", 2),
        ("PUT", 1),
        ("PATCH", 1),
        ("DELETE", 1),
        ("HEAD", 1),
        ("OPTIONS", 1),
    ] {
        assert_eq!(server.count(method, "/p/m"), n, "{method} on the server: {:?}", server.lines());
        assert_eq!(util::reqs(&snap, method, "/p/m"), n, "{method}: {}", util::describe(&snap));
    }
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
}

#[test]
fn request_options_reach_the_server() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Options")
User:task(function(self)
  self.client:post("/echo", { json = { a = 1, b = "x" } })
  self.client:post("/echo", { data = "raw body", headers = { ["Content-Type"] = "text/plain" } })
  self.client:post("/echo", { data = { k = "v", n = "2" } })
  self.client:get("/p/params", { params = { q = "lua", n = 3 } })
  self.client:get("/p/headers", { headers = { ["X-Test"] = "yes" } })
  self.client:get("/p/auth", { auth = { "user", "pass" } })
  self.client:get("/p/cookies", { cookies = { flavour = "oat" } })
  error(cicada.StopUser)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 7);
    util::assert_no_exceptions(&snap);
    let log = server.log();
    assert_eq!(log.len(), 7, "server saw: {:?}", server.lines());

    let json: serde_json::Value =
        serde_json::from_slice(&log[0].body).expect("the json option sends JSON");
    assert_eq!(json, serde_json::json!({ "a": 1, "b": "x" }));
    assert!(
        log[0].header("content-type").is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        log[0].headers
    );

    assert_eq!(log[1].body, b"raw body");
    assert_eq!(log[1].header("content-type"), Some("text/plain"));

    let mut form: Vec<&str> =
        std::str::from_utf8(&log[2].body).expect("a form body is text").split('&').collect();
    form.sort_unstable();
    assert_eq!(form, ["k=v", "n=2"]);
    assert_eq!(log[2].header("content-type"), Some("application/x-www-form-urlencoded"));

    let mut params: Vec<&str> = log[3].query.split('&').collect();
    params.sort_unstable();
    assert_eq!(params, ["n=3", "q=lua"]);

    assert_eq!(log[4].header("x-test"), Some("yes"));
    assert_eq!(log[5].header("authorization"), Some("Basic dXNlcjpwYXNz"));
    assert!(
        log[6].header("cookie").is_some_and(|c| c.contains("flavour=oat")),
        "{:?}",
        log[6].headers
    );
    let host = server.url().trim_start_matches("http://").to_owned();
    for r in &log {
        assert_eq!(r.header("host"), Some(host.as_str()), "{} {}", r.method, r.path);
    }
}

#[test]
fn responses_expose_status_text_headers_and_json() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Reader")
local function check(cond, what)
  if not cond then error("check failed: " .. what) end
end
User:task(function(self)
  local r = self.client:get("/json")
  check(r.status_code == 200, "status_code " .. tostring(r.status_code))
  check(r.ok == true, "ok")
  check(r.text == '$JSON', "text " .. tostring(r.text))
  local doc = r:json()
  check(doc.name == "cicada", "json name")
  check(doc.items[2] == 2, "json items")
  check(doc.nested.ok == true, "json nested")
  check(r.headers["Content-Type"] == "application/json", "header by exact name")
  check(r.headers["content-type"] == "application/json", "header by lower-case name")
  check(r.url == "$HOST/json", "url " .. tostring(r.url))
  check(r.elapsed ~= nil, "elapsed")
  check(r.error == nil, "no error on success")

  local missing = self.client:get("/status/404")
  check(missing.status_code == 404, "404 status")
  check(missing.ok == false, "404 is not ok")
  check(missing.text == "status 404", "404 text")

  local sized = self.client:get("/bytes/1234")
  check(#sized.text == 1234, "1234 bytes")
  error(cicada.StopUser)
end)
"#,
        &[("JSON", &JSON_TEXT), ("HOST", &server.url())],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(1);
    let snap = run.wait_stats("3 requests", |s| s.total.num_requests == 3);
    util::assert_no_exceptions(&snap);
    let snap = run.finish();
    util::assert_no_exceptions(&snap);
    assert_eq!(util::fails(&snap, "GET", "/status/404"), 1, "{}", util::describe(&snap));
    let sized = util::entry(&snap, "GET", "/bytes/1234").expect("an entry for /bytes/1234");
    assert_eq!(sized.total_content_length, 1234);
    let json = util::entry(&snap, "GET", "/json").expect("an entry for /json");
    assert_eq!(json.total_content_length, JSON_TEXT.len() as u64);
}

#[test]
fn each_user_keeps_its_connection_alive() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("KeepAlive")
User:task(function(self)
  self.client:get("/hello")
  after(self, 10)
end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(3);
    run.wait_stats("30 requests", |s| s.total.num_requests == 30);
    let snap = run.finish();
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    // Locust semantics: one connection pool per user, reused across requests.
    assert_eq!(server.connections(), 3, "one connection per user");
}

#[test]
fn a_shared_pool_stays_within_its_size() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Shared", { pool = "shared", pool_size = 2 })
User:task(function(self)
  self.client:get("/slow?ms=20", { name = "/slow" })
  after(self, 3)
end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(20);
    run.wait_stats("60 requests", |s| s.total.num_requests == 60);
    let snap = run.finish();
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    // 20 users, 2 connections: the others waited their turn instead of opening more.
    assert_eq!(server.connections(), 2, "the pool's size bounds its connections");
    assert_eq!(server.count("GET", "/slow"), 60);
}

#[test]
fn connection_close_is_honoured() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Closer")
User:task(function(self)
  self.client:get("/close")
  after(self, 5)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 5);
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    assert_eq!(server.count("GET", "/close"), 5);
    assert_eq!(server.connections(), 5, "a new connection after each `Connection: close`");
}

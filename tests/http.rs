//! HTTP behaviour scripts rely on: cookies, redirects, compressed and chunked bodies, and
//! `catch_response`.

use crate::util::server::{header, CHUNKS, GZIP_TEXT};
use crate::util::{self, lua, TestServer};

#[test]
fn cookies_persist_per_user() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Cookies")
function User:on_start()
  self.me = "u" .. math.random(1, 1000000000)
  self.client:post("/login?u=" .. self.me)
end
User:task(function(self)
  local r = self.client:get("/whoami")
  if r.text ~= "session=" .. self.me then
    error("whoami said " .. tostring(r.text) .. " to " .. self.me)
  end
  after(self, 3)
end)
"#,
        &[],
    );
    let run = util::start(&script, util::config(&server.url(), 1));
    run.swarm_all(3);
    run.wait_stats("12 requests", |s| s.total.num_requests == 12);
    let snap = run.finish();
    util::assert_no_exceptions(&snap);
    assert_eq!(server.count("POST", "/login"), 3);
    for headers in server.headers_of("/login") {
        assert_eq!(header(&headers, "cookie"), None, "no cookie before logging in");
    }
    let cookies: Vec<String> = server
        .headers_of("/whoami")
        .iter()
        .map(|h| header(h, "cookie").unwrap_or("").to_owned())
        .collect();
    assert_eq!(cookies.len(), 9);
    assert!(cookies.iter().all(|c| c.starts_with("session=u")), "{cookies:?}");
}

#[test]
fn redirects_are_followed_and_counted_under_the_first_name() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Redirects")
local function check(cond, what)
  if not cond then error("check failed: " .. what) end
end
User:task(function(self)
  local r = self.client:get("/redirect/3")
  check(r.status_code == 200, "followed status " .. tostring(r.status_code))
  check(r.text == "Success", "followed text " .. tostring(r.text))
  check(r.url == "$HOST/", "final url " .. tostring(r.url))

  local raw = self.client:get("/redirect/2", { allow_redirects = false })
  check(raw.status_code == 302, "unfollowed status " .. tostring(raw.status_code))
  check(raw.headers["Location"] == "/redirect/1", "location " .. tostring(raw.headers["Location"]))

  local posted = self.client:post("/redirect/1", { data = "x" })
  check(posted.status_code == 200, "post then redirect " .. tostring(posted.status_code))
  after(self, 2)
end)
"#,
        &[("HOST", &server.url())],
    );
    let snap = util::one_user(&script, &server.url(), 6);
    util::assert_no_exceptions(&snap);
    assert_eq!(util::reqs(&snap, "GET", "/redirect/3"), 2, "{}", util::describe(&snap));
    assert_eq!(util::reqs(&snap, "GET", "/redirect/2"), 2, "{}", util::describe(&snap));
    assert_eq!(util::reqs(&snap, "POST", "/redirect/1"), 2, "{}", util::describe(&snap));
    assert_eq!(snap.entries.len(), 3, "hops are not entries: {}", util::describe(&snap));
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    assert_eq!(server.count("GET", "/redirect/3"), 2);
    assert_eq!(server.count("GET", "/redirect/2"), 4, "two followed, two not");
    assert_eq!(server.count("GET", "/redirect/1"), 2, "one hop of each followed chain");
    // requests (so Locust) turns a POST answered by 302 into a GET.
    assert_eq!(server.count("POST", "/redirect/1"), 2);
    assert_eq!(server.count("GET", "/"), 4, "{:?}", server.lines());
}

#[test]
fn gzip_and_chunked_bodies_are_decoded() {
    let server = TestServer::start();
    let chunked_text = CHUNKS.concat();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Bodies")
User:task(function(self)
  local g = self.client:get("/gzip")
  if g.text ~= "$GZIP" then error("gzip body: " .. tostring(g.text)) end
  local c = self.client:get("/chunked")
  if c.text ~= "$CHUNKED" then error("chunked body: " .. tostring(c.text)) end
  -- The connection is still good after a chunked body.
  local after_chunked = self.client:get("/")
  if after_chunked.text ~= "Success" then error("after chunked: " .. tostring(after_chunked.text)) end
  after(self, 3)
end)
"#,
        &[("GZIP", &GZIP_TEXT), ("CHUNKED", &chunked_text)],
    );
    let snap = util::one_user(&script, &server.url(), 9);
    util::assert_no_exceptions(&snap);
    assert_eq!(snap.total.num_failures, 0, "{}", util::describe(&snap));
    let gzip = util::entry(&snap, "GET", "/gzip").expect("a /gzip entry");
    assert_eq!(gzip.total_content_length, 3 * GZIP_TEXT.len() as u64, "decoded length counted");
    let chunked = util::entry(&snap, "GET", "/chunked").expect("a /chunked entry");
    assert_eq!(chunked.total_content_length, 3 * chunked_text.len() as u64);
    for headers in server.headers_of("/gzip") {
        let accept = header(&headers, "accept-encoding").unwrap_or("");
        assert!(accept.contains("gzip"), "Accept-Encoding: {accept:?}");
    }
    assert_eq!(server.connections(), 1, "chunked bodies keep the connection reusable");
}

#[test]
fn catch_response_decides_success_and_failure() {
    let server = TestServer::start();
    let script = lua(
        r#"
local User = cicada.HttpUser:extend("Catcher")
User:task(function(self)
  self.client:get("/", { catch_response = true }, function(resp)
    if resp.text == "Success" then resp:failure("Got wrong response") end
  end)
  self.client:get("/status/404", { catch_response = true, name = "rescued" }, function(resp)
    if resp.status_code == 404 then resp:success() end
  end)
  self.client:get("/hello", { catch_response = true, name = "untouched" }, function(resp) end)
  self.client:get("/status/500", { catch_response = true, name = "unhandled" }, function(resp) end)
  after(self, 2)
end)
"#,
        &[],
    );
    let snap = util::one_user(&script, &server.url(), 8);
    util::assert_no_exceptions(&snap);
    let d = util::describe(&snap);
    assert_eq!((util::reqs(&snap, "GET", "/"), util::fails(&snap, "GET", "/")), (2, 2), "{d}");
    assert_eq!(util::fails(&snap, "GET", "rescued"), 0, "{d}");
    assert_eq!(util::reqs(&snap, "GET", "rescued"), 2, "{d}");
    assert_eq!(util::fails(&snap, "GET", "untouched"), 0, "{d}");
    assert_eq!(util::fails(&snap, "GET", "unhandled"), 2, "a 500 left alone still fails: {d}");
    let errors = util::errors_of(&snap, "GET", "/");
    assert_eq!(errors.len(), 1, "{d}");
    assert_eq!(errors[0].error, "Got wrong response");
    assert_eq!(errors[0].occurrences, 2);
}
